"""Shape operators: Reshape, Transpose, ReduceSum, ReduceMean (and their gradients).

Each operator keeps its forward kernel, its gradient maker, its gradient kernel, its
schema (through ``register_op``) and its documentation together.
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..registry import GradientContext, register_op
from ._util import require_float, shape_str

# ---- Reshape ---------------------------------------------------------------------------


def _target_shape(data: np.ndarray, requested: list[int]) -> tuple[int, ...]:
    """Resolve Caffe2's ``0`` (copy that dimension of data) and ``-1`` (infer) entries."""
    where = f"Reshape: new shape {requested} for data {shape_str(data)}"
    dims: list[int] = []
    unknown = -1
    for i, d in enumerate(requested):
        if d == 0:
            if i >= data.ndim:
                raise ShapeError(
                    f"{where}: a 0 at index {i} copies data's dimension {i}, but data has "
                    f"only {data.ndim} dimension(s).",
                    hint="0 means 'keep this dimension'; give the size explicitly instead.",
                )
            dims.append(data.shape[i])
        elif d == -1:
            if unknown >= 0:
                raise ShapeError(
                    f"{where}: more than one -1 (missing dimension).",
                    hint="only one dimension can be inferred; give the others explicitly.",
                )
            unknown = i
            dims.append(1)
        elif d < 0:
            raise ShapeError(f"{where}: dimension {d} at index {i} is negative.",
                             hint="sizes are positive, 0 (keep) or -1 (infer).")
        else:
            dims.append(int(d))
    known = int(np.prod(dims, dtype=np.int64))
    if unknown >= 0:
        if known == 0 or data.size % known:
            raise ShapeError(
                f"{where}: {data.size} elements cannot be split into {requested} "
                f"(the known dimensions multiply to {known}).",
                hint="the known sizes must divide the element count exactly.",
            )
        dims[unknown] = data.size // known
    elif known != data.size:
        raise ShapeError(
            f"{where}: the new shape has {known} elements but data has {data.size}.",
            hint="the element count must stay the same; use -1 for one dimension to let "
            "Reshape infer it.",
        )
    return tuple(dims)


def _reshape_grad(g: GradientContext):
    # dX = Reshape(dY, old_shape); the second output is a throwaway copy of the shape,
    # named after the gradient blob as Caffe2 names it (``_X_grad_dims``).
    op = g.op("Reshape", [g.GO(0), g.O(1)], [g.GI(0), "_" + g.GI(0) + "_dims"],
              copy_args=False)
    return [op], [g.GI(0)] + [None] * (len(g.forward.input) - 1)


@register_op("Reshape", outputs=2, inplace=[(0, 0)], grad=_reshape_grad,
             shape_from_values=lambda args, n_inputs: n_inputs > 1)
def reshape(data: np.ndarray, new_shape: np.ndarray | None = None, *,
            shape: list[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Same values, new shape: ``reshaped = data.reshape(shape)``; also ``old_shape``.

    The new shape comes from the ``shape`` argument or from a second input ``new_shape``
    (a 1-D int tensor), never both. ``0`` copies data's dimension at that index and
    ``-1`` (at most one) is inferred from the element count, as in Caffe2.
    Outputs: ``reshaped`` and ``old_shape``, data's shape as a 1-D int64 tensor.
    Example: data ``[4, 6]``, ``shape=[0, 3, -1]`` → ``[4, 3, 2]``, old_shape ``[4, 6]``.
    In place: data → reshaped. Gradient: ``Reshape(dY, old_shape) -> dX``.
    """
    if new_shape is not None and shape is not None:
        raise ShapeError(
            "Reshape: the new shape is given both by the input blob new_shape and by the "
            "argument shape.",
            hint="pass only one: drop the shape= argument or the second input.",
        )
    if new_shape is None and shape is None:
        raise ShapeError(
            "Reshape: no new shape: give the argument shape=[...] or a second input blob.",
            hint="e.g. Reshape(['X'], ['Y', 'old_shape'], shape=[-1, 2]).",
        )
    if new_shape is not None:
        ns = np.asarray(new_shape)
        if ns.ndim != 1 or not np.issubdtype(ns.dtype, np.integer):
            raise ShapeError(
                f"Reshape: new_shape must be a 1-D int tensor, got {shape_str(ns)}.",
                hint="feed it as np.array([...], dtype=np.int64).",
            )
        requested = [int(v) for v in ns]
    else:
        requested = list(shape)  # type: ignore[arg-type]
    target = _target_shape(data, requested)
    return data.reshape(target), np.array(data.shape, dtype=np.int64)


# ---- Transpose -------------------------------------------------------------------------


def _check_axes(X: np.ndarray, axes: list[int] | None) -> list[int]:
    if axes is None or len(axes) == 0:
        return list(range(X.ndim))[::-1]
    if sorted(axes) != list(range(X.ndim)):
        raise ShapeError(
            f"Transpose: axes {axes} is not a permutation of X's {X.ndim} dimensions "
            f"(X {shape_str(X)}).",
            hint=f"list each of 0..{X.ndim - 1} once, e.g. {list(range(X.ndim))[::-1]} to "
            "reverse them (the default).",
        )
    return list(axes)


def _transpose_grad(g: GradientContext):
    axes = g.forward.args().get("axes")
    if axes:
        inverse = [0] * len(axes)
        for i, a in enumerate(axes):
            inverse[a] = i
        op = g.op("Transpose", [g.GO(0)], [g.GI(0)], axes=inverse)
    else:
        op = g.op("Transpose", [g.GO(0)], [g.GI(0)])
    return [op], [g.GI(0)]


@register_op("Transpose", grad=_transpose_grad)
def transpose(X: np.ndarray, *, axes: list[int] | None = None) -> np.ndarray:
    """Permute dimensions: ``Y.shape[i] = X.shape[axes[i]]``; default reverses them.

    Example: X ``[2, 3, 4]``, ``axes=[0, 2, 1]`` → Y ``[2, 4, 3]``. Y is a new
    (contiguous) array. Gradient: Transpose of dY with the inverse permutation.
    """
    return np.ascontiguousarray(np.transpose(X, _check_axes(X, axes)))


# ---- ReduceSum / ReduceMean ----------------------------------------------------------------


def _reduced_axes(op: str, X: np.ndarray, axes: list[int] | None) -> tuple[int, ...]:
    """Normalise ``axes`` (None or [] = all; negatives count from the end), checked."""
    if axes is None or len(axes) == 0:
        return tuple(range(X.ndim))
    out: list[int] = []
    for a in axes:
        ax = a + X.ndim if a < 0 else a
        if not 0 <= ax < X.ndim:
            raise ShapeError(
                f"{op}: axis {a} is out of range for X {shape_str(X)}.",
                hint=f"axes must lie in [{-X.ndim}, {X.ndim - 1}].",
            )
        if ax in out:
            raise ShapeError(f"{op}: axis {a} is listed twice in axes {axes}.",
                             hint="list each axis once.")
        out.append(ax)
    return tuple(sorted(out))


def _spread(op: str, dY: np.ndarray, X: np.ndarray, axes: list[int] | None,
            scale: float) -> np.ndarray:
    """Broadcast dY back over the reduced axes of X (times ``scale``), shaped like X."""
    red = _reduced_axes(op, X, axes)
    kept = tuple(1 if i in red else n for i, n in enumerate(X.shape))
    if dY.size != int(np.prod(kept, dtype=np.int64)):
        raise ShapeError(
            f"{op}: dY {shape_str(dY)} does not fit X {shape_str(X)} reduced over {list(red)}.",
            hint="dY must have the forward output's shape.",
        )
    dtype = np.result_type(dY.dtype, X.dtype) if np.issubdtype(X.dtype, np.floating) \
        else dY.dtype
    out = np.empty(X.shape, dtype=dtype)
    out[...] = dY.reshape(kept)
    if scale != 1.0:
        out *= dtype.type(scale)
    return out


def _reduce_grad(grad_type: str):
    def maker(g: GradientContext):
        # Caffe2's signature: (dY, X, Y); Y is passed along although only X's shape is used.
        return [g.op(grad_type, [g.GO(0), g.I(0), g.O(0)], [g.GI(0)])], [g.GI(0)]

    return maker


@register_op("ReduceSum", grad=_reduce_grad("ReduceSumGradient"))
def reduce_sum(X: np.ndarray, *, axes: list[int] | None = None, keepdims: int = 1) -> np.ndarray:
    """``Y = Σ X`` over ``axes`` (default: all; negative axes count from the end).

    With ``keepdims=1`` (Caffe2's default) reduced dimensions stay as 1s: X ``[2, 3, 4]``,
    ``axes=[1]`` → Y ``[2, 1, 4]``; with ``keepdims=0`` → ``[2, 4]``. Ints stay ints.
    Gradient: ``ReduceSumGradient(dY, X, Y) -> dX``.
    """
    dtype = X.dtype if np.issubdtype(X.dtype, np.integer) else None  # int32 stays int32
    # np.asarray: a full reduction gives a NumPy scalar, and blobs are always arrays
    return np.asarray(np.sum(X, axis=_reduced_axes("ReduceSum", X, axes),
                             keepdims=bool(keepdims), dtype=dtype))


@register_op("ReduceSumGradient", inputs=3)
def reduce_sum_gradient(dY: np.ndarray, X: np.ndarray, Y: np.ndarray, *,
                        axes: list[int] | None = None, keepdims: int = 1) -> np.ndarray:
    """``dX = dY`` copied along every reduced axis. dY: Y's shape → dX: X's shape.

    X is read only for its shape (and float dtype); Y, the forward output, is not read
    (Caffe2's gradient op takes it too).
    """
    return _spread("ReduceSumGradient", dY, X, axes, 1.0)


@register_op("ReduceMean", grad=_reduce_grad("ReduceMeanGradient"))
def reduce_mean(X: np.ndarray, *, axes: list[int] | None = None,
                keepdims: int = 1) -> np.ndarray:
    """``Y = mean X`` over ``axes`` (default: all), i.e. ``Σ X / n`` with n the number of
    reduced elements. Shapes as for ReduceSum (``keepdims=1`` by default). X: float.
    Gradient: ``ReduceMeanGradient(dY, X, Y) -> dX``.
    """
    require_float("ReduceMean", "X", X)
    return np.asarray(np.mean(X, axis=_reduced_axes("ReduceMean", X, axes),
                              keepdims=bool(keepdims)))


@register_op("ReduceMeanGradient", inputs=3)
def reduce_mean_gradient(dY: np.ndarray, X: np.ndarray, Y: np.ndarray, *,
                         axes: list[int] | None = None, keepdims: int = 1) -> np.ndarray:
    """``dX = dY / n`` copied along every reduced axis (n = reduced element count).

    dY: Y's shape → dX: X's shape; Y, the forward output, is not read.
    """
    red = _reduced_axes("ReduceMeanGradient", X, axes)
    n = int(np.prod([X.shape[i] for i in red], dtype=np.int64))
    return _spread("ReduceMeanGradient", dY, X, axes, 1.0 / n if n else 0.0)
