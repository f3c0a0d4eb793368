"""Test cases for graphlab/ops/vision.py: Conv, ConvTranspose, MaxPool, AveragePool,
SpatialBN, Dropout, LRN, Cast, Summarize.

The references are direct loops over output positions (or plain NumPy formulas), written
from the definitions with the padding and output sizes worked out by hand for each case,
so they share nothing with the kernels' im2col/col2im. Max-pooling inputs have distinct
values, so finite differences never cross a tie.
"""

from __future__ import annotations

import numpy as np
from op_case import Case

# ---- references ------------------------------------------------------------------------------


def _to_nchw(X: np.ndarray, order: str) -> np.ndarray:
    return np.moveaxis(X, -1, 1) if order == "NHWC" else X


def _from_nchw(Y: np.ndarray, order: str) -> np.ndarray:
    return np.moveaxis(Y, 1, -1) if order == "NHWC" else Y


def conv_ref(stride, begin, end, dilation=None, group=1, order="NCHW"):
    """Y[n, m, pos] = b[m] + Σ over the window at pos of X_pad · W[m]."""

    def ref(X, W, b=None, **_):
        x = _to_nchw(X, order).astype(np.float64)
        w = _to_nchw(W, order).astype(np.float64)  # NHWC filters [M, *k, C] → [M, C, *k]
        n = x.ndim - 2
        dil = dilation or (1,) * n
        xp = np.pad(x, [(0, 0), (0, 0), *zip(begin, end)])
        N, C = x.shape[:2]
        M, k = w.shape[0], w.shape[2:]
        out = [(xp.shape[2 + i] - dil[i] * (k[i] - 1) - 1) // stride[i] + 1 for i in range(n)]
        Y = np.zeros((N, M, *out))
        Cg, Mg = C // group, M // group
        for m in range(M):
            g = m // Mg
            for pos in np.ndindex(*out):
                idx = tuple(slice(pos[i] * stride[i], pos[i] * stride[i] + dil[i] * (k[i] - 1) + 1,
                                  dil[i]) for i in range(n))
                patch = xp[(slice(None), slice(g * Cg, (g + 1) * Cg), *idx)]
                Y[(slice(None), m, *pos)] = (patch * w[m]).reshape(N, -1).sum(axis=1)
        if b is not None:
            Y += b.reshape(1, M, *[1] * n)
        return _from_nchw(Y, order).astype(np.result_type(X, W))

    return ref


def conv_transpose_ref(stride, begin, end, adj=None, group=1, order="NCHW"):
    """Every input cell scatters X[n, c, pos] · W[c] into the output window at pos·s."""

    def ref(X, W, b=None, **_):
        x = _to_nchw(X, order).astype(np.float64)
        w = np.moveaxis(W, -1, 1) if order == "NHWC" else W  # [C, *k, Mg] → [C, Mg, *k]
        w = w.astype(np.float64)
        n = x.ndim - 2
        a = adj or (0,) * n
        N, C = x.shape[:2]
        Mg, k = w.shape[1], w.shape[2:]
        full = [(x.shape[2 + i] - 1) * stride[i] + k[i] + a[i] for i in range(n)]
        Yp = np.zeros((N, Mg * group, *full))
        Cg = C // group
        for pos in np.ndindex(*x.shape[2:]):
            for c in range(C):
                g = c // Cg
                idx = tuple(slice(pos[i] * stride[i], pos[i] * stride[i] + k[i]) for i in range(n))
                Yp[(slice(None), slice(g * Mg, (g + 1) * Mg), *idx)] += (
                    x[(slice(None), c, *pos)].reshape(N, 1, *[1] * n) * w[c][None])
        Y = Yp[(slice(None), slice(None), *(slice(begin[i], full[i] - end[i]) for i in range(n)))]
        if b is not None:
            Y = Y + b.reshape(1, -1, *[1] * n)
        return _from_nchw(Y, order).astype(np.result_type(X, W))

    return ref


def pool_ref(kind, kernel, stride, begin, end, out=None, include_pad=False, order="NCHW"):
    """Max or mean over each window, clipped to the real cells (the padding is ignored by
    max; average divides by the real cells, or by the window within the declared
    padding with include_pad)."""

    def ref(X, **_):
        x = _to_nchw(X, order).astype(np.float64)
        n = x.ndim - 2
        size = x.shape[2:]
        o = out or [(size[i] + begin[i] + end[i] - kernel[i]) // stride[i] + 1 for i in range(n)]
        Y = np.zeros(x.shape[:2] + tuple(o))
        for pos in np.ndindex(*o):
            lo = [pos[i] * stride[i] - begin[i] for i in range(n)]
            hi = [lo[i] + kernel[i] for i in range(n)]
            idx = tuple(slice(max(lo[i], 0), min(hi[i], size[i])) for i in range(n))
            patch = x[(slice(None), slice(None), *idx)].reshape(*x.shape[:2], -1)
            if kind == "max":
                Y[(slice(None), slice(None), *pos)] = patch.max(axis=2)
            else:
                if include_pad:
                    count = np.prod([min(hi[i], size[i] + end[i]) - max(lo[i], -begin[i])
                                     for i in range(n)])
                else:
                    count = patch.shape[2]
                Y[(slice(None), slice(None), *pos)] = patch.sum(axis=2) / count
        return _from_nchw(Y, order).astype(X.dtype)

    return ref


def bn_test_ref(epsilon=1e-5, order="NCHW"):
    def ref(X, scale, bias, mean, var, **_):
        x = _to_nchw(X, order).astype(np.float64)
        sh = (1, -1) + (1,) * (x.ndim - 2)
        y = (x - mean.reshape(sh)) / np.sqrt(var.reshape(sh) + epsilon) * scale.reshape(sh)
        return _from_nchw(y + bias.reshape(sh), order).astype(X.dtype)

    return ref


def bn_train_ref(epsilon=1e-5, momentum=0.9, order="NCHW"):
    def ref(X, scale, bias, mean, var, **_):
        x = _to_nchw(X, order).astype(np.float64)
        axes = (0, *range(2, x.ndim))
        mu = x.mean(axis=axes)
        sigma2 = ((x - mu.reshape((1, -1) + (1,) * (x.ndim - 2))) ** 2).mean(axis=axes)
        y = bn_test_ref(epsilon, "NCHW")(x, scale, bias, mu, sigma2)
        dt = X.dtype
        return (_from_nchw(y, order).astype(dt),
                (momentum * mean + (1 - momentum) * mu).astype(mean.dtype),
                (momentum * var + (1 - momentum) * sigma2).astype(var.dtype),
                mu.astype(dt), (1 / np.sqrt(sigma2 + epsilon)).astype(dt))

    return ref


def lrn_ref(size, alpha, beta, bias, order="NCHW", with_scale=False):
    def ref(X, **_):
        x = _to_nchw(X, order).astype(np.float64)
        C = x.shape[1]
        half = (size - 1) // 2
        scale = np.empty_like(x)
        for c in range(C):
            lo, hi = max(c - half, 0), min(c + half, C - 1)
            scale[:, c] = bias + alpha / size * (x[:, lo:hi + 1] ** 2).sum(axis=1)
        y = _from_nchw(x * scale ** -beta, order).astype(X.dtype)
        return (y, _from_nchw(scale, order).astype(X.dtype)) if with_scale else y

    return ref


def summarize_ref(X, **_):
    x = X.astype(np.float64).ravel()
    return np.array([x.min(), x.max(), x.mean(), x.std(ddof=1)], dtype=X.dtype)


# ---- inputs ------------------------------------------------------------------------------------


def _distinct(rng: np.random.Generator, shape, dtype=np.float64) -> np.ndarray:
    """Values at least 0.05 apart in random order (no ties inside a pooling window)."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.05 - n * 0.025).reshape(shape).astype(dtype)


def _eighths(rng: np.random.Generator, shape, dtype) -> np.ndarray:
    """Normal draws rounded to multiples of 1/8: every product and sum a convolution forms
    is then exact in float32, so any summation order (BLAS's, Caffe2's) gives the same
    bits and the fidelity suite can compare them strictly."""
    return (np.round(rng.normal(size=shape) * 8) / 8).astype(dtype)


def _conv_inputs(x_shape, w_shape, bias=True, dtype=np.float64, n_out=None):
    """X, W and (with ``bias``) b of length ``n_out`` (default: W's first dimension)."""

    def make(rng):
        out = [_eighths(rng, x_shape, dtype), _eighths(rng, w_shape, dtype)]
        if bias:
            out.append(_eighths(rng, (n_out or w_shape[0],), dtype))
        return out

    return make


def _bn_inputs(x_shape, C, dtype=np.float64):
    """X, scale, bias, running mean and variance."""

    def make(rng):
        return [rng.normal(1.0, 2.0, size=x_shape).astype(dtype),
                rng.uniform(0.5, 1.5, C).astype(dtype), rng.normal(size=C).astype(dtype),
                rng.normal(size=C).astype(dtype), rng.uniform(0.5, 2.0, C).astype(dtype)]

    return make


F32 = {"rtol": 1e-4, "atol": 1e-5}

CASES: dict[str, list[Case]] = {
    "Conv": [
        Case(_conv_inputs((2, 3, 6, 5), (4, 3, 3, 3)), conv_ref((1, 1), (0, 0), (0, 0)),
             args={"kernel": 3}, id="k3"),
        Case(_conv_inputs((2, 2, 7, 7), (3, 2, 3, 3)), conv_ref((2, 2), (1, 1), (1, 1)),
             args={"kernel": 3, "stride": 2, "pad": 1}, id="stride2-pad1"),
        Case(_conv_inputs((1, 2, 6, 7), (2, 2, 3, 2)), conv_ref((1, 2), (1, 0), (0, 1)),
             args={"kernels": [3, 2], "strides": [1, 2], "pads": [1, 0, 0, 1]},
             id="kernels-strides-pads-tlbr"),
        Case(_conv_inputs((1, 2, 7, 7), (2, 2, 3, 3)), conv_ref((1, 1), (0, 0), (0, 0), (2, 2)),
             args={"kernel": 3, "dilation": 2}, id="dilation2"),
        Case(_conv_inputs((2, 4, 5, 5), (6, 2, 3, 3)), conv_ref((1, 1), (1, 1), (1, 1), group=2),
             args={"kernel": 3, "pad": 1, "group": 2}, id="group2"),
        Case(_conv_inputs((2, 5, 6, 3), (4, 3, 3, 3)),
             conv_ref((1, 1), (0, 0), (0, 0), order="NHWC"),
             args={"kernel": 3, "order": "NHWC"}, id="nhwc"),
        Case(_conv_inputs((2, 4, 4, 4), (4, 2, 2, 2)),
             conv_ref((1, 1), (1, 1), (0, 0), group=2, order="NHWC"),
             args={"kernel": 2, "pad_t": 1, "pad_l": 1, "pad_b": 0, "pad_r": 0, "order": "NHWC",
                   "group": 2},
             id="nhwc-group2-pad_t_l"),
        Case(_conv_inputs((2, 3, 6, 6), (2, 3, 3, 3), bias=False),
             conv_ref((2, 2), (0, 0), (1, 1)),
             args={"kernel": 3, "stride": 2, "legacy_pad": 2}, id="no-bias-legacy-SAME"),
        Case(_conv_inputs((2, 2, 9), (3, 2, 3)), conv_ref((2,), (1,), (1,)),
             args={"kernels": [3], "strides": [2], "pads": [1, 1]}, id="1d"),
        Case(_conv_inputs((1, 2, 4, 4, 3), (2, 2, 2, 2, 2)),
             conv_ref((1, 1, 1), (0,) * 3, (0,) * 3),
             args={"kernels": [2, 2, 2]}, id="3d"),
        Case(_conv_inputs((2, 1, 12, 12), (5, 1, 5, 5), dtype=np.float32),
             conv_ref((1, 1), (0, 0), (0, 0)), args={"kernel": 5}, skip_grad="float32 copy of k3",
             id="lenet-float32", **F32),
    ],
    "ConvTranspose": [
        Case(_conv_inputs((2, 3, 4, 4), (3, 2, 3, 3), n_out=2),
             conv_transpose_ref((1, 1), (0, 0), (0, 0)),
             args={"kernel": 3}, id="k3"),
        Case(_conv_inputs((1, 2, 3, 4), (2, 3, 2, 2), n_out=3),
             conv_transpose_ref((2, 2), (0, 0), (0, 0)),
             args={"kernel": 2, "stride": 2}, id="k2-stride2"),
        Case(_conv_inputs((1, 2, 3, 3), (2, 2, 3, 3), n_out=2),
             conv_transpose_ref((2, 2), (1, 0), (1, 0), adj=(1, 0)),
             args={"kernel": 3, "stride": 2, "pads": [1, 0, 1, 0], "adjs": [1, 0]},
             id="pads-adj"),
        Case(_conv_inputs((1, 4, 3, 3), (4, 1, 3, 3), n_out=2),
             conv_transpose_ref((1, 1), (1, 1), (1, 1), group=2),
             args={"kernel": 3, "pad": 1, "group": 2}, id="group2"),
        Case(_conv_inputs((2, 3, 3, 2), (2, 2, 2, 3), bias=False),
             conv_transpose_ref((2, 2), (0, 0), (0, 0), order="NHWC"),
             args={"kernel": 2, "stride": 2, "order": "NHWC"}, id="nhwc-no-bias"),
    ],
    "MaxPool": [
        Case(lambda rng: [_distinct(rng, (2, 3, 6, 6))],
             pool_ref("max", (2, 2), (2, 2), (0, 0), (0, 0)),
             args={"kernel": 2, "stride": 2}, id="k2s2"),
        Case(lambda rng: [_distinct(rng, (1, 2, 7, 7))],
             pool_ref("max", (3, 3), (2, 2), (1, 1), (1, 1)),
             args={"kernel": 3, "stride": 2, "pad": 1}, id="k3s2p1"),
        Case(lambda rng: [_distinct(rng, (1, 2, 7, 7))],
             pool_ref("max", (2, 2), (2, 2), (0, 0), (1, 1), out=[4, 4]),
             args={"kernel": 2, "stride": 2, "legacy_pad": 3}, id="legacy-ceil"),
        Case(lambda rng: [_distinct(rng, (2, 5, 4, 3))],
             pool_ref("max", (5, 4), (1, 1), (0, 0), (0, 0), order="NHWC"),
             args={"global_pooling": 1, "order": "NHWC"}, id="global-nhwc"),
        Case(lambda rng: [_distinct(rng, (2, 3, 6, 6), np.float32)],
             pool_ref("max", (3, 2), (2, 1), (0, 0), (0, 0)),
             args={"kernel_h": 3, "kernel_w": 2, "stride_h": 2, "stride_w": 1},
             id="float32-kernel_h_w"),
    ],
    "AveragePool": [
        Case(lambda rng: [rng.normal(size=(2, 3, 6, 6))],
             pool_ref("avg", (2, 2), (2, 2), (0, 0), (0, 0)),
             args={"kernel": 2, "stride": 2}, id="k2s2"),
        Case(lambda rng: [rng.normal(size=(1, 2, 5, 5))],
             pool_ref("avg", (3, 3), (2, 2), (1, 1), (1, 1)),
             args={"kernel": 3, "stride": 2, "pad": 1}, id="pad-excluded"),
        Case(lambda rng: [rng.normal(size=(1, 2, 5, 5))],
             pool_ref("avg", (3, 3), (2, 2), (1, 1), (1, 1), include_pad=True),
             args={"kernel": 3, "stride": 2, "pad": 1, "count_include_pad": 1},
             id="count_include_pad"),
        Case(lambda rng: [rng.normal(size=(2, 3, 4, 5))],
             pool_ref("avg", (4, 5), (1, 1), (0, 0), (0, 0)),
             args={"global_pooling": 1}, id="global"),
        Case(lambda rng: [rng.normal(size=(2, 6, 6, 3)).astype(np.float32)],
             pool_ref("avg", (3, 3), (3, 3), (0, 0), (0, 0), order="NHWC"),
             args={"kernel": 3, "stride": 3, "order": "NHWC"}, id="float32-nhwc", **F32),
    ],
    "SpatialBN": [
        Case(_bn_inputs((3, 2, 4, 3), 2), bn_test_ref(1e-3), args={"is_test": 1, "epsilon": 1e-3},
             grad_inputs=[0, 1, 2], id="test"),
        Case(_bn_inputs((4, 3, 3, 2), 3), bn_train_ref(1e-5, 0.8),
             args={"is_test": 0, "momentum": 0.8}, grad_inputs=[0, 1, 2], grad_outputs=[0],
             n_outputs=5, id="train"),
        Case(_bn_inputs((3, 2, 2, 4), 4), bn_train_ref(1e-4, 0.9, "NHWC"),
             args={"is_test": 0, "epsilon": 1e-4, "order": "NHWC"}, grad_inputs=[0, 1, 2],
             grad_outputs=[0], n_outputs=5, id="train-nhwc"),
        Case(_bn_inputs((4, 3, 5, 5), 3, np.float32), bn_train_ref(1e-5, 0.9),
             args={"is_test": 0}, skip_grad="float32 copy of train", id="train-float32", **F32),
    ],
    "Dropout": [
        Case(lambda rng: [rng.normal(size=(3, 4))], lambda X, **_: (X, np.ones(X.shape, bool)),
             args={"is_test": 1, "ratio": 0.3}, grad_outputs=[0], n_outputs=2, id="test-mode"),
        Case(lambda rng: [rng.normal(size=(3, 4))], lambda X, **_: (X, np.ones(X.shape, bool)),
             args={"is_test": 0, "ratio": 0.0}, grad_outputs=[0], n_outputs=2, id="train-ratio0"),
        Case(lambda rng: [rng.normal(size=(2, 5)).astype(np.float32)], lambda X, **_: X,
             args={"is_test": 1}, id="test-one-output-float32"),
    ],
    "LRN": [
        Case(lambda rng: [rng.normal(size=(2, 5, 3, 3))], lrn_ref(3, 0.3, 0.75, 2.0),
             args={"size": 3, "alpha": 0.3, "beta": 0.75, "bias": 2.0}, id="size3"),
        Case(lambda rng: [rng.normal(size=(2, 3, 2, 6))],
             lrn_ref(5, 0.5, 0.6, 1.0, "NHWC", with_scale=True),
             args={"size": 5, "alpha": 0.5, "beta": 0.6, "order": "NHWC"}, grad_outputs=[0],
             id="nhwc-size5-scale"),
        Case(lambda rng: [rng.normal(size=(1, 4, 3, 3)).astype(np.float32)],
             lrn_ref(3, 1e-4, 0.75, 1.0), args={"size": 3, "alpha": 1e-4, "beta": 0.75},
             id="float32", **F32),
    ],
    "Cast": [
        Case(lambda rng: [np.array([[1.7, -2.2, 0.0], [3.5, -0.5, 9.9]], np.float32)],
             lambda X, **_: np.trunc(X).astype(np.int32), args={"to": 2},
             skip_grad="integer output: nothing to differentiate", id="float-to-int32"),
        Case(lambda rng: [rng.integers(0, 256, size=(2, 1, 3, 3)).astype(np.uint8)],
             lambda X, **_: X.astype(np.float32), args={"to": "FLOAT"}, id="uint8-to-float"),
        Case(lambda rng: [rng.normal(size=(3, 2))], lambda X, **_: X.astype(np.float64),
             args={"to": 13, "from_type": 13}, id="double-identity-gradient"),
        Case(lambda rng: [np.array([0.0, 2.5, -1.0])], lambda X, **_: X != 0,
             args={"to": 5}, skip_grad="bool output", id="to-bool"),
    ],
    "Summarize": [
        Case(lambda rng: [rng.normal(size=(4, 5)).astype(np.float32)], summarize_ref, id="float32"),
        Case(lambda rng: [rng.normal(size=(3, 2, 2))], summarize_ref, id="float64"),
    ],
}

GRADIENT_OPS: dict[str, str] = {
    "ConvGradient": "Conv",
    "ConvTransposeGradient": "ConvTranspose",
    "MaxPoolGradient": "MaxPool",
    "AveragePoolGradient": "AveragePool",
    "SpatialBNGradient": "SpatialBN",
    "DropoutGrad": "Dropout",
    "LRNGradient": "LRN",
}
