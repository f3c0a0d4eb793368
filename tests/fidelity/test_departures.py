"""The departure table is data (departures.py) mirrored in docs/caffe2-compatibility.md.

These checks need no Caffe2: the table's shape, and that the document lists exactly the
same departures with the same reasons (the tests that compare with Caffe2 check that each
entry still matches a real difference).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from departures import DEPARTURES
from fidelity_lib import check, compare_arrays

DOC = Path(__file__).resolve().parents[2] / "docs" / "caffe2-compatibility.md"
AREAS = ("forward", "gradient", "only", "print", "drawer", "model", "workspace", "schedule",
         "finding", "builder")


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


def expected_rows() -> str:
    """The markdown table the doc should hold between its departure markers."""
    lines = ["| id | reason |", "| --- | --- |"]
    lines += [f"| `{d.id}` | {d.reason} |" for d in DEPARTURES]
    return "\n".join(lines)


def test_the_doc_mirrors_the_table() -> None:
    rows = _doc_rows()
    fix = ("docs/caffe2-compatibility.md must list the departures of tests/fidelity/"
           "departures.py in the same order with the same reasons; put this between its "
           "departure markers:\n" + expected_rows())
    assert list(rows) == [d.id for d in DEPARTURES], fix
    for dep in DEPARTURES:
        assert rows[dep.id] == dep.reason, f"{dep.id}: the reason differs.\n{fix}"


def test_an_unlisted_difference_fails_and_names_its_place() -> None:
    with pytest.raises(AssertionError, match=r"forward:NoSuchOp/case:values:out0: x"):
        check("forward", {**_all_listed("forward"), "forward:NoSuchOp/case:values:out0": "x"})


def test_a_departure_that_matches_nothing_fails() -> None:
    with pytest.raises(AssertionError, match="slope-policy"):
        check("schedule", {})


def test_array_comparison_fields() -> None:
    out: dict[str, str] = {}
    compare_arrays("forward:Op/c:values:y", np.float32(1.0), np.array(1.0, np.float32), out)
    assert list(out) == ["forward:Op/c:type:y"]
    out.clear()
    compare_arrays("k:values:y", np.zeros(3), np.zeros(4), out)
    assert list(out) == ["k:shape:y"]
    out.clear()
    compare_arrays("k:values:y", np.array([1, 2], np.int32), np.array([1, 2], np.int64), out)
    assert list(out) == ["k:dtype:y"]
    out.clear()
    compare_arrays("k:values:y", np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-4]), out)
    assert list(out) == ["k:values:y"]
    out.clear()
    compare_arrays("k:values:y", np.array([1.0, 2.0]), np.array([1.0, 2.0 * (1 + 1e-7)]), out)
    assert out == {}


def _all_listed(area: str) -> dict[str, str]:
    """One made-up difference per pattern of ``area``'s departures, so none is stale."""
    keys = {}
    for dep in DEPARTURES:
        for pattern in dep.where:
            if pattern.startswith(area + ":"):
                keys[pattern.replace("*", "x")] = "listed"
    return keys
