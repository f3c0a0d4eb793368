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
