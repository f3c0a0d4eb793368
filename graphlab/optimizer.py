"""Optimizers are just more operators: ``build_sgd`` writes the update rule into the net.

The seed tutorial wrote its SGD step by hand::

    train_net.Iter(ITER, ITER)
    LR = train_net.LearningRate(ITER, "LR", base_lr=-0.1, policy="step", stepsize=20, gamma=0.9)
    train_net.WeightedSum([W, ONE, gradient_map[W], LR], W)

``build_sgd(model, base_learning_rate=0.1, policy="step", stepsize=20, gamma=0.9)`` adds
the same operators (Caffe2's names and order) for every parameter of a
:class:`~graphlab.model_helper.ModelHelper`:

* ``param_init_net``: ``ConstantFill([], "optimizer_iteration", shape=[1], value=0,
  dtype=INT64)`` and ``CreateMutex([], ["iteration_mutex"])`` (once), and per parameter
  ``ConstantFill([], "ONE_0_0", shape=[1], value=1.0)``;
* ``net``: ``AtomicIter([iteration_mutex, optimizer_iteration], [optimizer_iteration])``
  (once), ``LearningRate([optimizer_iteration], "SgdOptimizer_<k>_lr_cpu",
  base_lr=-lr, policy=..., **policy_args)`` (once per optimizer), and per parameter
  ``WeightedSum([param, ONE_0_0, grad, lr], param)``: ``param ← param + lr·grad`` with a
  *negative* ``lr``, i.e. ``param ← param − |lr|·grad``.

**Sign convention.** You pass a *positive* learning rate; the ``LearningRate`` op gets
``base_lr = −base_learning_rate`` because ``WeightedSum`` *adds* ``lr·grad``. With
``momentum > 0`` the update op is ``MomentumSGDUpdate``, which subtracts by itself, so
``base_lr = +base_learning_rate`` there. Fetching ``SgdOptimizer_0_lr_cpu`` therefore shows
a negative number for plain SGD — that is expected.

``k`` counts optimizer instances of each class in the process (``SgdOptimizer_0``,
``SgdOptimizer_1`` ...), as in Caffe2; :func:`reset_optimizer_instance_count` restarts it.

For plain :class:`~graphlab.core.Net` users (no ModelHelper) :func:`add_sgd` and
:func:`add_adam` take ``(net, param_init_net, params, gradient_map)``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from . import core
from .model_helper import ModelHelper, ParameterInfo
from .proto import DeviceOption

__all__ = [
    "AdagradOptimizer",
    "AdamOptimizer",
    "Optimizer",
    "RmsPropOptimizer",
    "SgdOptimizer",
    "add_adam",
    "add_sgd",
    "build_adagrad",
    "build_adam",
    "build_rms_prop",
    "build_sgd",
    "reset_optimizer_instance_count",
]

OPTIMIZER_ITERATION_NAME = "optimizer_iteration"
ITERATION_MUTEX_NAME = "iteration_mutex"

_instance_count: dict[str, int] = {}

#: Options of Caffe2's build_* functions that graphlab does not implement.
_UNSUPPORTED = {
    "max_gradient_norm": "gradient-norm clipping",
    "allow_lr_injection": "learning-rate injection",
    "sparse_dedup_aggregator": "sparse gradients",
    "lars": "LARS",
    "rowWise": "row-wise Adam",
}


def _warn_weight_decay_ignored(value: Any) -> None:
    """Caffe2's SGD took ``weight_decay`` and did nothing with it; say so instead."""
    warnings.warn(
        f"build_sgd(weight_decay={value!r}) has no effect, exactly as in Caffe2: Caffe2's "
        "SgdOptimizer passed weight_decay on to the LearningRate op, which ignored it, so no "
        "weight decay was applied (graphlab leaves it off the op). To decay the weights, "
        "add an L2 penalty (lambda/2)·ΣW² to the loss before AddGradientOperators, built "
        "from ops such as Sqr, ReduceSum, Scale and Add.",
        UserWarning,
        stacklevel=4,
    )


def reset_optimizer_instance_count() -> None:
    """Restart the per-class counters, so the next SGD optimizer is ``SgdOptimizer_0``."""
    _instance_count.clear()


def _cpu() -> DeviceOption:
    """The device of the ops added once per model (iteration counter, mutex, AtomicIter)."""
    return DeviceOption(device_type=0, device_id=0)


def _param_device() -> DeviceOption:
    """The device of the ops added for a parameter: an empty DeviceOption, printed as
    ``device_option {}``, as Caffe2's optimizers print it (they build each parameter's
    ops under that parameter's device scope, which is empty on the CPU)."""
    return DeviceOption()


def _reject_unsupported(kwargs: Mapping[str, Any]) -> None:
    for key, what in _UNSUPPORTED.items():
        if key in kwargs and kwargs[key] not in (None, False):
            raise TypeError(
                f"graphlab's optimizers do not support {key} ({what}); it is a Caffe2 "
                "feature for large models outside this teaching library."
            )


class Optimizer:
    """Base class: called once per parameter, appends that parameter's update ops.

    ``opt(net, param_init_net, param, grad)`` or ``opt(net, param_init_net, param_info)``.
    Subclasses implement :meth:`_run`.
    """

    def __init__(self) -> None:
        cls = type(self).__name__
        self._instance_num = _instance_count.get(cls, 0)
        _instance_count[cls] = self._instance_num + 1

    def __call__(
        self,
        net: core.Net,
        param_init_net: core.Net,
        param: str | ParameterInfo,
        grad: str | None = None,
    ) -> None:
        if grad is None:
            if not isinstance(param, ParameterInfo) or param.grad is None:
                raise ValueError(
                    f"{type(self).__name__}: no gradient given for {str(param)!r}; call it "
                    "as opt(net, init_net, param, grad) or with a ParameterInfo whose .grad "
                    "is set."
                )
            info = param
        else:
            blob = param.blob if isinstance(param, ParameterInfo) else param
            info = ParameterInfo(blob=core.BlobReference(str(blob)),
                                 grad=core.BlobReference(str(grad)))
        self._run(net, param_init_net, info)

    def _run(self, net: core.Net, param_init_net: core.Net, info: ParameterInfo) -> None:
        raise NotImplementedError

    def lr_blob_name(self, base: str = "lr") -> str:
        """``<Class>_<k>_<base>_cpu``, e.g. ``SgdOptimizer_0_lr_cpu``."""
        return f"{type(self).__name__}_{self._instance_num}_{base}_cpu"

    def learning_rate_args(self) -> dict[str, Any]:
        """The arguments this optimizer gives its ``LearningRate`` op (sign included),
        ready for plotting: ``visualize.plot_lr_schedule(**opt.learning_rate_args())``."""
        return {"base_lr": -float(self._signed_lr()), "policy": self.policy,
                **self.init_kwargs}

    def _signed_lr(self) -> float:
        raise NotImplementedError

    def _schedule(
        self, net: core.Net, param_init_net: core.Net
    ) -> tuple[core.BlobReference, core.BlobReference]:
        """:meth:`build_lr` with this optimizer's own step, policy and policy arguments
        (the numbers :meth:`learning_rate_args` reports): ``(lr, iteration)``."""
        return self.build_lr(net, param_init_net, self._signed_lr(), policy=self.policy,
                             **self.init_kwargs)

    def build_lr(
        self,
        net: core.Net,
        param_init_net: core.Net,
        base_learning_rate: float,
        policy: str = "fixed",
        iter_val: int = 0,
        **policy_args: Any,
    ) -> tuple[core.BlobReference, core.BlobReference]:
        """Add the shared iteration counter (once per init net) and this optimizer's
        ``LearningRate`` op (once per net). ``base_learning_rate`` is passed to the op
        with its sign flipped (``base_lr = −base_learning_rate``).

        Returns:
            ``(lr, iteration)`` BlobReferences.
        """
        if not param_init_net.BlobIsDefined(OPTIMIZER_ITERATION_NAME):
            iteration = param_init_net.ConstantFill(
                [], OPTIMIZER_ITERATION_NAME, shape=[1], value=int(iter_val),
                dtype=core.DataType.INT64, device_option=_cpu(),
            )
            mutex = param_init_net.CreateMutex([], [ITERATION_MUTEX_NAME], device_option=_cpu())
            net.AtomicIter([mutex, iteration], [iteration], device_option=_cpu())
        else:
            iteration = param_init_net.GetBlobRef(OPTIMIZER_ITERATION_NAME)
        name = self.lr_blob_name("lr")
        if net.BlobIsDefined(name):
            lr = net.GetBlobRef(name)
        else:
            lr = net.LearningRate([iteration], name, base_lr=-float(base_learning_rate),
                                  policy=policy, device_option=_param_device(), **policy_args)
        return lr, iteration


def _check_lr(value: float, what: str = "base learning rate") -> None:
    if value < 0:
        raise ValueError(
            f"Expect positive {what}, got {value}. Pass the step size as a positive number "
            "(e.g. 0.1): the optimizer itself gives the LearningRate op base_lr = -0.1, "
            "because WeightedSum adds lr * grad and descent needs a negative lr."
        )


class SgdOptimizer(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum.

    Without momentum: ``param ← param + lr·grad`` via ``WeightedSum`` with
    ``lr = −base_learning_rate·f_policy(iter)``. With ``momentum > 0``:
    ``MomentumSGDUpdate([grad, param_momentum, lr, param], [grad, param_momentum, param])``
    with ``lr = +base_learning_rate·f_policy(iter)`` and a zero-filled
    ``<param>_momentum`` buffer shaped like the parameter.

    Args:
        base_learning_rate: positive step size; 0 adds no ops at all.
        policy: ``LearningRate`` policy (``"fixed"``, ``"step"``, ``"exp"`` ...).
        momentum: momentum coefficient; 0 means plain SGD.
        nesterov: 1 for Nesterov momentum (used only with momentum).
        **policy_args: passed to ``LearningRate`` (``stepsize=20, gamma=0.9`` ...).
            ``weight_decay`` is accepted with a warning and has no effect, as in Caffe2
            (whose SgdOptimizer handed it to the LearningRate op, which ignored it).

    Raises:
        ValueError: negative ``base_learning_rate``.
    """

    def __init__(
        self,
        base_learning_rate: float = 0.01,
        policy: str = "fixed",
        momentum: float = 0.0,
        nesterov: int = 1,
        **policy_args: Any,
    ) -> None:
        _reject_unsupported(policy_args)
        _check_lr(base_learning_rate)
        if "weight_decay" in policy_args:
            _warn_weight_decay_ignored(policy_args.pop("weight_decay"))
        super().__init__()
        self.base_learning_rate = base_learning_rate
        self.policy = policy
        self.momentum = momentum
        self.nesterov = nesterov
        self.init_kwargs = dict(policy_args)

    def _signed_lr(self) -> float:
        return self.base_learning_rate * (-1.0 if self.momentum else 1.0)

    def _run(self, net: core.Net, param_init_net: core.Net, info: ParameterInfo) -> None:
        if self.base_learning_rate == 0:
            return
        param, grad = info.blob, info.grad
        lr, _ = self._schedule(net, param_init_net)
        dev = _param_device()
        one = param_init_net.ConstantFill([], "ONE_0_0", shape=[1], value=1.0,
                                          device_option=dev)
        if self.momentum > 0:
            buf = param_init_net.ConstantFill([param], str(param) + "_momentum", value=0.0,
                                              device_option=dev)
            net.MomentumSGDUpdate([grad, buf, lr, param], [grad, buf, param],
                                  momentum=float(self.momentum), nesterov=int(self.nesterov),
                                  device_option=dev)
        else:
            net.WeightedSum([param, one, grad, lr], param, device_option=dev)


class AdamOptimizer(Optimizer):
    """Adam: per parameter ``Adam([param, m1, m2, grad, lr, iter], [param, m1, m2])``.

    With ``t = iter + 1`` and ``corr = sqrt(1 − β2ᵗ) / (1 − β1ᵗ)``:
    ``m1 ← β1·m1 + (1 − β1)·g``, ``m2 ← β2·m2 + (1 − β2)·g²``,
    ``param ← param + lr·corr·m1 / (sqrt(m2) + ε)`` with ``lr = −alpha·f_policy(iter)``.
    The moments ``<param>_first_moment`` / ``<param>_second_moment`` are zero-filled
    in ``param_init_net`` shaped like the parameter.

    Args:
        alpha: positive step size; 0 adds no ops.
        beta1, beta2, epsilon: Adam's constants (ε = 1e-8 here, the op's own default
            is 1e-5).
        policy, **policy_args: as for :class:`SgdOptimizer`.

    Raises:
        ValueError: negative ``alpha`` (Caffe2 silently added nothing).
    """

    def __init__(
        self,
        alpha: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        policy: str = "fixed",
        **policy_args: Any,
    ) -> None:
        _reject_unsupported(policy_args)
        policy_args.pop("engine", None)
        _check_lr(alpha)
        super().__init__()
        self.alpha = alpha
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.policy = policy
        self.init_kwargs = dict(policy_args)

    def _signed_lr(self) -> float:
        return self.alpha

    def _run(self, net: core.Net, param_init_net: core.Net, info: ParameterInfo) -> None:
        if self.alpha == 0:
            return
        param, grad = info.blob, info.grad
        lr, iteration = self._schedule(net, param_init_net)
        dev = _param_device()
        m1 = param_init_net.ConstantFill([param], str(param) + "_first_moment", value=0.0,
                                         device_option=dev)
        m2 = param_init_net.ConstantFill([param], str(param) + "_second_moment", value=0.0,
                                         device_option=dev)
        net.Adam([param, m1, m2, grad, lr, iteration], [param, m1, m2],
                 beta1=float(self.beta1), beta2=float(self.beta2), epsilon=float(self.epsilon),
                 device_option=dev)


# ---- building for a whole model ----------------------------------------------------------


def _build(model: ModelHelper, opt: Optimizer, weights_only: bool = False) -> Optimizer:
    if not isinstance(model, ModelHelper):
        raise TypeError(
            f"expected a ModelHelper, got {type(model).__name__}. For a plain core.Net use "
            "optimizer.add_sgd(net, init_net, params, gradient_map, ...) (or add_adam)."
        )
    model.Validate()
    for info in model.GetOptimizationParamInfo():
        if weights_only and info.blob not in model.weights:
            continue
        (info.optimizer or opt)(model.net, model.param_init_net, info)
    return opt


def build_sgd(
    model: ModelHelper,
    base_learning_rate: float,
    policy: str = "fixed",
    momentum: float = 0.0,
    nesterov: int = 1,
    **kwargs: Any,
) -> SgdOptimizer:
    """Add SGD update ops for every parameter of ``model`` that has a gradient.

    Call after ``model.AddGradientOperators([loss])``. ``base_learning_rate`` is positive;
    ``policy`` and ``kwargs`` (``stepsize``, ``gamma``, ``power``, ``max_iter`` ...) go to the
    ``LearningRate`` op; see the module docstring for the exact ops.

    Returns:
        The :class:`SgdOptimizer` (its ``lr_blob_name()`` is the learning-rate blob).

    Raises:
        ValueError: ``base_learning_rate`` is negative.
        RuntimeError: gradients have not been added yet.
    """
    opt = SgdOptimizer(base_learning_rate, policy=policy, momentum=momentum,
                       nesterov=nesterov, **kwargs)
    return _build(model, opt)  # type: ignore[return-value]


def build_adam(
    model: ModelHelper,
    base_learning_rate: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    policy: str = "fixed",
    **kwargs: Any,
) -> AdamOptimizer:
    """Add Adam update ops (see :class:`AdamOptimizer`) for every parameter with a gradient.

    Returns:
        The :class:`AdamOptimizer`.
    """
    opt = AdamOptimizer(alpha=base_learning_rate, beta1=beta1, beta2=beta2, epsilon=epsilon,
                        policy=policy, **kwargs)
    return _build(model, opt)  # type: ignore[return-value]


# ---- building for plain nets -------------------------------------------------------------


def _apply(
    opt: Optimizer,
    net: core.Net,
    param_init_net: core.Net,
    params: Sequence[str],
    gradient_map: Mapping[str, str],
) -> Optimizer:
    missing = [str(p) for p in params if str(p) not in gradient_map]
    if missing:
        raise KeyError(
            f"no gradient for {missing} in gradient_map; pass the map returned by "
            "net.AddGradientOperators([loss]) and parameters the loss depends on."
        )
    lookup = {str(k): v for k, v in gradient_map.items()}
    for p in params:
        opt(net, param_init_net, str(p), str(lookup[str(p)]))
    return opt


def add_sgd(
    net: core.Net,
    param_init_net: core.Net,
    params: Sequence[str],
    gradient_map: Mapping[str, str],
    base_learning_rate: float,
    policy: str = "fixed",
    momentum: float = 0.0,
    nesterov: int = 1,
    **kwargs: Any,
) -> SgdOptimizer:
    """:func:`build_sgd` for plain nets: update each of ``params`` with
    ``gradient_map[param]`` (the dict ``net.AddGradientOperators`` returned).

    The counter and ``ONE_0_0`` go into ``param_init_net``; run it (again) before
    ``CreateNet(net)``.
    """
    opt = SgdOptimizer(base_learning_rate, policy=policy, momentum=momentum,
                       nesterov=nesterov, **kwargs)
    return _apply(opt, net, param_init_net, params, gradient_map)  # type: ignore[return-value]


def add_adam(
    net: core.Net,
    param_init_net: core.Net,
    params: Sequence[str],
    gradient_map: Mapping[str, str],
    base_learning_rate: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    policy: str = "fixed",
    **kwargs: Any,
) -> AdamOptimizer:
    """:func:`build_adam` for plain nets (see :func:`add_sgd`)."""
    opt = AdamOptimizer(alpha=base_learning_rate, beta1=beta1, beta2=beta2, epsilon=epsilon,
                        policy=policy, **kwargs)
    return _apply(opt, net, param_init_net, params, gradient_map)  # type: ignore[return-value]


# ---- Adagrad and RMSProp -------------------------------------------------------------------


def _reject_options(cls: str, kwargs: dict[str, Any], names: Sequence[str]) -> None:
    """Refuse Caffe2 options (rarely used, for large or sparse models) graphlab lacks."""
    for key in names:
        if kwargs.pop(key, None) not in (None, False, "", 0):
            raise TypeError(
                f"{cls}: graphlab does not support {key}; it is a Caffe2 feature for large "
                "or sparse models outside this teaching library."
            )


class AdagradOptimizer(Optimizer):
    """Adagrad: per parameter ``Adagrad([param, h, grad, lr], [param, h])``.

    ``h ← decay·h + g²``, ``param ← param + lr·g / (sqrt(h) + ε)`` with
    ``lr = −alpha·f_policy(iter)`` (negative, as for SGD's WeightedSum). The running sum
    of squares ``<param>_squared_sum`` is zero-filled in ``param_init_net`` shaped like
    the parameter. Exactly Caffe2's ops: ``param_init_net`` gets the iteration counter,
    the mutex and the ``_squared_sum`` fills; ``net`` gets ``AtomicIter``,
    ``LearningRate`` (``AdagradOptimizer_<k>_lr_cpu``) and one ``Adagrad`` per parameter.

    Args:
        alpha: positive step size; 0 adds no ops.
        epsilon: added to ``sqrt(h)`` (1e-4 here, as in Caffe2's optimizer; the op's own
            default is 1e-5).
        decay: how much of the old sum is kept each step (1: plain Adagrad).
        policy, **policy_args: as for :class:`SgdOptimizer`.
    """

    def __init__(
        self,
        alpha: float = 0.01,
        epsilon: float = 1e-4,
        decay: float = 1,
        policy: str = "fixed",
        **policy_args: Any,
    ) -> None:
        _reject_unsupported(policy_args)
        _reject_options("AdagradOptimizer", policy_args,
                        ("output_effective_lr", "output_effective_lr_and_update"))
        policy_args.pop("engine", None)
        _check_lr(alpha)
        super().__init__()
        self.alpha = alpha
        self.epsilon = epsilon
        self.decay = decay
        self.policy = policy
        self.init_kwargs = dict(policy_args)

    def _signed_lr(self) -> float:
        return self.alpha

    def _run(self, net: core.Net, param_init_net: core.Net, info: ParameterInfo) -> None:
        if self.alpha <= 0:
            return
        param, grad = info.blob, info.grad
        lr, _ = self._schedule(net, param_init_net)
        dev = _param_device()
        squared_sum = param_init_net.ConstantFill([param], str(param) + "_squared_sum",
                                                  value=0.0, device_option=dev)
        net.Adagrad([param, squared_sum, grad, lr], [param, squared_sum],
                    epsilon=float(self.epsilon), decay=float(self.decay), device_option=dev)


class RmsPropOptimizer(Optimizer):
    """RMSProp: per parameter an ``RmsProp`` op then a ``MomentumSGDUpdate``, as Caffe2.

    ``ms ← ms + (1 − decay)·(g² − ms)``; ``mom ← momentum·mom + g / sqrt(ε + ms)``
    (``RmsProp`` runs with lr = ``ONE_0_0``, a constant 1); then
    ``MomentumSGDUpdate([grad_o, mom, lr, param], [grad_o, mom, param])`` with the
    *positive* ``lr = alpha·f_policy(iter)`` and its own momentum 0, i.e.
    ``param ← param − lr·mom``. Caffe2 passes the same ``<param>_momentum`` blob to both
    ops, so MomentumSGDUpdate leaves ``lr·mom`` in it, and RmsProp's next momentum step
    starts from that scaled value; graphlab keeps that quirk so the numbers match.

    Buffers zero-filled in ``param_init_net`` shaped like the parameter:
    ``<param>_grad_o``, ``<param>_mean_squares``, ``<param>_momentum``. (Caffe2 wrote
    these fills with a misspelt argument ``values=0.0`` that ConstantFill ignored;
    graphlab writes ``value=0.0``, which fills the same zeros.)

    Args:
        alpha: positive step size.
        decay, momentum, epsilon: RMSProp's constants (Caffe2's defaults).
        policy, **policy_args: as for :class:`SgdOptimizer`.

    Raises:
        ValueError: ``alpha`` is not positive (Caffe2 asserted it).
    """

    def __init__(
        self,
        alpha: float = 0.01,
        decay: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-5,
        policy: str = "fixed",
        **policy_args: Any,
    ) -> None:
        _reject_unsupported(policy_args)
        policy_args.pop("engine", None)
        _check_lr(alpha)
        if alpha == 0:
            raise ValueError("RmsPropOptimizer needs a positive alpha (Caffe2 asserted "
                             "alpha > 0); pass e.g. base_learning_rate=0.01.")
        super().__init__()
        self.alpha = alpha
        self.decay = decay
        self.momentum = momentum
        self.epsilon = epsilon
        self.policy = policy
        self.init_kwargs = dict(policy_args)

    def _signed_lr(self) -> float:
        return -self.alpha

    def _run(self, net: core.Net, param_init_net: core.Net, info: ParameterInfo) -> None:
        param, grad = info.blob, info.grad
        dev = _param_device()
        one = param_init_net.ConstantFill([], "ONE_0_0", shape=[1], value=1.0, device_option=dev)
        lr, _ = self._schedule(net, param_init_net)
        grad_o, ms, mom = (
            param_init_net.ConstantFill([param], f"{param}_{suffix}", value=0.0, device_option=dev)
            for suffix in ("grad_o", "mean_squares", "momentum"))
        net.RmsProp([grad, ms, mom, one], [grad_o, ms, mom], decay=float(self.decay),
                    momentum=float(self.momentum), epsilon=float(self.epsilon), device_option=dev)
        net.MomentumSGDUpdate([grad_o, mom, lr, param], [grad_o, mom, param], device_option=dev)


def _only(model: ModelHelper, opt: Optimizer, parameters: Sequence[str] | None) -> Optimizer:
    """:func:`_build` restricted to ``parameters`` (all parameters when None)."""
    if parameters is None:
        return _build(model, opt)
    model.Validate()
    for info in model.GetOptimizationParamInfo([str(p) for p in parameters]):
        (info.optimizer or opt)(model.net, model.param_init_net, info)
    return opt


def build_adagrad(
    model: ModelHelper,
    base_learning_rate: float,
    parameters: Sequence[str] | None = None,
    **kwargs: Any,
) -> AdagradOptimizer:
    """Add Adagrad update ops (see :class:`AdagradOptimizer`) for every parameter of
    ``model`` that has a gradient, or only for ``parameters``.

    ``kwargs``: ``epsilon`` (1e-4), ``decay`` (1), ``policy`` and its arguments.

    Returns:
        The :class:`AdagradOptimizer`.
    """
    _reject_unsupported(kwargs)
    opt = AdagradOptimizer(alpha=base_learning_rate, **kwargs)
    return _only(model, opt, parameters)  # type: ignore[return-value]


def build_rms_prop(
    model: ModelHelper,
    base_learning_rate: float,
    **kwargs: Any,
) -> RmsPropOptimizer:
    """Add RMSProp update ops (see :class:`RmsPropOptimizer`) for every parameter of
    ``model`` that has a gradient.

    ``kwargs``: ``decay`` (0.9), ``momentum`` (0.0), ``epsilon`` (1e-5), ``policy`` and
    its arguments.

    Returns:
        The :class:`RmsPropOptimizer`.
    """
    _reject_unsupported(kwargs)
    opt = RmsPropOptimizer(alpha=base_learning_rate, **kwargs)
    return _build(model, opt)  # type: ignore[return-value]
