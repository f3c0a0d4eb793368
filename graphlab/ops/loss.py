"""Losses and metrics: SquaredL2Distance, AveragedLoss, LabelCrossEntropy, CrossEntropy,
SoftmaxWithLoss and Accuracy.

Each operator keeps its forward kernel, its gradient maker, its gradient kernel, its
schema (through ``register_op``) and its documentation together. Per-sample losses are
1-D ``(N,)`` arrays; averaged losses are 0-d scalars, as in Caffe2. Float dtypes are
kept (float32 in → float32 out); mixed float inputs promote as NumPy does.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ShapeError
from ..registry import NO_GRADIENT, SHOULD_NOT_DO_GRADIENT, GradientContext, register_op
from ._util import require_float, shape_str
from .nn import softmax_rows

#: Probabilities are clipped from below at this value before taking a logarithm.
LOG_THRESHOLD = 1e-20

# ---- shared checks -------------------------------------------------------------------


def _float_dtype(*arrays: np.ndarray) -> np.dtype:
    """The float dtype NumPy would give an expression mixing ``arrays`` (by dtype only)."""
    first = arrays[0].dtype
    if all(a.dtype == first for a in arrays[1:]):
        return first
    return np.result_type(*[a.dtype for a in arrays])


def _matrix(op: str, X: np.ndarray) -> tuple[int, int]:
    """``(N, D)`` of a probability input: 1-D means one row; more dims flatten after axis 0."""
    if X.ndim == 0:
        raise ShapeError(
            f"{op}: X {shape_str(X)} is a scalar; it needs one row of class scores per sample.",
            hint="give X shape [N, D] (or [D] for a single sample).",
        )
    if X.ndim == 1:
        return 1, X.shape[0]
    return X.shape[0], math.prod(X.shape[1:])


def _labels(op: str, label: np.ndarray, N: int, D: int, extra_shapes=()) -> np.ndarray:
    """Check integer class labels (shape ``(N,)`` or ``(N, 1)``, each in [0, D)) → 1-D int64."""
    if not (isinstance(label, np.ndarray) and np.issubdtype(label.dtype, np.integer)):
        desc = shape_str(label) if isinstance(label, np.ndarray) else type(label).__name__
        raise ShapeError(
            f"{op}: labels must be an integer array (int32), got {desc}.",
            hint="feed class indices, e.g. FeedBlob('label', labels.astype(np.int32)).",
        )
    shapes = [(N,), (N, 1), *[tuple(s) for s in extra_shapes]]
    if label.shape not in shapes:
        allowed = " or ".join(str(list(s)) for s in dict.fromkeys(shapes))
        raise ShapeError(
            f"{op}: labels {shape_str(label)} do not match {N} sample(s); expected shape "
            f"{allowed}.",
            hint="there is one class index per row of the scores.",
        )
    flat = label.reshape(-1).astype(np.int64, copy=False)
    bad = np.flatnonzero((flat < 0) | (flat >= D))
    if bad.size:
        i = int(bad[0])
        raise ShapeError(
            f"{op}: label {int(flat[i])} (sample {i}) is outside [0, {D}); there are D={D} "
            f"classes. Label seems incorrect.",
            hint=f"labels are class indices 0 … {D - 1}; {bad.size} label(s) are out of range.",
        )
    return flat


# ---- SquaredL2Distance ---------------------------------------------------------------


def _as_rows(X: np.ndarray) -> np.ndarray:
    """``X`` as ``[N, D]``: ``N = X.shape[0]`` (1 for a 0-d X), ``D`` the rest flattened."""
    if X.ndim == 2:
        return X
    if X.ndim == 0:
        return X.reshape(1, 1)
    return X.reshape(X.shape[0], math.prod(X.shape[1:]))


def _sq_l2_grad(g: GradientContext):
    op = g.op("SquaredL2DistanceGradient", [g.I(0), g.I(1), g.GO(0)], [g.GI(0), g.GI(1)])
    return [op], [g.GI(0), g.GI(1)]


@register_op("SquaredL2Distance", grad=_sq_l2_grad)
def squared_l2_distance(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Half the squared Euclidean distance between matching rows: ``dist_i = ½‖x_i − y_i‖²``.

    X, Y: identical shapes, float; row i is ``X[i]`` flattened. ``N = X.shape[0]`` (a 0-d X
    counts as one row) → dist: ``(N,)``. Example: X, Y ``[64, 1]`` → dist ``[64]``.
    (Caffe2 expands the square as ``(x·x + y·y)/2 − x·y``; graphlab subtracts first,
    which is more accurate and may differ in the last bits.)
    """
    require_float("SquaredL2Distance", "X", X)
    require_float("SquaredL2Distance", "Y", Y)
    if X.shape != Y.shape:
        raise ShapeError(
            f"SquaredL2Distance: X {shape_str(X)} and Y {shape_str(Y)} must have identical "
            "shapes (the distance is taken row by row: row i of X against row i of Y).",
            hint="reshape one of them, e.g. make both [N, 1] for N scalar predictions.",
        )
    diff = _as_rows(X - Y)
    dist = np.einsum("ij,ij->i", diff, diff)
    dist *= 0.5
    return dist


@register_op("SquaredL2DistanceGradient", outputs=2)
def squared_l2_distance_gradient(X: np.ndarray, Y: np.ndarray, dDist: np.ndarray):
    """``dX_i = (x_i − y_i) · dDist_i`` and ``dY = −dX``.

    X, Y: identical shapes with N rows; dDist: ``(N,)`` → (dX like X, dY like Y).
    """
    if X.shape != Y.shape:
        raise ShapeError(
            f"SquaredL2DistanceGradient: X {shape_str(X)} and Y {shape_str(Y)} must have "
            "identical shapes."
        )
    diff = _as_rows(X - Y)
    N = diff.shape[0]
    if dDist.shape != (N,):
        raise ShapeError(
            f"SquaredL2DistanceGradient: dDist {shape_str(dDist)} must be 1-D of length N={N} "
            "(one gradient per row)."
        )
    dX = (diff * dDist[:, None]).reshape(X.shape)
    return dX, -dX


# ---- AveragedLoss --------------------------------------------------------------------


def _averaged_loss_grad(g: GradientContext):
    return [g.op("AveragedLossGradient", [g.I(0), g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("AveragedLoss", grad=_averaged_loss_grad)
def averaged_loss(X: np.ndarray) -> np.ndarray:
    """Mean of every element: ``loss = Σ x / x.size``.

    X: any shape, float → loss: 0-d scalar of X's dtype. An empty X (a batch of 0) gives
    0.0, as in Caffe2 (the sum of no values, not divided by zero).
    """
    require_float("AveragedLoss", "X", X)
    if X.size == 0:
        return np.zeros((), dtype=X.dtype)
    return np.asarray(X.sum(dtype=X.dtype) / X.dtype.type(X.size), dtype=X.dtype)


@register_op("AveragedLossGradient")
def averaged_loss_gradient(X: np.ndarray, dLoss: np.ndarray) -> np.ndarray:
    """``dX = dLoss / X.size`` everywhere. X: any shape; dLoss: one value → dX like X."""
    if np.size(dLoss) != 1:
        raise ShapeError(
            f"AveragedLossGradient: dLoss {shape_str(dLoss)} must hold a single value "
            "(the gradient of a scalar loss)."
        )
    dtype = _float_dtype(X, dLoss)
    value = dtype.type(dLoss.reshape(())) / dtype.type(max(X.size, 1))
    return np.full(X.shape, value, dtype=dtype)


# ---- LabelCrossEntropy ---------------------------------------------------------------


def _label_xent_grad(g: GradientContext):
    op = g.op("LabelCrossEntropyGradient", [g.I(0), g.I(1), g.GO(0)], [g.GI(0)])
    return [op], [g.GI(0), None]


@register_op("LabelCrossEntropy", grad=_label_xent_grad)
def label_cross_entropy(X: np.ndarray, label: np.ndarray) -> np.ndarray:
    """Negative log-probability of each sample's label: ``Y_i = −log(max(X[i, label_i], 1e-20))``.

    X: probabilities ``[N, D]`` (1-D means N = 1), float; label: int32 (int64 accepted)
    ``(N,)`` or ``(N, 1)``, each in [0, D) → Y: ``(N,)``, X's dtype. Only X gets a
    gradient.
    """
    require_float("LabelCrossEntropy", "X", X)
    N, D = _matrix("LabelCrossEntropy", X)
    lab = _labels("LabelCrossEntropy", label, N, D)
    picked = X.reshape(N, D)[np.arange(N), lab]
    return -np.log(np.maximum(picked, X.dtype.type(LOG_THRESHOLD)))


@register_op("LabelCrossEntropyGradient")
def label_cross_entropy_gradient(X: np.ndarray, label: np.ndarray, dY: np.ndarray) -> np.ndarray:
    """``dX[i, label_i] = −dY_i / max(X[i, label_i], 1e-20)``, every other entry 0.

    X ``[N, D]``, label ``(N,)``, dY ``(N,)`` → dX like X.
    """
    N, D = _matrix("LabelCrossEntropyGradient", X)
    lab = _labels("LabelCrossEntropyGradient", label, N, D)
    if dY.shape != (N,):
        raise ShapeError(
            f"LabelCrossEntropyGradient: dY {shape_str(dY)} must be 1-D of length N={N}."
        )
    dtype = _float_dtype(X, dY)
    rows = np.arange(N)
    picked = np.maximum(X.reshape(N, D)[rows, lab], X.dtype.type(LOG_THRESHOLD))
    dX = np.zeros((N, D), dtype=dtype)
    dX[rows, lab] = -dY / picked
    return dX.reshape(X.shape)


# ---- CrossEntropy --------------------------------------------------------------------


def _xent_grad(g: GradientContext):
    op = g.op("CrossEntropyGradient", [g.I(0), g.I(1), g.GO(0)], [g.GI(0)])
    return [op], [g.GI(0), None]


def _check_soft_targets(op: str, X: np.ndarray, T: np.ndarray) -> tuple[int, int]:
    require_float(op, "X", X)
    require_float(op, "T", T)
    N, D = _matrix(op, X)
    if T.shape != X.shape:
        raise ShapeError(
            f"{op}: X {shape_str(X)} and target distribution T {shape_str(T)} must have the "
            "same shape (one probability per class and sample).",
            hint="for integer class labels use LabelCrossEntropy instead.",
        )
    return N, D


@register_op("CrossEntropy", grad=_xent_grad)
def cross_entropy(X: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Cross entropy against a target distribution: ``Y_i = −Σ_j T_ij · log(max(X_ij, 1e-20))``.

    X: probabilities ``[N, D]`` (1-D means N = 1), float; T: same shape, float → Y:
    ``(N,)``. Only X gets a gradient.
    """
    N, D = _check_soft_targets("CrossEntropy", X, T)
    logx = np.log(np.maximum(X, X.dtype.type(LOG_THRESHOLD))).reshape(N, D)
    return -(T.reshape(N, D) * logx).sum(axis=1)


@register_op("CrossEntropyGradient")
def cross_entropy_gradient(X: np.ndarray, T: np.ndarray, dY: np.ndarray) -> np.ndarray:
    """``dX_ij = −dY_i · T_ij / max(X_ij, 1e-20)``. X, T ``[N, D]``, dY ``(N,)`` → dX like X."""
    N, D = _check_soft_targets("CrossEntropyGradient", X, T)
    if dY.shape != (N,):
        raise ShapeError(f"CrossEntropyGradient: dY {shape_str(dY)} must be 1-D of length N={N}.")
    clipped = np.maximum(X, X.dtype.type(LOG_THRESHOLD)).reshape(N, D)
    return (-dY[:, None] * T.reshape(N, D) / clipped).reshape(X.shape)


# ---- SoftmaxWithLoss -----------------------------------------------------------------


def _axis_rows(op: str, X: np.ndarray, axis: int) -> tuple[int, int, int]:
    """``(N, D, axis)`` viewing X as ``[prod(shape[:axis]), prod(shape[axis:])]``."""
    if not -X.ndim <= axis < X.ndim:
        raise ShapeError(
            f"{op}: axis={axis} is out of range for logits {shape_str(X)} ({X.ndim}-D).",
            hint="logits are [N, D] with axis=1 marking where the class dimensions start.",
        )
    axis %= X.ndim
    N = math.prod(X.shape[:axis])
    D = math.prod(X.shape[axis:])
    return N, D, axis


def _swl_targets(op: str, X: np.ndarray, T: np.ndarray, label_prob: int, axis: int):
    """Check the logits, labels and mode; return ``(N, D, labels-or-T as [N] / [N, D])``."""
    require_float(op, "logits", X)
    N, D, axis = _axis_rows(op, X, axis)
    if label_prob:
        require_float(op, "labels (label_prob=1)", T)
        if T.shape not in (X.shape, (N, D)):
            raise ShapeError(
                f"{op}: with label_prob=1 the labels are a distribution shaped like the "
                f"logits {shape_str(X)}, got {shape_str(T)}.",
                hint="give one probability per class and sample, or use label_prob=0 with "
                "integer class indices.",
            )
        t2 = T.reshape(N, D)
        if N and D and (t2.min() < 0 or np.abs(t2.sum(axis=1) - 1).max() > 1e-5):
            raise ShapeError(
                f"{op}: with label_prob=1 each row of labels must be a probability "
                "distribution (entries ≥ 0, summing to 1 within 1e-5).",
                hint="normalise the targets, e.g. T / T.sum(axis=1, keepdims=True).",
            )
        return N, D, t2
    return N, D, _labels(op, T, N, D, extra_shapes=[X.shape[:axis]])


def _swl_weights(op: str, weight: np.ndarray | None, N: int) -> np.ndarray | None:
    if weight is None:
        return None
    require_float(op, "weight", weight)
    if weight.size != N or weight.ndim > 2:
        raise ShapeError(
            f"{op}: weight {shape_str(weight)} must hold one weight per sample (N={N}).",
            hint=f"give a float array of shape [{N}].",
        )
    return weight.reshape(N)


def _check_scale(op: str, scale: float) -> None:
    if scale < 0:
        raise ShapeError(f"{op}: scale={scale} must be ≥ 0.")


def _swl_grad(g: GradientContext):
    n_in = len(g.forward.input)
    names = [g.I(0), g.I(1)] + ([g.I(2)] if n_in == 3 else []) + [g.O(0), g.GO(1)]
    op = g.op("SoftmaxWithLossGradient", names, [g.GI(0)])
    return [op], [g.GI(0)] + [None] * (n_in - 1)


@register_op("SoftmaxWithLoss", outputs=2, grad=_swl_grad)
def softmax_with_loss(
    logits: np.ndarray,
    labels: np.ndarray,
    weight: np.ndarray | None = None,
    *,
    scale: float = 1.0,
    label_prob: int = 0,
    axis: int = 1,
):
    """Softmax followed by the averaged cross-entropy loss, computed together for stability.

    logits are viewed as ``[N, D]`` (``N = prod(shape[:axis])``); ``weight`` is an
    optional float ``(N,)`` of per-sample weights ``w_i`` (default all 1). Outputs
    ``(P, avg_loss)``: P = softmax(logits), logits' shape; avg_loss a 0-d scalar.

    * ``label_prob=0``: labels are int32 class indices ``(N,)`` or ``(N, 1)`` in [0, D);
      ``avg_loss = scale · Σ_i w_i · (−log P[i, label_i]) / Σ_i w_i``, with log P taken
      from the log-softmax ``x − max − log Σ exp(x − max)`` (no overflow or log 0).
    * ``label_prob=1``: labels T are ``[N, D]`` distributions (≥ 0, rows sum to 1);
      ``avg_loss = scale · Σ_i w_i · Σ_j −T_ij · log(max(P_ij, 1e-20)) / Σ_i w_i``.

    The loss is 0 when the weights sum to 0; ``scale`` must be ≥ 0. Only the logits get
    a gradient, and only through avg_loss (P carries none).
    """
    op = "SoftmaxWithLoss"
    _check_scale(op, scale)
    N, D, targets = _swl_targets(op, logits, labels, label_prob, axis)
    w = _swl_weights(op, weight, N)
    x2 = logits.reshape(N, D)
    P = softmax_rows(x2).reshape(logits.shape)
    dtype = _float_dtype(logits, *([w] if w is not None else []))
    if N == 0 or D == 0:
        return P, np.zeros((), dtype=dtype)
    shifted = x2 - x2.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    if label_prob:
        floor = np.log(x2.dtype.type(LOG_THRESHOLD))
        per_sample = -(targets * np.maximum(log_p, floor)).sum(axis=1)
    else:
        per_sample = -log_p[np.arange(N), targets]
    if w is None:
        total, weighted = N, per_sample.sum()
    else:
        total, weighted = w.sum(), (w * per_sample).sum()
    loss = scale * weighted / total if total != 0 else 0.0
    return P, np.asarray(loss, dtype=dtype)


@register_op("SoftmaxWithLossGradient", inputs=(4, 5))
def softmax_with_loss_gradient(
    X: np.ndarray,
    T: np.ndarray,
    *rest: np.ndarray,
    scale: float = 1.0,
    label_prob: int = 0,
    axis: int = 1,
) -> np.ndarray:
    """Gradient of SoftmaxWithLoss's avg_loss with respect to the logits.

    Inputs ``(X, T, [w,] P, d_avg_loss)``: ``dX_i = (P_i − onehot(T_i)) · w_i · scale ·
    d_avg_loss / Σ w`` (``P_i − T_i`` when ``label_prob=1``; ``w_i = 1`` and ``Σ w = N``
    without weights; all zeros when ``Σ w = 0``). dX has X's shape.
    """
    op = "SoftmaxWithLossGradient"
    w_in, P, d_loss = (rest[0], rest[1], rest[2]) if len(rest) == 3 else (None, *rest)
    _check_scale(op, scale)
    N, D, targets = _swl_targets(op, X, T, label_prob, axis)
    w = _swl_weights(op, w_in, N)
    if P.shape != X.shape:
        raise ShapeError(f"{op}: P {shape_str(P)} must be shaped like the logits {shape_str(X)}.")
    if np.size(d_loss) != 1:
        raise ShapeError(f"{op}: d_avg_loss {shape_str(d_loss)} must hold a single value.")
    dtype = _float_dtype(X, P, d_loss, *([w] if w is not None else []))
    dX = P.reshape(N, D).astype(dtype, copy=True)
    if label_prob:
        dX -= targets
    else:
        dX[np.arange(N), targets] -= 1
    total = N if w is None else w.sum()
    if total == 0:
        return np.zeros(X.shape, dtype=dtype)
    if w is not None:
        dX *= w[:, None]
    dX *= scale * np.reshape(d_loss, ()) / total
    return dX.reshape(X.shape)


# ---- Accuracy ------------------------------------------------------------------------


@register_op("Accuracy", grad=SHOULD_NOT_DO_GRADIENT)
def accuracy(predictions: np.ndarray, labels: np.ndarray, *, top_k: int = 1) -> np.ndarray:
    """Fraction of samples whose label is among the ``top_k`` highest-scoring classes.

    predictions: ``[N, D]`` float scores; labels: int32 ``(N,)`` in [0, D) → 0-d float32.
    Sample i is correct when fewer than ``top_k`` classes rank above its label; class j
    ranks above label l when its score is greater, or equal with ``j < l`` (ties go to
    the smaller index, as a stable sort would). Not differentiable.
    """
    op = "Accuracy"
    require_float(op, "predictions", predictions)
    if predictions.ndim != 2:
        raise ShapeError(
            f"{op}: predictions {shape_str(predictions)} must be 2-D [N, D] (samples × classes)."
        )
    N, D = predictions.shape
    if not 1 <= top_k <= D:
        raise ShapeError(
            f"{op}: top_k={top_k} must lie between 1 and the number of classes D={D}."
        )
    lab = _labels(op, labels, N, D)
    if N == 0:
        raise ShapeError(f"{op}: predictions {shape_str(predictions)} hold no samples.")
    rows = np.arange(N)
    own = predictions[rows, lab][:, None]
    smaller_index = np.arange(D)[None, :] < lab[:, None]
    above = (predictions > own) | ((predictions == own) & smaller_index)
    correct = above.sum(axis=1) < top_k
    return np.asarray(correct.mean(), dtype=np.float32)


# =========================================================================================
# Distances, sigmoid cross-entropy and classification helpers: L1Distance, DotProduct,
# CosineSimilarity, SigmoidCrossEntropyWithLogits, MakeTwoClass, ArgMax, OneHot.
# =========================================================================================


def _same_rows(op: str, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """X and Y (float, identical shapes) as ``[N, D]`` rows."""
    require_float(op, "X", X)
    require_float(op, "Y", Y)
    if X.shape != Y.shape:
        raise ShapeError(
            f"{op}: X {shape_str(X)} and Y {shape_str(Y)} must have identical shapes "
            "(the op compares row i of X with row i of Y).",
            hint="reshape one of them so the two match.",
        )
    return _as_rows(X), _as_rows(Y)


def _row_grads(op: str, X: np.ndarray, dOut: np.ndarray) -> np.ndarray:
    N = _as_rows(X).shape[0]
    if dOut.shape != (N,):
        raise ShapeError(f"{op}: dY {shape_str(dOut)} must be 1-D of length N={N}.",
                         hint="dY is the gradient of the per-row output, one entry per row.")
    return dOut[:, None]


def _pair_grad(grad_type: str):
    def maker(g: GradientContext):
        names = [g.GI(0), g.GI(1)]
        return [g.op(grad_type, [g.I(0), g.I(1), g.GO(0)], names)], names

    return maker


# ---- L1Distance --------------------------------------------------------------------------

#: Differences smaller than this count as zero in L1Distance's gradient (as in Caffe2).
L1_EPS = 1e-12


@register_op("L1Distance", grad=_pair_grad("L1DistanceGradient"))
def l1_distance(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Row-wise L1 distance ``dist_i = Σ_j |x_ij − y_ij|``.

    X, Y: identical float shapes, rows taken along axis 0 (a 1-D X has one number per
    row) → dist ``(N,)``. Gradient: ``L1DistanceGradient(X, Y, dDist) -> (dX, dY)`` with
    ``dX = dDist · sign(x − y)`` (0 where ``|x − y| <= 1e-12``) and ``dY = −dX``.
    """
    x, y = _same_rows("L1Distance", X, Y)
    return np.abs(x - y).sum(axis=1)


@register_op("L1DistanceGradient", outputs=2)
def l1_distance_gradient(X: np.ndarray, Y: np.ndarray, dDist: np.ndarray):
    """``dX = dDist · sign(X − Y)`` row by row, ``dY = −dX``; shapes of X and Y."""
    x, y = _same_rows("L1DistanceGradient", X, Y)
    g = _row_grads("L1DistanceGradient", X, dDist)
    diff = x - y
    sign = (diff > L1_EPS).astype(diff.dtype) - (diff < -L1_EPS).astype(diff.dtype)
    dX = (g * sign).reshape(X.shape)
    return dX, -dX


# ---- DotProduct --------------------------------------------------------------------------


@register_op("DotProduct", grad=_pair_grad("DotProductGradient"))
def dot_product(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Row-wise dot product ``Z_i = Σ_j x_ij · y_ij``.

    X, Y: identical float shapes (rows along axis 0) → Z ``(N,)``.
    Gradient: ``DotProductGradient(X, Y, dZ) -> (dX, dY)`` with ``dX = dZ · Y``,
    ``dY = dZ · X`` (row by row).
    """
    x, y = _same_rows("DotProduct", X, Y)
    return np.einsum("ij,ij->i", x, y)


@register_op("DotProductGradient", outputs=2)
def dot_product_gradient(X: np.ndarray, Y: np.ndarray, dZ: np.ndarray):
    """``dX = dZ · Y``, ``dY = dZ · X`` row by row; shapes of X and Y."""
    x, y = _same_rows("DotProductGradient", X, Y)
    g = _row_grads("DotProductGradient", X, dZ)
    return (g * y).reshape(X.shape), (g * x).reshape(Y.shape)


# ---- CosineSimilarity ----------------------------------------------------------------------

#: Squared norms are raised to at least this before the square root (as in Caffe2).
COSINE_EPS = 1e-12


def _norms(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    eps = x.dtype.type(COSINE_EPS)
    return (np.sqrt(np.maximum(np.einsum("ij,ij->i", x, x), eps)),
            np.sqrt(np.maximum(np.einsum("ij,ij->i", y, y), eps)))


@register_op("CosineSimilarity", grad=_pair_grad("CosineSimilarityGradient"))
def cosine_similarity(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Row-wise cosine ``Z_i = x_i·y_i / (‖x_i‖ ‖y_i‖)``, in [−1, 1].

    X, Y: identical float shapes (rows along axis 0) → Z ``(N,)``. Each squared norm is
    raised to at least 1e-12 first, so a zero row gives 0, not a division by zero.
    Gradient: ``CosineSimilarityGradient(X, Y, dZ) -> (dX, dY)`` with
    ``dX = dZ · (y / (‖x‖‖y‖) − Z · x / ‖x‖²)`` and the same with x and y swapped.
    """
    x, y = _same_rows("CosineSimilarity", X, Y)
    nx, ny = _norms(x, y)
    return np.einsum("ij,ij->i", x, y) / (nx * ny)


@register_op("CosineSimilarityGradient", outputs=2)
def cosine_similarity_gradient(X: np.ndarray, Y: np.ndarray, dZ: np.ndarray):
    """``dX = dZ · (y/(‖x‖‖y‖) − Z·x/‖x‖²)``, ``dY = dZ · (x/(‖x‖‖y‖) − Z·y/‖y‖²)``."""
    x, y = _same_rows("CosineSimilarityGradient", X, Y)
    g = _row_grads("CosineSimilarityGradient", X, dZ)
    nx, ny = _norms(x, y)
    z = (np.einsum("ij,ij->i", x, y) / (nx * ny))[:, None]
    nx, ny = nx[:, None], ny[:, None]
    dX = g * (y / (nx * ny) - z * x / (nx * nx))
    dY = g * (x / (nx * ny) - z * y / (ny * ny))
    return dX.reshape(X.shape), dY.reshape(Y.shape)


# ---- SigmoidCrossEntropyWithLogits ----------------------------------------------------------


def _log_sigmoid(x: np.ndarray) -> np.ndarray:
    """``log σ(x) = −log(1 + e^(−x))``, without overflow."""
    return -np.logaddexp(x.dtype.type(0), -x)


def _sigmoid_xent_terms(x: np.ndarray, t: np.ndarray, log_D_trick: int,  # noqa: N803
                        unjoined_lr_loss: int) -> np.ndarray:
    """The per-element log-likelihood whose negated mean is the loss."""
    if log_D_trick:
        return (2 * t - 1) * _log_sigmoid(x)
    if unjoined_lr_loss:
        pos = (x >= 0).astype(x.dtype)
        return x * t + (t - 1) * x * pos - (1 - t) * np.log1p(np.exp(x - 2 * x * pos))
    return t * _log_sigmoid(x) + (1 - t) * _log_sigmoid(-x)


def _sigmoid_xent_grad(g: GradientContext):
    op = g.op("SigmoidCrossEntropyWithLogitsGradient", [g.GO(0), g.I(0), g.I(1)], [g.GI(0)])
    return [op], [g.GI(0), None]


def _check_xent_args(values: dict) -> str | None:
    if values["log_D_trick"] and values["unjoined_lr_loss"]:
        return "log_D_trick and unjoined_lr_loss cannot both be set (as in Caffe2)."
    return None


@register_op("SigmoidCrossEntropyWithLogits", grad=_sigmoid_xent_grad,
             check_args=_check_xent_args)
def sigmoid_cross_entropy_with_logits(
    logits: np.ndarray, targets: np.ndarray, *, log_D_trick: int = 0,  # noqa: N803
    unjoined_lr_loss: int = 0,
) -> np.ndarray:
    """Binary cross-entropy of ``σ(logits)`` against ``targets`` in [0, 1], averaged over
    the last axis.

    Per element, with ``p = σ(x)``: ``ℓ = −(t·log p + (1 − t)·log(1 − p))``, computed from
    x without overflow. logits, targets: identical shapes ``[..., D]`` → loss
    ``[...]`` (the mean of ℓ over the last axis; a 1-D input gives a 0-d loss).
    ``log_D_trick=1`` uses ``−(2t − 1)·log p`` (the GAN "log D trick");
    ``unjoined_lr_loss=1`` Caffe2's unjoined logistic loss
    ``−(x·t + (t − 1)·x·[x ≥ 0] − (1 − t)·log(1 + exp(x − 2x·[x ≥ 0])))``.
    Gradient: ``SigmoidCrossEntropyWithLogitsGradient(dLoss, logits, targets) -> dLogits``
    (plain form: ``(σ(x) − t) · dLoss / D``); targets get none.
    """
    op = "SigmoidCrossEntropyWithLogits"
    require_float(op, "logits", logits)
    require_float(op, "targets", targets)
    if logits.shape != targets.shape or logits.ndim == 0:
        raise ShapeError(
            f"{op}: logits {shape_str(logits)} and targets {shape_str(targets)} must have "
            "identical shapes with at least one dimension.",
            hint="one target probability per logit, e.g. both [N, D].",
        )
    terms = _sigmoid_xent_terms(logits, targets, log_D_trick, unjoined_lr_loss)
    return np.asarray(-terms.mean(axis=-1))


@register_op("SigmoidCrossEntropyWithLogitsGradient")
def sigmoid_cross_entropy_with_logits_gradient(
    dLoss: np.ndarray, logits: np.ndarray, targets: np.ndarray, *,  # noqa: N803
    log_D_trick: int = 0, unjoined_lr_loss: int = 0,  # noqa: N803
) -> np.ndarray:
    """``dLogits = −dLoss · ∂(per-element log-likelihood)/∂x / D``; logits' shape.

    Plain: ``(σ(x) − t) · dLoss / D``; log D trick: ``−(2t − 1)(1 − σ(x)) · dLoss / D``;
    unjoined: ``−(t − (1 − t)·σ(x)) · dLoss / D`` (the same on both sides of 0).
    """
    x, t = logits, targets
    D = x.shape[-1]
    e = np.exp(-np.abs(x))
    p = np.where(x >= 0, 1 / (1 + e), e / (1 + e))  # σ(x) without overflow
    if log_D_trick:
        d_terms = (2 * t - 1) * (1 - p)
    elif unjoined_lr_loss:
        d_terms = t - (1 - t) * p
    else:
        d_terms = t - p
    g = np.asarray(dLoss)[..., None]
    return (-g * d_terms / x.dtype.type(D)).astype(np.result_type(dLoss, x), copy=False)


# ---- MakeTwoClass ---------------------------------------------------------------------------


def _make_two_class_grad(g: GradientContext):
    return [g.op("MakeTwoClassGradient", [g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("MakeTwoClass", grad=_make_two_class_grad)
def make_two_class(X: np.ndarray) -> np.ndarray:
    """Turn probabilities p of the positive class into two-class rows ``[1 − p, p]``.

    X: any float shape, values in [0, 1] → Y ``X.shape + [2]``. Handy before
    ``LabelCrossEntropy`` or ``Accuracy`` on a sigmoid output.
    Gradient: ``MakeTwoClassGradient(dY) -> dX`` with ``dX = dY[..., 1] − dY[..., 0]``.
    """
    require_float("MakeTwoClass", "X", X)
    bad = np.flatnonzero((X < 0) | (X > 1))
    if bad.size:
        raise ShapeError(
            f"MakeTwoClass: X holds {X.reshape(-1)[bad[0]]}, outside [0, 1]; its entries "
            "are probabilities.",
            hint="apply Sigmoid first to turn scores into probabilities.",
        )
    return np.stack([1 - X, X], axis=-1)


@register_op("MakeTwoClassGradient")
def make_two_class_gradient(dY: np.ndarray) -> np.ndarray:
    """``dX = dY[..., 1] − dY[..., 0]``: dY ``[..., 2]`` → dX ``[...]``."""
    if dY.ndim == 0 or dY.shape[-1] != 2:
        raise ShapeError(f"MakeTwoClassGradient: dY {shape_str(dY)} must end in 2.")
    return dY[..., 1] - dY[..., 0]


# ---- ArgMax / OneHot ----------------------------------------------------------------------


@register_op("ArgMax", grad=SHOULD_NOT_DO_GRADIENT)
def arg_max(X: np.ndarray, *, axis: int = -1, keepdims: int = 1) -> np.ndarray:
    """Index of the largest entry along ``axis`` (the first one on a tie), as int64.

    X ``[2, 3, 4]``, ``axis=-1`` → ``[2, 3, 1]`` (``keepdims=1``, Caffe2's default) or
    ``[2, 3]`` (``keepdims=0``). Not differentiable (an index has no gradient).
    """
    if X.ndim == 0 or not -X.ndim <= axis < X.ndim:
        raise ShapeError(f"ArgMax: axis {axis} is out of range for X {shape_str(X)}.",
                         hint=f"axis must lie in [{-max(X.ndim, 1)}, {max(X.ndim - 1, 0)}].")
    out = np.argmax(X, axis=axis)
    if keepdims:
        out = np.expand_dims(out, axis)
    return np.asarray(out, dtype=np.int64)


@register_op("OneHot", grad=NO_GRADIENT)
def one_hot(indices: np.ndarray, index_size_tensor: np.ndarray) -> np.ndarray:
    """One row per index with a single 1.0: ``Y[i, indices[i]] = 1``.

    indices: 1-D ints ``(N,)`` in ``[0, K)``; index_size_tensor: one int K →
    Y float32 ``[N, K]``. Example: indices ``[0, 2]``, K = 3 → ``[[1, 0, 0], [0, 0, 1]]``.
    No gradient (indices are not differentiable).
    """
    if indices.ndim != 1 or not np.issubdtype(indices.dtype, np.integer):
        raise ShapeError(f"OneHot: indices must be a 1-D int array, got {shape_str(indices)}.",
                         hint="feed np.array([...], dtype=np.int64).")
    if index_size_tensor.size != 1 or not np.issubdtype(index_size_tensor.dtype, np.integer):
        raise ShapeError(
            f"OneHot: index_size_tensor must hold one int, got {shape_str(index_size_tensor)}.",
            hint="feed np.array(K, dtype=np.int64).")
    K = int(index_size_tensor.reshape(()))
    bad = np.flatnonzero((indices < 0) | (indices >= K))
    if bad.size:
        raise ShapeError(f"OneHot: index {int(indices[bad[0]])} is outside [0, {K}).",
                         hint="every index must be smaller than index_size_tensor.")
    out = np.zeros((indices.shape[0], K), dtype=np.float32)
    out[np.arange(indices.shape[0]), indices] = 1.0
    return out
