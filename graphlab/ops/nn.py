"""Neural-network layers and activations: FC, Relu (more are added here).

Each operator keeps its forward kernel, its gradient maker, its gradient kernel, its
schema (through ``register_op``) and its documentation together.
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..registry import GradientContext, register_op
from ._util import shape_str

# ---- FC ------------------------------------------------------------------------------


def _fc_dims(X: np.ndarray, W: np.ndarray, b: np.ndarray, axis: int, axis_w: int):
    if X.ndim < axis or W.ndim < axis_w:
        raise ShapeError(
            f"FC: axis={axis} / axis_w={axis_w} do not fit X {shape_str(X)} and W {shape_str(W)}."
        )
    M = int(np.prod(X.shape[:axis], dtype=np.int64))
    K = int(np.prod(X.shape[axis:], dtype=np.int64))
    N = int(np.prod(W.shape[:axis_w], dtype=np.int64))
    K_w = int(np.prod(W.shape[axis_w:], dtype=np.int64))
    if K != K_w or b.ndim != 1 or b.shape[0] != N:
        raise ShapeError(
            f"FC: dimension mismatch: X: {shape_str(X)}, W: {shape_str(W)}, b: {shape_str(b)}, "
            f"axis: {axis}, M: {M}, N: {N}, K: {K} (W has K={K_w}).",
            hint=(
                "W must be [out, in] with in = X's feature size, and b must be 1-D of length "
                "out; e.g. X [64, 2] needs W [1, 2] and b [1]."
            ),
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
    M, K, N = _fc_dims(X, W, b, axis, axis_w)
    y = X.reshape(M, K) @ W.reshape(N, K).T
    y += b
    return y.reshape(X.shape[:axis] + (N,))


@register_op("FCGradient", outputs=3)
def fc_gradient(X: np.ndarray, W: np.ndarray, dY: np.ndarray, *, axis: int = 1,
                axis_w: int = 1, float16_compute: bool = False):
    """Gradient of FC: ``dW = dYᵀ · X``, ``db = Σ_rows dY``, ``dX = dY · W``.

    Inputs X ``[M, K]``, W ``[N, K]``, dY ``[M, N]``; outputs (dW like W, db ``[N]``,
    dX like X), in that order (Caffe2's).
    """
    N = int(np.prod(W.shape[:axis_w], dtype=np.int64))
    M = int(np.prod(X.shape[:axis], dtype=np.int64))
    x2 = X.reshape(M, -1)
    dy = dY.reshape(M, N)
    dW = (dy.T @ x2).reshape(W.shape)
    db = dy.sum(axis=0)
    dX = (dy @ W.reshape(N, -1)).reshape(X.shape)
    return dW, db, dX


# ---- Relu ----------------------------------------------------------------------------


def _relu_grad(g: GradientContext):
    return [g.op("ReluGradient", [g.O(0), g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("Relu", inplace=[(0, 0)], grad=_relu_grad)
def relu(X: np.ndarray) -> np.ndarray:
    """Rectified linear unit, elementwise: ``Y = max(0, X)``. Y has X's shape and dtype."""
    return np.maximum(X, 0)


@register_op("ReluGradient", inplace=[(1, 0)])
def relu_gradient(Y: np.ndarray, dY: np.ndarray) -> np.ndarray:
    """``dX = dY · [Y > 0]`` (uses the *output* Y, so exactly 0 where Y = 0)."""
    return np.where(Y > 0, dY, np.zeros((), dY.dtype))
