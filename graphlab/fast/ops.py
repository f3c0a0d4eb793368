"""The compiled forms of the ops on the seed's hot path, for nets made by ``CreateNet``.

Every op runs correctly through its plain kernel (in ``graphlab/ops/``); the forms here
exist only for speed, and only these ops have them: FC, FCGradient, Add, StopGradient,
SquaredL2Distance(+Gradient), AveragedLoss(+Gradient), GaussianFill, ConstantFill, Iter,
LearningRate and WeightedSum. An op without one runs its plain kernel in a created net
too, checked on every run (see :mod:`graphlab.fast.compiled` for the rules a compiled form
follows). Each form below checks a new input layout with the plain kernel, then, while
the layout stays the same, repeats the same arithmetic without the checks, giving
bit-identical results (``tests/test_contract.py`` holds them to it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..ops.fill import constant_fill, gaussian_draw, gaussian_fill
from ..ops.loss import (
    averaged_loss,
    averaged_loss_gradient,
    squared_l2_distance,
    squared_l2_distance_gradient,
)
from ..ops.math import add, stop_gradient
from ..ops.nn import fc, fc_gradient
from ..ops.train import COUNTER_DTYPES, iter_op, learning_rate, weighted_sum
from .compiled import OutBuffer, compiles, with_trusted

__all__: list[str] = []  # importing this module registers the compiled forms

# ---- FC, FCGradient (graphlab.ops.nn) --------------------------------------------------


@compiles("FC")
def _fc_compiled(args: dict, needed: tuple[bool, ...]):
    """FC for a created net: the plain kernel checks each new input layout (shapes and
    dtypes); while the layout stays the same, 2-D ``X·Wᵀ + b`` is computed without the
    checks (``ndarray.dot`` costs a third of ``@`` on small matrices and gives the same
    BLAS result)."""
    plain = fc
    if args["axis"] != 1 or args["axis_w"] != 1:
        return lambda X, W, b: plain(X, W, b, **args)
    seen: list = [None]  # the layout the plain kernel last accepted

    def run(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
        # strides too: BLAS may sum in another order for non-contiguous matrices
        key = (X.shape, W.shape, b.shape, X.dtype, W.dtype, b.dtype, X.strides, W.strides)
        if key != seen[0]:
            y = plain(X, W, b, **args)
            contiguous = X.flags.c_contiguous and W.flags.c_contiguous
            seen[0] = key if X.ndim == 2 and W.ndim == 2 and contiguous else None
            return y
        return trusted(X, W, b)  # the layout it last accepted: the same arithmetic

    def trusted(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
        if seen[0] is None:
            return plain(X, W, b, **args)
        y = X.dot(W.T)
        y += b
        return y

    return with_trusted(run, trusted)


@compiles("FCGradient")
def _fc_gradient_compiled(args: dict, needed: tuple[bool, ...]):
    """FCGradient for a created net: checks as :func:`_fc_compiled` does, and skips
    ``dX`` when nothing reads it (``needed[2]`` False: X is data)."""
    plain = fc_gradient
    if args["axis"] != 1 or args["axis_w"] != 1:
        return lambda X, W, dY: plain(X, W, dY, **args)
    want_dx = needed[2]
    seen: list = [None]
    column_sum = np.add.reduce

    def run(X: np.ndarray, W: np.ndarray, dY: np.ndarray):
        key = (X.shape, W.shape, dY.shape, X.dtype, W.dtype, dY.dtype, X.strides, W.strides,
               dY.strides)
        if key != seen[0]:
            # the matrices must chain: X [M, K], W [N, K], dY [M, N] (the plain kernel
            # raises NumPy's error otherwise); an unread dX is skipped from the first run.
            # Only C-contiguous matrices: BLAS may sum in another order for others.
            chain = X.ndim == W.ndim == dY.ndim == 2 and dY.shape == (X.shape[0], W.shape[0])
            contiguous = all(a.flags.c_contiguous for a in (X, W, dY))
            if not (chain and contiguous and X.shape[1] == W.shape[1]):
                seen[0] = None
                return plain(X, W, dY, **args)
            seen[0] = key
        return trusted(X, W, dY)

    def trusted(X: np.ndarray, W: np.ndarray, dY: np.ndarray):
        if seen[0] is None:
            return plain(X, W, dY, **args)
        return dY.T.dot(X), column_sum(dY, 0), (dY.dot(W) if want_dx else None)

    return with_trusted(run, trusted)


# ---- Add (graphlab.ops.math) -----------------------------------------------------------


@compiles("Add")
def _add_compiled(args: dict[str, Any], needed: tuple[bool, ...]) -> Callable[..., Any]:
    """Add in a created net: the trusted form adds two arrays of the same shape and
    dtype (the seed's ``Y_gt + noise``) without looking at them again."""
    plain_args = {k: v for k, v in args.items() if k in ("broadcast", "axis")}
    plain = add
    same: list[bool] = [False]  # did the last call add equal layouts directly?

    def run(A: np.ndarray, B: np.ndarray) -> np.ndarray:
        C = plain(A, B, **plain_args)
        same[0] = (not plain_args["broadcast"] and plain_args["axis"] == -1
                   and A.shape == B.shape and A.dtype is B.dtype)
        return C

    def trusted(A: np.ndarray, B: np.ndarray) -> np.ndarray:
        return np.add(A, B) if same[0] else plain(A, B, **plain_args)

    return with_trusted(run, trusted)


@compiles("StopGradient")
def _stop_gradient_compiled(args: dict[str, Any], needed: tuple[bool, ...]) -> Callable[..., Any]:
    """StopGradient's plain kernel (``Y = X``, the very same array) as its own trusted
    form: its output is its input, so a trusted run need not check the output's layout as
    it does after an op that runs its plain kernel (see ``Plan.guarded``)."""
    return with_trusted(stop_gradient, stop_gradient)


# ---- losses (graphlab.ops.loss) --------------------------------------------------------
# Each checks a new input layout (shapes, dtypes) with the plain kernel above, then, while
# the layout stays the same, repeats the same arithmetic without the checks. The distance
# ops take the short road only for one column ([N, 1], the seed's predictions), where each
# row's sum has a single term.


@compiles("SquaredL2Distance")
def _sq_l2_compiled(args: dict, needed: tuple[bool, ...]):
    plain = squared_l2_distance
    seen: list = [None, None]  # [layout, ½ in the output dtype]

    def run(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        key = (X.shape, Y.shape, X.dtype, Y.dtype)
        if key != seen[0]:
            dist = plain(X, Y)
            ok = X.ndim == 2 and X.shape[1] == 1
            seen[:] = [key, np.array(0.5, dist.dtype)] if ok else [None, None]
            return dist
        return trusted(X, Y)  # the layout it last accepted: the same arithmetic

    def trusted(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        if seen[0] is None:
            return plain(X, Y)
        d = (X - Y).reshape(len(X))
        d *= d
        d *= seen[1]
        return d

    return with_trusted(run, trusted)


@compiles("SquaredL2DistanceGradient")
def _sq_l2_gradient_compiled(args: dict, needed: tuple[bool, ...]):
    plain = squared_l2_distance_gradient
    want_dx = needed[0]
    seen: list = [None]

    def run(X: np.ndarray, Y: np.ndarray, dDist: np.ndarray):
        key = (X.shape, Y.shape, dDist.shape, X.dtype, Y.dtype, dDist.dtype)
        if key != seen[0]:
            dX, dY = plain(X, Y, dDist)
            one_dtype = X.dtype == Y.dtype == dDist.dtype
            seen[0] = key if one_dtype and X.ndim == 2 and X.shape[1] == 1 else None
            return dX, dY
        return trusted(X, Y, dDist)

    def trusted(X: np.ndarray, Y: np.ndarray, dDist: np.ndarray):
        if seen[0] is None:
            return plain(X, Y, dDist)
        # (Y - X)·d is exactly −((X - Y)·d): IEEE subtraction and products are symmetric
        dY = Y - X
        dY *= dDist[:, None]
        return (-dY if want_dx else None), dY

    return with_trusted(run, trusted)


@compiles("AveragedLoss")
def _averaged_loss_compiled(args: dict, needed: tuple[bool, ...]):
    plain = averaged_loss
    seen: list = [None, 1.0, None]  # [layout, X.size, 0-d scratch in X's dtype]
    total = np.add.reduce

    def run(X: np.ndarray) -> np.ndarray:
        key = (X.shape, X.dtype)
        if key != seen[0]:
            loss = plain(X)
            ok = X.dtype in (np.float32, np.float64) and X.size > 0  # empty: plain road
            # divide by the size in X's dtype, as the plain kernel does (float32 rounds
            # sizes above 2**24)
            seen[:] = [key if ok else None, float(X.dtype.type(X.size)), np.empty((), X.dtype)]
            return loss
        return trusted(X)

    def trusted(X: np.ndarray) -> np.ndarray:
        if seen[0] is None:
            return plain(X)
        # the sum X.sum(dtype=X.dtype) computes, accumulated in the scratch's dtype; a
        # float32 quotient rounded from the float64 one equals the float32 division
        # (53 >= 2*24 + 2 bits: no double-rounding error)
        return np.array(total(X, None, None, seen[2]).item() / seen[1], X.dtype)

    return with_trusted(run, trusted)


@compiles("AveragedLossGradient")
def _averaged_loss_gradient_compiled(args: dict, needed: tuple[bool, ...]):
    plain = averaged_loss_gradient
    out = OutBuffer()
    seen: list = [None, 1.0]  # [layout, X.size]

    def run(X: np.ndarray, dLoss: np.ndarray) -> np.ndarray:
        key = (X.shape, dLoss.shape, X.dtype, dLoss.dtype)
        if key != seen[0]:
            dX = plain(X, dLoss)
            same = dLoss.dtype == dX.dtype and dLoss.size == 1 and dX.dtype.kind == "f"
            same = same and dX.dtype in (np.float32, np.float64)
            seen[:] = [key if same else None, float(dX.dtype.type(max(X.size, 1)))]
            return dX
        return trusted(X, dLoss)

    def trusted(X: np.ndarray, dLoss: np.ndarray) -> np.ndarray:
        if seen[0] is None:
            return plain(X, dLoss)
        dX = out.get(X.shape, dLoss.dtype)
        # a float32 quotient rounded from the float64 one equals the float32 division
        dX.fill(dLoss.item() / seen[1])
        return dX

    return with_trusted(run, trusted)


# ---- fillers (graphlab.ops.fill) -------------------------------------------------------
# A filler with a fixed shape (no input) and run_once=0 does the same work every run: the
# checks and the shape are settled once here, and each run only draws or copies.


def _static(args: dict[str, Any]) -> bool:
    return not args["run_once"] and not args["extra_shape"] and not args["input_as_shape"]


@compiles("GaussianFill")
def _gaussian_compiled(args: dict[str, Any], needed: tuple[bool, ...]) -> Callable[..., Any]:
    plain_args = dict(args)
    if not _static(args):
        return lambda input=None: gaussian_fill(input, **plain_args)
    # the generator is looked up on each call, never here: an op takes its seed when it
    # first draws, so the ops of a net get their streams in the order they run
    ctx, mean, std = args["ctx"], args["mean"], args["std"]
    fixed_shape = tuple(int(d) for d in args["shape"])

    def run(input: np.ndarray | None = None) -> np.ndarray:
        if input is not None:
            return gaussian_fill(input, **plain_args)
        return gaussian_draw(ctx.rng, fixed_shape, mean, std)

    if mean != 0.0 or std != 1.0:
        return run
    f32 = np.float32
    draw: list[Any] = []  # the generator's standard_normal, once it exists

    def trusted(input: np.ndarray | None = None) -> np.ndarray:
        # N(0, 1): exactly gaussian_draw's draw, one call fewer
        if input is not None:
            return run(input)
        if not draw:
            draw.append(ctx.rng.standard_normal)
        return draw[0](fixed_shape, f32)

    return with_trusted(run, trusted)


@compiles("ConstantFill")
def _constant_compiled(args: dict[str, Any], needed: tuple[bool, ...]) -> Callable[..., Any]:
    """The loss seed ``ConstantFill([loss], value=1.0)`` runs every step: keep one filled
    array per input shape and hand out copies."""
    plain_args = dict(args)
    if not _static(args) or args["shape"]:
        return lambda input=None: constant_fill(input, **plain_args)
    seen: list[Any] = [None, None]  # [input shape, filled template]

    def run(input: np.ndarray | None = None) -> np.ndarray:
        if input is None:
            return constant_fill(input, **plain_args)
        if input.shape != seen[0]:
            out = constant_fill(input, **plain_args)
            seen[:] = [input.shape, out.copy()]
            return out
        return seen[1].copy()

    return run


# ---- training (graphlab.ops.train) -----------------------------------------------------
# Iter, LearningRate and WeightedSum run on every training step. The plain kernel checks
# each new input layout (shapes, dtypes); while the layout stays the same these repeat the
# same arithmetic without the checks, giving bit-identical results.


@compiles("Iter")
def _iter_compiled(args: dict[str, Any], needed: tuple[bool, ...]) -> Callable[..., Any]:
    plain_args = dict(args)
    seen: list[Any] = [None, 0, None]  # [checked (shape, dtype), dtype max, 1 of dtype]

    def run(iter: np.ndarray | None = None) -> np.ndarray:
        if iter is None or type(iter) is not np.ndarray:
            return iter_op(iter, **plain_args)
        if (iter.shape, iter.dtype) != seen[0]:
            out = iter_op(iter, **plain_args)
            # a 0-d counter keeps the plain road (its sum would be a NumPy scalar)
            layout = (iter.shape, iter.dtype) if iter.ndim else None
            seen[:] = [layout, int(np.iinfo(iter.dtype).max), np.ones((), iter.dtype)]
            return out
        return trusted(iter)

    def trusted(iter: np.ndarray) -> np.ndarray:
        value = iter.item()
        if value < 0 or value >= seen[1] or seen[0] is None:
            return iter_op(iter, **plain_args)  # raises the right error (or a 0-d counter)
        return iter + seen[2]  # a same-dtype array: NumPy's quickest addition

    return with_trusted(run, trusted)


_LR_BLOCK = 1024


@compiles("LearningRate")
def _learning_rate_compiled(args: dict[str, Any],
                            needed: tuple[bool, ...]) -> Callable[..., Any]:
    """The rate depends only on the counter, so it is tabulated for blocks of
    ``_LR_BLOCK`` iterations at once (one vectorised schedule call) and looked up."""
    plain_args = dict(args)
    table: list[Any] = [None, 0]  # [float32 rates, first iteration]

    def run(iter: np.ndarray) -> np.ndarray:
        if type(iter) is not np.ndarray or iter.size != 1 or iter.dtype not in COUNTER_DTYPES:
            return learning_rate(iter, **plain_args)
        k = iter.item()
        rates, start = table
        if rates is None or not start <= k < start + _LR_BLOCK:
            first = learning_rate(iter, **plain_args)  # checks and binds the schedule
            if not 0 <= k < 2**62:
                return first
            fn, resolved = plain_args["ctx"].state["schedule"]
            ks = np.arange(k, k + _LR_BLOCK, dtype=np.int64)
            with np.errstate(all="ignore"):
                rates = (args["base_lr"] * np.asarray(fn(ks, **resolved))).astype(np.float32)
            table[:] = [rates, k]
            start = k
        return np.array(rates[k - start])

    def trusted(iter: np.ndarray) -> np.ndarray:
        k = iter.item()
        rates, start = table
        if rates is not None and start <= k < start + _LR_BLOCK:
            return np.array(rates[k - start])
        return run(iter)  # a new block of rates (or a counter out of range)

    return with_trusted(run, trusted)


_NO_PAIR = object()


def _sgd_terms(X0: np.ndarray, w0: np.ndarray, X1: np.ndarray, w1: np.ndarray) -> np.ndarray:
    """``w0·X0 + w1·X1`` for the SGD form (all one dtype, X1 shaped like X0), with the
    same terms and sum as the plain kernel: the weight arrays multiply directly (NumPy's
    quickest product, no Python-float conversion); a weight of exactly 1 skips its
    product (``1·x == x``); ``t1 + t0 == t0 + t1`` exactly."""
    out = X1 * w1
    out += X0 if w0.item() == 1.0 else X0 * w0
    return out


@compiles("WeightedSum")
def _weighted_sum_compiled(args: dict[str, Any],
                           needed: tuple[bool, ...]) -> Callable[..., Any]:
    """Pairs whose arrays and weights all share one float dtype and whose arrays are
    C-contiguous (so the result is laid out as the plain kernel's): weights are read as
    Python floats (NumPy keeps the arrays' dtype), a weight of exactly 1 skips its
    multiply (``1·x == x``)."""
    plain_args = dict(args)
    seen: list[Any] = [None]
    pair: list[Any] = [None]  # the checked layout of the two-pair form

    def run(*xw: np.ndarray) -> np.ndarray:
        if len(xw) == 4:
            return sgd_update(*xw)
        key = [(a.shape, a.dtype, a.strides) for a in xw]
        if key != seen[0]:
            out = weighted_sum(*xw, **plain_args)
            dtypes = [d for _, d, _ in key]
            same = all(d == dtypes[0] for d in dtypes) and out.dtype == dtypes[0]
            same = same and all(a.flags.c_contiguous for a in xw[::2])
            seen[0] = key if same else None
            return out
        shape = xw[0].shape
        terms = []  # (array, is it a fresh array we may write into)
        for k in range(0, len(xw), 2):
            X, w = xw[k], xw[k + 1].item()
            X = X if X.shape == shape else X.reshape(shape)
            terms.append((X, False) if w == 1.0 else (X * w, True))
        if len(terms) > 1 and not terms[0][1] and terms[1][1]:
            terms[0], terms[1] = terms[1], terms[0]  # t0 + t1 == t1 + t0 exactly
        out = terms[0][0] if terms[0][1] else terms[0][0].copy()
        for term, _ in terms[1:]:
            out += term
        return out

    def sgd_update(X0: np.ndarray, w0: np.ndarray, X1: np.ndarray,
                   w1: np.ndarray) -> np.ndarray:
        # W·ONE + g·LR, the SGD step: the same terms and sums as ``run``, with a flat key
        key = (X0.shape, X1.shape, w0.shape, w1.shape, X0.dtype, X1.dtype, w0.dtype, w1.dtype,
               X0.strides, X1.strides)
        if key != pair[0]:
            out = weighted_sum(X0, w0, X1, w1, **plain_args)
            same = X0.dtype == X1.dtype == w0.dtype == w1.dtype == out.dtype
            same = same and X0.flags.c_contiguous and X1.flags.c_contiguous
            # a weight with no more dims than X0 cannot change the product's shape
            fits = X1.shape == X0.shape and max(w0.ndim, w1.ndim) <= X0.ndim
            pair[0] = key if same and fits else None
            return out
        return _sgd_terms(X0, w0, X1, w1)

    def trusted(X0: np.ndarray, w0: np.ndarray, X1: Any = _NO_PAIR, w1: Any = _NO_PAIR,
                *more: np.ndarray) -> np.ndarray:
        # the same arithmetic as sgd_update for the SGD form; any other form as ``run``
        if more or X1 is _NO_PAIR or pair[0] is None:
            return run(X0, w0) if X1 is _NO_PAIR else run(X0, w0, X1, w1, *more)
        return _sgd_terms(X0, w0, X1, w1)

    return with_trusted(run, trusted)
