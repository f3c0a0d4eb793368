"""Compiled kernels (graphlab.fast) must return exactly what the plain kernels return,
and so must their trusted forms.

A compiled kernel checks a new input layout with the plain kernel and takes its short
road only from the second call with that layout on, so every check here calls it at
least twice on the same layout and compares the *later* results with the plain kernel:
values bit for bit, shapes and dtypes. Outputs that are not needed may be None.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from op_case import Case
from test_ops_generic import CASES

from graphlab.fast.compiled import compiled_op_types, compiler_for
from graphlab.registry import OpContext, get_schema

DTYPES = [np.float32, np.float64]


def _as_tuple(result: Any) -> tuple[Any, ...]:
    return result if isinstance(result, tuple) else (result,)


def _assert_same(fast: Any, plain: Any, needed: tuple[bool, ...]) -> None:
    fast, plain = _as_tuple(fast), _as_tuple(plain)
    assert len(fast) == len(plain)
    for k, (f, p) in enumerate(zip(fast, plain)):
        if f is None:
            assert not needed[k], f"output #{k} is needed but the compiled kernel skipped it"
            continue
        assert f.dtype == p.dtype and f.shape == p.shape, (k, f.dtype, p.dtype, f.shape, p.shape)
        # strides too: a trusted run relies on every op laying out its outputs the same
        # way whichever road it takes (graphlab.fast.plan, "Trusted runs")
        assert f.strides == p.strides, (k, f.strides, p.strides)
        np.testing.assert_array_equal(f, p, strict=True)


def _args(op_type: str, given: dict[str, Any], ws: Any = None) -> dict[str, Any]:
    from graphlab.proto import make_argument

    schema = get_schema(op_type)
    args = schema.parse_args([make_argument(k, v) for k, v in given.items()])
    if schema.stateful:
        from graphlab.proto import OperatorDef

        args["ctx"] = OpContext(op=OperatorDef(type=op_type, output=["out"]), index=0,
                                workspace=ws, persistent=False, seed=0)
    return args


def check_compiled(op_type: str, inputs: list[np.ndarray], given: dict[str, Any],
                   n_out: int) -> None:
    """Run the compiled kernel 3× per ``needed`` pattern and compare with the plain one."""
    schema = get_schema(op_type)
    factory = compiler_for(op_type)
    assert factory is not None
    originals = [x.copy() for x in inputs]
    for needed in itertools.product([True, False], repeat=n_out):
        args = _args(op_type, given)
        fast = factory(dict(args), needed)
        plain_args = {k: v for k, v in args.items() if k != "ctx"}
        for _ in range(3):
            got = fast(*inputs)
            want = schema.kernel(*inputs, **plain_args)
            _assert_same(got, want, needed)
        # the trusted form, called as a trusted plan calls it: after a checked call with
        # the same layout (here: every input is the same array again)
        trusted = getattr(fast, "trusted", None)
        for _ in range(2 if trusted is not None else 0):
            _assert_same(trusted(*inputs), schema.kernel(*inputs, **plain_args), needed)
        for x, x0 in zip(inputs, originals):
            np.testing.assert_array_equal(x, x0)  # inputs never modified


def _stateless(op_type: str) -> bool:
    return not get_schema(op_type).stateful


# ---- every forward case of an op with a compile hook --------------------------------------

HOOKED_CASES = [
    pytest.param(op, case, id=f"{op}-{case.id or k}")
    for op, cases in CASES.items() if op in compiled_op_types() and _stateless(op)
    for k, case in enumerate(cases)
]


@pytest.mark.parametrize(("op_type", "case"), HOOKED_CASES)
def test_compiled_forward_matches_plain_kernel_on_op_cases(op_type: str, case: Case):
    inputs = [np.asarray(x) for x in case.make_inputs(np.random.default_rng(0))]
    n_out = len(_as_tuple(get_schema(op_type).kernel(
        *inputs, **_args(op_type, case.args))))
    check_compiled(op_type, inputs, case.args, n_out)


# ---- gradient ops and seed-shaped inputs ---------------------------------------------------


def _seed_inputs(rng: np.random.Generator, dtype: Any, n: int, d: int) -> dict[str, np.ndarray]:
    r: Callable[..., np.ndarray] = lambda *s: rng.standard_normal(s).astype(dtype)  # noqa: E731
    return {"X": r(n, d), "W": r(1, d), "b": r(1), "Y": r(n, 1), "T": r(n, 1), "dist": r(n)}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("n", "d"), [(64, 2), (5, 1), (1, 3)])
def test_compiled_seed_ops_match_plain_kernels(dtype: Any, n: int, d: int):
    a = _seed_inputs(np.random.default_rng(n * 10 + d), dtype, n, d)
    check_compiled("FC", [a["X"], a["W"], a["b"]], {}, 1)
    check_compiled("FCGradient", [a["X"], a["W"], a["Y"]], {}, 3)
    check_compiled("SquaredL2Distance", [a["Y"], a["T"]], {}, 1)
    check_compiled("SquaredL2DistanceGradient", [a["Y"], a["T"], a["dist"]], {}, 2)
    check_compiled("AveragedLoss", [a["dist"]], {}, 1)
    check_compiled("AveragedLossGradient", [a["dist"], np.asarray(1.0, dtype)], {}, 1)


def test_compiled_ops_with_mixed_dtypes_promote_like_the_plain_kernels():
    a32 = _seed_inputs(np.random.default_rng(1), np.float32, 8, 3)
    a64 = _seed_inputs(np.random.default_rng(2), np.float64, 8, 3)
    check_compiled("FC", [a32["X"], a64["W"], a32["b"]], {}, 1)
    check_compiled("FCGradient", [a32["X"], a32["W"], a64["Y"]], {}, 3)
    check_compiled("SquaredL2Distance", [a32["Y"], a64["T"]], {}, 1)
    check_compiled("SquaredL2DistanceGradient", [a32["Y"], a32["T"], a64["dist"]], {}, 2)
    check_compiled("AveragedLossGradient", [a32["dist"], np.asarray(1.0, np.float64)], {}, 1)


def test_compiled_kernel_rechecks_when_the_layout_changes():
    from graphlab.errors import ShapeError

    fast = compiler_for("FC")(_args("FC", {}), (True,))
    X, W, b = np.ones((4, 3), np.float32), np.ones((2, 3), np.float32), np.zeros(2, np.float32)
    fast(X, W, b)
    fast(X, W, b)
    with pytest.raises(ShapeError, match="dimension mismatch"):
        fast(np.ones((4, 5), np.float32), W, b)
    with pytest.raises(ShapeError, match="dimension mismatch"):
        fast(X, W, np.zeros(3, np.float32))
    assert fast(X, W, b).shape == (4, 2)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", range(6))
def test_compiled_averages_round_like_the_plain_kernels(dtype: Any, seed: int):
    # the compiled AveragedLoss(Gradient) divide in float64 and round once to float32
    rng = np.random.default_rng(seed)
    for n in [1, 3, 7, 64, 100, 1000, 4097]:
        scale = 10.0 ** rng.integers(-30, 30)
        x = (rng.standard_normal(n) * scale).astype(dtype)
        check_compiled("AveragedLoss", [x], {}, 1)
        check_compiled("AveragedLossGradient", [x, np.asarray(scale, dtype)], {}, 1)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("a", "b"), [(1.0, 1.0), (1.0, -0.1), (0.5, 1.0), (0.3, -0.7)])
def test_compiled_weighted_sum_two_pairs(dtype: Any, a: float, b: float):
    rng = np.random.default_rng(5)
    W = rng.standard_normal((1, 3)).astype(dtype)
    g = rng.standard_normal((1, 3)).astype(dtype)
    wa, wb = np.array([a], dtype), np.asarray(b, dtype)
    check_compiled("WeightedSum", [W, wa, g, wb], {}, 1)
    check_compiled("WeightedSum", [W, wa, g.reshape(3, 1), wb], {}, 1)  # same size only
    check_compiled("WeightedSum", [W, wa, g.astype(np.float64), wb], {}, 1)  # promotes


@pytest.mark.parametrize("dtype", DTYPES)
def test_compiled_ops_on_strided_and_fortran_inputs(dtype: Any):
    a = _seed_inputs(np.random.default_rng(9), dtype, 33, 5)
    X_f = np.asfortranarray(a["X"])
    X_view = np.random.default_rng(1).standard_normal((33, 10)).astype(dtype)[:, ::2]
    for X in (X_f, X_view):
        check_compiled("FC", [X, a["W"], a["b"]], {}, 1)
        check_compiled("FCGradient", [X, a["W"], a["Y"]], {}, 3)
    Y_view = np.random.default_rng(2).standard_normal((33, 2)).astype(dtype)[:, :1]
    check_compiled("SquaredL2Distance", [Y_view, a["T"]], {}, 1)
    check_compiled("SquaredL2DistanceGradient", [Y_view, a["T"], a["dist"]], {}, 2)
    check_compiled("AveragedLoss", [a["dist"][::2]], {}, 1)
    W_f = np.asfortranarray(np.random.default_rng(3).standard_normal((4, 3)).astype(dtype))
    W_c = np.ascontiguousarray(W_f)
    one, lr = np.array([1.0], dtype), np.array([-0.1], dtype)
    for X0, X1 in ((W_c, W_f), (W_f, W_c), (W_f, W_f)):  # the SGD form and the general one
        check_compiled("WeightedSum", [X0, one, X1, lr], {}, 1)
        check_compiled("WeightedSum", [X0, one, X1, lr, X1, lr], {}, 1)
