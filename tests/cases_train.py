"""Test cases for graphlab/ops/train.py (see tests/op_case.py for the format).

References are written directly in NumPy / math from the Caffe2 formulas, independently
of graphlab's kernels and of graphlab.schedules. Ops that Caffe2 runs in place (Iter,
MomentumSGDUpdate, Adam) have ``inplace=True``: a runner must name every output of the
schema's ``enforce_inplace`` pairs after its input.
"""

from __future__ import annotations

import math

import numpy as np
from op_case import Case


def _counter(value, dtype=np.int64, shape=(1,)):
    return lambda rng: [np.full(shape, value, dtype=dtype)]


def _lr_ref(f):
    """Reference for LearningRate: base_lr × f(k) as a 0-d float32."""
    def ref(it, *, base_lr, policy, **args):
        k = int(it.reshape(-1)[0])
        return np.array(base_lr * f(k, **args), dtype=np.float32)
    return ref


def _step(k, stepsize, gamma, **_):
    return gamma ** (k // stepsize)


def _ws_inputs(*shapes, w_shapes=None, dtype=np.float64):
    """X0, w0, X1, w1, ...: X_i uniform with the given shapes, weights scalars."""
    def make(rng):
        out = []
        for i, s in enumerate(shapes):
            ws = (w_shapes or [(1,)] * len(shapes))[i]
            out += [rng.uniform(-1, 1, size=s).astype(dtype),
                    rng.uniform(-2, 2, size=ws).astype(dtype)]
        return out
    return make


def _ws_ref(*xw, grad_on_w=False):
    y = np.zeros_like(xw[0])
    for i in range(0, len(xw), 2):
        y = y + xw[i + 1].item() * xw[i].reshape(xw[0].shape)
    return y


def _momentum_inputs(dtype=np.float32, shape=(3, 2), lr=0.1):
    def make(rng):
        return [rng.normal(size=shape).astype(dtype), rng.normal(size=shape).astype(dtype),
                np.array([lr], dtype), rng.normal(size=shape).astype(dtype)]
    return make


def _momentum_ref(g, m, lr, p, momentum=0.0, nesterov=0):
    lr = lr.item()
    if nesterov:
        m_new = momentum * m + lr * g
        g_new = (1 + momentum) * m_new - momentum * m
    else:
        g_new = lr * g + momentum * m
        m_new = g_new
    return g_new.astype(g.dtype), m_new.astype(m.dtype), (p - g_new).astype(p.dtype)


def _adam_inputs(dtype=np.float32, shape=(4,), it=1, lr=-0.01):
    def make(rng):
        return [rng.normal(size=shape).astype(dtype), rng.normal(size=shape).astype(dtype),
                rng.uniform(0, 1, size=shape).astype(dtype), rng.normal(size=shape).astype(dtype),
                np.array(lr, dtype), np.array([it], np.int64)]
    return make


def _adam_ref(p, m, v, g, lr, it, beta1=0.9, beta2=0.999, epsilon=1e-5):
    t = int(it.reshape(-1)[0]) + 1
    corr = math.sqrt(1 - beta2**t) / (1 - beta1**t)
    m2 = beta1 * m + (1 - beta1) * g
    v2 = beta2 * v + (1 - beta2) * g * g
    p2 = p + lr.item() * corr * m2 / (np.sqrt(v2) + epsilon)
    return p2.astype(p.dtype), m2.astype(m.dtype), v2.astype(v.dtype)


CASES: dict[str, list[Case]] = {
    "Iter": [
        Case(_counter(0, np.int32), lambda x: x + 1, inplace=True, id="int32-keeps-dtype"),
        Case(_counter(41, np.int64), lambda x: x + 1, inplace=True, id="int64"),
        Case(_counter(5, np.int64, ()), lambda x: x + 1, inplace=True, id="0-d"),
    ],
    "AtomicIter": [
        Case(lambda rng: [np.zeros((), np.int8), np.array([3], np.int64)],
             lambda mutex, x: x + 1, id="mutex-ignored"),
    ],
    "CreateMutex": [
        Case(lambda rng: [], lambda: np.zeros((), np.int8), id="placeholder"),
    ],
    "LearningRate": [
        Case(_counter(1), _lr_ref(_step), id="seed-step-k1",
             args={"base_lr": -0.1, "policy": "step", "stepsize": 20, "gamma": 0.9}),
        Case(_counter(19, np.int32), _lr_ref(_step), id="seed-step-k19-int32",
             args={"base_lr": -0.1, "policy": "step", "stepsize": 20, "gamma": 0.9}),
        Case(_counter(20), _lr_ref(_step), id="seed-step-k20",
             args={"base_lr": -0.1, "policy": "step", "stepsize": 20, "gamma": 0.9}),
        Case(_counter(7), _lr_ref(lambda k: 1.0), id="fixed",
             args={"base_lr": 0.05, "policy": "fixed"}),
        Case(_counter(10), _lr_ref(lambda k, gamma: gamma**k), id="exp",
             args={"base_lr": -0.5, "policy": "exp", "gamma": 0.95}),
        Case(_counter(30), _lr_ref(lambda k, gamma, power: (1 + gamma * k) ** -power),
             id="inv", args={"base_lr": 1.0, "policy": "inv", "gamma": 0.1, "power": 0.75}),
        Case(_counter(25), _lr_ref(lambda k, max_iter, power: (1 - k / max_iter) ** power),
             id="poly", args={"base_lr": 1.0, "policy": "poly", "max_iter": 100, "power": 2.0}),
        Case(_counter(3, shape=()),
             _lr_ref(lambda k, **a: 0.1 * 0.5 ** k if k >= 2 else 1.0), id="composite",
             args={"base_lr": 2.0, "policy": "composite", "sub_policy_num_iters": [1, 5],
                   "sub_policy_0_policy": "fixed", "sub_policy_1_policy": "exp",
                   "sub_policy_1_gamma": 0.5, "sub_policy_1_lr_scale": 0.1}),
    ],
    "WeightedSum": [
        Case(_ws_inputs((1, 2), (1, 2), w_shapes=[(1,), ()]), _ws_ref, grad_inputs=[0, 2],
             id="seed-update-shapes"),
        Case(_ws_inputs((3, 4)), _ws_ref, grad_inputs=[0], id="single-pair"),
        Case(_ws_inputs((2, 3), (6,), (3, 2)), _ws_ref, grad_inputs=[0, 2, 4],
             id="same-size-different-shapes"),
        Case(_ws_inputs((2, 2), (2, 2)), _ws_ref, args={"grad_on_w": 1}, id="grad-on-w"),
        Case(_ws_inputs((5,), (5,)), _ws_ref, inplace=True, grad_inputs=[0, 2],
             skip_grad="in-place output overwrites X0", id="inplace-X0"),
        Case(_ws_inputs((2, 3), (2, 3), dtype=np.float32), _ws_ref,
             skip_grad="float32 covered by the float64 cases", id="float32"),
    ],
    "MomentumSGDUpdate": [
        Case(_momentum_inputs(), _momentum_ref, args={"momentum": 0.9}, inplace=True,
             id="plain"),
        Case(_momentum_inputs(), _momentum_ref, args={"momentum": 0.9, "nesterov": 1},
             inplace=True, id="nesterov"),
        Case(_momentum_inputs(np.float64, (5,)), _momentum_ref, inplace=True,
             id="no-momentum-float64"),
    ],
    "Adam": [
        Case(_adam_inputs(), _adam_ref, inplace=True, id="first-step-t2"),
        Case(_adam_inputs(np.float64, (2, 3), it=10), _adam_ref,
             args={"beta1": 0.8, "beta2": 0.99, "epsilon": 1e-8}, inplace=True,
             id="float64-custom-betas"),
    ],
}

#: Gradient ops covered through the gradient check of their forward op.
GRADIENT_OPS: dict[str, str] = {"WeightedSumGradient": "WeightedSum"}

TESTED_ELSEWHERE: dict[str, str] = {}


# ---- Adagrad, RmsProp -----------------------------------------------------------------------


def _adagrad_inputs(dtype=np.float32, shape=(3, 2)):
    def make(rng):
        return [rng.normal(size=shape).astype(dtype), rng.uniform(0, 1, size=shape).astype(dtype),
                rng.normal(size=shape).astype(dtype), np.array([-0.1], dtype)]
    return make


def _adagrad_ref(param, moment, grad, lr, epsilon=1e-5, decay=1.0, n_out=2):
    p, h = param.copy(), moment.copy()
    eff, upd = np.empty_like(param), np.empty_like(param)
    for idx in np.ndindex(param.shape):
        h[idx] = decay * moment[idx] + grad[idx] ** 2
        eff[idx] = lr[0] / (math.sqrt(h[idx]) + epsilon)
        upd[idx] = eff[idx] * grad[idx]
        p[idx] = param[idx] + upd[idx]
    return (p, h, eff, upd)[:n_out]


def _rms_prop_inputs(dtype=np.float32, shape=(4,)):
    def make(rng):
        return [rng.normal(size=shape).astype(dtype), rng.uniform(0, 1, size=shape).astype(dtype),
                rng.normal(size=shape).astype(dtype), np.array([1.0], dtype)]
    return make


def _rms_prop_ref(grad, ms, mom, lr, decay=0.9, momentum=0.0, epsilon=1e-5):
    new_ms, new_mom = ms.copy(), mom.copy()
    for idx in np.ndindex(grad.shape):
        new_ms[idx] = ms[idx] + (1 - decay) * (grad[idx] ** 2 - ms[idx])
        new_mom[idx] = momentum * mom[idx] + lr[0] * grad[idx] / math.sqrt(epsilon + new_ms[idx])
    return new_mom.copy(), new_ms, new_mom


CASES.update({
    "Adagrad": [
        Case(_adagrad_inputs(), _adagrad_ref, inplace=True, id="default"),
        Case(_adagrad_inputs(np.float64, (5,)), _adagrad_ref,
             args={"epsilon": 1e-4, "decay": 0.9}, id="float64-decay"),
        Case(_adagrad_inputs(), lambda *a: _adagrad_ref(*a, n_out=4), n_outputs=4,
             id="effective-lr-and-update"),
    ],
    "RmsProp": [
        Case(_rms_prop_inputs(), _rms_prop_ref, inplace=True, id="default"),
        Case(_rms_prop_inputs(np.float64, (2, 3)), _rms_prop_ref,
             args={"decay": 0.8, "momentum": 0.5, "epsilon": 1e-4}, id="momentum"),
    ],
})
