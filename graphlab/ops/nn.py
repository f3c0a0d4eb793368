"""Neural-network layers and activations: FC, Relu, LeakyRelu, Sigmoid, Tanh, Softmax.

Each operator keeps its forward kernel, its gradient maker, its gradient kernel, its
schema (through ``register_op``) and its documentation together.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ShapeError
from ..registry import GradientContext, register_op
from ._util import require_float, shape_str

# ---- FC ------------------------------------------------------------------------------


def _fc_dims(X: np.ndarray, W: np.ndarray, b: np.ndarray, axis: int, axis_w: int):
    if X.ndim < axis or W.ndim < axis_w:
        raise ShapeError(
            f"FC: axis={axis} / axis_w={axis_w} do not fit X {shape_str(X)} and W {shape_str(W)}."
        )
    M = math.prod(X.shape[:axis])
    K = math.prod(X.shape[axis:])
    N = math.prod(W.shape[:axis_w])
    K_w = math.prod(W.shape[axis_w:])
    if K != K_w:
        n_out = b.shape[0] if b.ndim == 1 else N  # b's length is the likelier intent
        want = f"[{n_out}, {K}]" if axis_w == 1 else f"[..., {K}] (dims from axis_w={axis_w})"
        raise ShapeError(
            f"FC: dimension mismatch: X {shape_str(X)} has K={K} features per row (its dims "
            f"from axis={axis}), but W {shape_str(W)} has K={K_w} (its dims from "
            f"axis_w={axis_w}). M={M}, N={N}.",
            hint=(
                f"W must be [out, in] with in = X's feature size K={K}: here W {want}. "
                "Look at the op that filled or fed W (e.g. its shape= in the init net)."
            ),
        )
    if b.ndim != 1 or b.shape[0] != N:
        raise ShapeError(
            f"FC: dimension mismatch: b {shape_str(b)} must be 1-D of length N={N}, "
            f"the number of outputs (W {shape_str(W)} has N={N} rows).",
            hint=f"give b one value per output: shape [{N}].",
        )
    return M, K, N


def _fc_grad(g: GradientContext):
    # FCGradient(X, W, dY) -> (dW, db, dX): Caffe2's output order is GI(1), GI(2), GI(0).
    op = g.op("FCGradient", [g.I(0), g.I(1), g.GO(0)], [g.GI(1), g.GI(2), g.GI(0)])
    return [op], [g.GI(0), g.GI(1), g.GI(2)]


@register_op("FC", grad=_fc_grad)
def fc(X: np.ndarray, W: np.ndarray, b: np.ndarray, *, axis: int = 1, axis_w: int = 1,
       float16_compute: bool = False) -> np.ndarray:
    """Fully connected layer: ``Y = X · Wᵀ + b``.

    X is viewed as a matrix ``[M, K]`` with ``M = prod(X.shape[:axis])``; W is ``[N, K]``
    (out × in, viewed with ``axis_w``); b is 1-D ``[N]``. Y has shape
    ``X.shape[:axis] + [N]``. Example: X ``[64, 2]``, W ``[1, 2]``, b ``[1]`` → Y ``[64, 1]``.
    """
    for name, value in (("X", X), ("W", W), ("b", b)):
        require_float("FC", name, value)
    M, K, N = _fc_dims(X, W, b, axis, axis_w)
    y = X.reshape(M, K).dot(W.reshape(N, K).T)  # as ``@``; a third of its cost when small
    y += b
    return y.reshape(X.shape[:axis] + (N,))


@register_op("FCGradient", outputs=3)
def fc_gradient(X: np.ndarray, W: np.ndarray, dY: np.ndarray, *, axis: int = 1,
                axis_w: int = 1, float16_compute: bool = False):
    """Gradient of FC: ``dW = dYᵀ · X``, ``db = Σ_rows dY``, ``dX = dY · W``.

    Inputs X ``[M, K]``, W ``[N, K]``, dY ``[M, N]``; outputs (dW like W, db ``[N]``,
    dX like X), in that order (Caffe2's).
    """
    for name, value in (("X", X), ("W", W), ("dY", dY)):
        require_float("FCGradient", name, value)
    M = math.prod(X.shape[:axis])
    N = math.prod(W.shape[:axis_w])
    K = math.prod(W.shape[axis_w:])
    x2 = X.reshape(M, K)  # sizes written out: -1 cannot be inferred when M or N is 0
    dy = dY.reshape(M, N)
    dW = (dy.T @ x2).reshape(W.shape)
    db = dy.sum(axis=0)
    dX = (dy @ W.reshape(N, K)).reshape(X.shape)
    return dW, db, dX


# ---- Relu ----------------------------------------------------------------------------


def _relu_grad(g: GradientContext):
    return [g.op("ReluGradient", [g.O(0), g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("Relu", inplace=[(0, 0)], grad=_relu_grad)
def relu(X: np.ndarray) -> np.ndarray:
    """Rectified linear unit, elementwise: ``Y = max(0, X)``. Y has X's shape and dtype
    (float, as in Caffe2)."""
    require_float("Relu", "X", X)
    return np.maximum(X, 0)


@register_op("ReluGradient", inplace=[(1, 0)])
def relu_gradient(Y: np.ndarray, dY: np.ndarray) -> np.ndarray:
    """``dX = dY · [Y > 0]`` (uses the *output* Y, so exactly 0 where Y = 0)."""
    return np.where(Y > 0, dY, np.zeros((), dY.dtype))


# ---- shared helpers for the activations below ----------------------------------------


def _check_pair(op: str, Y: np.ndarray, dY: np.ndarray) -> None:
    """A gradient kernel's output Y and output gradient dY must be float and alike."""
    require_float(op, "Y", Y)
    require_float(op, "dY", dY)
    if Y.shape != dY.shape:
        raise ShapeError(
            f"{op}: Y {shape_str(Y)} and dY {shape_str(dY)} must have the same shape.",
            hint="dY is the gradient of the forward op's output, so it is shaped like that output.",
        )


def _rows(op: str, X: np.ndarray, axis: int) -> tuple[int, int]:
    """View ``X`` as ``[N, D]`` with ``N = prod(X.shape[:axis])`` (Caffe2's axis coercion)."""
    ndim = X.ndim
    if not -ndim <= axis < ndim:
        raise ShapeError(
            f"{op}: axis={axis} is out of range for X {shape_str(X)} ({ndim}-D).",
            hint=(
                f"axis must lie in [{-ndim}, {ndim - 1}]; it marks where the class "
                "dimensions start (axis=1 for [batch, classes])."
                if ndim else "give X at least one dimension, e.g. X.reshape(1, -1)."
            ),
        )
    axis = axis % ndim
    N = math.prod(X.shape[:axis])
    D = math.prod(X.shape[axis:])
    return N, D


# ---- LeakyRelu -----------------------------------------------------------------------


def _leaky_relu_grad(g: GradientContext):
    return [g.op("LeakyReluGradient", [g.O(0), g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("LeakyRelu", inplace=[(0, 0)], grad=_leaky_relu_grad)
def leaky_relu(X: np.ndarray, *, alpha: float = 0.01) -> np.ndarray:
    """Leaky rectifier, elementwise: ``Y = X`` where ``X > 0``, else ``Y = alpha · X``.

    X: any shape, float → Y: same shape and dtype. ``alpha`` (default 0.01) is the slope
    for negative inputs.
    """
    require_float("LeakyRelu", "X", X)
    return np.where(X > 0, X, X * X.dtype.type(alpha))


@register_op("LeakyReluGradient", inplace=[(1, 0)])
def leaky_relu_gradient(Y: np.ndarray, dY: np.ndarray, *, alpha: float = 0.01) -> np.ndarray:
    """``dX = dY`` where ``Y > 0``, else ``alpha · dY`` (reads the forward *output* Y).

    Y, dY: same shape → dX: that shape.
    """
    _check_pair("LeakyReluGradient", Y, dY)
    dY = dY.astype(np.result_type(Y, dY), copy=False)  # float64 Y with a float32 seed
    return np.where(Y > 0, dY, dY * dY.dtype.type(alpha))


# ---- Sigmoid -------------------------------------------------------------------------


def _sigmoid_grad(g: GradientContext):
    return [g.op("SigmoidGradient", [g.O(0), g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("Sigmoid", inplace=[(0, 0)], grad=_sigmoid_grad)
def sigmoid(X: np.ndarray) -> np.ndarray:
    """Logistic function, elementwise: ``Y = 1 / (1 + exp(−X))``.

    X: any shape, float → Y: same shape and dtype, values in [0, 1]. Computed from
    ``e = exp(−|X|)`` (as ``1/(1+e)`` or ``e/(1+e)``), so large ``|X|`` never overflows.
    """
    require_float("Sigmoid", "X", X)
    e = np.exp(-np.abs(X))
    inv = 1 / (1 + e)
    return np.where(X >= 0, inv, e * inv)


@register_op("SigmoidGradient", inplace=[(1, 0)])
def sigmoid_gradient(Y: np.ndarray, dY: np.ndarray) -> np.ndarray:
    """``dX = dY · Y · (1 − Y)`` from the forward *output* Y. Y, dY, dX: same shape."""
    _check_pair("SigmoidGradient", Y, dY)
    return dY * Y * (1 - Y)


# ---- Tanh ----------------------------------------------------------------------------


def _tanh_grad(g: GradientContext):
    return [g.op("TanhGradient", [g.O(0), g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("Tanh", inplace=[(0, 0)], grad=_tanh_grad)
def tanh(X: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent, elementwise: ``Y = tanh(X)``. X: any float → Y: same shape, dtype."""
    require_float("Tanh", "X", X)
    return np.tanh(X)


@register_op("TanhGradient", inplace=[(1, 0)])
def tanh_gradient(Y: np.ndarray, dY: np.ndarray) -> np.ndarray:
    """``dX = dY · (1 − Y²)`` from the forward *output* Y. Y, dY, dX: same shape."""
    _check_pair("TanhGradient", Y, dY)
    return dY * (1 - Y * Y)


# ---- Softmax -------------------------------------------------------------------------


def softmax_rows(x2: np.ndarray) -> np.ndarray:
    """Row-wise softmax of a 2-D array, stabilised by subtracting each row's maximum."""
    if x2.shape[1] == 0:
        return x2.copy()
    z = x2 - x2.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _softmax_grad(g: GradientContext):
    return [g.op("SoftmaxGradient", [g.O(0), g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("Softmax", inplace=[(0, 0)], grad=_softmax_grad)
def softmax(X: np.ndarray, *, axis: int = 1) -> np.ndarray:
    """Softmax over the trailing dimensions from ``axis`` on.

    X is viewed as ``[N, D]`` with ``N = prod(X.shape[:axis])`` and
    ``D = prod(X.shape[axis:])``; each row becomes ``Y_ij = exp(x_ij − m_i) / Σ_k
    exp(x_ik − m_i)`` with ``m_i`` the row maximum (so large logits do not overflow).
    Y has X's shape and dtype. ``axis`` may be negative (counted from the end).
    Example: X ``[2, 3]``, axis 1 → each of the 2 rows sums to 1.
    """
    require_float("Softmax", "X", X)
    N, D = _rows("Softmax", X, axis)
    return softmax_rows(X.reshape(N, D)).reshape(X.shape)


@register_op("SoftmaxGradient", inplace=[(1, 0)])
def softmax_gradient(Y: np.ndarray, dY: np.ndarray, *, axis: int = 1) -> np.ndarray:
    """``dX = Y ⊙ (dY − rowsum(dY ⊙ Y))`` with rows taken as in Softmax (same ``axis``).

    Y (the forward output), dY: same shape → dX: that shape.
    """
    _check_pair("SoftmaxGradient", Y, dY)
    N, D = _rows("SoftmaxGradient", Y, axis)
    y2 = Y.reshape(N, D)
    dy2 = dY.reshape(N, D)
    dx = y2 * (dy2 - (dy2 * y2).sum(axis=1, keepdims=True))
    return dx.reshape(Y.shape)


# =========================================================================================
# More activations and a normalisation layer: PRelu, Elu, Softplus, LayerNorm.
# =========================================================================================

# ---- PRelu -------------------------------------------------------------------------------


def _prelu_slope(op: str, X: np.ndarray, slope: np.ndarray, order: str) -> np.ndarray:
    """slope viewed so it broadcasts over X's channel axis (1 for NCHW, last for NHWC)."""
    require_float(op, "X", X)
    require_float(op, "slope", slope)
    if order not in ("NCHW", "NHWC"):
        raise ShapeError(f"{op}: order must be 'NCHW' or 'NHWC', got {order!r}.")
    if slope.size == 1:
        return slope.reshape(())
    if X.ndim < 2:
        raise ShapeError(f"{op}: X {shape_str(X)} has no channel axis for a slope per channel.",
                         hint="give X shape [N, C, ...], or a single slope of shape [1].")
    axis = 1 if order == "NCHW" else X.ndim - 1
    C = X.shape[axis]
    if slope.size != C:
        raise ShapeError(
            f"{op}: slope {shape_str(slope)} must have one entry per channel (C={C} on axis "
            f"{axis} of X {shape_str(X)}) or a single entry.",
            hint=f"make the slope with shape [{C}] (or [1] for one shared slope).",
        )
    view = [1] * X.ndim
    view[axis] = C
    return slope.reshape(view)


def _prelu_grad(g: GradientContext):
    names = [g.GI(0), g.GI(1)]
    op = g.op("PReluGradient", [g.O(0), g.GO(0), g.I(0), g.I(1)], names)
    return [op], names


@register_op("PRelu", inplace=[(0, 0)], grad=_prelu_grad)
def prelu(X: np.ndarray, slope: np.ndarray, *, order: str = "NCHW") -> np.ndarray:
    """Parametric ReLU: ``Y = X`` where ``X > 0``, else ``slope_c · X`` (c: X's channel).

    X ``[N, C, ...]`` (NCHW; ``order="NHWC"``: channels last), slope ``[C]`` (one learnt
    slope per channel) or ``[1]`` (shared) → Y: X's shape.
    Gradient: ``PReluGradient(Y, dY, X, slope) -> (dX, dslope)`` with
    ``dX = dY · (1 if X > 0 else slope)`` and ``dslope_c = Σ dY · X`` over the entries of
    channel c where ``X <= 0``.
    """
    s = _prelu_slope("PRelu", X, slope, order)
    return np.where(X > 0, X, X * s).astype(np.result_type(X, slope), copy=False)


@register_op("PReluGradient", outputs=2)
def prelu_gradient(Y: np.ndarray, dY: np.ndarray, X: np.ndarray, slope: np.ndarray, *,
                   order: str = "NCHW") -> tuple[np.ndarray, np.ndarray]:
    """``dX = dY · (X > 0 ? 1 : slope)``; ``dslope = Σ dY · X · [X <= 0]`` per channel."""
    s = _prelu_slope("PReluGradient", X, slope, order)
    dX = np.where(X > 0, dY, dY * s)
    part = np.where(X > 0, np.zeros((), dY.dtype), dY * X)
    if slope.size == 1:
        dslope = np.asarray(part.sum()).reshape(slope.shape)
    else:
        axis = 1 if order == "NCHW" else X.ndim - 1
        others = tuple(d for d in range(X.ndim) if d != axis)
        dslope = part.sum(axis=others).reshape(slope.shape)
    return dX, dslope.astype(np.result_type(dY, slope), copy=False)


# ---- Elu ---------------------------------------------------------------------------------


def _elu_grad(g: GradientContext):
    return [g.op("EluGradient", [g.O(0), g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("Elu", inplace=[(0, 0)], grad=_elu_grad)
def elu(X: np.ndarray, *, alpha: float = 1.0) -> np.ndarray:
    """Exponential linear unit: ``Y = X`` where ``X > 0``, else ``alpha · (exp(X) − 1)``.

    X: any float shape → Y: same shape and dtype.
    Gradient: ``EluGradient(Y, dY) -> dX`` with ``dX = dY`` where ``Y > 0``, else
    ``dY · (Y + alpha)`` (since ``d/dX alpha·(eˣ − 1) = alpha·eˣ = Y + alpha``).
    """
    require_float("Elu", "X", X)
    a = X.dtype.type(alpha)
    return np.where(X > 0, X, a * np.expm1(np.minimum(X, 0)))


@register_op("EluGradient", inplace=[(1, 0)])
def elu_gradient(Y: np.ndarray, dY: np.ndarray, *, alpha: float = 1.0) -> np.ndarray:
    """``dX = dY`` where ``Y > 0``, else ``dY · (Y + alpha)``. Y, dY, dX: same shape."""
    _check_pair("EluGradient", Y, dY)
    return np.where(Y > 0, dY, dY * (Y + Y.dtype.type(alpha)))


# ---- Softplus ------------------------------------------------------------------------------


def _softplus_grad(g: GradientContext):
    return [g.op("SoftplusGradient", [g.O(0), g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("Softplus", inplace=[(0, 0)], grad=_softplus_grad)
def softplus(X: np.ndarray) -> np.ndarray:
    """``Y = log(1 + exp(X))``, a smooth ReLU, elementwise (computed without overflow).

    X: any float shape → Y: same shape and dtype, all positive.
    Gradient: ``SoftplusGradient(Y, dY) -> dX`` with ``dX = dY · (1 − exp(−Y))``, which
    equals ``dY · sigmoid(X)``.
    """
    require_float("Softplus", "X", X)
    return np.logaddexp(X.dtype.type(0), X)


@register_op("SoftplusGradient", inplace=[(1, 0)])
def softplus_gradient(Y: np.ndarray, dY: np.ndarray) -> np.ndarray:
    """``dX = dY · (1 − exp(−Y))`` from the forward *output* Y. Y, dY, dX: same shape."""
    _check_pair("SoftplusGradient", Y, dY)
    return dY * -np.expm1(-Y)


# ---- LayerNorm -----------------------------------------------------------------------------


def _layer_norm_grad(g: GradientContext):
    ins = [g.GO(0), g.O(0), g.O(1), g.O(2), g.I(0)]
    if len(g.forward.input) == 3:  # elementwise_affine: gamma is read, gamma and beta learn
        names = [g.GI(0), g.GI(1), g.GI(2)]
        return [g.op("LayerNormGradient", [*ins, g.I(1)], names)], names
    return [g.op("LayerNormGradient", ins, [g.GI(0)])], [g.GI(0)]


def _layer_norm_arity(n_in: int, n_out: int) -> str | None:
    if n_in == 2:
        return ("LayerNorm takes X alone, or X, gamma and beta (with elementwise_affine=1); "
                "got 2 inputs.")
    return None


def _affine(op: str, X: np.ndarray, axis: int, elementwise_affine: int,
            params: dict[str, np.ndarray | None]) -> tuple[int, int, dict[str, np.ndarray]]:
    """Rows ``(N, D)`` of X, and gamma/beta as ``(D,)`` vectors when the op is affine."""
    N, D = _rows(op, X, axis)
    given = {k: v for k, v in params.items() if v is not None}
    if bool(elementwise_affine) != bool(given):
        raise ShapeError(
            f"{op}: elementwise_affine={elementwise_affine} but "
            f"{'gamma and beta are given' if given else 'gamma and beta are missing'}.",
            hint="pass X alone, or X, gamma, beta together with elementwise_affine=1.",
        )
    out = {}
    for name, v in given.items():
        require_float(op, name, v)
        if v.size != D:
            raise ShapeError(
                f"{op}: {name} {shape_str(v)} must have one entry per normalised element "
                f"(D = {D}: X {shape_str(X)} from axis {axis} on).",
                hint=f"make {name} with shape X.shape[axis:] (or [{D}]).",
            )
        out[name] = v.reshape(D)
    return N, D, out


def _check_layer_norm_args(values: dict) -> str | None:
    if values["epsilon"] < 0:
        return f"epsilon must be >= 0, got {values['epsilon']}."
    return None


@register_op("LayerNorm", inputs=(1, 3), outputs=3, grad=_layer_norm_grad,
             check_arity=_layer_norm_arity, check_args=_check_layer_norm_args)
def layer_norm(X: np.ndarray, gamma: np.ndarray | None = None, beta: np.ndarray | None = None,
               *, axis: int = 1, epsilon: float = 1e-5, elementwise_affine: int = 0
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normalise each row to mean 0 and variance 1: outputs ``(Y, mean, std)``.

    X is viewed as rows ``[N, D]`` with ``N = prod(X.shape[:axis])`` and
    ``D = prod(X.shape[axis:])`` (``axis`` may be negative). Per row:
    ``mean = Σ x / D``, ``std = sqrt(Σ (x − mean)² / D + epsilon)``, ``x̂ = (x − mean) / std``
    and ``Y = x̂``; with ``elementwise_affine=1`` and inputs gamma, beta (D entries each,
    usually shaped ``X.shape[axis:]``, learnt): ``Y = x̂ · gamma + beta``.
    Y has X's shape; mean and std have shape ``X.shape[:axis] + [1]``.
    Example: X ``[2, 3, 4]``, axis 1 → mean, std ``[2, 1]``; axis 2 → ``[2, 3, 1]``.
    Gradient: ``LayerNormGradient(dY, Y, mean, std, X[, gamma]) -> dX[, dgamma, dbeta]``
    with, per row and ``g = dY`` (times gamma when affine):
    ``dX = (g − mean(g) − x̂ · mean(g · x̂)) / std``; ``dgamma = Σ_rows dY · x̂``,
    ``dbeta = Σ_rows dY``.
    """
    require_float("LayerNorm", "X", X)
    N, D, aff = _affine("LayerNorm", X, axis, elementwise_affine, {"gamma": gamma, "beta": beta})
    ax = axis % X.ndim
    x2 = X.reshape(N, D)
    mean = x2.mean(axis=1, keepdims=True)
    centred = x2 - mean
    var = (centred * centred).mean(axis=1, keepdims=True)
    std = np.sqrt(var + X.dtype.type(epsilon))
    y = centred / std
    if aff:
        y = y * aff["gamma"] + aff["beta"]
    stat_shape = (*X.shape[:ax], 1)
    return y.reshape(X.shape), mean.reshape(stat_shape), std.reshape(stat_shape)


def _layer_norm_grad_arity(n_in: int, n_out: int) -> str | None:
    if (n_in, n_out) not in ((5, 1), (6, 3)):
        return ("LayerNormGradient takes (dY, Y, mean, std, X) -> dX, or with gamma as a "
                f"sixth input -> (dX, dgamma, dbeta); got {n_in} inputs, {n_out} outputs.")
    return None


@register_op("LayerNormGradient", inputs=(5, 6), outputs=(1, 3),
             check_arity=_layer_norm_grad_arity)
def layer_norm_gradient(dY: np.ndarray, Y: np.ndarray, mean: np.ndarray, std: np.ndarray,
                        X: np.ndarray, gamma: np.ndarray | None = None, *, axis: int = 1,
                        epsilon: float = 1e-5, elementwise_affine: int = 0):
    """``dX = (g − mean(g) − x̂ · mean(g · x̂)) / std`` per row, ``x̂ = (X − mean) / std``,
    ``g = dY`` (``dY · gamma`` when affine; then also ``dgamma = Σ_rows dY · x̂`` and
    ``dbeta = Σ_rows dY``, shaped like gamma).

    dY, Y, X: X's shape; mean, std: one entry per row. Y is not needed (x̂ is recomputed
    from X, which also works when gamma and beta changed Y).
    """
    N, D = _rows("LayerNormGradient", X, axis)
    d2 = dY.reshape(N, D)
    s = std.reshape(N, 1)
    xhat = (X.reshape(N, D) - mean.reshape(N, 1)) / s
    g = d2 * gamma.reshape(D) if gamma is not None else d2
    dx = (g - g.mean(axis=1, keepdims=True)
          - xhat * (g * xhat).mean(axis=1, keepdims=True)) / s
    if gamma is None:
        return dx.reshape(X.shape)
    dgamma = (d2 * xhat).sum(axis=0).reshape(gamma.shape)
    dbeta = d2.sum(axis=0).reshape(gamma.shape)
    return dx.reshape(X.shape), dgamma, dbeta
