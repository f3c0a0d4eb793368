"""The programs of ``programs.py`` in both systems: printed nets, drawings, ModelHelper/brew/
optimizer nets and training, workspace return values and errors, LearningRate policies.

Difference keys are ``<area>:<program>/<what>:<field>`` with the area taken from what was
recorded: ``print`` (net text), ``drawer`` (pydot graphs), ``model`` (op lists, params,
trajectories), ``workspace`` (``call`` results), ``schedule`` (learning rates) and
``finding`` (anything else a program reports).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pytest
from caffe2_oracle import requires_caffe2, run_caffe2, run_graphlab
from caffe2_programs import port
from fidelity_lib import RTOL, check
from programs import CAFFE2_TEXT, GRAPHLAB_TEXT, HELPERS, PROGRAMS, RUNNER

AREAS = {"text": "print", "str": "print", "op-str": "print", "graph": "drawer",
         "ops": "model", "params": "model", "get-params": "model", "losses": "model",
         "trained": "model", "gradient_map": "model", "call": "workspace",
         "lr": "schedule", "lr-dtype": "schedule", "lr-error": "schedule",
         "accuracy": "model"}


@cache
def results() -> tuple[dict[str, Any], dict[str, Any]]:
    """``(graphlab's, Caffe2's)`` results: ``{program: {key: value}}``."""
    theirs = run_caffe2(HELPERS + CAFFE2_TEXT + RUNNER, params=PROGRAMS)
    ported = [(name, port(source)) for name, source in PROGRAMS]
    mine = run_graphlab(HELPERS + GRAPHLAB_TEXT + RUNNER, params=ported)
    return mine, theirs


def _first_line_difference(a: str, b: str) -> str:
    la, lb = a.splitlines(), b.splitlines()
    for k, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return f"line {k + 1}: graphlab {x!r}, Caffe2 {y!r}"
    return f"graphlab has {len(la)} lines, Caffe2 {len(lb)}"


def _close(a: Any, b: Any) -> bool:
    """Equal, with floats (also inside lists and dicts) compared to ``RTOL``."""
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) \
                and not isinstance(a, bool) and not isinstance(b, bool):
            return bool(np.isclose(a, b, rtol=RTOL, atol=1e-7, equal_nan=True))
        return False
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    return a == b


def _short(value: Any, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + " ..."


def _compare_graph(key: str, a: dict, b: dict, out: dict[str, str]) -> None:
    for field in ("name", "rankdir"):
        if a[field] != b[field]:
            out[f"{key}:{field}"] = f"graphlab {a[field]!r}, Caffe2 {b[field]!r}"
    for field in ("nodes", "edges"):
        mine = {tuple(x) for x in a[field]}
        theirs = {tuple(x) for x in b[field]}
        if mine != theirs:
            out[f"{key}:{field}"] = (f"only in graphlab: {_short(sorted(mine - theirs))}; "
                                     f"only in Caffe2: {_short(sorted(theirs - mine))}")


def _compare_call(key: str, a: dict, b: dict, out: dict[str, str]) -> None:
    if "raises" in b and "raises" in a:
        if b["raises"][0] not in a["raises"]:
            out[f"{key}:exception"] = (f"graphlab raises {a['raises'][0]} (a "
                                       f"{', '.join(a['raises'][1:])}), Caffe2 "
                                       f"{b['raises'][0]}")
    elif not _close(a, b):
        out[f"{key}:result"] = f"graphlab {_short(a)}, Caffe2 {_short(b)}"


@cache
def differences() -> dict[str, str]:
    mine_all, theirs_all = results()
    diffs: dict[str, str] = {}
    for program, _ in PROGRAMS:
        mine, theirs = mine_all[program], theirs_all[program]
        for side, res in (("graphlab", mine), ("Caffe2", theirs)):
            if "program failed" in res:
                diffs[f"finding:{program}/program:failed in {side}"] = res["program failed"]
        for name in dict.fromkeys([*theirs, *mine]):
            if name == "program failed":
                continue
            kind, _, what = name.partition(":")
            area = AREAS.get(kind, "finding")
            if kind == "call" and program == "models":
                area = "model"
            if program == "builder" and kind != "str":
                area = "builder"
            key = f"{area}:{program}/{what or kind}"
            if name not in mine or name not in theirs:
                who = "Caffe2" if name in theirs else "graphlab"
                diffs[f"{key}:missing"] = f"recorded only by {who}"
                continue
            a, b = mine[name], theirs[name]
            if kind == "graph":
                _compare_graph(key, a, b, diffs)
            elif kind == "call":
                _compare_call(key, a, b, diffs)
            elif kind in ("text", "str", "op-str"):
                if a != b:
                    diffs[f"{key}:{kind}"] = _first_line_difference(a, b)
            elif not _close(a, b):
                diffs[f"{key}:{kind}"] = f"graphlab {_short(a)}, Caffe2 {_short(b)}"
    return diffs


def _area(area: str) -> dict[str, str]:
    return {k: v for k, v in differences().items() if k.startswith(area + ":")}


@requires_caffe2
@pytest.mark.parametrize("area", ["print", "drawer", "model", "workspace", "schedule",
                                  "finding", "builder"])
def test_programs_match_caffe2(area: str) -> None:
    check(area, _area(area))


@requires_caffe2
def test_the_programs_record_something_in_every_area() -> None:
    mine, theirs = results()
    kinds = {name.partition(":")[0] for res in theirs.values() for name in res}
    assert {"text", "graph", "ops", "call", "lr"} <= kinds
    assert len(theirs["schedules"]) >= 2 * 18
