"""The departure table is data (departures.py) mirrored in docs/caffe2-compatibility.md.

These checks need no Caffe2: the table's shape, and that the document lists exactly the
same departures with the same reasons (the tests that compare with Caffe2 check that each
entry still matches a real difference).
"""

from __future__ import annotations

import re
from pathlib import Path

from departures import DEPARTURES

DOC = Path(__file__).resolve().parents[2] / "docs" / "caffe2-compatibility.md"
AREAS = ("forward", "gradient", "only", "print", "drawer", "model", "workspace", "schedule",
         "finding")


def _doc_rows() -> dict[str, str]:
    """``{id: reason}`` from the doc's departure table (rows ``| `id` | reason |``)."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("<!-- departures: begin -->", 1)[1].split("<!-- departures: end -->")[0]
    rows = re.findall(r"^\| `([\w-]+)` \| (.*) \|$", section, flags=re.M)
    return dict(rows)


def test_every_departure_is_well_formed() -> None:
    ids = [d.id for d in DEPARTURES]
    assert len(ids) == len(set(ids)), "departure ids must be unique"
    for dep in DEPARTURES:
        assert dep.where, dep.id
        assert all(p.split(":", 1)[0] in AREAS for p in dep.where), (dep.id, dep.where)
        assert len(dep.reason) > 40 and "|" not in dep.reason, dep.id


def test_the_doc_mirrors_the_table() -> None:
    rows = _doc_rows()
    assert list(rows) == [d.id for d in DEPARTURES], (
        "docs/caffe2-compatibility.md must list the departures of tests/fidelity/"
        "departures.py in the same order")
    for dep in DEPARTURES:
        assert rows[dep.id] == dep.reason, f"{dep.id}: the doc's reason differs from the table's"
