"""Every operator, tested the same way from the cases in ``tests/cases_*.py``.

Each ``cases_<family>.py`` module defines ``CASES`` ({op type: [Case, ...]}, see
``op_case.py``), ``GRADIENT_OPS`` ({gradient op type: forward op type}) and optionally
``TESTED_ELSEWHERE`` ({op type: where and why}). From them this file runs:

* the forward check of every case: the op's outputs against the case's independent
  NumPy reference (values, shape, dtype), also run in place when ``case.inplace``, and
  the op must leave every input it does not overwrite unchanged;
* the numeric gradient check of every case of a differentiable op (float64, see
  :mod:`graphlab.gradient_checker`), unless the case gives a ``skip_grad`` reason or
  has only integer inputs. An ``inplace`` case is differentiated in place (output 0
  over input 0); an op whose gradient needs the overwritten input may instead refuse
  with a GradientError that says "in-place" (Caffe2's Mul does);
* meta-tests: every registered op (except test-only ops whose names start with "_") is
  covered, every differentiable op has at least one gradient-checked case, and every
  listed gradient op is really emitted by its forward op's gradient.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pytest
from op_case import Case

from graphlab import core, workspace
from graphlab.errors import GradientError
from graphlab.gradient_checker import check_op_gradient, op_blob_names
from graphlab.gradients import build_backward
from graphlab.registry import get_schema, has_op, op_names

# ---- collecting the cases ----------------------------------------------------------------

_MODULES = [
    importlib.import_module(p.stem)
    for p in sorted(Path(__file__).parent.glob("cases_*.py"))
]

CASES: dict[str, list[Case]] = {}
GRADIENT_OPS: dict[str, str] = {}
TESTED_ELSEWHERE: dict[str, str] = {}
_SOURCE: dict[str, str] = {}
for _mod in _MODULES:
    for _op, _cases in getattr(_mod, "CASES", {}).items():
        if _op in CASES:
            raise AssertionError(f"{_op} has cases in {_SOURCE[_op]} and {_mod.__name__}")
        CASES[_op] = list(_cases)
        _SOURCE[_op] = _mod.__name__
    GRADIENT_OPS.update(getattr(_mod, "GRADIENT_OPS", {}))
    TESTED_ELSEWHERE.update(getattr(_mod, "TESTED_ELSEWHERE", {}))


def _case_id(op_type: str, k: int, case: Case) -> str:
    return f"{op_type}-{case.id or k}"


def _differentiable(op_type: str) -> bool:
    return has_op(op_type) and get_schema(op_type).differentiable


FORWARD = [
    pytest.param(op, case, id=_case_id(op, k, case))
    for op, cases in CASES.items()
    for k, case in enumerate(cases)
]

def _has_float_input(case: Case) -> bool:
    if case.grad_inputs is not None:
        return True
    inputs = case.make_inputs(np.random.default_rng(0))
    return any(np.issubdtype(np.asarray(x).dtype, np.floating) for x in inputs)


def _gradient_checked(case: Case) -> bool:
    """A case gets a gradient check unless it says why not or has only integer inputs."""
    return not case.skip_grad and _has_float_input(case)


GRADIENT = [
    pytest.param(op, case, id=_case_id(op, k, case))
    for op, cases in CASES.items()
    if _differentiable(op)
    for k, case in enumerate(cases)
    if _gradient_checked(case)
]


def _as_list(result) -> list:
    return list(result) if isinstance(result, tuple) else [result]


# ---- forward ------------------------------------------------------------------------------


@pytest.mark.parametrize(("op_type", "case"), FORWARD)
def test_forward_matches_reference(op_type: str, case: Case):
    workspace.SetRandomSeed(0)
    inputs = [np.asarray(x) for x in case.make_inputs(np.random.default_rng(0))]
    originals = [x.copy() for x in inputs]
    expected_first = None
    if case.n_outputs is None:
        expected_first = _as_list(case.reference(*[x.copy() for x in inputs], **case.args))
        n_out = len(expected_first)
    else:
        n_out = case.n_outputs
    in_names, out_names = op_blob_names(op_type, len(inputs), n_out, case.inplace)
    for name, value in zip(in_names, inputs):
        workspace.FeedBlob(name, value)
    op = core.CreateOperator(op_type, in_names, out_names, **case.args)
    workspace.RunOperatorOnce(op)

    expected = _as_list(case.reference(*[x.copy() for x in originals], **case.args))
    if expected_first is not None:
        assert len(expected) == len(expected_first)
    assert len(expected) == n_out, f"reference gives {len(expected)} outputs, op has {n_out}"
    for name, want in zip(out_names, expected):
        want = np.asarray(want)
        got = workspace.FetchBlob(name)
        assert got.shape == want.shape, f"{name}: shape {got.shape}, expected {want.shape}"
        if case.check_dtype:
            assert got.dtype == want.dtype, f"{name}: dtype {got.dtype}, expected {want.dtype}"
        if np.issubdtype(want.dtype, np.inexact):
            np.testing.assert_allclose(got, want, rtol=case.rtol, atol=case.atol,
                                       err_msg=f"output {name}")
        else:
            np.testing.assert_array_equal(got, want, err_msg=f"output {name}")
    for name, before in zip(in_names, originals):
        if name not in out_names:
            np.testing.assert_array_equal(
                workspace.FetchBlob(name), before,
                err_msg=f"{op_type} changed its input {name} (kernels must not mutate inputs)",
            )


# ---- gradients ----------------------------------------------------------------------------


@pytest.mark.parametrize(("op_type", "case"), GRADIENT)
def test_gradient_matches_finite_differences(op_type: str, case: Case):
    inputs = list(case.make_inputs(np.random.default_rng(0)))
    try:
        result = check_op_gradient(
            op_type,
            inputs,
            case.args,
            grad_inputs=case.grad_inputs,
            grad_outputs=case.grad_outputs,
            n_outputs=case.n_outputs,
            inplace=case.inplace,
        )
    except GradientError as exc:
        # Like Caffe2's Mul, an op may refuse to differentiate an in-place run whose
        # overwritten input its gradient needs; it must say so clearly.
        if case.inplace and "in-place" in str(exc):
            return
        raise
    assert len(result) > 0, "no input was checked"
    result.assert_ok()


# ---- meta-tests ---------------------------------------------------------------------------


def test_every_registered_op_is_covered():
    covered = {**dict.fromkeys(CASES), **dict.fromkeys(GRADIENT_OPS),
               **dict.fromkeys(TESTED_ELSEWHERE)}
    missing = [op for op in op_names() if not op.startswith("_") and op not in covered]
    assert not missing, (
        f"ops with no test: {missing}. Add Case(...)s to CASES in the tests/cases_<family>.py "
        "of their module, list gradient ops in GRADIENT_OPS, or explain in TESTED_ELSEWHERE."
    )


def test_listed_ops_exist():
    listed = [*CASES, *GRADIENT_OPS, *GRADIENT_OPS.values(), *TESTED_ELSEWHERE]
    unknown = [op for op in listed if not has_op(op)]
    assert not unknown, f"cases name unregistered ops: {unknown}"


def test_every_differentiable_op_has_a_gradient_check():
    checked = {
        op for op, cases in CASES.items()
        if any(_gradient_checked(c) and not c.inplace for c in cases)
    }
    lacking = [
        op for op in op_names()
        if not op.startswith("_") and _differentiable(op) and op not in checked
    ]
    assert not lacking, f"differentiable ops without a gradient-checked case: {lacking}"


def test_gradient_ops_are_emitted_by_their_forward_op():
    emitted: dict[str, list[str]] = {}
    for op_type, cases in CASES.items():
        if not _differentiable(op_type):
            continue
        for case in cases:
            if not _gradient_checked(case):
                continue
            inputs = list(case.make_inputs(np.random.default_rng(0)))
            n_out = case.n_outputs
            if n_out is None:
                n_out = len(_as_list(case.reference(*inputs, **case.args)))
            in_names, out_names = op_blob_names(op_type, len(inputs), n_out)
            op = core.CreateOperator(op_type, in_names, out_names, **case.args)
            outs = case.grad_outputs if case.grad_outputs is not None else range(n_out)
            grad_ops, _ = build_backward([op], {out_names[j]: f"g{j}" for j in outs})
            emitted.setdefault(op_type, []).extend(g.type for g in grad_ops)
    wrong = [
        f"{g} (listed for {fwd}, which emits {sorted(set(emitted.get(fwd, [])))})"
        for g, fwd in GRADIENT_OPS.items()
        if g not in emitted.get(fwd, [])
    ]
    assert not wrong, f"GRADIENT_OPS entries never emitted: {wrong}"
