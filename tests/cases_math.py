"""Test cases for graphlab/ops/math.py (see tests/op_case.py for the format).

References are written directly in NumPy, independently of graphlab's kernels.
"""

from __future__ import annotations

import numpy as np
from op_case import Case


def _u(*shapes, low: float = -2.0, high: float = 2.0, dtype=np.float64):
    """``rng -> [uniform arrays]`` with the given shapes."""
    return lambda rng: [rng.uniform(low, high, size=s).astype(dtype) for s in shapes]


def _away_from_zero(*shapes, dtype=np.float64):
    """Values in ±[0.5, 2] (safe for division, Abs and finite differences)."""
    def make(rng):
        out = []
        for s in shapes:
            mag = rng.uniform(0.5, 2.0, size=s)
            sign = np.where(rng.uniform(size=s) < 0.5, -1.0, 1.0)
            out.append((mag * sign).astype(dtype))
        return out
    return make


def _ints(*shapes, low: int = -9, high: int = 10, dtype=np.int32):
    return lambda rng: [rng.integers(low, high, size=s).astype(dtype) for s in shapes]


def _binary_cases(ref, make=_u) -> list[Case]:
    """Shared shape coverage for Add/Sub/Mul/Div: equal, NumPy and legacy broadcasting."""
    return [
        Case(make((3, 4), (3, 4)), ref, id="same-shape"),
        Case(make((2, 3, 4), (4,)), ref, id="numpy-suffix"),
        Case(make((2, 1, 4), (3, 1)), ref, id="numpy-two-way"),
        Case(make((3, 1), (1, 4)), ref, id="numpy-outer"),
        Case(make((2, 3), ()), ref, id="numpy-scalar-B"),
        Case(make((), (2, 3)), ref, id="numpy-scalar-A"),
        Case(make((4, 5), (4, 5)), ref, inplace=True, id="inplace-A"),
        Case(make((4, 5), (5,)), ref, inplace=True, id="inplace-A-broadcast"),
        Case(make((2, 3, 4), (3,)), lambda a, b, **k: ref(a, b.reshape(1, 3, 1)),
             args={"broadcast": 1, "axis": 1}, id="legacy-axis1"),
        Case(make((2, 3, 4), (3, 4)), lambda a, b, **k: ref(a, b.reshape(1, 3, 4)),
             args={"broadcast": 1}, id="legacy-suffix"),
        Case(make((2, 3, 4), (2,)), lambda a, b, **k: ref(a, b.reshape(2, 1, 1)),
             args={"broadcast": 1, "axis": 0}, id="legacy-axis0"),
        Case(make((2, 3, 4), (1, 3, 1)), lambda a, b, **k: ref(a, b.reshape(1, 3, 1)),
             args={"broadcast": 1, "axis": 0}, id="legacy-stripped-ones"),
        Case(make((2, 3, 4), (1,)), lambda a, b, **k: ref(a, b.reshape(1, 1, 1)),
             args={"broadcast": 1}, id="legacy-size1-B"),
    ]


def _add(a, b, **_):
    return a + b


def _sub(a, b, **_):
    return a - b


def _mul(a, b, **_):
    return a * b


def _div(a, b, **_):
    return a / b


def _trunc_div(a, b, **_):
    return (np.trunc(a.astype(np.float64) / b)).astype(np.result_type(a, b))


def _matmul(a, b, axis_a=1, axis_b=1, trans_a=0, trans_b=0):
    a2 = a.reshape(int(np.prod(a.shape[:axis_a])), -1)
    b2 = b.reshape(int(np.prod(b.shape[:axis_b])), -1)
    return np.einsum("mk,kn->mn", a2.T if trans_a else a2, b2.T if trans_b else b2)


CASES: dict[str, list[Case]] = {
    "Add": _binary_cases(_add) + [
        Case(_u((3, 4), (3, 4), dtype=np.float32), _add, id="float32"),
        Case(_ints((3, 4), (4,)), _add, id="int32"),
        Case(lambda rng: [rng.uniform(size=(2, 3)).astype(np.float32),
                          rng.uniform(size=(3,))], _add, id="mixed-float-promotes"),
    ],
    "Sub": _binary_cases(_sub) + [
        Case(_ints((2, 3), (2, 3), dtype=np.int64), _sub, id="int64"),
    ],
    "Mul": _binary_cases(_mul) + [
        Case(_u((3, 4), (3, 4), dtype=np.float32), _mul, id="float32"),
    ],
    "Div": _binary_cases(_div, make=_away_from_zero) + [
        Case(_ints((3, 4), (3, 4), low=1, high=9), _trunc_div, id="int-positive"),
        Case(lambda rng: [np.array([7, -7, 7, -7, 0], np.int32),
                          np.array([2, 2, -2, -2, 3], np.int32)],
             _trunc_div, id="int-truncates-toward-zero"),
    ],
    "Sum": [
        Case(_u((3, 4)), lambda a: a.copy(), id="one-input"),
        Case(_u((3, 4), (3, 4)), lambda a, b: a + b, id="two"),
        Case(_u((2, 3, 2), (2, 3, 2), (2, 3, 2), (2, 3, 2)),
             lambda a, b, c, d: a + b + c + d, id="four"),
        Case(_u((5,), (5,), (5,)), lambda a, b, c: a + b + c, inplace=True, id="inplace"),
        Case(_ints((4,), (4,)), lambda a, b: a + b, id="int32"),
        Case(_u((), ()), lambda a, b: a + b, id="0-d"),
    ],
    "Scale": [
        Case(_u((3, 4)), lambda x, scale: scale * x, args={"scale": 2.5}, id="scale"),
        Case(_u((2, 2, 3)), lambda x, scale: -0.5 * x, args={"scale": -0.5}, inplace=True,
             id="inplace"),
        Case(_u((4,)), lambda x: x.copy(), id="default-1"),
        Case(_u((3,), dtype=np.float32), lambda x, scale: (x * np.float32(3.0)),
             args={"scale": 3.0}, id="float32"),
    ],
    "Negative": [
        Case(_u((3, 4)), lambda x: -x, id="2d"),
        Case(_u((5,)), lambda x: -x, inplace=True, id="inplace"),
        Case(_ints((2, 2)), lambda x: -x, id="int32"),
    ],
    "Exp": [
        Case(_u((3, 4)), lambda x: np.e ** x, id="2d"),
        Case(_u((2, 3)), lambda x: np.e ** x, inplace=True, id="inplace"),
        Case(_u((4,), dtype=np.float32), lambda x: np.e ** x, id="float32"),
    ],
    "Log": [
        Case(_u((3, 4), low=0.5, high=3.0), lambda x: np.log(x), id="2d"),
        Case(_u((6,), low=0.5, high=3.0), lambda x: np.log2(x) * np.log(2.0), id="1d"),
        Case(_u((4,), low=0.5, high=3.0), lambda x: np.log(x), inplace=True, id="inplace"),
    ],
    "Sqr": [
        Case(_u((3, 4)), lambda x: x ** 2, id="2d"),
        Case(_u((5,)), lambda x: x ** 2, inplace=True, id="inplace"),
    ],
    "Sqrt": [
        Case(_u((3, 4), low=0.5, high=4.0), lambda x: x ** 0.5, id="2d"),
        Case(_u((3,), low=0.5, high=4.0), lambda x: x ** 0.5, inplace=True, id="inplace"),
    ],
    "Pow": [
        Case(_u((3, 4), low=0.5, high=2.0), lambda x, exponent: x ** exponent,
             args={"exponent": 2.5}, id="fractional"),
        Case(_u((2, 3)), lambda x, exponent: x * x * x, args={"exponent": 3.0}, id="cube"),
        Case(_u((4,), low=0.5, high=2.0), lambda x, exponent: 1.0 / x,
             args={"exponent": -1.0}, id="reciprocal"),
    ],
    "Abs": [
        Case(_away_from_zero((3, 4)), lambda x: np.where(x < 0, -x, x), id="2d"),
    ],
    "MatMul": [
        Case(_u((4, 3), (3, 5)), _matmul, id="plain"),
        Case(_u((3, 4), (3, 5)), _matmul, args={"trans_a": 1}, id="trans_a"),
        Case(_u((4, 3), (5, 3)), _matmul, args={"trans_b": 1}, id="trans_b"),
        Case(_u((3, 4), (5, 3)), _matmul, args={"trans_a": 1, "trans_b": 1}, id="trans_both"),
        Case(_u((2, 3, 4), (12, 2)), _matmul, id="flattened-A"),
        Case(_u((2, 3, 4), (4, 5)), _matmul, args={"axis_a": 2, "axis_b": 1},
             id="axis_a-2"),
        Case(_u((6, 2), (2, 3, 5)), _matmul, args={"axis_b": 1}, id="flattened-B"),
    ],
    "Copy": [
        Case(_u((3, 4)), lambda x: x.copy(), id="float"),
        Case(_ints((2, 5), dtype=np.int64), lambda x: x.copy(), id="int64"),
        Case(lambda rng: [np.array([True, False])], lambda x: x.copy(), id="bool"),
    ],
    "StopGradient": [
        Case(_u((3, 4)), lambda x: x.copy(), id="copy"),
        Case(_u((3, 4)), lambda x: x.copy(), inplace=True, id="inplace"),
    ],
    "Print": [
        Case(_u((2, 3)), lambda x: (), n_outputs=0, id="prints"),
        Case(_u((20,)), lambda x, limit: (), args={"limit": 5}, n_outputs=0, id="limit"),
    ],
    "SumReduceLike": [
        Case(_u((2, 3, 4), (4,)), lambda a, b: a.sum(axis=(0, 1)), id="suffix"),
        Case(_u((2, 3, 4), (3,)), lambda a, b, axis: a.sum(axis=(0, 2)),
             args={"axis": 1}, id="axis1"),
        Case(_u((2, 3, 4), (3, 1)), lambda a, b: a.sum(axis=(0, 2)).reshape(3, 1),
             id="trailing-one"),
        Case(_u((2, 3), (1,)), lambda a, b: np.array([a.sum()]), id="size1"),
        Case(_u((2, 3), (2, 3)), lambda a, b: a.copy(), id="same"),
    ],
}

#: Gradient-only ops registered in graphlab/ops/math.py → the forward op whose gradient
#: check exercises them.
GRADIENT_OPS: dict[str, str] = {
    "CopyOnDeviceLike": "Copy",
    "AddGradient": "Add",
    "SubGradient": "Sub",
    "MulGradient": "Mul",
    "DivGradient": "Div",
    "AbsGradient": "Abs",
}


# ---- Clip, Max, Min, SumElements, SumSqrElements, BatchMatMul ------------------------------


def _clip_ref(x, min=None, max=None):
    out = x.copy()
    for idx in np.ndindex(x.shape):
        if min is not None and out[idx] < min:
            out[idx] = min
        if max is not None and out[idx] > max:
            out[idx] = max
    return out


def _extreme_ref(better):
    def ref(*xs):
        shape = np.broadcast_shapes(*[x.shape for x in xs])
        out = np.broadcast_to(xs[0], shape).copy()
        for x in xs[1:]:
            b = np.broadcast_to(x, shape)
            for idx in np.ndindex(shape):
                if better(b[idx], out[idx]):
                    out[idx] = b[idx]
        return out
    return ref


def _batch_matmul_ref(a, b, trans_a=0, trans_b=0, broadcast=0):
    if trans_a:
        a = np.swapaxes(a, -1, -2)
    if trans_b:
        b = np.swapaxes(b, -1, -2)
    return np.einsum("...ij,...jk->...ik", a, b)


CASES.update({
    "Clip": [
        Case(_u((3, 4)), _clip_ref, args={"min": -1.0, "max": 1.0}, id="both-bounds"),
        Case(_u((5,)), _clip_ref, args={"min": 0.0}, id="min-only"),
        Case(_u((2, 3)), lambda x: x.copy(), id="no-bounds"),
        Case(_u((2, 3), dtype=np.float32), _clip_ref, args={"max": 0.5}, inplace=True,
             id="inplace-float32"),
    ],
    "Max": [
        Case(_u((3, 4), (3, 4)), _extreme_ref(lambda a, b: a > b), id="two"),
        Case(_u((2, 3), (2, 3), (2, 3)), _extreme_ref(lambda a, b: a > b), id="three"),
        Case(_u((4,)), _extreme_ref(lambda a, b: a > b), id="one-input"),
    ],
    "Min": [
        Case(_u((3, 4), (3, 4)), _extreme_ref(lambda a, b: a < b), id="two"),
        Case(_u((2, 3), (2, 3), (2, 3)), _extreme_ref(lambda a, b: a < b), id="three"),
    ],
    "SumElements": [
        Case(_u((3, 4)), lambda x: np.array(sum(x.reshape(-1).tolist())), id="sum"),
        Case(_u((2, 3, 4)), lambda x, average: np.array(sum(x.reshape(-1).tolist()) / 24),
             args={"average": 1}, id="average"),
        Case(_u((5,), dtype=np.float32),
             lambda x: np.array(sum(x.astype(np.float64).tolist()), x.dtype), id="float32"),
    ],
    "SumSqrElements": [
        Case(_u((3, 4)), lambda x: np.array(sum(v * v for v in x.reshape(-1).tolist())),
             id="sum"),
        Case(_u((6,)), lambda x, average: np.array(sum(v * v for v in x.tolist()) / 6),
             args={"average": 1}, id="average"),
    ],
    "BatchMatMul": [
        Case(_u((2, 3, 4), (2, 4, 5)), _batch_matmul_ref, id="plain"),
        Case(_u((2, 3, 4), (2, 5, 4)), _batch_matmul_ref, args={"trans_b": 1}, id="trans-b"),
        Case(_u((2, 4, 3), (2, 4, 5)), _batch_matmul_ref, args={"trans_a": 1}, id="trans-a"),
        Case(_u((2, 4, 3), (2, 5, 4)), _batch_matmul_ref, args={"trans_a": 1, "trans_b": 1},
             id="trans-both"),
        Case(_u((3, 4), (4, 2)), _batch_matmul_ref, id="2d"),
        Case(_u((2, 2, 3, 4), (2, 2, 4, 1)), _batch_matmul_ref, id="4d"),
        Case(_u((2, 3, 4), (4, 5)), _batch_matmul_ref, args={"broadcast": 1},
             skip_grad="no gradient with broadcast=1 (as in Caffe2)", id="broadcast"),
    ],
})

GRADIENT_OPS.update({
    "ClipGradient": "Clip",
    "MaxGradient": "Max",
    "MinGradient": "Min",
    "SumElementsGradient": "SumElements",
})
