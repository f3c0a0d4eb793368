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


# ---- Flatten, ResizeLike, Concat, Split, Slice, ExpandDims, Squeeze, Gather, SparseToDense --


def _flatten_ref(x, axis=1):
    rows = 1
    for n in x.shape[:axis]:
        rows *= n
    return np.reshape(x, (rows, -1)) if x.size else np.zeros((rows, 0), x.dtype)


def _concat_ref(*xs, axis=1, add_axis=0, order=None):
    if order == "NHWC":
        axis = 3
    parts = [np.expand_dims(x, axis) for x in xs] if add_axis else list(xs)
    return (np.concatenate(parts, axis=axis),
            np.array([p.shape[axis] for p in parts], dtype=np.int32))


def _split_ref(sizes, axis):
    def ref(x, *maybe_sizes, **_):
        out, start = [], 0
        for n in sizes:
            index = [slice(None)] * x.ndim
            index[axis] = slice(start, start + n)
            out.append(x[tuple(index)])
            start += n
        return tuple(out)
    return ref


def _gather_ref(data, indices):
    flat = [data[int(i)] for i in np.reshape(indices, -1)]
    return np.reshape(np.array(flat), indices.shape + data.shape[1:])


def _sparse_to_dense_ref(indices, values, like=None):
    rows = like.shape[0] if like is not None else int(np.max(indices)) + 1
    out = np.zeros((rows,) + values.shape[indices.ndim:], values.dtype)
    flat_values = np.reshape(values, (indices.size,) + values.shape[indices.ndim:])
    for k, i in enumerate(np.reshape(indices, -1)):
        out[int(i)] = out[int(i)] + flat_values[k]
    return out


def _ints(values, dtype=np.int64):
    return np.array(values, dtype=dtype)


CASES.update({
    "Flatten": [
        Case(_u((2, 3, 4)), lambda x: np.reshape(x, (2, 12)), id="default-axis1"),
        Case(_u((2, 3, 4)), _flatten_ref, args={"axis": 2}, id="axis2"),
        Case(_u((2, 3, 4)), _flatten_ref, args={"axis": 0}, id="axis0"),
        Case(_u((2, 3, 4)), _flatten_ref, args={"axis": 3}, id="axis-end"),
    ],
    "ResizeLike": [
        Case(lambda rng: [rng.uniform(-1, 1, (2, 6)), np.zeros((3, 4))],
             lambda d, like: np.reshape(d, like.shape), grad_inputs=[], skip_grad="no gradient",
             id="2x6-as-3x4"),
    ],
    "Concat": [
        Case(_u((2, 3, 4), (2, 5, 4)), _concat_ref, grad_outputs=[0], id="axis1"),
        Case(_u((2, 3), (2, 3), (2, 3)), _concat_ref, args={"axis": 0}, grad_outputs=[0],
             id="three-axis0"),
        Case(_u((2, 3), (2, 3)), _concat_ref, args={"axis": 1, "add_axis": 1},
             grad_outputs=[0], id="add-axis"),
        Case(_u((2, 3, 2, 4), (2, 3, 2, 1)), _concat_ref, args={"order": "NHWC"},
             grad_outputs=[0], id="order-nhwc"),
    ],
    "Split": [
        Case(_u((2, 6, 3)), _split_ref([2, 2, 2], 1), n_outputs=3, id="equal-three"),
        Case(_u((2, 3, 4)), _split_ref([1, 3], 2), args={"axis": 2, "split": [1, 3]},
             n_outputs=2, id="split-arg"),
        Case(lambda rng: [rng.uniform(-2, 2, (5, 2)), _ints([2, 3], np.int32)],
             _split_ref([2, 3], 0), args={"axis": 0}, n_outputs=2, id="split-input"),
        Case(_u((3, 2)), lambda x, axis, add_axis: (x[0], x[1], x[2]),
             args={"axis": 0, "add_axis": 1}, n_outputs=3, id="add-axis"),
    ],
    "Slice": [
        Case(_u((2, 3, 4)), lambda x, starts, ends: x[:, 1:, :],
             args={"starts": [0, 1, 0], "ends": [-1, -1, -1]}, id="dim1-to-end"),
        Case(_u((2, 3, 4)), lambda x, starts, ends: x[:, :, 1:3],
             args={"starts": [0, 0, 1], "ends": [-1, -1, -2]}, id="negative-end"),
        Case(_u((5, 2)), lambda x, starts, ends: x[3:4],
             args={"starts": [-3, 0], "ends": [-2, -1]}, id="negative-start"),
        Case(lambda rng: [rng.uniform(-1, 1, (4, 3)), _ints([1, 0]), _ints([3, -1])],
             lambda x, s, e: x[1:3], id="starts-ends-inputs"),
    ],
    "ExpandDims": [
        Case(_u((2, 3)), lambda x, dims: x[None, :, :, None], args={"dims": [0, 3]},
             id="dims-0-3"),
        Case(_u((2, 3)), lambda x, dims: x[None, :, :, None], args={"dims": [3, 0]},
             id="unsorted"),
        Case(_u(()), lambda x, dims: np.reshape(x, (1,)), args={"dims": [0]}, id="scalar"),
    ],
    "Squeeze": [
        Case(_u((1, 2, 3, 1)), lambda x, dims: x[0, :, :, 0], args={"dims": [0, 3]},
             id="dims-0-3"),
        Case(_u((2, 1, 3)), lambda x, dims: x[:, 0, :], args={"dims": [1]}, id="middle"),
    ],
    "Gather": [
        Case(lambda rng: [rng.uniform(-1, 1, (5, 3)), _ints([4, 0, 4])], _gather_ref,
             id="rows-repeated"),
        Case(lambda rng: [rng.uniform(-1, 1, (4, 2, 2)), _ints([[1, 0], [3, 1]], np.int32)],
             _gather_ref, id="2d-int32-indices"),
    ],
    "SparseToDense": [
        Case(lambda rng: [_ints([0, 2, 0], np.int32), rng.uniform(-1, 1, (3, 2))],
             _sparse_to_dense_ref, id="infer-rows"),
        Case(lambda rng: [_ints([3, 1]), rng.uniform(-1, 1, (2, 2, 2)), np.zeros((5, 1))],
             _sparse_to_dense_ref, grad_inputs=[1], id="rows-from-input"),
        Case(lambda rng: [_ints([[0, 2], [0, 1]]), rng.uniform(-1, 1, (2, 2, 3)),
                          np.zeros((4,))], _sparse_to_dense_ref, grad_inputs=[1],
             id="2d-indices"),
    ],
})

GRADIENT_OPS.update({
    "SliceGradient": "Slice",
})
