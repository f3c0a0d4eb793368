"""Test cases for graphlab/ops/nn.py: FC, Relu, LeakyRelu, Sigmoid, Tanh, Softmax.

References are written directly in NumPy from the formulas, independently of the kernels.
Inputs of piecewise-linear ops stay away from their kink at 0, so finite differences are
taken where the function is smooth.
"""

from __future__ import annotations

import math

import numpy as np
from op_case import Case


def _away_from_zero(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values with |x| in [0.1, 2], random sign (no kink of Relu/LeakyRelu nearby)."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.1, 2.0, size=shape)


# ---- references ----------------------------------------------------------------------


def ref_fc(X, W, b, axis=1, axis_w=1):
    lead = X.shape[:axis]
    x2 = X.reshape(int(np.prod(lead)), -1)
    w2 = W.reshape(int(np.prod(W.shape[:axis_w])), -1)
    out = np.einsum("mk,nk->mn", x2, w2) + b[None, :]
    return out.reshape(lead + (w2.shape[0],))


def ref_relu(X):
    return X * (X > 0)


def ref_leaky_relu(X, alpha=0.01):
    return np.where(X > 0, X, alpha * X).astype(X.dtype)


def ref_sigmoid(X):
    return (1.0 / (1.0 + np.exp(-X.astype(np.float64)))).astype(X.dtype)


def ref_tanh(X):
    e2 = np.exp(-2.0 * X.astype(np.float64))
    return ((1.0 - e2) / (1.0 + e2)).astype(X.dtype)


def ref_softmax(X, axis=1):
    axis = axis % X.ndim
    axes = tuple(range(axis, X.ndim))
    x = X.astype(np.float64)
    e = np.exp(x - x.max(axis=axes, keepdims=True))
    return (e / e.sum(axis=axes, keepdims=True)).astype(X.dtype)


# ---- cases ---------------------------------------------------------------------------

CASES: dict[str, list[Case]] = {
    "FC": [
        Case(
            lambda rng: [rng.normal(size=(5, 3)), rng.normal(size=(4, 3)), rng.normal(size=4)],
            ref_fc,
            id="2d",
        ),
        Case(
            lambda rng: [
                rng.normal(size=(6, 2)).astype(np.float32),
                rng.normal(size=(1, 2)).astype(np.float32),
                rng.normal(size=1).astype(np.float32),
            ],
            ref_fc,
            id="seed-shapes-float32",
        ),
        Case(
            lambda rng: [rng.normal(size=(2, 3, 4)), rng.normal(size=(5, 4)), rng.normal(size=5)],
            ref_fc,
            args={"axis": 2},
            id="axis2",
        ),
        Case(
            lambda rng: [rng.normal(size=(3, 2, 2)), rng.normal(size=(2, 3, 4)),
                         rng.normal(size=6)],
            ref_fc,
            args={"axis": 1, "axis_w": 2},
            id="axis_w2",
        ),
    ],
    "Relu": [
        Case(lambda rng: [_away_from_zero(rng, (4, 5))], ref_relu, id="2d"),
        Case(lambda rng: [_away_from_zero(rng, (3, 2, 2)).astype(np.float32)], ref_relu,
             id="float32-3d"),
        Case(lambda rng: [_away_from_zero(rng, (6,))], ref_relu, inplace=True, id="inplace"),
    ],
    "LeakyRelu": [
        Case(lambda rng: [_away_from_zero(rng, (4, 5))], ref_leaky_relu, id="default-alpha"),
        Case(lambda rng: [_away_from_zero(rng, (3, 4))], ref_leaky_relu, args={"alpha": 0.3},
             id="alpha0.3"),
        Case(lambda rng: [_away_from_zero(rng, (2, 3)).astype(np.float32)], ref_leaky_relu,
             args={"alpha": 0.2}, inplace=True, id="float32-inplace"),
    ],
    "Sigmoid": [
        Case(lambda rng: [rng.normal(scale=2.0, size=(4, 3))], ref_sigmoid, id="2d"),
        Case(lambda rng: [rng.normal(size=(2, 3, 2)).astype(np.float32)], ref_sigmoid,
             id="float32-3d"),
        Case(lambda rng: [rng.normal(size=(5,))], ref_sigmoid, inplace=True, id="inplace"),
    ],
    "Tanh": [
        Case(lambda rng: [rng.normal(size=(4, 3))], ref_tanh, id="2d"),
        Case(lambda rng: [rng.normal(size=(3, 3)).astype(np.float32)], ref_tanh,
             id="float32"),
        Case(lambda rng: [rng.normal(size=(2, 5))], ref_tanh, inplace=True, id="inplace"),
    ],
    "Softmax": [
        Case(lambda rng: [rng.normal(size=(4, 5))], ref_softmax, id="2d"),
        Case(lambda rng: [rng.normal(size=(3, 4)).astype(np.float32)], ref_softmax,
             id="float32"),
        Case(lambda rng: [rng.normal(size=(2, 3, 4))], ref_softmax, args={"axis": 2},
             id="axis2"),
        Case(lambda rng: [rng.normal(size=(2, 3, 4))], ref_softmax, args={"axis": 1},
             id="axis1-3d-flattens"),
        Case(lambda rng: [rng.normal(size=(3, 2, 2))], ref_softmax, args={"axis": -1},
             id="axis-1"),
        Case(lambda rng: [rng.normal(size=(2, 6))], ref_softmax, inplace=True, id="inplace"),
    ],
}

GRADIENT_OPS: dict[str, str] = {
    "FCGradient": "FC",
    "ReluGradient": "Relu",
    "LeakyReluGradient": "LeakyRelu",
    "SigmoidGradient": "Sigmoid",
    "TanhGradient": "Tanh",
    "SoftmaxGradient": "Softmax",
}


# ---- PRelu, Elu, Softplus, LayerNorm --------------------------------------------------------


def _away(shape):
    """Normal values moved at least 0.1 away from 0 (the kinks of PRelu and Elu)."""
    def make(rng):
        x = rng.normal(size=shape)
        return x + np.where(x >= 0, 0.1, -0.1)
    return make


def ref_prelu(x, slope, order="NCHW"):
    out = x.copy()
    axis = 1 if order == "NCHW" else x.ndim - 1
    for idx in np.ndindex(x.shape):
        s = slope.reshape(-1)[0] if slope.size == 1 else slope[idx[axis]]
        if x[idx] <= 0:
            out[idx] = s * x[idx]
    return out


def ref_elu(x, alpha=1.0):
    return np.array([v if v > 0 else alpha * (math.exp(v) - 1) for v in x.reshape(-1)],
                    dtype=x.dtype).reshape(x.shape)


def ref_softplus(x):
    return np.array([math.log1p(math.exp(v)) for v in x.reshape(-1)],
                    dtype=x.dtype).reshape(x.shape)


def ref_layer_norm(x, gamma=None, beta=None, axis=1, epsilon=1e-5, elementwise_affine=0):
    ax = axis % x.ndim
    n = int(np.prod(x.shape[:ax]))
    rows = x.reshape(n, -1)
    y = np.empty_like(rows)
    means = np.empty(n, x.dtype)
    stds = np.empty(n, x.dtype)
    for i, r in enumerate(rows):
        m = sum(r.tolist()) / r.size
        v = sum((t - m) ** 2 for t in r.tolist()) / r.size
        means[i], stds[i] = m, math.sqrt(v + epsilon)
        y[i] = (r - m) / stds[i]
        if elementwise_affine:
            y[i] = y[i] * np.reshape(gamma, -1) + np.reshape(beta, -1)
    stat = x.shape[:ax] + (1,)
    return y.reshape(x.shape), means.reshape(stat), stds.reshape(stat)


CASES.update({
    "PRelu": [
        Case(lambda rng: [_away((2, 3, 4))(rng), rng.uniform(0.1, 0.5, size=3)], ref_prelu,
             id="per-channel-nchw"),
        Case(lambda rng: [_away((4, 3))(rng), np.array([0.25])], ref_prelu, id="shared"),
        Case(lambda rng: [_away((2, 2, 3))(rng), rng.uniform(0.1, 0.5, size=3)], ref_prelu,
             args={"order": "NHWC"}, id="per-channel-nhwc"),
    ],
    "Elu": [
        Case(lambda rng: [_away((3, 4))(rng)], ref_elu, id="default-alpha"),
        Case(lambda rng: [_away((5,))(rng)], ref_elu, args={"alpha": 0.5}, id="alpha"),
        Case(lambda rng: [_away((2, 3))(rng)], ref_elu, inplace=True, id="inplace"),
    ],
    "Softplus": [
        Case(lambda rng: [rng.normal(size=(3, 4)) * 3], ref_softplus, id="2d"),
        Case(lambda rng: [rng.normal(size=(4,)).astype(np.float32)], ref_softplus,
             id="float32"),
    ],
    "LayerNorm": [
        Case(lambda rng: [rng.normal(size=(2, 3, 4))], ref_layer_norm, grad_outputs=[0],
             id="axis1"),
        Case(lambda rng: [rng.normal(size=(2, 3, 4))], ref_layer_norm, args={"axis": -1},
             grad_outputs=[0], id="last-axis"),
        Case(lambda rng: [rng.normal(size=(3, 5))], ref_layer_norm,
             args={"epsilon": 0.25}, grad_outputs=[0], id="epsilon"),
        Case(lambda rng: [rng.normal(size=(2, 3, 4)), rng.normal(size=(3, 4)),
                          rng.normal(size=(3, 4))], ref_layer_norm,
             args={"elementwise_affine": 1}, grad_outputs=[0], id="affine"),
        Case(lambda rng: [rng.normal(size=(2, 3, 4)), rng.normal(size=(4,)),
                          rng.normal(size=(4,))], ref_layer_norm,
             args={"axis": 2, "elementwise_affine": 1}, grad_outputs=[0], id="affine-axis2"),
    ],
})

GRADIENT_OPS.update({
    "PReluGradient": "PRelu",
    "EluGradient": "Elu",
    "SoftplusGradient": "Softplus",
    "LayerNormGradient": "LayerNorm",
})
