"""Vision layers: Conv, ConvTranspose, MaxPool, AveragePool, SpatialBN, Dropout, LRN, Cast
and Summarize, the operators of Caffe2's MNIST and CIFAR-10 tutorials.

Images are 4-D: ``NCHW`` (batch, channels, height, width; Caffe2's default) or ``NHWC``
(channels last), chosen with the ``order`` argument. Convolution and pooling work on any
number of spatial dimensions (1-D signals, 2-D images, 3-D volumes); the text below says
``H, W`` for the 2-D case.

**The window geometry** (shared by convolution and pooling). Along one spatial dimension
of length ``H``, with kernel ``k``, stride ``s``, dilation ``d`` and padding ``p_b``
(before) and ``p_e`` (after), the dilated kernel spans ``k_d = d·(k − 1) + 1`` cells and
there are ``H_out = ⌊(H + p_b + p_e − k_d) / s⌋ + 1`` windows; window ``o`` reads the
padded input at ``o·s + j·d`` for ``j = 0 … k − 1``.

**im2col.** A convolution is one matrix product once every window is laid out as a
column: ``cols[(c, i, j), (n, y, x)] = X_padded[n, c, y·s + i·d, x·s + j·d]``, a
``[C·k_h·k_w, N·H_out·W_out]`` matrix whose rows are ordered like a filter's entries, so
``Y = W.reshape(M, −1) · cols`` is a single BLAS call. NumPy's ``sliding_window_view``
makes the windows as a *view* (no copy, only new strides); one reshape copies them into
``cols``. The gradient runs the same idea backwards: ``dcols = Wᵀ · dY`` and "col2im"
adds each kernel offset's block of ``dcols`` back onto the input, one vectorised addition
per kernel offset (25 for a 5×5 kernel), never a Python loop over pixels. The kernels work
on channels-first views ``[C, N, H, W]`` of the data, so NCHW and NHWC share one code
path (only the order of a window's cells differs: ``(c, i, j)`` or ``(i, j, c)``, as in
the filters).

Arguments use Caffe2's names: ``kernel`` or ``kernel_h``/``kernel_w`` or ``kernels``;
``stride``/``stride_h``/``stride_w``/``strides`` (default 1); ``pad`` or
``pad_t``/``pad_l``/``pad_b``/``pad_r`` or ``pads`` (all the begins, then all the ends:
``[t, l, b, r]``); ``dilation``/``dilations`` (Conv only); ``legacy_pad`` (1 VALID: no
padding; 2 SAME: ``H_out = ⌈H / s⌉``, padding split with the odd cell at the end; 3
CAFFE_LEGACY_POOLING: ``H_out = ⌈(H + 2p − k) / s⌉ + 1``, rounding up, minus one if the
last window would start inside the end padding).
"""

from __future__ import annotations

import functools
import inspect
import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..errors import ArgumentError, GradientError, ShapeError
from ..proto import DataType, make_argument
from ..registry import SHOULD_NOT_DO_GRADIENT, GradientContext, OpContext, register_op
from ._util import require_float, shape_str
from .io import resolve_db_path

# ---- the shared arguments ----------------------------------------------------------------

#: ``legacy_pad`` values (Caffe2's LegacyPadding enum).
NOTSET, VALID, SAME, CAFFE_LEGACY_POOLING = 0, 1, 2, 3

IntList = list[int] | None

#: Arguments every convolution and pooling op takes: (name, type, default).
WINDOW_ARGS: tuple[tuple[str, Any, Any], ...] = (
    ("kernel", int, 0), ("kernel_h", int, 0), ("kernel_w", int, 0), ("kernels", IntList, None),
    ("stride", int, 1), ("stride_h", int, 0), ("stride_w", int, 0), ("strides", IntList, None),
    ("pad", int, 0), ("pad_t", int, 0), ("pad_l", int, 0), ("pad_b", int, 0),
    ("pad_r", int, 0), ("pads", IntList, None),
    ("order", str, "NCHW"), ("legacy_pad", int, NOTSET),
)
#: Conv's dilation (pooling in Caffe2 refused any dilation but 1).
DILATION_ARGS = (
    ("dilation", int, 1), ("dilation_h", int, 0), ("dilation_w", int, 0),
    ("dilations", IntList, None),
)
#: Conv and ConvTranspose: groups, and ``no_bias`` (set on the gradient op when there is
#: no bias input). ``shared_buffer`` and ``exhaustive_search`` are accepted and have no
#: effect here (memory sharing and cuDNN algorithm search in Caffe2).
CONV_ARGS = (("group", int, 1), ("no_bias", int, 0), ("shared_buffer", int, 0),
             ("exhaustive_search", int, 0))
#: ConvTranspose's extra output cells at the end of each dimension (``adj < stride``).
ADJ_ARGS = (("adj", int, 0), ("adj_h", int, 0), ("adj_w", int, 0), ("adjs", IntList, None))
POOL_ARGS = (("global_pooling", int, 0),)
AVERAGE_ARGS = (("count_include_pad", int, 0),)


def with_args(*groups: tuple[tuple[str, Any, Any], ...]) -> Callable[[Callable], Callable]:
    """Give a kernel that takes ``**args`` these keyword-only arguments and their defaults.

    The registry reads an op's arguments from its kernel's signature; the window ops share
    a couple of dozen, so they are listed once above and added here instead of being
    written out in eight signatures. A created net passes only the arguments that differ
    from their defaults, so the wrapper fills in the rest before calling the kernel.
    """

    def decorate(kernel: Callable) -> Callable:
        defaults = {name: default for group in groups for name, _, default in group}
        sig = inspect.signature(kernel)
        params = [p for p in sig.parameters.values() if p.kind is not p.VAR_KEYWORD]
        hints = dict(kernel.__annotations__)
        for group in groups:
            for name, kind, default in group:
                params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY,
                                                default=default, annotation=kind))
                hints[name] = kind

        @functools.wraps(kernel)
        def run(*inputs: np.ndarray, **args: Any) -> Any:
            return kernel(*inputs, **{**defaults, **args})

        run.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
        run.__annotations__ = hints
        return run

    return decorate


# ---- the window geometry --------------------------------------------------------------------


@dataclass(frozen=True)
class Geometry:
    """Where the windows of a convolution or pooling lie, one entry per spatial dimension.

    ``size`` is the unpadded length of the array the windows slide over (the input of Conv
    and pooling, the *output* of ConvTranspose); ``out`` is the number of windows.
    ``pad_end`` includes any cells added so the last window fits.
    """

    order: str
    size: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    pad_begin: tuple[int, ...]
    pad_end: tuple[int, ...]
    out: tuple[int, ...]

    @property
    def spatial_axes(self) -> tuple[int, ...]:
        """Axes of the spatial dimensions in a 2+n-D array of this order."""
        first = 2 if self.order == "NCHW" else 1
        return tuple(range(first, first + len(self.kernel)))

    @property
    def channel_axis(self) -> int:
        return 1 if self.order == "NCHW" else len(self.kernel) + 1


def _per_dim(op: str, name: str, args: dict[str, Any], n: int, default: int) -> tuple[int, ...]:
    """One value per spatial dimension from ``<name>_h`` and ``<name>_w`` (both),
    ``<name>s`` (a list) or ``<name>`` (one value for every dimension)."""
    h, w = args.get(name + "_h", 0), args.get(name + "_w", 0)
    if h or w:
        if not (h and w):
            raise ArgumentError(
                f"{op}: give both {name}_h and {name}_w (got {name}_h={h}, {name}_w={w}); "
                f"Caffe2 silently ignored one given alone. Or use {name}={h or w}.")
        if n != 2:
            raise ArgumentError(f"{op}: {name}_h/{name}_w are for 2-D images; this input has "
                                f"{n} spatial dimension(s): use {name}s=[...].")
        return (h, w)
    many = args.get(name + "s")
    if many is not None:
        if len(many) != n:
            raise ArgumentError(
                f"{op}: {name}s={many} has {len(many)} value(s), but the input has {n} "
                f"spatial dimension(s).")
        return tuple(int(v) for v in many)
    return (args.get(name, default),) * n


def _pads(op: str, args: dict[str, Any], n: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(pad_begin, pad_end) from ``pads`` ([begins..., ends...]), ``pad_t/l/b/r`` or ``pad``."""
    pads = args.get("pads")
    sides = [args.get(k, 0) for k in ("pad_t", "pad_l", "pad_b", "pad_r")]
    if pads is not None:
        if len(pads) != 2 * n:
            raise ArgumentError(
                f"{op}: pads={pads} needs {2 * n} values (the {n} begins, then the {n} "
                "ends; [t, l, b, r] for an image).")
        begin, end = tuple(pads[:n]), tuple(pads[n:])
    elif any(sides):  # the four go together; one left out counts as 0
        if n != 2:
            raise ArgumentError(f"{op}: pad_t/pad_l/pad_b/pad_r are for 2-D images; use pads.")
        begin, end = (sides[0], sides[1]), (sides[2], sides[3])
    else:
        begin = end = (args.get("pad", 0),) * n
    if min(begin + end) < 0:
        raise ArgumentError(f"{op}: padding must not be negative (begin {begin}, end {end}).")
    return begin, end


def check_window_args(args: dict[str, Any]) -> str | None:
    """Rules between the window arguments, checked when the op is created: pairs given
    whole, a known layout and legacy_pad, no pads beside legacy VALID/SAME."""
    for name in ("kernel", "stride", "dilation", "adj"):
        h, w = args.get(name + "_h", 0), args.get(name + "_w", 0)
        if bool(h) != bool(w):
            return (f"give both {name}_h and {name}_w (got {name}_h={h}, {name}_w={w}); "
                    f"Caffe2 silently ignored one given alone. Or use {name}={h or w}.")
    if args.get("order", "NCHW") not in ("NCHW", "NHWC"):
        return f"order={args['order']!r} is not a layout; use 'NCHW' or 'NHWC'."
    legacy = args.get("legacy_pad", NOTSET)
    if legacy not in (NOTSET, VALID, SAME, CAFFE_LEGACY_POOLING):
        return (f"legacy_pad={legacy} is not one of 0 (NOTSET), 1 (VALID), 2 (SAME), "
                "3 (CAFFE_LEGACY_POOLING).")
    padded = args.get("pad") or args.get("pads") or any(
        args.get(k) for k in ("pad_t", "pad_l", "pad_b", "pad_r"))
    if legacy in (VALID, SAME) and padded:
        return (f"legacy_pad={legacy} ({'VALID' if legacy == VALID else 'SAME'}) computes the "
                "padding itself; do not also give pad/pads.")
    return None


def _check_order(op: str, order: str) -> None:
    if order not in ("NCHW", "NHWC"):
        raise ArgumentError(f"{op}: order={order!r} is not a layout; use 'NCHW' (channels "
                            "first, Caffe2's default) or 'NHWC' (channels last).")


def window_geometry(op: str, X: np.ndarray, args: dict[str, Any], *,
                    pool: bool = False) -> Geometry:
    """The geometry of a convolution or pooling over ``X`` (its input), checked.

    Raises:
        ArgumentError: inconsistent arguments (missing kernel, pads with legacy_pad ...).
        ShapeError: X is too small for the kernel.
    """
    problem = check_window_args(args)  # as at op creation (a kernel may be called directly)
    if problem is not None:
        raise ArgumentError(f"{op}: {problem}")
    order = args.get("order", "NCHW")
    if X.ndim < 3:
        raise ShapeError(
            f"{op}: X {shape_str(X)} needs a batch, a channel and at least one spatial "
            f"dimension ({order} images are 4-D).",
            hint="reshape flat images first, e.g. X.reshape(N, 1, 28, 28) for NCHW.")
    n = X.ndim - 2
    size = X.shape[2:] if order == "NCHW" else X.shape[1:-1]
    legacy = args.get("legacy_pad", NOTSET)
    if pool and args.get("global_pooling"):
        kernel, stride, dilation = tuple(size), (1,) * n, (1,) * n
        begin = end = (0,) * n
        legacy = NOTSET
    else:
        kernel = _per_dim(op, "kernel", args, n, 0)
        stride = _per_dim(op, "stride", args, n, 1)
        dilation = _per_dim(op, "dilation", args, n, 1) if not pool else (1,) * n
        begin, end = _pads(op, args, n)
    if min(kernel) <= 0:
        raise ArgumentError(f"{op}: kernel {kernel} must be positive; give kernel=k, "
                            "kernel_h and kernel_w, or kernels=[...].")
    if min(stride) <= 0 or min(dilation) <= 0:
        raise ArgumentError(f"{op}: stride {stride} and dilation {dilation} must be positive.")
    if pool and any(b >= k or e >= k for b, e, k in zip(begin, end, kernel)):
        raise ArgumentError(f"{op}: padding {begin}/{end} must be smaller than the "
                            f"kernel {kernel}.")
    outs, begins, ends = [], [], []
    for h, k, s, d, b, e in zip(size, kernel, stride, dilation, begin, end):
        span = d * (k - 1) + 1
        if legacy == VALID:
            o, b, e = (h - span) // s + 1, 0, 0
        elif legacy == SAME:
            o = -(-h // s)
            need = max((o - 1) * s + span - h, 0)
            b, e = need // 2, need - need // 2
        elif legacy == CAFFE_LEGACY_POOLING:
            o = -(-(h + b + e - span) // s) + 1  # rounds up
            if b > 0 and (o - 1) * s >= h + b:
                o -= 1
            e = max(e, (o - 1) * s + span - h - b)  # so that the last window fits
        else:
            o = (h + b + e - span) // s + 1
        if h + b + e < span or o < 1:
            raise ShapeError(
                f"{op}: X {shape_str(X)} is too small: a spatial size of {h} with padding "
                f"{b}+{e} cannot hold the kernel span {span} (kernel {k}, dilation {d}).",
                hint="use a smaller kernel, pad the input, or check the order argument "
                     f"(order={order!r}).")
        outs.append(o)
        begins.append(b)
        ends.append(e)
    return Geometry(order, tuple(size), kernel, stride, dilation, tuple(begins), tuple(ends),
                    tuple(outs))


def pad_spatial(x: np.ndarray, geo: Geometry, value: float = 0.0,
                axes: tuple[int, ...] | None = None) -> np.ndarray:
    """``x`` with ``geo``'s padding added around its spatial ``axes`` (default: those of
    ``geo.order``)."""
    if not any(geo.pad_begin + geo.pad_end):
        return x
    width = [(0, 0)] * x.ndim
    for ax, b, e in zip(axes or geo.spatial_axes, geo.pad_begin, geo.pad_end):
        width[ax] = (b, e)
    return np.pad(x, width, constant_values=value)


def crop_spatial(xp: np.ndarray, geo: Geometry,
                 axes: tuple[int, ...] | None = None) -> np.ndarray:
    """Undo :func:`pad_spatial`: the ``geo.size`` cells after each begin padding."""
    index = [slice(None)] * xp.ndim
    for ax, b, h in zip(axes or geo.spatial_axes, geo.pad_begin, geo.size):
        index[ax] = slice(b, b + h)
    return xp[tuple(index)]


def windows(xp: np.ndarray, geo: Geometry, axes: tuple[int, ...] | None = None) -> np.ndarray:
    """Every window of the padded array ``xp`` as a read-only *view* (no copy).

    The result keeps ``xp``'s axes, with each spatial axis now counting windows
    (``geo.out``), and appends one axis per kernel dimension: e.g. ``[C, N, H_out, W_out,
    k_h, k_w]`` for a channels-first ``[C, N, H, W]`` array.
    """
    axes = axes or geo.spatial_axes
    spans = tuple(d * (k - 1) + 1 for k, d in zip(geo.kernel, geo.dilation))
    view = sliding_window_view(xp, spans, axis=axes)
    index = [slice(None)] * xp.ndim
    for ax, s, o in zip(axes, geo.stride, geo.out):
        index[ax] = slice(0, s * (o - 1) + 1, s)
    index += [slice(None, None, d) for d in geo.dilation]
    return view[tuple(index)]


def kernel_offsets(geo: Geometry, ndim: int, axes: tuple[int, ...] | None = None
                   ) -> Iterator[tuple[tuple[int, ...], tuple]]:
    """For each kernel offset ``j`` (one per kernel cell), the index into a padded
    ``ndim``-D array of the cells that offset reads, one per window: ``o·s + j·d`` for
    ``o < out`` along each spatial axis."""
    axes = axes or geo.spatial_axes
    for offset in itertools.product(*(range(k) for k in geo.kernel)):
        index: list[slice] = [slice(None)] * ndim
        for ax, j, d, s, o in zip(axes, offset, geo.dilation, geo.stride, geo.out):
            index[ax] = slice(j * d, j * d + s * (o - 1) + 1, s)
        yield offset, tuple(index)


# The matrix products work on *channels-first* arrays ``[C, N, *spatial]`` whatever the
# order: a moveaxis view of NCHW or NHWC data, so one code path serves both layouts.


def channels_first(x: np.ndarray, geo: Geometry) -> np.ndarray:
    """A ``[C, N, *spatial]`` view of an NCHW or NHWC array (no copy)."""
    return np.moveaxis(x, geo.channel_axis, 0)


def channels_back(y: np.ndarray, order: str) -> np.ndarray:
    """``[C, N, *spatial]`` → a contiguous NCHW or NHWC array (one copy)."""
    return np.ascontiguousarray(np.moveaxis(y, 0, 1 if order == "NCHW" else y.ndim - 1))


def _cf_axes(geo: Geometry) -> tuple[int, ...]:
    """The spatial axes of a channels-first array."""
    return tuple(range(2, 2 + len(geo.kernel)))


def im2col(xcf: np.ndarray, geo: Geometry) -> np.ndarray:
    """The windows of the padded channels-first ``xcf`` ``[C, N, *spatial]`` as columns:
    ``cols[w, (n, o)]``, one column per window ``o`` of image ``n`` (``N·prod(out)``
    columns), one row per cell ``w`` of a window, ordered like a filter's entries:
    ``(c, *k)`` for NCHW filters, ``(*k, c)`` for NHWC ones. So ``W.reshape(M, -1) @ cols``
    is the convolution. One copy, made by the reshape of the transposed window view.
    """
    n = len(geo.kernel)
    win = windows(xcf, geo, _cf_axes(geo))  # [C, N, *out, *k]
    k_axes = tuple(range(2 + n, 2 + 2 * n))
    out_axes = tuple(range(2, 2 + n))
    if geo.order == "NCHW":
        perm = (0, *k_axes, 1, *out_axes)  # [C, *k, N, *out]
    else:
        perm = (*k_axes, 0, 1, *out_axes)  # [*k, C, N, *out]
    return win.transpose(perm).reshape(-1, xcf.shape[1] * math.prod(geo.out))


def col2im(cols: np.ndarray, geo: Geometry, out: np.ndarray) -> np.ndarray:
    """The adjoint of :func:`im2col`: add every column's window back where it was read,
    into the padded channels-first ``out`` ``[C, N, *spatial]`` (cells that several
    windows share receive the sum). One vectorised addition per kernel offset: with the
    rows ordered by offset, each offset's block is a contiguous ``[C, N, *out]`` slab
    (or C of them), so the additions read memory in order.
    """
    C, N = out.shape[:2]
    if geo.order == "NCHW":
        blocks = cols.reshape(C, *geo.kernel, N, *geo.out)
        for offset, index in kernel_offsets(geo, out.ndim, _cf_axes(geo)):
            out[index] += blocks[(slice(None), *offset)]
    else:
        blocks = cols.reshape(*geo.kernel, C, N, *geo.out)
        for offset, index in kernel_offsets(geo, out.ndim, _cf_axes(geo)):
            out[index] += blocks[offset]
    return out


# ---- Conv ---------------------------------------------------------------------------------------


def _check_filters(op: str, X: np.ndarray, W: np.ndarray, b: np.ndarray | None, geo: Geometry,
                   group: int, transposed: bool) -> tuple[int, int]:
    """Check W (and b) against X; return (input channels, output channels)."""
    require_float(op, "X", X)
    require_float(op, "W", W)
    C = X.shape[geo.channel_axis]
    n = len(geo.kernel)
    if W.ndim != n + 2:
        raise ShapeError(f"{op}: W {shape_str(W)} must be {n + 2}-D for X {shape_str(X)}.")
    w_kernel = W.shape[2:] if geo.order == "NCHW" else W.shape[1:-1]
    w_in = W.shape[0] if transposed else (W.shape[1] if geo.order == "NCHW" else W.shape[-1])
    if group < 1 or C % group:
        raise ArgumentError(f"{op}: group={group} must divide the {C} input channels.")
    if tuple(w_kernel) != geo.kernel:
        raise ShapeError(
            f"{op}: W {shape_str(W)} has a {list(w_kernel)} kernel but the op's kernel "
            f"argument says {list(geo.kernel)}.",
            hint="make the kernel argument match the filter blob (brew.conv does).")
    if transposed:
        M = (W.shape[1] if geo.order == "NCHW" else W.shape[-1]) * group
        if w_in != C:
            raise ShapeError(
                f"{op}: X {shape_str(X)} has {C} channels but W {shape_str(W)} expects "
                f"{w_in} (W is [C_in, C_out/group, *kernel] for {geo.order}).",
                hint=f"check order={geo.order!r} and the filter's dim_in.")
    else:
        M = W.shape[0]
        if w_in * group != C or M % group:
            layout = "[M, C/group, *kernel]" if geo.order == "NCHW" else "[M, *kernel, C/group]"
            raise ShapeError(
                f"{op}: X {shape_str(X)} has {C} input channels, W {shape_str(W)} expects "
                f"{w_in} × group {group} = {w_in * group} (W is {layout} for {geo.order}).",
                hint=f"set the layer's dim_in to {C}, or check order={geo.order!r}.")
    if b is not None and (b.ndim != 1 or b.shape[0] != M):
        raise ShapeError(f"{op}: b {shape_str(b)} must be 1-D with one value per output "
                         f"channel ({M}).", hint=f"give b shape [{M}].")
    return C, M


def _with_bias_or_not(g: GradientContext, grad_type: str):
    """``<grad_type>(X, W, dY) -> (dW, db, dX)``, or ``-> (dW, dX)`` with ``no_bias=1`` put
    first among the copied forward arguments when there is no bias: Caffe2's order."""
    if len(g.forward.input) == 3:
        op = g.op(grad_type, [g.I(0), g.I(1), g.GO(0)], [g.GI(1), g.GI(2), g.GI(0)])
        return [op], [g.GI(0), g.GI(1), g.GI(2)]
    op = g.op(grad_type, [g.I(0), g.I(1), g.GO(0)], [g.GI(1), g.GI(0)])
    op.arg = [make_argument("no_bias", 1), *(a for a in op.arg if a.name != "no_bias")]
    return [op], [g.GI(0), g.GI(1)]


def _conv_grad(g: GradientContext):
    return _with_bias_or_not(g, "ConvGradient")


@register_op("Conv", check_args=check_window_args, inputs=(2, 3), grad=_conv_grad)
@with_args(WINDOW_ARGS, DILATION_ARGS, CONV_ARGS)
def conv(X: np.ndarray, W: np.ndarray, b: np.ndarray | None = None, **args: Any) -> np.ndarray:
    """Convolution (cross-correlation, as in every framework): ``Y = X ⋆ W + b``.

    NCHW: X ``[N, C, H, W]``, W ``[M, C/G, k_h, k_w]``, b ``[M]`` (optional) →
    Y ``[N, M, H_out, W_out]`` with

        Y[n, m, y, x] = b[m] + Σ_{c, i, j} X_pad[n, c, y·s_h + i·d_h, x·s_w + j·d_w] · W[m, c, i, j]

    NHWC: X ``[N, H, W, C]``, W ``[M, k_h, k_w, C/G]`` → Y ``[N, H_out, W_out, M]``.
    With ``group=G`` the channels split into G groups, each convolved with its own M/G
    filters. Computed as im2col and one matrix product per group,
    ``Y[m, (n, o)] = Σ_w W[m, w] · cols[w, (n, o)]`` (see the module doc).
    Example (LeNet): X ``[64, 1, 28, 28]``, W ``[20, 1, 5, 5]``, kernel=5 → Y
    ``[64, 20, 24, 24]``.
    """
    geo = window_geometry("Conv", X, args)
    group = args["group"]
    C, M = _check_filters("Conv", X, W, b, geo, group, transposed=False)
    xcf = pad_spatial(channels_first(X, geo), geo, axes=_cf_axes(geo))
    Cg, Mg = C // group, M // group
    if group == 1:
        y = W.reshape(M, -1) @ im2col(xcf, geo)
    else:
        y = np.concatenate([W[g * Mg:(g + 1) * Mg].reshape(Mg, -1)
                            @ im2col(xcf[g * Cg:(g + 1) * Cg], geo) for g in range(group)])
    if b is not None:
        y += b[:, None]
    return channels_back(y.reshape(M, X.shape[0], *geo.out), geo.order)


@register_op("ConvGradient", check_args=check_window_args, outputs=(2, 3))
@with_args(WINDOW_ARGS, DILATION_ARGS, CONV_ARGS)
def conv_gradient(X: np.ndarray, W: np.ndarray, dY: np.ndarray, **args: Any) -> tuple:
    """Gradient of Conv, per group, with ``dY`` as a matrix ``[M, (n, o)]``:
    ``dW = dY · colsᵀ``, ``db = Σ dY`` over batch and space, ``dX = col2im(Wᵀ · dY)``.

    Inputs X, W, dY (shaped like Conv's Y); outputs ``(dW, db, dX)``, or ``(dW, dX)``
    when ``no_bias=1`` (Caffe2's order).
    """
    geo = window_geometry("ConvGradient", X, args)
    group = args["group"]
    C, M = _check_filters("ConvGradient", X, W, None, geo, group, transposed=False)
    dy = channels_first(dY, geo).reshape(M, -1)  # [M, (n, o)]: one copy
    xcf = pad_spatial(channels_first(X, geo), geo, axes=_cf_axes(geo))
    dxcf = np.zeros(xcf.shape, dtype=np.result_type(X, W, dY))
    dW = np.empty(W.shape, dtype=np.result_type(X, dY))
    Cg, Mg = C // group, M // group
    for g in range(group):
        cols = im2col(xcf[g * Cg:(g + 1) * Cg], geo)
        dy_g = dy[g * Mg:(g + 1) * Mg]
        w_g = W[g * Mg:(g + 1) * Mg].reshape(Mg, -1)
        dW[g * Mg:(g + 1) * Mg] = (dy_g @ cols.T).reshape(dW[g * Mg:(g + 1) * Mg].shape)
        col2im(w_g.T @ dy_g, geo, dxcf[g * Cg:(g + 1) * Cg])
    dX = channels_back(crop_spatial(dxcf, geo, _cf_axes(geo)), geo.order)
    if args["no_bias"]:
        return dW, dX
    return dW, dy.sum(axis=1), dX


# ---- ConvTranspose -----------------------------------------------------------------------------


def _transpose_geometry(op: str, X: np.ndarray, args: dict[str, Any]) -> Geometry:
    """ConvTranspose's geometry: the windows lie on the (padded) *output*; there is one
    window per input cell. ``H_out = (H − 1)·s + k − p_b − p_e + adj``.

    Caffe2 computed no padding for legacy_pad VALID/SAME here (both give the full
    ``(H − 1)·s + k``) and took no dilation; graphlab does the same.
    """
    problem = check_window_args(args)
    if problem is not None:
        raise ArgumentError(f"{op}: {problem}")
    order = args.get("order", "NCHW")
    if X.ndim < 3:
        raise ShapeError(f"{op}: X {shape_str(X)} needs a batch, a channel and at least one "
                         "spatial dimension.")
    n = X.ndim - 2
    size_in = X.shape[2:] if order == "NCHW" else X.shape[1:-1]
    kernel = _per_dim(op, "kernel", args, n, 0)  # required, as for Conv (Caffe2 too)
    stride = _per_dim(op, "stride", args, n, 1)
    adj = _per_dim(op, "adj", args, n, 0)  # adj_h with adj_w, or adjs=[1, 0] for one alone
    begin, end = _pads(op, args, n)
    if min(kernel) <= 0 or min(stride) <= 0 or min(adj) < 0:
        raise ArgumentError(f"{op}: kernel {kernel} and stride {stride} must be positive, "
                            f"adj {adj} not negative.")
    size = []
    for h, k, s, b, e, a in zip(size_in, kernel, stride, begin, end, adj):
        o = (h - 1) * s + k - b - e + a
        if o < 1:
            raise ShapeError(f"{op}: the padding {b}+{e} removes the whole output "
                             f"({(h - 1) * s + k + a} cells) of X {shape_str(X)}.")
        size.append(o)
    return Geometry(order, tuple(size), kernel, stride, (1,) * n, begin, end, tuple(size_in))


def _conv_transpose_grad(g: GradientContext):
    return _with_bias_or_not(g, "ConvTransposeGradient")


@register_op("ConvTranspose", check_args=check_window_args, inputs=(2, 3),
             grad=_conv_transpose_grad)
@with_args(WINDOW_ARGS, CONV_ARGS, ADJ_ARGS)
def conv_transpose(X: np.ndarray, W: np.ndarray, b: np.ndarray | None = None,
                   **args: Any) -> np.ndarray:
    """Transposed convolution ("deconvolution"): the adjoint of Conv, so it scatters
    instead of gathering. Every input cell adds ``X[n, c, y, x] · W[c, m, :, :]`` into the
    output window at ``(y·s_h, x·s_w)``; the padding is then cut off and b added.

    NCHW: X ``[N, C, H, W]``, W ``[C, M/G, k_h, k_w]``, b ``[M]`` → Y ``[N, M, H_out,
    W_out]`` with ``H_out = (H − 1)·s_h + k_h − p_t − p_b + adj_h``. NHWC: X ``[N, H, W,
    C]``, W ``[C, k_h, k_w, M/G]`` → Y ``[N, H_out, W_out, M]``. Computed as one matrix
    product per group, ``cols = Wᵀ · X`` (X as ``[C, (n, y, x)]``), then col2im.
    Example: X ``[1, 20, 12, 12]``, W ``[20, 3, 2, 2]``, kernel=2, stride=2 → Y
    ``[1, 3, 24, 24]``.
    """
    geo = _transpose_geometry("ConvTranspose", X, args)
    group = args["group"]
    C, M = _check_filters("ConvTranspose", X, W, b, geo, group, transposed=True)
    x = channels_first(X, geo).reshape(C, -1)  # [C, (n, y, x)]
    padded = tuple(h + p + q for h, p, q in zip(geo.size, geo.pad_begin, geo.pad_end))
    ycf = np.zeros((M, X.shape[0], *padded), dtype=np.result_type(X, W))
    Cg, Mg = C // group, M // group
    for g in range(group):
        w_g = W[g * Cg:(g + 1) * Cg].reshape(Cg, -1)
        col2im(w_g.T @ x[g * Cg:(g + 1) * Cg], geo, ycf[g * Mg:(g + 1) * Mg])
    Y = channels_back(crop_spatial(ycf, geo, _cf_axes(geo)), geo.order)
    if b is not None:
        shape = [1] * Y.ndim
        shape[geo.channel_axis] = M
        Y += b.reshape(shape)
    return Y


@register_op("ConvTransposeGradient", check_args=check_window_args, outputs=(2, 3))
@with_args(WINDOW_ARGS, CONV_ARGS, ADJ_ARGS)
def conv_transpose_gradient(X: np.ndarray, W: np.ndarray, dY: np.ndarray, **args: Any) -> tuple:
    """Gradient of ConvTranspose: ``cols = im2col(dY padded)``; ``dX = W · cols`` (a plain
    convolution of dY with W), ``dW = X · colsᵀ`` (X as ``[C, (n, y, x)]``), ``db = Σ dY``.

    Inputs X, W, dY; outputs ``(dW, db, dX)``, or ``(dW, dX)`` with ``no_bias=1``.
    """
    geo = _transpose_geometry("ConvTransposeGradient", X, args)
    group = args["group"]
    C, M = _check_filters("ConvTransposeGradient", X, W, None, geo, group, transposed=True)
    x = channels_first(X, geo).reshape(C, -1)
    dycf = pad_spatial(channels_first(dY, geo), geo, axes=_cf_axes(geo))
    dx = np.empty((C, x.shape[1]), dtype=np.result_type(dY, W))
    dW = np.empty(W.shape, dtype=np.result_type(X, dY))
    Cg, Mg = C // group, M // group
    for g in range(group):
        cols = im2col(dycf[g * Mg:(g + 1) * Mg], geo)
        w_g = W[g * Cg:(g + 1) * Cg].reshape(Cg, -1)
        dx[g * Cg:(g + 1) * Cg] = w_g @ cols
        dW[g * Cg:(g + 1) * Cg] = (x[g * Cg:(g + 1) * Cg] @ cols.T).reshape(
            dW[g * Cg:(g + 1) * Cg].shape)
    dX = channels_back(dx.reshape(C, X.shape[0], *geo.out), geo.order)
    if args["no_bias"]:
        return dW, dX
    return dW, channels_first(dY, geo).reshape(M, -1).sum(axis=1), dX


# ---- MaxPool and AveragePool -------------------------------------------------------------------


def _pool_grad(name: str):
    def make(g: GradientContext):
        # Caffe2: <Pool>Gradient(X, Y, dY) -> dX
        return [g.op(name, [g.I(0), g.O(0), g.GO(0)], [g.GI(0)])], [g.GI(0)]

    return make


@register_op("MaxPool", check_args=check_window_args, grad=_pool_grad("MaxPoolGradient"))
@with_args(WINDOW_ARGS, POOL_ARGS)
def max_pool(X: np.ndarray, **args: Any) -> np.ndarray:
    """Max pooling: each output is the largest input in its window,
    ``Y[n, c, y, x] = max_{i, j} X_pad[n, c, y·s_h + i, x·s_w + j]`` (padding is −∞, so
    it never wins).

    X ``[N, C, H, W]`` (NCHW) or ``[N, H, W, C]`` (NHWC) → Y with each spatial size
    ``⌊(H + p_b + p_e − k) / s⌋ + 1`` (see ``legacy_pad`` for rounding up). With
    ``global_pooling=1`` the window is the whole image: Y ``[N, C, 1, 1]``. Example
    (LeNet): X ``[64, 20, 24, 24]``, kernel=2, stride=2 → Y ``[64, 20, 12, 12]``.
    """
    require_float("MaxPool", "X", X)
    geo = window_geometry("MaxPool", X, args, pool=True)
    xp = pad_spatial(X, geo, -np.inf)
    # One elementwise maximum per kernel offset over whole strided slices: much faster
    # than reducing the small trailing axes of windows(xp, geo), and the same numbers.
    Y = None
    for _, index in kernel_offsets(geo, X.ndim):
        Y = xp[index].copy() if Y is None else np.maximum(Y, xp[index], out=Y)
    return Y


@register_op("MaxPoolGradient", check_args=check_window_args)
@with_args(WINDOW_ARGS, POOL_ARGS)
def max_pool_gradient(X: np.ndarray, Y: np.ndarray, dY: np.ndarray, **args: Any) -> np.ndarray:
    """Gradient of MaxPool: each window's ``dY`` goes to the input cell(s) holding the
    maximum, ``dX[cell] = Σ_windows dY · [X[cell] = Y[window]]``. As in Caffe2, ties all
    receive it. Inputs X, Y (the forward output), dY; output dX shaped like X.
    """
    geo = window_geometry("MaxPoolGradient", X, args, pool=True)
    xp = pad_spatial(X, geo, -np.inf)
    dxp = np.zeros(xp.shape, dtype=np.result_type(X, dY))
    for _, index in kernel_offsets(geo, X.ndim):
        dxp[index] += dY * (xp[index] == Y)  # × a bool mask: faster than np.where here
    return np.ascontiguousarray(crop_spatial(dxp, geo))


def _window_counts(geo: Geometry, include_pad: bool, ndim: int) -> np.ndarray:
    """How many cells each window averages over, broadcastable against the output.

    Without ``count_include_pad`` only real input cells count (Caffe2's default), so a
    window half in the padding is the mean of the cells it covers.
    """
    counts = np.ones((1,) * ndim)
    for ax, h, k, s, b, e, o in zip(geo.spatial_axes, geo.size, geo.kernel, geo.stride,
                                    geo.pad_begin, geo.pad_end, geo.out):
        start = np.arange(o) * s - b  # window starts, in unpadded coordinates
        lo, hi = (-b, h + e) if include_pad else (0, h)
        n = np.clip(start + k, lo, hi) - np.clip(start, lo, hi)
        shape = [1] * ndim
        shape[ax] = o
        counts = counts * n.reshape(shape)
    return counts


@register_op("AveragePool", check_args=check_window_args,
             grad=_pool_grad("AveragePoolGradient"))
@with_args(WINDOW_ARGS, POOL_ARGS, AVERAGE_ARGS)
def average_pool(X: np.ndarray, **args: Any) -> np.ndarray:
    """Average pooling: ``Y[n, c, y, x] = (1/|window|) Σ_{cells in window} X[n, c, ·]``.

    ``|window|`` counts only real input cells unless ``count_include_pad=1`` (then the
    padding counts as zeros). Shapes as in MaxPool; ``global_pooling=1`` averages each
    whole channel: Y ``[N, C, 1, 1]``.
    """
    require_float("AveragePool", "X", X)
    geo = window_geometry("AveragePool", X, args, pool=True)
    xp = pad_spatial(X, geo)
    total = None  # the window sums, one addition per kernel offset (as in MaxPool)
    for _, index in kernel_offsets(geo, X.ndim):
        total = xp[index].copy() if total is None else np.add(total, xp[index], out=total)
    counts = _window_counts(geo, bool(args["count_include_pad"]), X.ndim)
    return (total / counts).astype(X.dtype, copy=False)


@register_op("AveragePoolGradient", check_args=check_window_args)
@with_args(WINDOW_ARGS, POOL_ARGS, AVERAGE_ARGS)
def average_pool_gradient(X: np.ndarray, Y: np.ndarray, dY: np.ndarray,
                          **args: Any) -> np.ndarray:
    """Gradient of AveragePool: every cell of a window receives ``dY / |window|``.
    Inputs X, Y, dY (Y is unused, kept for Caffe2's signature); output dX shaped like X.
    """
    geo = window_geometry("AveragePoolGradient", X, args, pool=True)
    share = (dY / _window_counts(geo, bool(args["count_include_pad"]), X.ndim)).astype(
        np.result_type(X, dY), copy=False)
    dxp = np.zeros(pad_spatial(X, geo).shape, dtype=share.dtype)
    for _, index in kernel_offsets(geo, X.ndim):
        dxp[index] += share
    return np.ascontiguousarray(crop_spatial(dxp, geo))


# ---- SpatialBN -----------------------------------------------------------------------------------


def _channel_view(v: np.ndarray, ndim: int, order: str) -> np.ndarray:
    """A per-channel vector shaped to broadcast against an NCHW or NHWC array."""
    shape = [1] * ndim
    shape[1 if order == "NCHW" else ndim - 1] = v.shape[0]
    return v.reshape(shape)


def _bn_axes(X: np.ndarray, order: str) -> tuple[int, ...]:
    """Every axis but the channel axis: statistics are per channel."""
    channel = 1 if order == "NCHW" else X.ndim - 1
    return tuple(a for a in range(X.ndim) if a != channel)


def _check_bn(op: str, X: np.ndarray, vectors: dict[str, np.ndarray], order: str) -> None:
    _check_order(op, order)
    require_float(op, "X", X)
    if X.ndim < 2:
        raise ShapeError(f"{op}: X {shape_str(X)} needs a batch and a channel axis.")
    C = X.shape[1 if order == "NCHW" else -1]
    for name, v in vectors.items():
        if v.shape != (C,):
            raise ShapeError(
                f"{op}: {name} {shape_str(v)} must hold one value per channel: [{C}] for X "
                f"{shape_str(X)} ({order}).",
                hint="brew.spatial_bn(model, X, Y, dim_in=C) makes them; check dim_in and order.")


def _spatial_bn_grad(g: GradientContext):
    # train: SpatialBNGradient(X, scale, dY, saved_mean, saved_inv_std) -> dX, dscale, dbias
    # test:  the running mean and variance instead of the saved statistics
    test = len(g.forward.output) == 1
    stats = [g.I(3), g.I(4)] if test else [g.O(3), g.O(4)]
    op = g.op("SpatialBNGradient", [g.I(0), g.I(1), g.GO(0), *stats],
              [g.GI(0), g.GI(1), g.GI(2)])
    return [op], [g.GI(0), g.GI(1), g.GI(2), None, None]


@register_op("SpatialBN", enforce_inplace=[(3, 1), (4, 2)], outputs=(1, 5),
             grad=_spatial_bn_grad)
def spatial_bn(X: np.ndarray, scale: np.ndarray, bias: np.ndarray, mean: np.ndarray,
               var: np.ndarray, *, ctx: OpContext, is_test: int, epsilon: float = 1e-5,
               momentum: float = 0.9, order: str = "NCHW", num_batches: int = 1) -> Any:
    """Spatial batch normalisation: per channel ``c``,
    ``Y = scale_c · (X − μ_c) / sqrt(σ²_c + epsilon) + bias_c``.

    * ``is_test=1``: μ, σ² are the running ``mean`` and ``var`` inputs; one output Y.
    * ``is_test=0`` (training): μ, σ² are the batch's mean and (biased) variance over every
      axis but the channel; five outputs ``Y, running_mean, running_var, saved_mean,
      saved_inv_std``, where the running statistics are updated *in place* (outputs 1, 2
      must be inputs 3, 4) as ``running = momentum · running + (1 − momentum) · batch``,
      and ``saved_inv_std = 1 / sqrt(σ² + epsilon)`` is kept for the gradient.

    X ``[N, C, H, W]`` (NCHW) or ``[N, H, W, C]`` (NHWC); scale, bias, mean, var ``[C]``.
    ``num_batches`` other than 1 (Caffe2's multi-batch statistics) is not supported.
    """
    op = "SpatialBN"
    _check_bn(op, X, {"scale": scale, "bias": bias, "mean": mean, "var": var}, order)
    if num_batches != 1:
        raise ArgumentError(f"{op}: num_batches={num_batches}: graphlab computes statistics "
                            "over one batch only (num_batches=1).")
    n_out = len(ctx.op.output)
    if (is_test and n_out != 1) or (not is_test and n_out != 5):
        raise ArgumentError(
            f"{op}: is_test={is_test} needs {1 if is_test else 5} output(s), got {n_out}: "
            + ("Y only." if is_test else
               "Y, running_mean, running_var (the mean and var inputs, in place), "
               "saved_mean, saved_inv_std."))
    def view(v: np.ndarray) -> np.ndarray:
        return _channel_view(v, X.ndim, order)
    if is_test:
        inv_std = 1.0 / np.sqrt(var + epsilon)
        return ((X - view(mean)) * view(inv_std * scale) + view(bias)).astype(X.dtype, copy=False)
    axes = _bn_axes(X, order)
    mu = X.mean(axis=axes)
    sigma2 = X.var(axis=axes)
    inv_std = (1.0 / np.sqrt(sigma2 + epsilon)).astype(X.dtype, copy=False)
    Y = ((X - view(mu)) * view(inv_std * scale) + view(bias)).astype(X.dtype, copy=False)
    running_mean = momentum * mean + (1 - momentum) * mu
    running_var = momentum * var + (1 - momentum) * sigma2
    return (Y, running_mean.astype(mean.dtype, copy=False),
            running_var.astype(var.dtype, copy=False), mu, inv_std)


@register_op("SpatialBNGradient", outputs=3)
def spatial_bn_gradient(X: np.ndarray, scale: np.ndarray, dY: np.ndarray, mean: np.ndarray,
                        inv_std_or_var: np.ndarray, *, is_test: int, epsilon: float = 1e-5,
                        momentum: float = 0.9, order: str = "NCHW",
                        num_batches: int = 1) -> tuple:
    """Gradient of SpatialBN. With ``x̂ = (X − μ) · r`` (``r`` the inverse std) and
    ``m`` cells per channel:

    * ``dbias = Σ dY``, ``dscale = Σ dY · x̂`` (sums over all but the channel axis);
    * training (μ, r from the batch: inputs saved_mean, saved_inv_std):
      ``dX = scale · r · (dY − dbias/m − x̂ · dscale/m)``;
    * test (inputs running mean and *variance*, ``r = 1/sqrt(var + epsilon)``):
      ``dX = scale · r · dY``.

    Inputs X, scale, dY, mean, inv_std (train) or var (test); outputs dX, dscale, dbias.
    """
    op = "SpatialBNGradient"
    _check_bn(op, X, {"scale": scale, "mean": mean, "inv_std_or_var": inv_std_or_var}, order)
    r = 1.0 / np.sqrt(inv_std_or_var + epsilon) if is_test else inv_std_or_var
    def view(v: np.ndarray) -> np.ndarray:
        return _channel_view(v, X.ndim, order)
    axes = _bn_axes(X, order)
    xhat = (X - view(mean)) * view(r)
    dbias = dY.sum(axis=axes)
    dscale = (dY * xhat).sum(axis=axes)
    if is_test:
        dX = dY * view(scale * r)
    else:
        m = X.size // X.shape[1 if order == "NCHW" else -1]
        dX = view(scale * r) * (dY - view(dbias / m) - xhat * view(dscale / m))
    dtype = np.result_type(X, dY)
    return (dX.astype(dtype, copy=False), dscale.astype(np.result_type(scale, dY), copy=False),
            dbias.astype(np.result_type(scale, dY), copy=False))


# ---- Dropout -------------------------------------------------------------------------------------


def _dropout_grad(g: GradientContext):
    # Caffe2: DropoutGrad(dY, mask) -> dX in training; DropoutGrad(dY) -> dX with is_test
    args = {a.name: a.value for a in g.forward.arg}
    if args.get("is_test"):
        return [g.op("DropoutGrad", [g.GO(0)], [g.GI(0)])], [g.GI(0)]
    if len(g.forward.output) < 2:
        raise GradientError(
            "Dropout in training (is_test=0) needs its mask output to be differentiated: "
            "Dropout(X, [Y, 'Y_mask'], ratio=..., is_test=0).")
    return [g.op("DropoutGrad", [g.GO(0), g.O(1)], [g.GI(0)])], [g.GI(0)]


def _keep_scale(ratio: float) -> float:
    """Survivors are scaled by ``1 / (1 − ratio)`` so the expected output equals X."""
    return 0.0 if ratio >= 1 else 1.0 / (1.0 - ratio)


@register_op("Dropout", outputs=(1, 2), inplace=[(0, 0)], grad=_dropout_grad)
def dropout(X: np.ndarray, *, ctx: OpContext, is_test: int, ratio: float = 0.5) -> Any:
    """Dropout: in training, each element is zeroed with probability ``ratio`` and the
    survivors are scaled by ``1 / (1 − ratio)``: ``Y = X · mask / (1 − ratio)``, with
    ``mask`` a bool array shaped like X (the optional second output, needed by the
    gradient). With ``is_test=1``, ``Y = X``.

    graphlab writes an all-True mask in test mode (Caffe2 left that output untouched).
    """
    if not 0.0 <= ratio <= 1.0:
        raise ArgumentError(f"Dropout: ratio={ratio} is a probability; give a value in [0, 1].")
    if is_test:
        Y = X.copy()
        mask = np.ones(X.shape, dtype=bool)
    else:
        mask = ctx.rng.random(X.shape) >= ratio
        Y = X * mask * np.asarray(_keep_scale(ratio), dtype=X.dtype)
    return (Y, mask) if len(ctx.op.output) == 2 else Y


@register_op("DropoutGrad", inputs=(1, 2), inplace=[(0, 0)])
def dropout_grad(dY: np.ndarray, mask: np.ndarray | None = None, *, is_test: int,
                 ratio: float = 0.5) -> np.ndarray:
    """Gradient of Dropout: ``dX = dY · mask / (1 − ratio)`` (training), ``dX = dY`` (test)."""
    if is_test:
        return dY.copy()
    if mask is None or mask.shape != dY.shape:
        raise ShapeError(
            f"DropoutGrad: training mode needs the mask shaped like dY {shape_str(dY)}, got "
            f"{'none' if mask is None else shape_str(mask)}.")
    return dY * mask * np.asarray(_keep_scale(ratio), dtype=dY.dtype)


# ---- LRN -----------------------------------------------------------------------------------------


def _channel_window_sum(v: np.ndarray, size: int, axis: int) -> np.ndarray:
    """``Σ_{|c' − c| ≤ (size − 1)/2} v[c']`` along ``axis``, the window cut at the edges."""
    half = (size - 1) // 2
    width = [(0, 0)] * v.ndim
    width[axis] = (half, half)
    padded = np.pad(v, width)
    C = v.shape[axis]
    total = np.zeros_like(v)
    for j in range(size):
        total += np.take(padded, np.arange(j, j + C), axis=axis)
    return total


def _lrn_scale(X: np.ndarray, size: int, alpha: float, bias: float, order: str) -> np.ndarray:
    axis = 1 if order == "NCHW" else X.ndim - 1
    return bias + (alpha / size) * _channel_window_sum(X * X, size, axis)


def _lrn_check(op: str, X: np.ndarray, size: int, order: str) -> None:
    _check_order(op, order)
    require_float(op, "X", X)
    if size < 1 or size % 2 == 0:
        raise ArgumentError(f"{op}: size={size} must be a positive odd number (the window is "
                            "centred on each channel).")
    if X.ndim < 2:
        raise ShapeError(f"{op}: X {shape_str(X)} needs a channel axis.")


def _lrn_grad(g: GradientContext):
    return [g.op("LRNGradient", [g.I(0), g.O(0), g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("LRN", outputs=(1, 2), grad=_lrn_grad)
def lrn(X: np.ndarray, *, ctx: OpContext, size: int, alpha: float = 0.0, beta: float = 0.0,
        bias: float = 1.0, order: str = "NCHW") -> Any:
    """Local response normalisation across channels (AlexNet's):

        scale[c] = bias + (alpha / size) · Σ_{|c' − c| ≤ (size−1)/2} X[c']²
        Y[c] = X[c] · scale[c]^(−beta)

    X: NCHW or NHWC, any spatial size → Y shaped like X; the optional second output is
    ``scale``. ``size`` must be odd.
    """
    _lrn_check("LRN", X, size, order)
    scale = _lrn_scale(X, size, alpha, bias, order).astype(X.dtype, copy=False)
    Y = X * scale ** np.asarray(-beta, dtype=X.dtype)
    return (Y, scale) if len(ctx.op.output) == 2 else Y


@register_op("LRNGradient")
def lrn_gradient(X: np.ndarray, Y: np.ndarray, dY: np.ndarray, *, size: int, alpha: float = 0.0,
                 beta: float = 0.0, bias: float = 1.0, order: str = "NCHW") -> np.ndarray:
    """Gradient of LRN: with ``t = dY · Y / scale`` (scale recomputed from X),

        dX[c] = dY[c] · scale[c]^(−beta)
                − (2 · alpha · beta / size) · X[c] · Σ_{|c' − c| ≤ (size−1)/2} t[c']

    Inputs X, Y, dY; output dX shaped like X.
    """
    _lrn_check("LRNGradient", X, size, order)
    axis = 1 if order == "NCHW" else X.ndim - 1
    scale = _lrn_scale(X, size, alpha, bias, order)
    t = dY * Y / scale
    dX = dY * scale ** -beta - (2 * alpha * beta / size) * X * _channel_window_sum(t, size, axis)
    return dX.astype(np.result_type(X, dY), copy=False)


# ---- Cast ----------------------------------------------------------------------------------------

#: The DataTypes Cast can produce, by number (Caffe2 had no CPU float16 cast either).
CAST_TYPES: dict[int, Any] = {
    DataType.FLOAT: np.float32, DataType.DOUBLE: np.float64, DataType.INT32: np.int32,
    DataType.INT64: np.int64, DataType.BOOL: np.bool_, DataType.UINT8: np.uint8,
    DataType.INT8: np.int8, DataType.UINT16: np.uint16, DataType.INT16: np.int16,
}


def data_type_code(op: str, name: str, value: Any) -> int:
    """A ``core.DataType`` from an int or its name (``"FLOAT"``, case-insensitive)."""
    if isinstance(value, str):
        code = getattr(DataType, value.upper(), None)
        if not isinstance(code, int):
            known = ", ".join(k for k in vars(DataType) if not k.startswith("_"))
            raise ArgumentError(f"{op}: {name}={value!r} is not a DataType name ({known}).")
        return code
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ArgumentError(f"{op}: {name} must be a core.DataType (an int) or its name, "
                            f"got {value!r}.")
    return int(value)


def _cast_grad(g: GradientContext):
    # Caffe2: Cast(dY) -> dX with `to` and `from_type` swapped; it needs from_type.
    args = {a.name: a.value for a in g.forward.arg}
    if "from_type" not in args:
        raise GradientError(
            "Cast's gradient casts dY back to X's type, so the forward Cast needs "
            "from_type=<X's core.DataType>, e.g. Cast(X, Y, to=core.DataType.FLOAT, "
            "from_type=core.DataType.DOUBLE) (Caffe2 required it too).")
    op = g.op("Cast", [g.GO(0)], [g.GI(0)], copy_args=False, to=args["from_type"],
              from_type=args["to"])
    return [op], [g.GI(0)]


def _check_cast_args(args: dict[str, Any]) -> str | None:
    for name in ("to", "from_type"):
        if args.get(name) is None:
            continue
        try:
            code = data_type_code("Cast", name, args[name])
        except ArgumentError as exc:
            return str(exc).removeprefix("Cast: ")
        if code not in CAST_TYPES:
            names = ", ".join(f"{k}" for k in CAST_TYPES)
            return (f"{name}={args[name]!r} is not a type Cast can make; use one of the "
                    f"core.DataType values {names} (FLOAT=1, INT32=2, INT64=10, DOUBLE=13 ...).")
    return None


@register_op("Cast", inplace=[(0, 0)], grad=_cast_grad, check_args=_check_cast_args)
def cast(X: np.ndarray, *, to: Any, from_type: Any = None) -> np.ndarray:
    """Convert X's elements to the type ``to`` (a ``core.DataType``, e.g. ``FLOAT=1``,
    ``INT32=2``, ``INT64=10``, ``DOUBLE=13``, or its name ``"FLOAT"``). Floats become
    integers by truncation toward zero, as C's cast does. Y has X's shape.

    ``from_type`` (X's type) is only read by the gradient, which casts dY back to it.
    Example (MNIST): uint8 pixels ``[N, 1, 28, 28]``, to=FLOAT → float32.
    """
    return X.astype(CAST_TYPES[data_type_code("Cast", "to", to)])


# ---- Summarize -----------------------------------------------------------------------------------


@register_op("Summarize", outputs=(0, 1), grad=SHOULD_NOT_DO_GRADIENT)
def summarize(X: np.ndarray, *, ctx: OpContext, to_file: int = 0) -> Any:
    """Summary statistics of X: ``[min, max, mean, std]`` as a 1-D array of 4 (X's float
    dtype), with the *sample* standard deviation ``sqrt(Σ (x − mean)² / (n − 1))``.

    The output is optional. With ``to_file=1`` each run also appends a line ``min max mean
    std`` to ``<input blob name>.summary`` in the workspace's root folder (Caffe2's
    place for it).
    """
    require_float("Summarize", "X", X)
    if X.size == 0:
        raise ShapeError(f"Summarize: X {shape_str(X)} is empty: there is nothing to summarise.")
    x = X.reshape(-1).astype(np.float64)
    std = float(np.sqrt(((x - x.mean()) ** 2).sum() / (x.size - 1))) if x.size > 1 else 0.0
    stats = np.array([x.min(), x.max(), x.mean(), std], dtype=X.dtype)
    if to_file:
        path = resolve_db_path(ctx.op.input[0] + ".summary", 0, ctx.root_folder)
        with open(path, "a", encoding="utf-8") as f:
            f.write(" ".join(f"{v:g}" for v in stats) + "\n")
    return stats if ctx.op.output else ()
