"""Test cases for graphlab/ops/shape.py (see tests/op_case.py for the format).

References are written directly in NumPy, independently of graphlab's kernels.
"""

from __future__ import annotations

import numpy as np
from op_case import Case


def _u(*shapes):
    return lambda rng: [rng.uniform(-2.0, 2.0, size=s) for s in shapes]


def _with_shape(shape, new_shape):
    """Data of ``shape`` plus a 1-D int64 new_shape input."""
    return lambda rng: [rng.uniform(-2.0, 2.0, size=shape), np.array(new_shape, np.int64)]


def _reshape_ref(target):
    def ref(x, *maybe_shape, **_):
        return np.reshape(x, target), np.array(x.shape, dtype=np.int64)
    return ref


CASES: dict[str, list[Case]] = {
    "Reshape": [
        Case(_u((4, 6)), _reshape_ref((4, 3, 2)), args={"shape": [4, 3, 2]}, id="explicit"),
        Case(_u((4, 6)), _reshape_ref((24,)), args={"shape": [-1]}, id="flatten"),
        Case(_u((4, 6)), _reshape_ref((4, 3, 2)), args={"shape": [0, 3, -1]},
             id="zero-copies-dim"),
        Case(_u((2, 3, 4)), _reshape_ref((8, 3)), args={"shape": [-1, 0]},
             id="zero-copies-same-index"),
        Case(_u((2, 3)), _reshape_ref((3, 2)), args={"shape": [3, 2]}, inplace=True,
             id="inplace"),
        Case(_with_shape((4, 6), [2, -1]), _reshape_ref((2, 12)), id="shape-from-input"),
        Case(_u(()), _reshape_ref((1, 1)), args={"shape": [1, 1]}, id="scalar-to-2d"),
    ],
    "Transpose": [
        Case(_u((3, 4)), lambda x: x.T.copy(), id="2d-default"),
        Case(_u((2, 3, 4)), lambda x: np.einsum("abc->cba", x), id="3d-default"),
        Case(_u((2, 3, 4)), lambda x, axes: np.einsum("abc->acb", x),
             args={"axes": [0, 2, 1]}, id="axes-021"),
        Case(_u((2, 3, 4, 5)), lambda x, axes: np.einsum("abcd->cadb", x),
             args={"axes": [2, 0, 3, 1]}, id="axes-4d"),
    ],
    "ReduceSum": [
        Case(_u((3, 4)), lambda x: np.array(x.sum()).reshape(1, 1), id="all-keepdims"),
        Case(_u((3, 4)), lambda x, keepdims: np.array(x.sum()), args={"keepdims": 0},
             id="all-no-keepdims"),
        Case(_u((2, 3, 4)), lambda x, axes: x.sum(axis=1)[:, None, :], args={"axes": [1]},
             id="axis1"),
        Case(_u((2, 3, 4)), lambda x, axes, keepdims: x.sum(axis=0).sum(axis=1),
             args={"axes": [0, 2], "keepdims": 0}, id="axes02"),
        Case(_u((2, 3, 4)), lambda x, axes, keepdims: x.sum(axis=2),
             args={"axes": [-1], "keepdims": 0}, id="negative-axis"),
        Case(lambda rng: [rng.integers(-5, 5, size=(3, 4)).astype(np.int32)],
             lambda x, axes, keepdims: np.add.reduce(x, axis=1, dtype=np.int32),
             args={"axes": [1], "keepdims": 0}, id="int32-stays-int32"),
    ],
    "ReduceMean": [
        Case(_u((3, 4)), lambda x: np.array(x.sum() / 12).reshape(1, 1), id="all"),
        Case(_u((2, 3, 4)), lambda x, axes: (x.sum(axis=1) / 3)[:, None, :],
             args={"axes": [1]}, id="axis1"),
        Case(_u((2, 3, 4)), lambda x, axes, keepdims: x.sum(axis=(0, 2)) / 8,
             args={"axes": [2, 0], "keepdims": 0}, id="axes20"),
        Case(lambda rng: [rng.uniform(size=(4, 5)).astype(np.float32)],
             lambda x, axes, keepdims: x.sum(axis=0) / 4, args={"axes": [0], "keepdims": 0},
             id="float32"),
    ],
}

#: Gradient-only ops registered in graphlab/ops/shape.py → the forward op whose gradient
#: check exercises them.
GRADIENT_OPS: dict[str, str] = {
    "ReduceSumGradient": "ReduceSum",
    "ReduceMeanGradient": "ReduceMean",
}
