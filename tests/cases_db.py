"""Test cases for graphlab/ops/db.py.

``CreateDB`` and ``TensorProtosDBInput`` read databases on disk and keep a reader between
runs, which the one-shot generic runner cannot express; tests/test_db.py tests them
(batches, wrap-around, shapes and dtypes, errors that leave the reader where it was).
"""

from __future__ import annotations

CASES: dict = {}

TESTED_ELSEWHERE = {
    "CreateDB": "tests/test_db.py (opens minidb and lmdb files the test writes)",
    "TensorProtosDBInput": "tests/test_db.py (successive batches, wrap-around, errors)",
}
