"""Shape operators: Reshape, Transpose, ReduceSum, ReduceMean, Flatten, ResizeLike, Concat,
Split, Slice, ExpandDims, Squeeze, Gather and SparseToDense (and their gradients).

Each operator keeps its forward kernel, its gradient maker, its gradient kernel, its
schema (through ``register_op``) and its documentation together.
"""

from __future__ import annotations

import numpy as np

from ..errors import GradientError, ShapeError
from ..registry import SHOULD_NOT_DO_GRADIENT, GradientContext, OpContext, register_op
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


# =========================================================================================
# More shape operators: Flatten, ResizeLike, Concat, Split, Slice, ExpandDims, Squeeze,
# Gather and SparseToDense (Gather's gradient).
# =========================================================================================


def _axis_in(op: str, X: np.ndarray, axis: int, extra: int = 0) -> int:
    """``axis`` (negative counts from the end) checked against ``X.ndim + extra`` dims."""
    ndim = X.ndim + extra
    if not -ndim <= axis < ndim:
        raise ShapeError(
            f"{op}: axis {axis} is out of range for X {shape_str(X)}.",
            hint=f"axis must lie in [{-ndim}, {ndim - 1}].",
        )
    return axis % ndim if ndim else 0


def _order_axis(op: str, X: np.ndarray, axis: int, order: str | None) -> int:
    """Caffe2's ``order`` shortcut for images: ``"NHWC"`` means axis 3 (the channels of
    an ``[N, H, W, C]`` batch), ``"NCHW"`` axis 1."""
    if order is None:
        return axis
    if order == "NHWC":
        return 3
    if order == "NCHW":
        return 1
    raise ShapeError(f"{op}: order must be 'NCHW' or 'NHWC', got {order!r}.",
                     hint="order picks the channel axis; or give axis= directly.")


# ---- Flatten ---------------------------------------------------------------------------


def _flatten_grad(g: GradientContext):
    op = g.op("ResizeLike", [g.GO(0), g.I(0)], [g.GI(0)])
    return [op], [g.GI(0)]


@register_op("Flatten", grad=_flatten_grad)
def flatten(X: np.ndarray, *, axis: int = 1) -> np.ndarray:
    """Flatten to 2-D around ``axis``: ``Y.shape = [prod(X.shape[:axis]),
    prod(X.shape[axis:])]``.

    Example: X ``[2, 3, 4]``, ``axis=1`` → ``[2, 12]``; ``axis=0`` → ``[1, 24]``;
    ``axis=3`` → ``[24, 1]``. ``0 <= axis <= X.ndim``. Values keep their order.
    Gradient: ``ResizeLike(dY, X) -> dX`` (dY's values with X's shape).
    """
    if not 0 <= axis <= X.ndim:
        raise ShapeError(f"Flatten: axis {axis} is out of range for X {shape_str(X)}.",
                         hint=f"axis must lie in [0, {X.ndim}].")
    rows = int(np.prod(X.shape[:axis], dtype=np.int64))
    cols = int(np.prod(X.shape[axis:], dtype=np.int64))
    return X.reshape(rows, cols).copy()


@register_op("ResizeLike", grad=SHOULD_NOT_DO_GRADIENT)
def resize_like(data: np.ndarray, shape_like: np.ndarray, *, axis: int | None = None
                ) -> np.ndarray:
    """``Y = data`` with ``shape_like``'s shape (same values in the same order).

    data and shape_like must have the same number of elements. Used as Flatten's
    gradient; like Caffe2, it is not itself differentiated. ``axis`` is not part of
    Caffe2's schema and is ignored: Caffe2's Flatten gradient copies Flatten's ``axis``
    onto this op, and graphlab builds the same op.
    """
    if data.size != shape_like.size:
        raise ShapeError(
            f"ResizeLike: data {shape_str(data)} has {data.size} elements but shape_like "
            f"{shape_str(shape_like)} has {shape_like.size}.",
            hint="the two inputs must hold the same number of elements.",
        )
    return data.reshape(shape_like.shape).copy()


# ---- Concat / Split ----------------------------------------------------------------------


def _concat_grad(g: GradientContext):
    names = [g.GI(i) for i in range(len(g.forward.input))]
    if len(set(g.forward.input)) != len(g.forward.input):
        names = [f"{g.GI(i)}_{i}" if g.I(i) in g.forward.input[:i] else g.GI(i)
                 for i in range(len(g.forward.input))]
    return [g.op("Split", [g.GO(0), g.O(1)], names)], names


@register_op("Concat", inputs=(1, None), outputs=2, grad=_concat_grad)
def concat(*inputs: np.ndarray, axis: int = 1, order: str | None = None,
           add_axis: int = 0, split: list[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Join the inputs along ``axis``: outputs ``(concat_result, split_info)``.

    All inputs have the same shape except along ``axis``; ``concat_result`` stacks them
    there, and ``split_info`` (int32, one entry per input) records each input's length
    along ``axis``, so ``Split`` can undo it. ``add_axis=1`` first gives every input a new
    axis of length 1 at ``axis`` (stacking; then split_info is all 1s).
    ``order="NHWC"`` means axis 3, ``"NCHW"`` axis 1 (Caffe2's shortcut for images).
    Example: ``[2, 3, 4]`` and ``[2, 5, 4]``, axis 1 → ``[2, 8, 4]``, split_info ``[3, 5]``.
    Gradient: ``Split(dY, split_info) -> (dX_0, dX_1, ...)`` with the same axis.
    ``split`` is not Caffe2's schema: Caffe2's Split gradient copies Split's arguments
    onto this Concat, ``split`` among them; graphlab checks it against the inputs.
    """
    first = inputs[0]
    axis = _order_axis("Concat", first, axis, order)
    ax = _axis_in("Concat", first, axis, extra=1 if add_axis else 0)
    parts = [np.expand_dims(x, ax) if add_axis else x for x in inputs]
    for i, x in enumerate(parts):
        same = x.ndim == parts[0].ndim and all(
            x.shape[d] == parts[0].shape[d] for d in range(x.ndim) if d != ax)
        if not same:
            raise ShapeError(
                f"Concat: input #{i} {shape_str(inputs[i])} does not match input #0 "
                f"{shape_str(first)} outside axis {ax}.",
                hint="every dimension except the concatenation axis must be equal.",
            )
    split_info = np.array([x.shape[ax] for x in parts], dtype=np.int32)
    if split is not None and list(split) != split_info.tolist():
        raise ShapeError(
            f"Concat: split={split} does not match the inputs' lengths "
            f"{split_info.tolist()} along axis {ax}.",
            hint="drop split= (Concat reads the lengths from its inputs).",
        )
    return np.concatenate(parts, axis=ax), split_info


def _split_grad(g: GradientContext):
    present = [go for go in g.g_output if go is not None]
    if len(present) != len(g.g_output):
        missing = [g.O(i) for i, go in enumerate(g.g_output) if go is None]
        raise GradientError(
            f"Split ({g.forward.summary()}): outputs {missing} have no gradient, so a Concat "
            f"of the others would not have {g.I(0)!r}'s shape (Caffe2 silently built that "
            "wrong-shaped gradient).\n  hint: give every part a gradient, e.g. use each part "
            "in the loss, or AddGradientOperators([...every part...])."
        )
    op = g.op("Concat", present, [g.GI(0), "_" + g.GI(0) + "_dims"])
    return [op], [g.GI(0)] + [None] * (len(g.forward.input) - 1)


@register_op("Split", inputs=(1, 2), outputs=(1, None), grad=_split_grad)
def split(input: np.ndarray, split_sizes: np.ndarray | None = None, *,
          axis: int = 1, split: list[int] | None = None, order: str | None = None,
          add_axis: int = 0, ctx: OpContext) -> np.ndarray | tuple[np.ndarray, ...]:
    """Cut ``input`` along ``axis`` into as many parts as the op has outputs.

    The part lengths come from the ``split`` argument or from a second input (a 1-D int
    tensor such as Concat's ``split_info``); without either, ``input`` is cut into equal
    parts. ``add_axis=1`` removes the (then length-1) axis from every part, undoing
    ``Concat(..., add_axis=1)``. ``order="NHWC"`` means axis 3, ``"NCHW"`` axis 1.
    Example: input ``[2, 8, 4]``, ``split=[3, 5]``, axis 1 → ``[2, 3, 4]`` and ``[2, 5, 4]``.
    Gradient: ``Concat(dY_0, dY_1, ...) -> (dX, _dX_dims)`` with the same arguments.
    """
    n_out = len(ctx.op.output)
    axis = _order_axis("Split", input, axis, order)
    ax = _axis_in("Split", input, axis)
    length = input.shape[ax]
    if split_sizes is not None and split is not None:
        raise ShapeError("Split: the part lengths are given both as an input and as the "
                         "argument split.", hint="pass only one of them.")
    if split_sizes is not None:
        sizes = [int(v) for v in np.asarray(split_sizes).reshape(-1)]
    elif split is not None:
        sizes = list(split)
    else:
        if length % n_out:
            raise ShapeError(
                f"Split: axis {ax} of input {shape_str(input)} has length {length}, which "
                f"does not divide into {n_out} equal parts.",
                hint="give the part lengths, e.g. split=[...], one per output.",
            )
        sizes = [length // n_out] * n_out
    if len(sizes) != n_out or sum(sizes) != length or min(sizes, default=0) < 0:
        raise ShapeError(
            f"Split: part lengths {sizes} do not cut axis {ax} (length {length}) of input "
            f"{shape_str(input)} into the op's {n_out} output(s).",
            hint="give one non-negative length per output, adding up to the axis length.",
        )
    if add_axis and any(s != 1 for s in sizes):
        raise ShapeError(f"Split: add_axis=1 needs parts of length 1, got {sizes}.",
                         hint="with add_axis=1 each part is one slice along axis.")
    cuts = np.cumsum(sizes)[:-1]
    parts = [p.copy() for p in np.split(input, cuts, axis=ax)]
    if add_axis:
        parts = [np.squeeze(p, axis=ax) for p in parts]
    return parts[0] if n_out == 1 else tuple(parts)


# ---- Slice -----------------------------------------------------------------------------


def _slice_bounds(op: str, data: np.ndarray, starts: list[int], ends: list[int]) -> tuple:
    """Caffe2's Slice indices → a tuple of Python slices.

    A negative index ``i`` means ``dim + 1 + i``, so ``-1`` is *one past the end*
    (ends=-1 keeps everything to the end). At most one dimension may really be sliced.
    """
    if len(starts) != data.ndim or len(ends) != data.ndim:
        raise ShapeError(
            f"{op}: starts {starts} and ends {ends} need one entry per dimension of data "
            f"{shape_str(data)}.",
            hint="use 0 and -1 for the dimensions you keep whole, e.g. starts=[0, 1], "
            "ends=[-1, 3].",
        )
    out = []
    cut = []
    for d, (s, e) in enumerate(zip(starts, ends)):
        n = data.shape[d]
        s = s + n + 1 if s < 0 else s
        e = e + n + 1 if e < 0 else e
        if not (0 <= s <= n and 0 <= e <= n and s <= e):
            raise ShapeError(
                f"{op}: dimension {d} of data {shape_str(data)} cannot be sliced from "
                f"{starts[d]} to {ends[d]} (that is [{s}, {e}) of length {n}).",
                hint="indices lie in [0, n]; negative ones count from one past the end.",
            )
        if (s, e) != (0, n):
            cut.append(d)
        out.append(slice(s, e))
    if len(cut) > 1:
        raise ShapeError(
            f"{op}: Caffe2's Slice cuts one dimension at a time; starts {starts}, ends "
            f"{ends} cut dimensions {cut}.",
            hint="chain two Slice ops, one per dimension.",
        )
    return tuple(out)


def _slice_indices(op: str, starts_in, ends_in, starts, ends) -> tuple[list[int], list[int]]:
    if starts_in is not None:
        if starts is not None or ends is not None:
            raise ShapeError(f"{op}: starts/ends are given both as inputs and as arguments.",
                             hint="pass them one way only.")
        return ([int(v) for v in np.asarray(starts_in).reshape(-1)],
                [int(v) for v in np.asarray(ends_in).reshape(-1)])
    if starts is None or ends is None:
        raise ShapeError(f"{op}: needs starts and ends (arguments or two more inputs).",
                         hint="e.g. Slice(['X'], ['Y'], starts=[0, 1], ends=[-1, 3]).")
    return list(starts), list(ends)


def _slice_grad(g: GradientContext):
    ins = [*g.forward.input, g.GO(0)]
    op = g.op("SliceGradient", ins, [g.GI(0)])
    return [op], [g.GI(0)] + [None] * (len(g.forward.input) - 1)


def _check_slice_inputs(n_in: int, n_out: int) -> str | None:
    if n_in == 2:
        return "Slice takes 1 input (with starts=, ends= arguments) or 3 (data, starts, ends)."
    return None


@register_op("Slice", inputs=(1, 3), grad=_slice_grad, check_arity=_check_slice_inputs,
             shape_from_values=lambda args, n_inputs: n_inputs > 1)
def slice_op(data: np.ndarray, starts_in: np.ndarray | None = None,
             ends_in: np.ndarray | None = None, *, starts: list[int] | None = None,
             ends: list[int] | None = None) -> np.ndarray:
    """``Y = data[starts[0]:ends[0], starts[1]:ends[1], ...]`` with Caffe2's indices.

    One start and end per dimension, from the arguments or from two 1-D int inputs. A
    negative index ``i`` counts from one past the end (``dim + 1 + i``): ``ends=-1``
    keeps a dimension to its end. As in Caffe2, only one dimension may be cut.
    Example: data ``[2, 3, 4]``, ``starts=[0, 1, 0]``, ``ends=[-1, -1, -1]`` → ``[2, 2, 4]``.
    Gradient: ``SliceGradient(data[, starts, ends], dY) -> dX`` (zeros, dY in the slice).
    """
    s, e = _slice_indices("Slice", starts_in, ends_in, starts, ends)
    return data[_slice_bounds("Slice", data, s, e)].copy()


@register_op("SliceGradient", inputs=(2, 4))
def slice_gradient(data: np.ndarray, *rest: np.ndarray, starts: list[int] | None = None,
                   ends: list[int] | None = None) -> np.ndarray:
    """``dX = zeros like data`` with dY written into the sliced region.

    Inputs: data (read for its shape), optionally starts and ends, then dY.
    """
    dY = rest[-1]
    starts_in, ends_in = (rest[0], rest[1]) if len(rest) == 3 else (None, None)
    s, e = _slice_indices("SliceGradient", starts_in, ends_in, starts, ends)
    bounds = _slice_bounds("SliceGradient", data, s, e)
    out = np.zeros(data.shape, dtype=np.result_type(dY.dtype, data.dtype)
                   if data.dtype.kind == "f" else dY.dtype)
    out[bounds] = dY
    return out


# ---- ExpandDims / Squeeze ------------------------------------------------------------------


def _check_dims(op: str, dims: list[int]) -> list[int]:
    ordered = sorted(dict.fromkeys(dims))
    if ordered and ordered[0] < 0:
        raise ShapeError(f"{op}: dims {dims} must be non-negative (as in Caffe2).",
                         hint="count dimensions from 0.")
    return ordered


def _expand_grad(g: GradientContext):
    return [g.op("Squeeze", [g.GO(0)], [g.GI(0)])], [g.GI(0)]


def _squeeze_grad(g: GradientContext):
    return [g.op("ExpandDims", [g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("ExpandDims", inplace=[(0, 0)], grad=_expand_grad)
def expand_dims(X: np.ndarray, *, dims: list[int]) -> np.ndarray:
    """Insert axes of length 1 at the positions ``dims`` of the *output*.

    dims are taken in increasing order (duplicates ignored), each ``<=`` the rank so far.
    Example: X ``[2, 3]``, ``dims=[0, 3]`` → Y ``[1, 2, 3, 1]``.
    Gradient: ``Squeeze(dY, dims) -> dX``.
    """
    shape = list(X.shape)
    for d in _check_dims("ExpandDims", dims):
        if d > len(shape):
            raise ShapeError(
                f"ExpandDims: dimension {d} is past the end of a {len(shape)}-D result "
                f"(X {shape_str(X)}, dims {dims}).",
                hint="each new axis index may be at most the number of dimensions so far.",
            )
        shape.insert(d, 1)
    return X.reshape(shape).copy()


@register_op("Squeeze", inplace=[(0, 0)], grad=_squeeze_grad)
def squeeze(X: np.ndarray, *, dims: list[int]) -> np.ndarray:
    """Remove the axes ``dims`` of X, each of which must have length 1.

    Example: X ``[1, 2, 3, 1]``, ``dims=[0, 3]`` → Y ``[2, 3]``.
    Gradient: ``ExpandDims(dY, dims) -> dX``.
    """
    ordered = _check_dims("Squeeze", dims)
    for d in ordered:
        if d >= X.ndim or X.shape[d] != 1:
            have = X.shape[d] if d < X.ndim else "none"
            raise ShapeError(
                f"Squeeze: dimension {d} of X {shape_str(X)} must be 1 (it is {have}).",
                hint="only axes of length 1 can be squeezed; check dims.",
            )
    shape = [n for i, n in enumerate(X.shape) if i not in ordered]
    return X.reshape(shape).copy()


# ---- Gather / SparseToDense -----------------------------------------------------------------


def _check_indices(op: str, indices: np.ndarray, n: int, what: str) -> np.ndarray:
    if not np.issubdtype(indices.dtype, np.integer):
        raise ShapeError(f"{op}: indices must be an int array, got {shape_str(indices)}.",
                         hint="feed them as np.array([...], dtype=np.int64) (or int32).")
    bad = np.flatnonzero((indices < 0) | (indices >= n))
    if bad.size:
        raise ShapeError(
            f"{op}: index {int(indices.reshape(-1)[bad[0]])} is outside [0, {n}) for {what}.",
            hint=f"indices pick rows 0 … {n - 1}.",
        )
    return indices


def _gather_grad(g: GradientContext):
    op = g.op("SparseToDense", [g.I(1), g.GO(0), g.I(0)], [g.GI(0)], copy_args=False)
    return [op], [g.GI(0), None]


@register_op("Gather", grad=_gather_grad)
def gather(data: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Pick rows: ``Y[i, j, ...] = data[indices[i, j], ...]`` (NumPy ``data[indices]``).

    data ``[N, ...]``, indices any shape of ints in ``[0, N)`` → Y ``indices.shape +
    data.shape[1:]``. Example: data ``[5, 3]``, indices ``[2]`` ``[4, 0]`` → Y ``[2, 3]``.
    Gradient: Caffe2 gave a *sparse* gradient (a GradientSlice: indices and dY, no op);
    graphlab has dense gradients only, so it emits Caffe2's own
    ``SparseToDense(indices, dY, data) -> dData`` (rows picked twice add up).
    """
    if data.ndim == 0:
        raise ShapeError("Gather: data is a scalar; it needs at least one dimension.",
                         hint="give data shape [N, ...].")
    _check_indices("Gather", indices, data.shape[0], f"data {shape_str(data)}")
    return data[indices]


def _sparse_to_dense_grad(g: GradientContext):
    op = g.op("Gather", [g.GO(0), g.I(0)], [g.GI(1)], copy_args=False)
    return [op], [None, g.GI(1)] + [None] * (len(g.forward.input) - 2)


@register_op("SparseToDense", inputs=(2, 3), grad=_sparse_to_dense_grad)
def sparse_to_dense(indices: np.ndarray, values: np.ndarray,
                    data_to_infer_dim: np.ndarray | None = None) -> np.ndarray:
    """Scatter-add rows: ``Y = zeros; Y[indices[k]] += values[k]`` for every k.

    indices: ints, values ``indices.shape + [...]`` → Y ``[M] + values.shape[indices.ndim:]``
    with ``M = data_to_infer_dim.shape[0]`` if that input is given, else
    ``max(indices) + 1``. Caffe2 takes 1-D indices only; graphlab also accepts the
    n-D indices of Gather, whose gradient this op is.
    Gradient (for values): ``Gather(dY, indices)``.
    """
    if not np.issubdtype(indices.dtype, np.integer):
        raise ShapeError(f"SparseToDense: indices must be ints, got {shape_str(indices)}.",
                         hint="feed them as np.array([...], dtype=np.int64).")
    if values.shape[:indices.ndim] != indices.shape:
        raise ShapeError(
            f"SparseToDense: values {shape_str(values)} must start with indices' shape "
            f"{list(indices.shape)}.",
            hint="there is one row of values per index.",
        )
    if data_to_infer_dim is not None:
        rows = data_to_infer_dim.shape[0] if data_to_infer_dim.ndim else 1
    else:
        rows = int(indices.max()) + 1 if indices.size else 0
    _check_indices("SparseToDense", indices, rows, f"an output of {rows} rows")
    inner = values.shape[indices.ndim:]
    out = np.zeros((rows, *inner), dtype=values.dtype)
    np.add.at(out, indices.reshape(-1), values.reshape(-1, *inner))
    return out
