"""Shared machinery of the fidelity suite: differences, the departure table, comparisons.

Every test in ``tests/fidelity/`` runs the same program in graphlab and in real Caffe2
(see ``tests/caffe2_oracle.py``) and turns what differs into *differences*: a dict
``{key: detail}``. A key names the place exactly, ``area:subject:field``, for example

* ``forward:Add/legacy-axis1:values:out0`` (an op case's output value),
* ``gradient:Exp/2d:ops`` (the gradient ops AddGradientOperators emitted),
* ``print:seed-train:text``, ``drawer:seed-train:edges``, ``workspace:SwitchWorkspace:return``.

:func:`check` fails the test when a difference is not matched by an entry of the departure
table (``departures.py``), printing every unlisted key with its detail, and also when an
entry of that area matches nothing any more (a departure that was fixed must leave the table).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from typing import Any

import numpy as np
from departures import DEPARTURES, Departure

RTOL = 1e-5
ATOL = 1e-7
F32_SCALE_ATOL = 1e-6  # × the largest |value| of a float32 array (see compare_arrays)


def listed_by(key: str) -> Departure | None:
    """The departure whose patterns match ``key``, or None."""
    for dep in DEPARTURES:
        if any(fnmatch.fnmatchcase(key, pattern) for pattern in dep.where):
            return dep
    return None


def check(area: str, differences: dict[str, str], covered: Iterable[str] = ()) -> None:
    """Fail on a difference no departure lists, or on a departure of ``area`` nothing matches.

    ``covered`` names extra areas whose departures this check also owns (a test that
    compares several areas at once).
    """
    unlisted = {k: v for k, v in differences.items() if listed_by(k) is None}
    areas = [area, *covered]
    used = {listed_by(k).id for k in differences if listed_by(k) is not None}
    stale = [
        dep.id for dep in DEPARTURES
        if any(p.split(":", 1)[0] in areas for p in dep.where) and dep.id not in used
    ]
    lines = []
    if unlisted:
        lines.append(f"{len(unlisted)} difference(s) from real Caffe2 not in the departure "
                     "table (tests/fidelity/departures.py):")
        lines += [f"  {k}: {v}" for k, v in sorted(unlisted.items())]
    if stale:
        lines.append(f"departures of area {areas} that no longer differ (remove them from "
                     f"departures.py and docs/caffe2-compatibility.md): {stale}")
    assert not lines, "\n".join(lines)


def compare_arrays(key: str, mine: Any, theirs: Any, out: dict[str, str]) -> None:
    """Record the differences of shape, dtype and value between two arrays under ``key``.

    Floats compare with ``rtol=1e-5`` (and a tiny ``atol`` for values near zero; for
    float32, ``1e-6`` times the array's largest magnitude, the rounding of a sum);
    integers, booleans and strings exactly.
    """
    if not isinstance(mine, np.ndarray):
        out[key.replace(":values:", ":type:")] = (
            f"graphlab gives a {type(mine).__name__}, Caffe2 an ndarray")
    a, b = np.asarray(mine), np.asarray(theirs)
    if a.shape != b.shape:
        out[f"{key.replace(':values:', ':shape:')}"] = f"graphlab {a.shape}, Caffe2 {b.shape}"
        return
    if a.dtype != b.dtype:
        out[f"{key.replace(':values:', ':dtype:')}"] = f"graphlab {a.dtype}, Caffe2 {b.dtype}"
    numeric = a.dtype.kind in "biufc" and b.dtype.kind in "biufc"
    if numeric and (a.dtype.kind in "fc" or b.dtype.kind in "fc"):
        atol = ATOL
        if np.float32 in (a.dtype, b.dtype) and b.size and np.isfinite(b).any():
            # a float32 sum (a convolution, a batch mean) rounds at the scale of its largest
            # terms, and two libraries add in different orders: a value near 0 may then
            # differ in more than its own last bits. Allow ~8 float32 ulps of the largest.
            atol = max(ATOL, F32_SCALE_ATOL * float(np.nanmax(np.abs(b[np.isfinite(b)]))))
        if not np.allclose(a, b, rtol=RTOL, atol=atol, equal_nan=True):
            worst = float(np.nanmax(np.abs(a.astype(np.float64) - b.astype(np.float64))))
            out[key] = (f"max |difference| {worst:.3g}; graphlab {_short(a)}, "
                        f"Caffe2 {_short(b)}")
    elif not np.array_equal(a, b):
        out[key] = f"graphlab {_short(a)}, Caffe2 {_short(b)}"


def _short(a: np.ndarray) -> str:
    text = np.array2string(np.asarray(a).ravel()[:6], precision=6, separator=", ")
    return text + (" ..." if np.asarray(a).size > 6 else "")


def op_record(op: Any) -> dict[str, Any]:
    """An operator as plain data, the same shape the Caffe2 programs produce."""
    return {
        "type": op.type,
        "input": list(op.input),
        "output": list(op.output),
        "name": op.name,
        "args": [[a.name, a.field_name, _arg_value(a)] for a in op.arg],
        "is_gradient_op": bool(op.is_gradient_op),
    }


def _arg_value(a: Any) -> Any:
    value = a.value
    if a.field_name == "f":
        return float(np.float32(value))
    if a.field_name == "floats":
        return [float(np.float32(v)) for v in value]
    if a.field_name in ("n", "nets"):
        return str(value)
    return value


def compare_records(key: str, mine: list[dict], theirs: list[dict], out: dict[str, str]) -> None:
    """Record a difference under ``key`` when two op lists differ, showing the first change."""
    if mine == theirs:
        return
    for k, (a, b) in enumerate(zip(mine, theirs)):
        if a != b:
            fields = [f for f in a if a[f] != b.get(f)]
            out[key] = (f"op {k} differs in {fields}: graphlab {_op_line(a)}, "
                        f"Caffe2 {_op_line(b)}")
            return
    out[key] = (f"graphlab emits {len(mine)} ops {[_op_line(a) for a in mine]}, Caffe2 "
                f"{len(theirs)} {[_op_line(b) for b in theirs]}")


def _op_line(rec: dict) -> str:
    args = ", ".join(f"{n}={v!r}" for n, _, v in rec["args"])
    text = f"{rec['type']}({', '.join(rec['input'])}) -> ({', '.join(rec['output'])})"
    return text + (f" [{args}]" if args else "")


#: Turns an operator into the record :func:`op_record` makes, inside a Caffe2 program.
CAFFE2_OP_RECORD = '''
import numpy as _np

def _arg_value(a):
    if a.HasField("f"):
        return "f", float(_np.float32(a.f))
    if a.HasField("i"):
        return "i", int(a.i)
    if a.HasField("s"):
        return "s", a.s.decode("utf-8")
    if a.HasField("n"):
        return "n", str(a.n)
    if len(a.floats):
        return "floats", [float(_np.float32(v)) for v in a.floats]
    if len(a.strings):
        return "strings", [s.decode("utf-8") for s in a.strings]
    if len(a.nets):
        return "nets", [str(n) for n in a.nets]
    return "ints", [int(v) for v in a.ints]

def op_record(op):
    args = []
    for a in op.arg:
        field, value = _arg_value(a)
        args.append([a.name, field, value])
    return {"type": op.type, "input": list(op.input), "output": list(op.output),
            "name": op.name, "args": args, "is_gradient_op": bool(op.is_gradient_op)}

def to_plain(value):
    """A fetched blob as an array np.savez can carry (byte strings become text)."""
    arr = _np.asarray(value)
    if arr.dtype == object:
        return _np.array([v.decode("utf-8") if isinstance(v, bytes) else str(v)
                          for v in arr.ravel()]).reshape(arr.shape)
    return arr
'''
