"""Test cases for graphlab/ops/loss.py: distances, cross entropies, SoftmaxWithLoss, Accuracy.

References are written directly in NumPy from the formulas (explicit loops where that is
clearest), independently of the kernels. Probabilities stay well above the 1e-20 clip so
finite differences see the smooth formula. Integer labels get no gradient: their cases
set ``grad_inputs``.
"""

from __future__ import annotations

import math

import numpy as np
from op_case import Case

# ---- input makers --------------------------------------------------------------------


def _probs(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    """Rows of positive numbers in [0.05, 1] (not normalised: the ops do not need it)."""
    return rng.uniform(0.05, 1.0, size=(n, d))


def _dist(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    t = rng.uniform(0.0, 1.0, size=(n, d))
    return t / t.sum(axis=1, keepdims=True)


def _labels(rng: np.random.Generator, n: int, d: int, dtype=np.int32) -> np.ndarray:
    return rng.integers(0, d, size=n).astype(dtype)


# ---- references ----------------------------------------------------------------------


def ref_sq_l2(X, Y):
    n = X.shape[0] if X.ndim else 1
    out = np.empty(n, dtype=np.result_type(X, Y))
    xs, ys = np.reshape(X, (n, -1)), np.reshape(Y, (n, -1))
    for i in range(n):
        d = xs[i] - ys[i]
        out[i] = 0.5 * float(np.dot(d, d))
    return out


def ref_averaged_loss(X):
    return np.asarray(np.mean(X.astype(np.float64)), dtype=X.dtype)


def ref_label_xent(X, label):
    x2 = X.reshape(1, -1) if X.ndim == 1 else X.reshape(X.shape[0], -1)
    lab = np.reshape(label, -1)
    out = np.empty(x2.shape[0], dtype=X.dtype)
    for i, j in enumerate(lab):
        out[i] = -np.log(max(float(x2[i, j]), 1e-20))
    return out


def ref_xent(X, T):
    x2 = X.reshape(1, -1) if X.ndim == 1 else X.reshape(X.shape[0], -1)
    t2 = T.reshape(x2.shape)
    return -np.sum(t2 * np.log(np.clip(x2, 1e-20, None)), axis=1).astype(X.dtype)


def _softmax_2d(x2):
    x = x2.astype(np.float64)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def ref_softmax_with_loss(X, labels, weight=None, scale=1.0, label_prob=0, axis=1):
    n = int(np.prod(X.shape[:axis]))
    x2 = X.reshape(n, -1)
    P = _softmax_2d(x2)
    w = np.ones(n) if weight is None else np.reshape(weight, -1).astype(np.float64)
    if label_prob:
        T = np.reshape(labels, x2.shape)
        per = -(T * np.log(np.maximum(P, 1e-20))).sum(axis=1)
    else:
        lab = np.reshape(labels, -1)
        per = np.array([-np.log(P[i, lab[i]]) for i in range(n)])
    total = w.sum()
    loss = scale * float((w * per).sum()) / total if total != 0 else 0.0
    dtype = X.dtype if weight is None else np.result_type(X, weight)
    return P.reshape(X.shape).astype(X.dtype), np.asarray(loss, dtype=dtype)


def ref_accuracy(pred, labels, top_k=1):
    hits = 0
    for i, row in enumerate(pred):
        order = np.argsort(-row, kind="stable")  # stable: equal scores keep index order
        hits += int(labels[i] in order[:top_k])
    return np.asarray(hits / len(pred), dtype=np.float32)


# ---- cases ---------------------------------------------------------------------------

CASES: dict[str, list[Case]] = {
    "SquaredL2Distance": [
        Case(lambda rng: [rng.normal(size=(6, 3)), rng.normal(size=(6, 3))], ref_sq_l2,
             id="2d"),
        Case(
            lambda rng: [rng.normal(size=(8, 1)).astype(np.float32),
                         rng.normal(size=(8, 1)).astype(np.float32)],
            ref_sq_l2,
            id="seed-shapes-float32",
        ),
        Case(lambda rng: [rng.normal(size=(4, 2, 3)), rng.normal(size=(4, 2, 3))], ref_sq_l2,
             id="3d-rows-flatten"),
        Case(lambda rng: [rng.normal(size=(5,)), rng.normal(size=(5,))], ref_sq_l2,
             id="1d"),
        Case(lambda rng: [np.asarray(rng.normal()), np.asarray(rng.normal())], ref_sq_l2,
             id="0d-one-row"),
    ],
    "AveragedLoss": [
        Case(lambda rng: [rng.normal(size=(7,))], ref_averaged_loss, id="1d"),
        Case(lambda rng: [rng.normal(size=(3, 4)).astype(np.float32)], ref_averaged_loss,
             id="float32-2d"),
        Case(lambda rng: [np.asarray(rng.normal())], ref_averaged_loss, id="0d"),
        Case(lambda rng: [np.zeros((0, 3), np.float32)], lambda x: np.zeros((), np.float32),
             skip_grad="an empty X has no element to perturb", id="empty-batch-gives-0"),
    ],
    "LabelCrossEntropy": [
        Case(lambda rng: [_probs(rng, 5, 4), _labels(rng, 5, 4)], ref_label_xent,
             grad_inputs=[0], id="int32"),
        Case(lambda rng: [_probs(rng, 3, 6), _labels(rng, 3, 6, np.int64)], ref_label_xent,
             grad_inputs=[0], id="int64-labels"),
        Case(lambda rng: [_probs(rng, 4, 3), _labels(rng, 4, 3).reshape(4, 1)],
             ref_label_xent, grad_inputs=[0], id="labels-N1"),
        Case(lambda rng: [_probs(rng, 1, 5).reshape(5), _labels(rng, 1, 5)], ref_label_xent,
             grad_inputs=[0], id="1d-X"),
        Case(lambda rng: [_probs(rng, 4, 3).astype(np.float32), _labels(rng, 4, 3)],
             ref_label_xent, grad_inputs=[0], id="float32"),
    ],
    "CrossEntropy": [
        Case(lambda rng: [_probs(rng, 4, 3), _dist(rng, 4, 3)], ref_xent, grad_inputs=[0],
             id="2d"),
        Case(
            lambda rng: [_probs(rng, 3, 5).astype(np.float32),
                         _dist(rng, 3, 5).astype(np.float32)],
            ref_xent,
            grad_inputs=[0],
            id="float32",
        ),
        Case(lambda rng: [_probs(rng, 1, 4).reshape(4), _dist(rng, 1, 4).reshape(4)],
             ref_xent, grad_inputs=[0], id="1d"),
    ],
    "SoftmaxWithLoss": [
        Case(lambda rng: [rng.normal(size=(5, 4)), _labels(rng, 5, 4)],
             ref_softmax_with_loss, grad_inputs=[0], grad_outputs=[1], id="labels"),
        Case(lambda rng: [rng.normal(size=(4, 3)).astype(np.float32), _labels(rng, 4, 3)],
             ref_softmax_with_loss, grad_inputs=[0], grad_outputs=[1], id="float32"),
        Case(lambda rng: [rng.normal(size=(4, 3)), _labels(rng, 4, 3)],
             ref_softmax_with_loss, args={"scale": 2.5}, grad_inputs=[0], grad_outputs=[1],
             id="scale"),
        Case(
            lambda rng: [rng.normal(size=(5, 3)), _labels(rng, 5, 3),
                         rng.uniform(0.2, 2.0, size=5)],
            ref_softmax_with_loss,
            grad_inputs=[0],
            grad_outputs=[1],
            id="weights",
        ),
        Case(lambda rng: [rng.normal(size=(4, 5)), _dist(rng, 4, 5)],
             ref_softmax_with_loss, args={"label_prob": 1}, grad_inputs=[0],
             grad_outputs=[1], id="label_prob"),
        Case(
            lambda rng: [rng.normal(size=(3, 4)), _dist(rng, 3, 4),
                         rng.uniform(0.5, 1.5, size=3)],
            ref_softmax_with_loss,
            args={"label_prob": 1, "scale": 0.5},
            grad_inputs=[0],
            grad_outputs=[1],
            id="label_prob-weights-scale",
        ),
        Case(lambda rng: [rng.normal(size=(2, 3, 4)), _labels(rng, 6, 4).reshape(2, 3)],
             ref_softmax_with_loss, args={"axis": 2}, grad_inputs=[0], grad_outputs=[1],
             id="axis2"),
        Case(lambda rng: [rng.normal(size=(4, 3)), _labels(rng, 4, 3).reshape(4, 1)],
             ref_softmax_with_loss, grad_inputs=[0], grad_outputs=[1], id="labels-N1"),
    ],
    "Accuracy": [
        Case(lambda rng: [rng.normal(size=(20, 4)).astype(np.float32), _labels(rng, 20, 4)],
             ref_accuracy, id="top1"),
        Case(lambda rng: [rng.normal(size=(20, 5)).astype(np.float32), _labels(rng, 20, 5)],
             ref_accuracy, args={"top_k": 3}, id="top3"),
        Case(
            lambda rng: [rng.integers(0, 3, size=(30, 4)).astype(np.float32),
                         _labels(rng, 30, 4)],
            ref_accuracy,
            args={"top_k": 2},
            id="many-ties",
        ),
        Case(lambda rng: [rng.normal(size=(6, 3)), _labels(rng, 6, 3)], ref_accuracy,
             id="float64-scores"),
    ],
}

GRADIENT_OPS: dict[str, str] = {
    "SquaredL2DistanceGradient": "SquaredL2Distance",
    "AveragedLossGradient": "AveragedLoss",
    "LabelCrossEntropyGradient": "LabelCrossEntropy",
    "CrossEntropyGradient": "CrossEntropy",
    "SoftmaxWithLossGradient": "SoftmaxWithLoss",
}


# ---- L1Distance, DotProduct, CosineSimilarity, SigmoidCrossEntropyWithLogits,
# ---- MakeTwoClass, ArgMax, OneHot -------------------------------------------------------


def _rows_of(x):
    return np.reshape(x, (x.shape[0], -1)) if x.ndim else np.reshape(x, (1, 1))


def ref_l1(X, Y):
    return np.array([sum(abs(a - b) for a, b in zip(r, s))
                     for r, s in zip(_rows_of(X).tolist(), _rows_of(Y).tolist())], X.dtype)


def ref_dot(X, Y):
    return np.array([sum(a * b for a, b in zip(r, s))
                     for r, s in zip(_rows_of(X).tolist(), _rows_of(Y).tolist())], X.dtype)


def ref_cosine(X, Y):
    out = []
    for r, s in zip(_rows_of(X).tolist(), _rows_of(Y).tolist()):
        dot = sum(a * b for a, b in zip(r, s))
        nr = math.sqrt(max(sum(a * a for a in r), 1e-12))
        ns = math.sqrt(max(sum(b * b for b in s), 1e-12))
        out.append(dot / (nr * ns))
    return np.array(out, X.dtype)


def _sigmoid(v):
    return 1 / (1 + math.exp(-v))


def ref_sigmoid_xent(x, t, log_D_trick=0, unjoined_lr_loss=0):  # noqa: N803
    def term(v, p):
        if log_D_trick:
            return (2 * p - 1) * math.log(_sigmoid(v))
        if unjoined_lr_loss:
            pos = 1.0 if v >= 0 else 0.0
            return v * p + (p - 1) * v * pos - (1 - p) * math.log(1 + math.exp(v - 2 * v * pos))
        return p * math.log(_sigmoid(v)) + (1 - p) * math.log(1 - _sigmoid(v))
    rows = np.reshape(x, (-1, x.shape[-1])).tolist()
    targets = np.reshape(t, (-1, x.shape[-1])).tolist()
    loss = [-sum(term(v, p) for v, p in zip(r, q)) / len(r) for r, q in zip(rows, targets)]
    return np.array(loss, x.dtype).reshape(x.shape[:-1])


def ref_two_class(x):
    out = np.empty(x.shape + (2,), x.dtype)
    for idx in np.ndindex(x.shape):
        out[idx + (0,)] = 1 - x[idx]
        out[idx + (1,)] = x[idx]
    return out


def ref_argmax(x, axis=-1, keepdims=1):
    moved = np.moveaxis(x, axis, -1)
    out = np.zeros(moved.shape[:-1], np.int64)
    for idx in np.ndindex(out.shape):
        row = moved[idx].tolist()
        out[idx] = row.index(max(row))
    return np.expand_dims(out, axis) if keepdims else out


def ref_one_hot(indices, size):
    out = np.zeros((len(indices), int(np.reshape(size, -1)[0])), np.float32)
    for i, k in enumerate(indices.tolist()):
        out[i, k] = 1.0
    return out


def _logits_targets(shape):
    def make(rng):
        x = rng.normal(size=shape) * 2
        return [x + np.where(x >= 0, 0.05, -0.05), rng.uniform(0, 1, size=shape)]
    return make


CASES.update({
    "L1Distance": [
        Case(lambda rng: [rng.normal(size=(4, 3)), rng.normal(size=(4, 3))], ref_l1,
             id="2d"),
        Case(lambda rng: [rng.normal(size=(2, 2, 3)), rng.normal(size=(2, 2, 3))], ref_l1,
             id="3d-rows"),
        Case(lambda rng: [rng.normal(size=(5,)), rng.normal(size=(5,))], ref_l1,
             id="1d-one-per-row"),
    ],
    "DotProduct": [
        Case(lambda rng: [rng.normal(size=(4, 3)), rng.normal(size=(4, 3))], ref_dot,
             id="2d"),
        Case(lambda rng: [rng.normal(size=(5,)), rng.normal(size=(5,))], ref_dot, id="1d"),
        Case(lambda rng: [rng.normal(size=(3, 4)).astype(np.float32),
                          rng.normal(size=(3, 4)).astype(np.float32)], ref_dot,
             rtol=1e-5, id="float32"),
    ],
    "CosineSimilarity": [
        Case(lambda rng: [rng.normal(size=(4, 3)), rng.normal(size=(4, 3))], ref_cosine,
             id="2d"),
        Case(lambda rng: [rng.normal(size=(2, 2, 3)), rng.normal(size=(2, 2, 3))],
             ref_cosine, id="3d-rows"),
    ],
    "SigmoidCrossEntropyWithLogits": [
        Case(_logits_targets((3, 4)), ref_sigmoid_xent, grad_inputs=[0], id="2d"),
        Case(_logits_targets((5,)), ref_sigmoid_xent, grad_inputs=[0], id="1d-scalar-loss"),
        Case(_logits_targets((2, 2, 3)), ref_sigmoid_xent, args={"log_D_trick": 1},
             grad_inputs=[0], id="log-d-trick"),
        Case(_logits_targets((3, 4)), ref_sigmoid_xent, args={"unjoined_lr_loss": 1},
             grad_inputs=[0], id="unjoined"),
    ],
    "MakeTwoClass": [
        Case(lambda rng: [rng.uniform(0.05, 0.95, size=(4,))], ref_two_class, id="1d"),
        Case(lambda rng: [rng.uniform(0.05, 0.95, size=(2, 3))], ref_two_class, id="2d"),
    ],
    "ArgMax": [
        Case(lambda rng: [rng.normal(size=(2, 3, 4))], ref_argmax, skip_grad="an index",
             id="default-last-axis"),
        Case(lambda rng: [rng.normal(size=(2, 3, 4))], ref_argmax,
             args={"axis": 1, "keepdims": 0}, skip_grad="an index", id="axis1"),
        Case(lambda rng: [np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])], ref_argmax,
             skip_grad="an index", id="first-of-ties"),
    ],
    "OneHot": [
        Case(lambda rng: [np.array([0, 2, 1, 2], np.int64), np.array(3, np.int64)],
             ref_one_hot, id="four-of-three"),
        Case(lambda rng: [np.array([4], np.int64), np.array([5], np.int64)], ref_one_hot,
             id="size-as-1d"),
    ],
})

GRADIENT_OPS.update({
    "L1DistanceGradient": "L1Distance",
    "DotProductGradient": "DotProduct",
    "CosineSimilarityGradient": "CosineSimilarity",
    "SigmoidCrossEntropyWithLogitsGradient": "SigmoidCrossEntropyWithLogits",
    "MakeTwoClassGradient": "MakeTwoClass",
})
