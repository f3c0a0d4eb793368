"""Running one op on arrays, and the per-case checks the family test files share.

``tests/test_ops_generic.py`` checks every ``Case`` through ``graphlab.gradient_checker``.
The family files (test_ops_math.py, test_ops_nn_loss.py) check their cases a second way,
by hand, so that a bug in the checker cannot hide a bug in a gradient: ``check_forward``
compares the op with the case's reference and ``check_gradient_by_hand`` runs the gradient
maker and kernels on their own and compares them with central differences of the
reference, ``(f(x + ε) - f(x - ε)) / 2ε`` with ε = 1e-6 in float64.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import pytest
from op_case import Case

from graphlab import core, registry, workspace
from graphlab.registry import GradientContext, get_schema


def as_tuple(x: Any) -> tuple:
    """A reference's result as a tuple of outputs."""
    return x if isinstance(x, tuple) else (x,)


def blob_names(op_type: str, n_in: int, n_out: int,
               inplace: bool = False) -> tuple[list[str], list[str]]:
    """``in0, in1 ...`` and ``out0, out1 ...``, with the schema's required in-place pairs
    (Iter's counter) and, for ``inplace=True`` on other ops, ``out0`` written over ``in0``."""
    ins = [f"in{i}" for i in range(n_in)]
    outs = [f"out{i}" for i in range(n_out)]
    schema = get_schema(op_type)
    for i, o in schema.enforce_inplace:
        if i < n_in and o < n_out:
            outs[o] = ins[i]
    if inplace and not schema.enforce_inplace:
        outs[0] = ins[0]
    return ins, outs


def run_op(op_type: str, inputs, n_out: int = 1, inplace: bool = False,
           **args) -> list[np.ndarray]:
    """Feed ``inputs`` as ``in0 ...``, run the op once, fetch its ``n_out`` outputs."""
    ins, outs = blob_names(op_type, len(inputs), n_out, inplace)
    for name, value in zip(ins, inputs):
        workspace.FeedBlob(name, value)
    workspace.RunOperatorOnce(core.CreateOperator(op_type, ins, outs, **args))
    return [workspace.FetchBlob(o) for o in outs]


def case_params(*modules: ModuleType) -> list:
    """``pytest.param(op type, case)`` for every case in the modules' ``CASES``."""
    return [
        pytest.param(op, case, id=f"{op}-{case.id or i}")
        for module in modules
        for op, cases in module.CASES.items()
        for i, case in enumerate(cases)
    ]


def differentiable(params: list) -> list:
    """The params whose op has a gradient and whose case does not skip the gradient check."""
    return [p for p in params
            if get_schema(p.values[0]).differentiable and not p.values[1].skip_grad]


def check_forward(op_type: str, case: Case) -> None:
    """The op's outputs equal the reference's: count, shape, dtype (unless the case says
    not to) and values (rtol at least 1e-5 in float32, 1e-12 otherwise)."""
    inputs = [np.asarray(a) for a in case.make_inputs(np.random.default_rng(0))]
    expected = as_tuple(case.reference(*[a.copy() for a in inputs], **case.args))
    n_out = case.n_outputs if case.n_outputs is not None else len(expected)
    got = run_op(op_type, inputs, n_out, inplace=case.inplace, **case.args)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        e = np.asarray(e)
        assert g.shape == e.shape
        if case.check_dtype:
            assert g.dtype == e.dtype
        tol = 1e-5 if g.dtype == np.float32 else 1e-12
        np.testing.assert_allclose(g, e, rtol=max(case.rtol, tol), atol=case.atol)


def _objective(case: Case, inputs, weights: dict[int, np.ndarray]) -> float:
    """``Σ_i Σ outputs[i]·weights[i]``: its gradient is what the op's gradient computes."""
    outs = as_tuple(case.reference(*inputs, **case.args))
    return float(sum(np.sum(np.asarray(outs[i], np.float64) * w) for i, w in weights.items()))


def check_gradient_by_hand(op_type: str, case: Case) -> None:
    """Run the op and its gradient ops in float64 with random output gradients; each
    float input's gradient must match central differences of the reference (rtol 1e-5,
    atol 1e-6), and inputs that get none must be given ``None``."""
    rng = np.random.default_rng(1)
    inputs = [np.asarray(a) for a in case.make_inputs(np.random.default_rng(0))]
    if not all(np.issubdtype(a.dtype, np.floating) for a in inputs[:1]):
        pytest.skip("integer case: no gradient")
    inputs = [a.astype(np.float64) if np.issubdtype(a.dtype, np.floating) else a
              for a in inputs]
    names = [f"x{i}" for i in range(len(inputs))]
    n_out = len(as_tuple(case.reference(*inputs, **case.args)))
    outs = [f"y{i}" for i in range(n_out)]
    for name, value in zip(names, inputs):
        workspace.FeedBlob(name, value)
    op = core.CreateOperator(op_type, names, outs, **case.args)
    workspace.RunOperatorOnce(op)
    values = [workspace.FetchBlob(o) for o in outs]
    carried = case.grad_outputs
    if carried is None:
        carried = [i for i, v in enumerate(values) if np.issubdtype(v.dtype, np.floating)]
    weights = {i: rng.normal(size=values[i].shape) for i in carried}
    g_out = [f"{o}_grad" if i in weights else None for i, o in enumerate(outs)]
    for i, w in weights.items():
        workspace.FeedBlob(g_out[i], w)
    grad_ops, g_in = get_schema(op_type).grad(GradientContext(op, g_out))
    assert len(g_in) == len(inputs)
    for gop in grad_ops:
        assert gop.is_gradient_op
        registry.check_operator(gop)
        workspace.RunOperatorOnce(gop)
    wanted = case.grad_inputs
    if wanted is None:
        wanted = [i for i, a in enumerate(inputs) if np.issubdtype(a.dtype, np.floating)]
    for i in range(len(inputs)):
        if i not in wanted:
            assert g_in[i] is None, f"input #{i} ({names[i]}) should get no gradient"
    eps = 1e-6
    for i in wanted:
        analytic = workspace.FetchBlob(g_in[i])
        assert analytic.shape == inputs[i].shape
        assert analytic.dtype == np.float64
        numeric = np.zeros_like(inputs[i])
        for idx in np.ndindex(inputs[i].shape):
            plus = [a.copy() for a in inputs]
            minus = [a.copy() for a in inputs]
            plus[i][idx] += eps
            minus[i][idx] -= eps
            numeric[idx] = (_objective(case, plus, weights)
                            - _objective(case, minus, weights)) / (2 * eps)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6)
