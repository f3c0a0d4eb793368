"""Training operators: the iteration counter, the learning rate, and parameter updates.

An optimizer in Caffe2 is just more operators in the train net::

    train_net.Iter(ITER, ITER)                                  # ITER ← ITER + 1
    LR = train_net.LearningRate(ITER, "LR", base_lr=-0.1, policy="step",
                                stepsize=20, gamma=0.9)         # 0-d float32
    train_net.WeightedSum([W, ONE, W_grad, LR], W)              # W ← 1·W + LR·W_grad

``MomentumSGDUpdate`` and ``Adam`` fuse a whole update rule into one op. None of these
ops has a gradient except ``WeightedSum`` (whose gradient op is ``WeightedSumGradient``).
As in Caffe2, a backward pass that reaches ``MomentumSGDUpdate``, ``Adam`` or
``CreateMutex`` (a gradient is asked for one of their outputs) is an error; the counters
and ``LearningRate`` just pass no gradient on.
Ops that Caffe2 runs in place (Iter, MomentumSGDUpdate, Adam) must be written in place;
graphlab checks that when the op is created.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np

from .. import schedules
from ..errors import ShapeError
from ..registry import (
    NO_GRADIENT,
    SHOULD_NOT_DO_GRADIENT,
    GradientContext,
    OpContext,
    register_op,
)
from ._util import require_float, shape_str

__all__ = [
    "adagrad",
    "adam",
    "atomic_iter",
    "create_mutex",
    "iter_op",
    "learning_rate",
    "momentum_sgd_update",
    "rms_prop",
    "weighted_sum",
    "weighted_sum_gradient",
]

#: the dtypes an iteration counter may have
COUNTER_DTYPES = (np.dtype(np.int32), np.dtype(np.int64))


def _read_counter(op: str, name: str, counter: Any) -> int:
    """The value of an int32/int64 counter of size 1, with a clear error otherwise."""
    if not isinstance(counter, np.ndarray) or counter.dtype not in COUNTER_DTYPES:
        desc = shape_str(counter) if isinstance(counter, np.ndarray) else type(counter).__name__
        raise ShapeError(
            f"{op}: the iteration counter {name} must be an int32 or int64 array, got {desc}.",
            hint="create it with ConstantFill([], 'ITER', shape=[1], value=0, "
                 "dtype=core.DataType.INT64).",
        )
    if counter.size != 1:
        raise ShapeError(
            f"{op}: the iteration counter {name} must hold exactly one number, got "
            f"{shape_str(counter)}.",
            hint="use shape=[1] when you fill it.",
        )
    return int(counter.reshape(-1)[0])


def _increment(op: str, counter: np.ndarray) -> np.ndarray:
    value = _read_counter(op, "iter", counter)
    if value < 0:
        raise ShapeError(
            f"{op}: previous iteration number is negative ({value}).",
            hint="start the counter at 0 (ConstantFill(..., value=0, dtype=INT64)).",
        )
    if value == np.iinfo(counter.dtype).max:
        raise ShapeError(
            f"{op}: the {counter.dtype} counter would overflow past {value}.",
            hint="use an int64 counter.",
        )
    # np.asarray: arithmetic on a 0-d array gives a NumPy scalar, and a blob is an array
    return np.asarray(counter + counter.dtype.type(1))


# ---- Iter, AtomicIter, CreateMutex --------------------------------------------------------


@register_op("Iter", inputs=(0, 1), enforce_inplace=[(0, 0)], grad=NO_GRADIENT,
             shape_from_values=lambda args, n_inputs: n_inputs == 0)  # reads its output
def iter_op(iter: np.ndarray | None = None, *, ctx: OpContext) -> np.ndarray:
    """Count iterations: ``iter ← iter + 1``, in place (``Iter(ITER, ITER)``).

    ``iter`` is an int32 or int64 array holding one number ≥ 0 (usually shape ``[1]``);
    the result keeps its shape and dtype. Without an input (Caffe2's legacy form) the
    output blob is read from the workspace, and a missing one starts as int64 ``[0]``.

    Caffe2 re-typed the counter to int64 through raw memory (a fresh INT32 0 became an
    int64 1 only because its allocator zero-filled); graphlab keeps the counter's dtype
    and value, and ``LearningRate`` accepts either dtype.
    """
    if iter is None:
        previous = ctx.current_output(0)
        iter = np.zeros((1,), np.int64) if previous is None else previous
    return _increment("Iter", iter)


@register_op("AtomicIter", enforce_inplace=[(1, 0)], grad=NO_GRADIENT)
def atomic_iter(mutex: np.ndarray, iter: np.ndarray) -> np.ndarray:
    """``Iter`` under a mutex: ``AtomicIter([mutex, ITER], [ITER])``; ``iter ← iter + 1``.

    graphlab runs ops one at a time, so the mutex (from ``CreateMutex``) is only checked to
    exist; the counter rules are Iter's (int32/int64, one number ≥ 0, dtype kept).
    """
    return _increment("AtomicIter", iter)


@register_op("CreateMutex", inputs=0, grad=SHOULD_NOT_DO_GRADIENT)
def create_mutex() -> np.ndarray:
    """Make a mutex blob for ``AtomicIter``.

    graphlab is single-threaded, so the "mutex" is a placeholder: a 0-d int8 zero (a
    plain array, so the blob can be fetched, saved and drawn like any other).
    """
    return np.zeros((), np.int8)


# ---- LearningRate ---------------------------------------------------------------------------


def _policy_kwargs(policy: str, values: dict[str, Any]) -> dict[str, Any]:
    """The arguments of ``policy`` among the op's parsed ``values`` (defaults dropped)."""
    names = schedules.policy_args(policy)
    out = {n: values[n] for n in names if values.get(n) is not None}
    if policy == "composite":
        out.update({k: values[k] for k in schedules.composite_arg_names(values)})
    return out


def _check_learning_rate(values: dict[str, Any]) -> str | None:
    """Per policy: no argument the policy does not read (set to other than its default),
    only finite floats; the values themselves via ``schedules.check_policy_args``."""
    policy = values["policy"]
    if policy not in schedules.POLICIES:
        return schedules.unknown_policy_message(policy)
    stray = schedules.composite_arg_names(values)
    if stray and policy != "composite":
        return (f"{stray[0]!r} configures a sub-policy, which only policy='composite' has "
                f"(policy is {policy!r}).")
    reads = ["base_lr", *schedules.policy_args(policy)]
    for name, default in _LR_DEFAULTS.items():
        value = values.get(name, default)
        if name in reads or name == "policy":
            if isinstance(value, float) and not math.isfinite(value):
                return (f"{name}={value} is not a finite number; give policy {policy!r} a "
                        f"finite {name}.")
            continue
        if _differs(value, default):
            users = [p for p in schedules.POLICIES if name in schedules.policy_args(p)]
            return (f"policy {policy!r} does not read {name!r} (you gave {name}={value!r}). "
                    f"It reads: {', '.join(reads)}. Remove {name}, or use a policy that "
                    f"reads it: {', '.join(users)}.")
    try:
        resolved = schedules.policy_args(policy)
        resolved.update(_policy_kwargs(policy, values))
        resolved["base_lr"] = values["base_lr"]
        schedules.check_policy_args(policy, resolved)
    except ValueError as e:
        return str(e)
    return None


@register_op("LearningRate", inputs=1, grad=NO_GRADIENT, arg_prefixes=("sub_policy_",),
             check_args=_check_learning_rate)
def learning_rate(
    iter: np.ndarray,
    *,
    base_lr: float,
    policy: str,
    stepsize: int = 0,
    gamma: float = 0.0,
    power: float = 0.0,
    max_iter: int = -1,
    start_multiplier: float = 0.0,
    num_iter: int = 0,
    multiplier: float = 0.5,
    active_first: bool = True,
    active_period: int = -1,
    inactive_period: int = -1,
    end_multiplier: float = 0.0,
    multiplier_1: float = 1.0,
    multiplier_2: float = 1.0,
    m1: float = 0.5,
    n1: int = 0,
    m2: float = 0.5,
    n2: int = 0,
    m3: float = 0.5,
    num_iter_1: int = 0,
    num_iter_2: int = 0,
    max_lr: float | None = None,
    decay: float = 1.0,
    min_lr: float = 0.1,
    period: int = 50,
    t_mult: float = 1.0,
    lr_shrink: float = 0.99,
    start_warmup_multiplier: float = 0.1,
    constant_warmup_num_iter: int = 10_000_000,
    linear_warmup_num_iter: int = 10_000_000,
    cyclical_max_lr: float = 0.05,
    cyclical_step_size: int = 1_000_000,
    cyclical_decay: float = 1.0,
    cosine_max_lr: float = 0.5,
    cosine_min_lr: float = 0.1,
    cosine_period: int = 50,
    cosine_t_mult: float = 1.0,
    cosine_lr_shrink: float = 0.99,
    sub_policy_num_iters: list[int] = (),  # type: ignore[assignment]
    ctx: OpContext,
    **sub_policy_args: Any,
) -> np.ndarray:
    """``lr = base_lr × f_policy(iter)``: a 0-d float32 learning rate.

    ``iter`` is the counter (int32 or int64, one number), read *after* ``Iter`` has
    incremented it, so training sees 1, 2, 3, ... ``base_lr`` and ``policy`` are
    required; every policy and its formula is in :mod:`graphlab.schedules` (``fixed``,
    ``step``, ``exp``, ``inv``, ``poly``, ``linearWarmup``, ``constantWarmup``, ``alter``,
    ``hill``, ``gate``, ``pieceWarmup``, ``slope``, ``cyclical``, ``cosine``,
    ``constantThenLinearWarmup``, ``compositeCyclical``, ``compositeCosine``,
    ``composite``). The keyword arguments are all policies' arguments with Caffe2's
    defaults; each policy reads only its own (``max_lr`` defaults to 0.005 for cyclical and
    0.5 for cosine). ``composite`` also takes ``sub_policy_<i>_<name>`` arguments.

    ``base_lr`` is negative by convention when the rate feeds ``WeightedSum`` (descent
    adds ``LR·grad``). Example (the seed): ``base_lr=-0.1, policy="step", stepsize=20,
    gamma=0.9`` gives −0.1 for iter 1..19, −0.09 for 20..39, ...

    Departures from Caffe2: an int32 counter is accepted (Caffe2 required int64); an
    unknown policy or invalid policy arguments raise when the op is created (Caffe2
    aborted the process or divided by zero).
    """
    bound = ctx.state.get("schedule")
    if bound is None:
        scope = dict(locals())
        values = {k: v for k, v in scope.items()
                  if k not in ("iter", "ctx", "bound", "sub_policy_args")}
        values.update(sub_policy_args)
        problem = _check_learning_rate(values)
        if problem is not None:
            raise ShapeError(f"LearningRate: {problem}")
        kwargs = _policy_kwargs(policy, values)
        resolved = schedules.policy_args(policy)
        resolved.update(kwargs)
        if policy in ("cyclical", "compositeCyclical", "composite"):
            resolved["base_lr"] = base_lr
        fn = schedules.POLICIES[policy][0]
        bound = ctx.state["schedule"] = (fn, resolved)
    fn, resolved = bound
    k = _read_counter("LearningRate", "iter", iter)
    return np.asarray(base_lr * fn(k, **resolved), dtype=np.float32)


_LR_DEFAULTS: dict[str, Any] = {
    name: p.default for name, p in inspect.signature(learning_rate).parameters.items()
    if p.kind is inspect.Parameter.KEYWORD_ONLY and name != "ctx"
}
"""LearningRate's arguments with their defaults (``base_lr`` and ``policy``: required)."""


def _differs(value: Any, default: Any) -> bool:
    if default is inspect.Parameter.empty:
        return False
    if isinstance(default, (list, tuple)):
        return list(value or ()) != list(default)
    if isinstance(value, float) and math.isnan(value):
        return True
    return bool(value != default)


# ---- WeightedSum ------------------------------------------------------------------------------


def _pairs_arity(n_in: int, n_out: int) -> str | None:
    if n_in % 2 != 0:
        return (f"WeightedSum takes pairs (X0, w0, X1, w1, ...): an even number of inputs, "
                f"got {n_in}.")
    return None


def _check_weight(op: str, i: int, w: np.ndarray) -> None:
    require_float(op, f"w{i}", w)
    if w.size != 1:
        raise ShapeError(
            f"{op}: weight w{i} must hold exactly one number, got {shape_str(w)}.",
            hint="weights are scalars such as ONE (shape [1]) or LR (shape []).",
        )


def _weighted_sum_grad(g: GradientContext):
    n = len(g.forward.input)
    grad_on_w = bool(g.forward.args().get("grad_on_w", 0))
    inputs = [g.GO(0), *g.forward.input]
    outputs = [g.GI(i) for i in range(0, n, 2)]
    if grad_on_w:
        outputs += [g.GI(i + 1) for i in range(0, n, 2)]
    g_input: list[str | None] = []
    for i in range(n):
        if i % 2 == 0:
            g_input.append(g.GI(i))
        else:
            g_input.append(g.GI(i) if grad_on_w else None)
    return [g.op("WeightedSumGradient", inputs, outputs)], g_input


@register_op("WeightedSum", inputs=(2, None), inplace=[(0, 0)], check_arity=_pairs_arity,
             grad=_weighted_sum_grad)
def weighted_sum(*X_w_pairs: np.ndarray, grad_on_w: bool = False) -> np.ndarray:
    """``Y = Σ_i w_i · X_i`` over pairs ``(X0, w0, X1, w1, ...)``.

    Each ``w_i`` is a float array holding one number (shape ``[1]`` or ``[]``); each
    ``X_i`` is a float array with as many elements as ``X0`` (only the count is checked,
    as in Caffe2). Y has X0's shape; dtypes promote as NumPy does. In place only as
    ``X0 → Y`` (the SGD update ``WeightedSum([W, ONE, W_grad, LR], W)``).
    ``grad_on_w=1`` makes the gradient op also return the weights' gradients.
    """
    X0 = X_w_pairs[0]
    require_float("WeightedSum", "X0", X0)
    out = None
    for k in range(0, len(X_w_pairs), 2):
        X, w = X_w_pairs[k], X_w_pairs[k + 1]
        i = k // 2
        require_float("WeightedSum", f"X{i}", X)
        _check_weight("WeightedSum", i, w)
        if X.size != X0.size:
            raise ShapeError(
                f"WeightedSum: X{i} {shape_str(X)} has {X.size} elements but X0 "
                f"{shape_str(X0)} has {X0.size}.",
                hint="every X_i must have as many elements as X0 (e.g. W and W_grad).",
            )
        term = w.reshape(()) * X.reshape(X0.shape)
        out = term if out is None else out + term
    return out


@register_op("WeightedSumGradient", inputs=(3, None), outputs=(1, None))
def weighted_sum_gradient(dY: np.ndarray, *X_w_pairs: np.ndarray,
                          grad_on_w: bool = False) -> Any:
    """Gradient of WeightedSum: ``dX_i = w_i · dY`` (shaped like X_i; Caffe2 shaped it like
    dY, which only has the same size: a documented departure).

    Inputs ``(dY, X0, w0, X1, w1, ...)``; outputs ``dX_0, dX_1, ...`` and, with
    ``grad_on_w=1``, then ``dw_0, dw_1, ...`` with ``dw_i = ⟨dY, X_i⟩`` shaped like w_i
    (Caffe2 gave them shape [1]; graphlab keeps each gradient shaped like its blob).
    """
    n = len(X_w_pairs) // 2
    dX = []
    dw = []
    for i in range(n):
        X, w = X_w_pairs[2 * i], X_w_pairs[2 * i + 1]
        _check_weight("WeightedSumGradient", i, w)
        if X.size != dY.size:
            raise ShapeError(
                f"WeightedSumGradient: X{i} {shape_str(X)} and dY {shape_str(dY)} differ in "
                "element count."
            )
        dX.append((w.reshape(()) * dY).reshape(X.shape))
        if grad_on_w:
            dot = np.dot(dY.reshape(-1), X.reshape(-1))
            dw.append(np.asarray(dot, dtype=np.result_type(dY, X, w)).reshape(w.shape))
    outs = dX + dw
    return outs[0] if len(outs) == 1 else tuple(outs)


# ---- MomentumSGDUpdate, Adam ---------------------------------------------------------------


def _same_size(op: str, named: dict[str, np.ndarray]) -> None:
    items = list(named.items())
    first_name, first = items[0]
    for name, x in items:
        require_float(op, name, x)
        if x.size != first.size:
            raise ShapeError(
                f"{op}: {name} {shape_str(x)} and {first_name} {shape_str(first)} must have "
                "the same number of elements.",
                hint="the moments are usually made with ConstantFill([param], ..., value=0.0).",
            )


def _lr_value(op: str, lr: np.ndarray) -> np.ndarray:
    require_float(op, "lr", lr)
    if lr.size != 1:
        raise ShapeError(f"{op}: lr must hold exactly one number, got {shape_str(lr)}.")
    return lr.reshape(())


@register_op("MomentumSGDUpdate", outputs=3, enforce_inplace=[(0, 0), (1, 1), (3, 2)],
             grad=SHOULD_NOT_DO_GRADIENT)
def momentum_sgd_update(grad: np.ndarray, moment: np.ndarray, lr: np.ndarray,
                        param: np.ndarray, *, momentum: float = 0.0, nesterov: int = 0):
    """SGD with momentum, fused: outputs ``(grad, moment, param)``, all in place.

    With ``g`` the gradient, ``m`` the moment, ``μ = momentum`` and a *positive* lr (this
    op subtracts, unlike ``WeightedSum``):

    * plain: ``a = lr·g + μ·m``; ``m ← a``; ``g ← a``; ``param ← param − a``;
    * ``nesterov=1``: ``m' = μ·m + lr·g``; ``g ← (1 + μ)·m' − μ·m``; ``m ← m'``;
      ``param ← param − g``.

    grad, moment and param have the same number of elements; lr holds one number.
    """
    _same_size("MomentumSGDUpdate", {"grad": grad, "moment": moment, "param": param})
    rate = _lr_value("MomentumSGDUpdate", lr)
    g = grad.reshape(param.shape)
    m = moment.reshape(param.shape)
    if nesterov:
        m_new = momentum * m + rate * g
        adjusted = (1 + momentum) * m_new - momentum * m
    else:
        adjusted = rate * g + momentum * m
        m_new = adjusted
    return (adjusted.reshape(grad.shape), m_new.reshape(moment.shape),
            param - adjusted)


@register_op("Adam", outputs=3, enforce_inplace=[(0, 0), (1, 1), (2, 2)],
             grad=SHOULD_NOT_DO_GRADIENT)
def adam(param: np.ndarray, moment_1: np.ndarray, moment_2: np.ndarray, grad: np.ndarray,
         lr: np.ndarray, iter: np.ndarray, *, beta1: float = 0.9, beta2: float = 0.999,
         epsilon: float = 1e-5):
    """Adam, fused: outputs ``(param, moment_1, moment_2)``, all in place.

    With ``t = iter + 1`` and ``c = sqrt(1 − β2^t) / (1 − β1^t)``:
    ``m ← β1·m + (1 − β1)·g``; ``v ← β2·v + (1 − β2)·g²``;
    ``param ← param + lr·c·m / (sqrt(v) + ε)``. lr is *negative* by convention (as for
    ``WeightedSum``); ``build_adam`` passes ε = 1e-8, the op's own default is 1e-5.
    Because ``Iter`` runs first, the first step has iter = 1, so t = 2 (as in Caffe2).
    """
    _same_size("Adam", {"param": param, "moment_1": moment_1, "moment_2": moment_2,
                        "grad": grad})
    rate = _lr_value("Adam", lr)
    t = _read_counter("Adam", "iter", iter) + 1
    correction = float(np.sqrt(1.0 - beta2**t) / (1.0 - beta1**t))  # a weak Python scalar
    g = grad.reshape(param.shape)
    m = moment_1.reshape(param.shape) * beta1 + g * (1 - beta1)
    v = moment_2.reshape(param.shape) * beta2 + g * g * (1 - beta2)
    new_param = param + rate * correction * m / (np.sqrt(v) + epsilon)
    return new_param, m.reshape(moment_1.shape), v.reshape(moment_2.shape)



# =========================================================================================
# Adagrad and RmsProp: the update ops behind optimizer.build_adagrad / build_rms_prop.
# =========================================================================================


@register_op("Adagrad", outputs=(2, 4), inplace=[(0, 0), (1, 1)], grad=SHOULD_NOT_DO_GRADIENT)
def adagrad(param: np.ndarray, moment: np.ndarray, grad: np.ndarray, lr: np.ndarray, *,
            epsilon: float = 1e-5, decay: float = 1.0, ctx: OpContext):
    """Adagrad, fused: outputs ``(param, moment)``, usually in place, and optionally
    ``effective_lr`` and ``update``.

    With g the gradient and h the running sum of squared gradients (``moment``):
    ``h ← decay·h + g²``; ``param ← param + lr·g / (sqrt(h) + ε)``. Each entry gets its own
    step size ``lr / (sqrt(h) + ε)``, which shrinks as its gradients pile up. lr holds
    one number and is *negative* by convention (as for ``WeightedSum``); ``build_adagrad``
    passes ε = 1e-4, the op's own default is 1e-5. The optional third and fourth outputs
    are that per-entry ``effective_lr`` and the ``update`` ``lr·g / (sqrt(h) + ε)``.
    param, moment and grad have the same number of elements. Like Caffe2, a backward pass
    that reaches it is an error (an update is not differentiated).
    """
    _same_size("Adagrad", {"param": param, "moment": moment, "grad": grad})
    rate = _lr_value("Adagrad", lr)
    g = grad.reshape(param.shape)
    h = moment.reshape(param.shape) * moment.dtype.type(decay) + g * g
    effective = rate / (np.sqrt(h) + h.dtype.type(epsilon))
    update = effective * g
    outs = (param + update, h.reshape(moment.shape), effective, update)
    return outs[:len(ctx.op.output)]


@register_op("RmsProp", outputs=3, inplace=[(0, 0), (1, 1), (2, 2)],
             grad=SHOULD_NOT_DO_GRADIENT)
def rms_prop(grad: np.ndarray, mean_squares: np.ndarray, mom: np.ndarray, lr: np.ndarray, *,
             decay: float = 0.9, momentum: float = 0.0, epsilon: float = 1e-5):
    """RMSProp's step, fused: outputs ``(grad_out, mean_squares, mom)``.

    With g the gradient and ``ms`` the running mean of g²:
    ``ms ← ms + (1 − decay)·(g² − ms)``; ``mom ← momentum·mom + lr·g / sqrt(ε + ms)``;
    ``grad_out = mom``. The op does not touch the parameter: ``build_rms_prop`` runs it
    with lr = 1 and then ``MomentumSGDUpdate([grad_out, mom, lr, param], ...)`` with the
    real (positive) learning rate, which subtracts ``lr·grad_out`` from the parameter.
    grad, mean_squares and mom have the same number of elements; lr holds one number.
    A backward pass that reaches it is an error, as in Caffe2.
    """
    _same_size("RmsProp", {"grad": grad, "mean_squares": mean_squares, "mom": mom})
    rate = _lr_value("RmsProp", lr)
    g = grad.reshape(mean_squares.shape)
    ms = mean_squares + (1 - mean_squares.dtype.type(decay)) * (g * g - mean_squares)
    new_mom = (mom.reshape(ms.shape) * mom.dtype.type(momentum)
               + rate * g / np.sqrt(ms.dtype.type(epsilon) + ms))
    return new_mom.reshape(grad.shape), ms, new_mom.reshape(mom.shape)
