"""Learning-rate policies as pure functions: ``lr(iter) = base_lr × f_policy(iter)``.

Every policy of Caffe2's ``LearningRate`` operator is here, keyed by Caffe2's policy
name (``"step"``, ``"linearWarmup"`` ...). Each multiplier function takes the iteration
counter — a Python int or a NumPy array of ints — and the policy's arguments, and
returns the multiplier ``f(iter)`` (a float, or a float64 array shaped like ``iter``)::

    >>> step(np.arange(1, 5) * 10, stepsize=20, gamma=0.9)
    array([1.  , 0.9 , 0.9 , 0.81])
    >>> learning_rate(25, base_lr=-0.1, policy="step", stepsize=20, gamma=0.9)
    -0.09000000000000001

The ``LearningRate`` operator (:mod:`graphlab.ops.train`) calls :func:`learning_rate`,
and so can a plot: the same numbers either way. The counter the op sees is the one
``Iter`` has just incremented, so training uses iterations 1, 2, 3, ...

Defaults are Caffe2's (:data:`POLICIES`; :func:`policy_args`). Where Caffe2 only had a
debug-build check (or none) and then divided by zero or looped forever, graphlab raises
a ``ValueError`` naming the argument (:func:`check_policy_args`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import did_you_mean

__all__ = [
    "POLICIES",
    "check_policy_args",
    "composite_arg_names",
    "learning_rate",
    "multiplier",
    "policy_args",
    "unknown_policy_message",
]

Iter = Any  # an int or an integer NumPy array
Multiplier = Any  # a float or a float64 array shaped like the iterations


def _out(iter_: Iter, value: np.ndarray) -> Multiplier:
    """A float for scalar input, an array shaped like ``iter_`` otherwise."""
    if np.ndim(iter_) == 0:
        return float(value)
    return np.asarray(value, dtype=np.float64)


def _it(iter_: Iter) -> np.ndarray:
    """The iterations as an int64 array (0-d for a scalar)."""
    arr = np.asarray(iter_)
    if not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.floating) and np.all(np.mod(arr, 1) == 0):
            return arr.astype(np.int64)
        raise ValueError(f"iterations must be integers, got {arr.dtype} values")
    return arr.astype(np.int64)


# ---- the policies -------------------------------------------------------------------


def fixed(iter: Iter) -> Multiplier:
    """``f = 1``: the rate stays ``base_lr``."""
    return _out(iter, np.ones(np.shape(iter)))


def step(iter: Iter, stepsize: int = 0, gamma: float = 0.0) -> Multiplier:
    """``f = gamma ^ floor(iter / stepsize)`` (integer division): drop by gamma every stepsize."""
    it = _it(iter)
    return _out(iter, np.power(float(gamma), (it // stepsize).astype(np.float64)))


def exp(iter: Iter, gamma: float = 0.0) -> Multiplier:
    """``f = gamma ^ iter``: exponential decay."""
    return _out(iter, np.power(float(gamma), _it(iter).astype(np.float64)))


def inv(iter: Iter, gamma: float = 0.0, power: float = 0.0) -> Multiplier:
    """``f = (1 + gamma·iter) ^ (−power)``: inverse decay."""
    it = _it(iter).astype(np.float64)
    return _out(iter, np.power(1.0 + gamma * it, -float(power)))


def poly(iter: Iter, max_iter: int = -1, power: float = 0.0) -> Multiplier:
    """``f = (1 − iter / max_iter) ^ power``: polynomial decay to 0 at ``max_iter``.

    Past ``max_iter`` the base is negative and a fractional power gives NaN, as in Caffe2.
    """
    it = _it(iter).astype(np.float64)
    with np.errstate(invalid="ignore"):
        return _out(iter, np.power(1.0 - it / float(max_iter), float(power)))


def linear_warmup(iter: Iter, start_multiplier: float = 0.0, num_iter: int = 0) -> Multiplier:
    """``f = start_multiplier + (1 − start_multiplier)·iter/num_iter`` below ``num_iter``;
    1 from ``num_iter`` on."""
    it = _it(iter)
    with np.errstate(divide="ignore", invalid="ignore"):
        ramp = start_multiplier + (1.0 - start_multiplier) * it.astype(np.float64) / num_iter
    return _out(iter, np.where(it >= num_iter, 1.0, ramp))


def constant_warmup(iter: Iter, multiplier: float = 0.5, num_iter: int = 0) -> Multiplier:
    """``f = multiplier`` below ``num_iter``, else 1."""
    it = _it(iter)
    return _out(iter, np.where(it >= num_iter, 1.0, float(multiplier)))


def alter(iter: Iter, active_first: bool = True, active_period: int = -1,
          inactive_period: int = -1) -> Multiplier:
    """On/off: with ``p = iter mod (active_period + inactive_period)``, the first phase of
    each period (``active_period`` long if ``active_first``, else ``inactive_period``) gives
    ``1`` if ``active_first`` else ``0``; the rest of the period gives the other value."""
    it = _it(iter)
    p = np.mod(it, active_period + inactive_period)
    first = active_period if active_first else inactive_period
    a, b = (1.0, 0.0) if active_first else (0.0, 1.0)
    return _out(iter, np.where(p < first, a, b))


def hill(iter: Iter, num_iter: int = 0, start_multiplier: float = 0.0, gamma: float = 0.0,
         power: float = 0.0, end_multiplier: float = 0.0) -> Multiplier:
    """Linear warm-up for ``num_iter`` iterations, then inverse decay floored at
    ``end_multiplier``: ``max(end_multiplier, inv(iter − num_iter; gamma, power))``."""
    it = _it(iter)
    up = np.asarray(linear_warmup(it, start_multiplier, num_iter))
    after = np.maximum(it - num_iter, 0)  # the warm-up part never reads this branch
    down = np.maximum(float(end_multiplier), np.asarray(inv(after, gamma, power)))
    return _out(iter, np.where(it < num_iter, up, down))


def gate(iter: Iter, multiplier_1: float = 1.0, multiplier_2: float = 1.0,
         num_iter: int = 0) -> Multiplier:
    """``f = multiplier_1`` below ``num_iter``, then ``multiplier_2``."""
    it = _it(iter)
    return _out(iter, np.where(it >= num_iter, float(multiplier_2), float(multiplier_1)))


def piece_warmup(iter: Iter, m1: float = 0.5, n1: int = 0, m2: float = 0.5, n2: int = 0,
                 m3: float = 0.5) -> Multiplier:
    """Three constant pieces: ``m1`` for ``iter < n1``, ``m2`` for ``iter < n2``, then ``m3``."""
    it = _it(iter)
    return _out(iter, np.where(it < n1, float(m1), np.where(it < n2, float(m2), float(m3))))


def slope(iter: Iter, num_iter_1: int = 0, multiplier_1: float = 0.0, num_iter_2: int = 0,
          multiplier_2: float = 0.0) -> Multiplier:
    """``multiplier_1`` until ``num_iter_1``, then a straight line reaching ``multiplier_2`` at
    ``num_iter_2``, never below ``multiplier_2``:
    ``max(m2, m1 + (iter − n1)·(m2 − m1)/(n2 − n1))``."""
    it = _it(iter)
    line = multiplier_1 + (it - num_iter_1).astype(np.float64) * (
        (multiplier_2 - multiplier_1) / float(num_iter_2 - num_iter_1)
    )
    return _out(iter, np.where(it < num_iter_1, float(multiplier_1),
                               np.maximum(float(multiplier_2), line)))


def cyclical(iter: Iter, base_lr: float = 1.0, max_lr: float = 0.005, stepsize: int = 0,
             decay: float = 1.0) -> Multiplier:
    """Triangular cycles between ``|base_lr|`` and ``|max_lr|`` (as a multiplier of base_lr).

    ``cycle = floor(iter / (2·stepsize)) + 1``, ``x = |iter/stepsize − 2·cycle + 1|``,
    ``f = 1 + (|max_lr|/|base_lr| − 1)·max(0, 1 − x)·decay^floor(iter/(2·stepsize))``.
    """
    it = _it(iter)
    half = it // (2 * stepsize)
    x = np.abs(it.astype(np.float64) / stepsize - 2.0 * (half + 1) + 1.0)
    ratio = abs(max_lr) / abs(base_lr) - 1.0
    return _out(iter, 1.0 + ratio * np.maximum(0.0, 1.0 - x)
                * np.power(float(decay), half.astype(np.float64)))


def cosine(iter: Iter, max_lr: float = 0.5, min_lr: float = 0.1, period: int = 50,
           t_mult: float = 1.0, lr_shrink: float = 0.99) -> Multiplier:
    """Cosine annealing with warm restarts (SGDR). The result is a *multiplier*.

    With ``t_mult = 1``: ``i = floor(iter/period)``, ``t_i = period``,
    ``t_cur = iter − i·period``. Otherwise cycle i lasts ``t_mult^i·period``:
    ``i = floor(log(1 − iter/period·(1 − t_mult)) / log(t_mult))``,
    ``t_cur = iter − (1 − t_mult^i)/(1 − t_mult)·period``. Then with ``s = lr_shrink^i``:
    ``f = min_lr·s + ½·(max_lr − min_lr)·s·(1 + cos(π·t_cur/t_i))``.
    """
    it = _it(iter).astype(np.float64)
    if t_mult != 1.0:
        i = np.floor(np.log(1.0 - it / period * (1.0 - t_mult)) / math.log(t_mult))
        t_i = np.power(t_mult, i) * period
        t_cur = it - (1.0 - np.power(t_mult, i)) / (1.0 - t_mult) * period
    else:
        i = np.floor(it / period)
        t_i = np.full_like(it, float(period))
        t_cur = it - t_i * i
    s = np.power(float(lr_shrink), i)
    wave = 1.0 + np.cos(np.pi * t_cur / t_i)
    return _out(iter, min_lr * s + 0.5 * (max_lr - min_lr) * s * wave)


def constant_then_linear_warmup(iter: Iter, start_warmup_multiplier: float = 0.1,
                                constant_warmup_num_iter: int = 10_000_000,
                                linear_warmup_num_iter: int = 10_000_000) -> Multiplier:
    """``start_warmup_multiplier`` for C iterations, then a linear ramp to 1 over L, then 1
    (C = ``constant_warmup_num_iter``, L = ``linear_warmup_num_iter``)."""
    it = _it(iter)
    c, n = constant_warmup_num_iter, linear_warmup_num_iter
    ramp = np.asarray(linear_warmup(it - c, start_warmup_multiplier, n))
    return _out(iter, np.where(it < c, float(start_warmup_multiplier),
                               np.where(it < c + n, ramp, 1.0)))


def composite_cyclical(iter: Iter, base_lr: float = 1.0, start_warmup_multiplier: float = 0.1,
                       constant_warmup_num_iter: int = 10_000_000,
                       linear_warmup_num_iter: int = 10_000_000,
                       cyclical_max_lr: float = 0.05, cyclical_step_size: int = 1_000_000,
                       cyclical_decay: float = 1.0) -> Multiplier:
    """``constantThenLinearWarmup`` for C + L iterations, then ``cyclical`` at ``iter − C − L``."""
    it = _it(iter)
    c, n = constant_warmup_num_iter, linear_warmup_num_iter
    warm = np.asarray(constant_then_linear_warmup(it, start_warmup_multiplier, c, n))
    cyc = np.asarray(cyclical(it - c - n, base_lr, cyclical_max_lr, cyclical_step_size,
                              cyclical_decay))
    return _out(iter, np.where(it < c + n, warm, cyc))


def composite_cosine(iter: Iter, start_warmup_multiplier: float = 0.1,
                     constant_warmup_num_iter: int = 10_000_000,
                     linear_warmup_num_iter: int = 10_000_000, cosine_max_lr: float = 0.5,
                     cosine_min_lr: float = 0.1, cosine_period: int = 50,
                     cosine_t_mult: float = 1.0, cosine_lr_shrink: float = 0.99) -> Multiplier:
    """``constantThenLinearWarmup`` for C + L iterations, then ``cosine`` at ``iter − C − L``."""
    it = _it(iter)
    c, n = constant_warmup_num_iter, linear_warmup_num_iter
    warm = np.asarray(constant_then_linear_warmup(it, start_warmup_multiplier, c, n))
    after = np.maximum(it - c - n, 0)  # keeps log() finite where the warm-up part is used
    cos = np.asarray(cosine(after, cosine_max_lr, cosine_min_lr, cosine_period, cosine_t_mult,
                            cosine_lr_shrink))
    return _out(iter, np.where(it < c + n, warm, cos))


def composite(iter: Iter, base_lr: float = 1.0, sub_policy_num_iters: Any = (),
              **sub_args: Any) -> Multiplier:
    """A chain of sub-policies, each for a number of iterations.

    ``sub_policy_num_iters=[n0, n1, ...]``; sub-policy ``i`` is named by
    ``sub_policy_<i>_policy`` and configured by ``sub_policy_<i>_<arg>`` plus
    ``sub_policy_<i>_lr_scale`` (default 1.0). It covers the *global* iterations
    ``[s_i, s_i + n_i)`` with ``s_0 = 1`` and ``s_{i+1} = s_i + n_i``; the last one keeps
    going past its range. Each sub-policy sees the global iteration (not one counted from
    its own start) and its value is multiplied by its ``lr_scale``. Caffe2 left
    ``iter = 0`` undefined; graphlab gives it to the first sub-policy.
    """
    it = _it(iter)
    subs = _composite_subs(sub_policy_num_iters, sub_args)
    result = np.zeros(it.shape, dtype=np.float64)
    start = 1
    for k, (name, args, lr_scale, n) in enumerate(subs):
        lo = -np.inf if k == 0 else start
        hi = np.inf if k == len(subs) - 1 else start + n
        mask = (it >= lo) & (it < hi)
        if np.any(mask):
            fn = POLICIES[name][0]
            if name in _NEEDS_BASE_LR:
                args = {"base_lr": base_lr, **args}
            vals = np.asarray(fn(it[mask] if it.ndim else it, **args), dtype=np.float64)
            result[mask] = vals * lr_scale
        start += n
    return _out(iter, result)


# ---- the table ----------------------------------------------------------------------

#: Policies whose formula needs ``base_lr`` itself (not only as the final factor).
_NEEDS_BASE_LR = ("cyclical", "compositeCyclical", "composite")

#: Caffe2 policy name → (multiplier function, {argument: Caffe2 default}).
POLICIES: dict[str, tuple[Callable[..., Multiplier], dict[str, Any]]] = {
    "fixed": (fixed, {}),
    "step": (step, {"stepsize": 0, "gamma": 0.0}),
    "exp": (exp, {"gamma": 0.0}),
    "inv": (inv, {"gamma": 0.0, "power": 0.0}),
    "poly": (poly, {"max_iter": -1, "power": 0.0}),
    "linearWarmup": (linear_warmup, {"start_multiplier": 0.0, "num_iter": 0}),
    "constantWarmup": (constant_warmup, {"multiplier": 0.5, "num_iter": 0}),
    "alter": (alter, {"active_first": True, "active_period": -1, "inactive_period": -1}),
    "hill": (hill, {"num_iter": 0, "start_multiplier": 0.0, "gamma": 0.0, "power": 0.0,
                    "end_multiplier": 0.0}),
    "gate": (gate, {"multiplier_1": 1.0, "multiplier_2": 1.0, "num_iter": 0}),
    "pieceWarmup": (piece_warmup, {"m1": 0.5, "n1": 0, "m2": 0.5, "n2": 0, "m3": 0.5}),
    "slope": (slope, {"num_iter_1": 0, "multiplier_1": 0.0, "num_iter_2": 0,
                      "multiplier_2": 0.0}),
    "cyclical": (cyclical, {"max_lr": 0.005, "stepsize": 0, "decay": 1.0}),
    "cosine": (cosine, {"max_lr": 0.5, "min_lr": 0.1, "period": 50, "t_mult": 1.0,
                        "lr_shrink": 0.99}),
    "constantThenLinearWarmup": (constant_then_linear_warmup, {
        "start_warmup_multiplier": 0.1, "constant_warmup_num_iter": 10_000_000,
        "linear_warmup_num_iter": 10_000_000}),
    "compositeCyclical": (composite_cyclical, {
        "start_warmup_multiplier": 0.1, "constant_warmup_num_iter": 10_000_000,
        "linear_warmup_num_iter": 10_000_000, "cyclical_max_lr": 0.05,
        "cyclical_step_size": 1_000_000, "cyclical_decay": 1.0}),
    "compositeCosine": (composite_cosine, {
        "start_warmup_multiplier": 0.1, "constant_warmup_num_iter": 10_000_000,
        "linear_warmup_num_iter": 10_000_000, "cosine_max_lr": 0.5, "cosine_min_lr": 0.1,
        "cosine_period": 50, "cosine_t_mult": 1.0, "cosine_lr_shrink": 0.99}),
    "composite": (composite, {"sub_policy_num_iters": []}),
}

#: Policy names that users of other frameworks try, with what to use instead.
_NOT_CAFFE2 = {
    "multistep": "'multistep' is a Caffe-1 policy that Caffe2 never had; use 'composite' "
                 "or 'pieceWarmup', or 'step' for equal steps.",
    "sigmoid": "'sigmoid' is a Caffe-1 policy that Caffe2 never had.",
}


def unknown_policy_message(policy: str) -> str:
    """``Unknown learning rate policy: 'x'. Did you mean ...? Known policies: ...``."""
    text = f"Unknown learning rate policy: {policy!r}."
    text += did_you_mean(policy, POLICIES)
    if policy in _NOT_CAFFE2:
        text += " " + _NOT_CAFFE2[policy]
    return text + f" Known policies: {', '.join(POLICIES)}."


def _lookup(policy: str) -> tuple[Callable[..., Multiplier], dict[str, Any]]:
    if not isinstance(policy, str) or policy not in POLICIES:
        raise ValueError(unknown_policy_message(str(policy)))
    return POLICIES[policy]


def policy_args(policy: str) -> dict[str, Any]:
    """The arguments of ``policy`` with Caffe2's defaults (a fresh dict).

    Raises:
        ValueError: unknown policy, listing the known ones.
    """
    return dict(_lookup(policy)[1])


def _typed(policy: str, name: str, value: Any, default: Any) -> Any:
    """Check one argument against the type of its default (ints may stand for floats)."""
    if isinstance(default, bool):
        if isinstance(value, (bool, int, np.integer)) and int(value) in (0, 1):
            return bool(value)
    elif isinstance(default, int):
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            return int(value)
    elif isinstance(default, float):
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
            return float(value)
    elif isinstance(default, list):
        if isinstance(value, (list, tuple)):
            return [int(v) for v in value]
    kind = type(default).__name__
    raise ValueError(f"policy {policy!r}: argument {name!r} must be {kind}, got {value!r}.")


def _resolve(policy: str, args: dict[str, Any]) -> dict[str, Any]:
    """Policy arguments with defaults filled in; unknown names raise with suggestions."""
    defaults = policy_args(policy)
    extra = dict(args)
    base = extra.pop("base_lr", None)
    out: dict[str, Any] = {}
    for name, value in extra.items():
        if policy == "composite" and name.startswith("sub_policy_") and name not in defaults:
            out[name] = value
            continue
        if name not in defaults:
            known = ", ".join(defaults) or "none"
            raise ValueError(
                f"policy {policy!r} has no argument {name!r}." + did_you_mean(name, defaults)
                + f" Its arguments are: {known}."
            )
        out[name] = _typed(policy, name, value, defaults[name])
    resolved = {**defaults, **out}
    if base is not None and policy in _NEEDS_BASE_LR:
        resolved["base_lr"] = float(base)
    return resolved


def composite_arg_names(args: dict[str, Any]) -> list[str]:
    """The ``sub_policy_<i>_<name>`` keys among ``args`` (in the given order)."""
    return [k for k in args if k.startswith("sub_policy_") and k != "sub_policy_num_iters"]


def _composite_subs(num_iters: Any, sub_args: dict[str, Any]
                    ) -> list[tuple[str, dict[str, Any], float, int]]:
    """Parse a composite's sub-policies: ``[(policy, args, lr_scale, num_iter), ...]``."""
    nums = list(num_iters or [])
    if not nums:
        raise ValueError(
            "policy 'composite' needs sub_policy_num_iters, e.g. sub_policy_num_iters=[100, 200] "
            "with sub_policy_0_policy='fixed', sub_policy_1_policy='exp', sub_policy_1_gamma=0.99."
        )
    for k, n in enumerate(nums):
        if int(n) <= 0:
            raise ValueError(f"policy 'composite': sub_policy_num_iters[{k}] = {n} must be > 0.")
    per: list[dict[str, Any]] = [{} for _ in nums]
    for key, value in sub_args.items():
        rest = key[len("sub_policy_"):] if key.startswith("sub_policy_") else ""
        idx, _, name = rest.partition("_")
        if not idx.isdigit() or not name:
            raise ValueError(
                f"policy 'composite': argument {key!r} is not of the form "
                "sub_policy_<i>_<name>, e.g. sub_policy_0_gamma."
            )
        i = int(idx)
        if i >= len(nums):
            raise ValueError(
                f"policy 'composite': {key!r} refers to sub-policy {i}, but "
                f"sub_policy_num_iters lists only {len(nums)} (0..{len(nums) - 1})."
            )
        per[i][name] = value
    subs = []
    for i, (n, args) in enumerate(zip(nums, per)):
        name = args.pop("policy", None)
        if name is None:
            raise ValueError(
                f"policy 'composite': sub-policy {i} needs sub_policy_{i}_policy, "
                f"e.g. sub_policy_{i}_policy='fixed'."
            )
        if name == "composite":
            raise ValueError("policy 'composite': a sub-policy cannot itself be 'composite'.")
        lr_scale = float(args.pop("lr_scale", 1.0))
        try:
            resolved = _resolve(name, args)
            check_policy_args(name, resolved)
        except ValueError as e:
            raise ValueError(
                f"policy 'composite', sub-policy {i} (sub_policy_{i}_...): {e}"
            ) from None
        resolved.pop("base_lr", None)
        subs.append((name, resolved, lr_scale, int(n)))
    return subs


def check_policy_args(policy: str, args: dict[str, Any]) -> None:
    """Raise ``ValueError`` for argument values that make ``policy`` divide by zero or loop.

    ``args`` are the policy's resolved arguments (defaults filled in, ``base_lr`` optional).
    Caffe2 only checked these in debug builds.
    """
    _lookup(policy)

    def need(cond: bool, text: str) -> None:
        if not cond:
            raise ValueError(f"policy {policy!r}: {text}")

    if policy == "step":
        need(args["stepsize"] > 0, f"stepsize must be > 0 (got {args['stepsize']}), "
             "e.g. stepsize=20, gamma=0.9.")
    elif policy == "poly":
        need(args["max_iter"] > 0, f"max_iter must be > 0 (got {args['max_iter']}), "
             "e.g. max_iter=1000, power=1.0.")
    elif policy in ("linearWarmup", "constantWarmup", "hill", "gate"):
        need(args["num_iter"] >= 0, f"num_iter must be >= 0 (got {args['num_iter']}).")
    elif policy == "alter":
        a, b = args["active_period"], args["inactive_period"]
        need(a >= 0 and b >= 0 and a + b > 0,
             f"active_period and inactive_period must be >= 0 with a positive sum (got {a} "
             f"and {b}), e.g. active_period=10, inactive_period=5.")
    elif policy == "slope":
        need(args["num_iter_2"] != args["num_iter_1"],
             "num_iter_2 must differ from num_iter_1 (the slope divides by their difference).")
    elif policy == "cyclical":
        need(args["stepsize"] > 0, f"stepsize must be > 0 (got {args['stepsize']}).")
        need(args.get("base_lr", 1.0) != 0, "base_lr must not be 0 (f divides by |base_lr|).")
    elif policy == "compositeCyclical":
        need(args["cyclical_step_size"] > 0, "cyclical_step_size must be > 0.")
        need(args.get("base_lr", 1.0) != 0, "base_lr must not be 0 (f divides by |base_lr|).")
    elif policy in ("cosine", "compositeCosine"):
        pre = "" if policy == "cosine" else "cosine_"
        need(args[pre + "period"] > 0, f"{pre}period must be > 0 (got {args[pre + 'period']}).")
        need(args[pre + "t_mult"] > 0, f"{pre}t_mult must be > 0 (got {args[pre + 't_mult']}).")
    elif policy == "composite":
        _composite_subs(args["sub_policy_num_iters"],
                        {k: args[k] for k in composite_arg_names(args)})
    if policy in ("constantThenLinearWarmup", "compositeCyclical", "compositeCosine"):
        need(args["constant_warmup_num_iter"] >= 0 and args["linear_warmup_num_iter"] >= 0,
             "constant_warmup_num_iter and linear_warmup_num_iter must be >= 0.")


def multiplier(iter: Iter, policy: str, base_lr: float = 1.0, **args: Any) -> Multiplier:
    """``f_policy(iter)`` with Caffe2's defaults for the arguments not given.

    Raises:
        ValueError: unknown policy (with suggestions), unknown argument, or invalid values.
    """
    fn, _ = _lookup(policy)
    resolved = _resolve(policy, {"base_lr": base_lr, **args})
    check_policy_args(policy, {"base_lr": base_lr, **resolved})
    return fn(iter, **resolved)


def learning_rate(iter: Iter, base_lr: float, policy: str, **args: Any) -> Multiplier:
    """``base_lr × f_policy(iter)``: what the ``LearningRate`` op outputs at counter ``iter``.

    ``iter`` may be an int or an integer array (e.g. ``np.arange(1, 1001)`` for a plot).
    ``base_lr`` is negative by Caffe2's convention when the rate feeds ``WeightedSum``.
    """
    m = multiplier(iter, policy, base_lr=base_lr, **args)
    if np.ndim(iter) == 0:
        return float(base_lr) * float(m)
    return float(base_lr) * np.asarray(m)
