"""``brew``: layer helpers that add parameters *and* operators to a :class:`ModelHelper`.

A helper takes the model first, then the input and output blob names::

    h = brew.fc(model, "X", "h", dim_in=2, dim_out=8)     # h_w [8, 2], h_b [8], FC
    h = brew.relu(model, h, h)                             # in place
    y = brew.fc(model, h, "y", dim_in=8, dim_out=1)

``brew.fc`` puts ``XavierFill`` for ``<out>_w`` (shape ``[dim_out, dim_in]``) and
``ConstantFill`` for ``<out>_b`` (shape ``[dim_out]``, float zeros) into
``model.param_init_net``, registers both in ``model.params``, and adds
``FC([in, <out>_w, <out>_b], out)`` to ``model.net``.

Every helper call merges keyword defaults first from ``model.arg_scope``, then from
any enclosing ``with brew.arg_scope(...)`` block, and finally the call's own keywords win.
Your own helpers join with :func:`Register`.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from . import core
from .errors import ArgumentError, did_you_mean
from .model_helper import ModelHelper, ParameterTags
from .registry import FRAMEWORK_ARGS, get_schema

__all__ = [
    "Register",
    "accuracy",
    "arg_scope",
    "average_pool",
    "conv",
    "conv_transpose",
    "db_input",
    "dropout",
    "fc",
    "has_helper",
    "helpers",
    "iter",
    "lrn",
    "max_pool",
    "relu",
    "sigmoid",
    "softmax",
    "spatial_bn",
    "tanh",
]

Initializer = tuple[str, dict[str, Any]]

_HELPERS: dict[str, Callable[..., Any]] = {}
_SCOPES: list[dict[str, dict[str, Any]]] = [{}]


def _merged_kwargs(name: str, func: Callable[..., Any], args: tuple, kwargs: dict) -> dict:
    model = args[0] if args else kwargs.get("model")
    if not isinstance(model, ModelHelper):
        raise TypeError(
            f"brew.{name}: the first argument must be a ModelHelper (got "
            f"{type(model).__name__}), e.g. brew.{name}(model, 'X', 'Y', ...)."
        )
    merged = model.arg_scope
    params = inspect.signature(func).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    if not takes_any:
        merged = {k: v for k, v in merged.items() if k in params}
    merged.update(_SCOPES[-1].get(name, {}))
    merged.update(kwargs)
    return merged


def Register(helper: Callable[..., Any]) -> Callable[..., Any]:  # noqa: N802 - Caffe2's name
    """Make ``helper`` callable as ``brew.<helper.__name__>(model, ...)``.

    The wrapped helper receives ``model.arg_scope`` and ``brew.arg_scope`` defaults like
    the built-in ones. Usable as a decorator; returns the wrapper.

    Raises:
        ValueError: a helper of that name exists already.
    """
    name = helper.__name__
    if name in _HELPERS:
        raise ValueError(f"brew already has a helper named {name!r}.")

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return helper(*args, **_merged_kwargs(name, helper, args, kwargs))

    wrapper.__name__ = name
    wrapper.__qualname__ = name
    wrapper.__doc__ = helper.__doc__
    wrapper.__wrapped__ = helper  # type: ignore[attr-defined]
    _HELPERS[name] = wrapper
    return wrapper


def has_helper(name: str) -> bool:
    """True if ``brew.<name>`` exists."""
    return name in _HELPERS


def helpers() -> list[str]:
    """Names of all registered helpers, sorted."""
    return sorted(_HELPERS)


@contextlib.contextmanager
def arg_scope(
    helpers_: Callable[..., Any] | str | Sequence[Callable[..., Any] | str], **kwargs: Any
) -> Iterator[None]:
    """Give helpers default keyword arguments inside a ``with`` block.

    ``with brew.arg_scope([brew.fc], weight_init=("ConstantFill", {"value": 0.1})):`` makes
    every ``brew.fc`` in the block use that weight filler unless the call says otherwise.
    Blocks nest; the inner one wins.
    """
    items = helpers_ if isinstance(helpers_, (list, tuple)) else [helpers_]
    names = []
    for h in items:
        n = h if isinstance(h, str) else getattr(h, "__name__", "")
        if n not in _HELPERS:
            raise ValueError(f"brew has no helper {n!r}." + did_you_mean(n, _HELPERS))
        names.append(n)
    scope = {k: dict(v) for k, v in _SCOPES[-1].items()}
    for n in names:
        scope.setdefault(n, {}).update(kwargs)
    _SCOPES.append(scope)
    try:
        yield
    finally:
        _SCOPES.pop()


def __getattr__(name: str) -> Any:
    if name in _HELPERS:
        return _HELPERS[name]
    raise AttributeError(
        f"module 'graphlab.brew' has no helper {name!r}." + did_you_mean(name, _HELPERS)
        + f" Helpers: {', '.join(sorted(_HELPERS))}."
    )


# ---- layers with parameters ------------------------------------------------------------


@Register
def fc(
    model: ModelHelper,
    blob_in: str,
    blob_out: str,
    dim_in: int,
    dim_out: int,
    weight_init: Initializer | None = None,
    bias_init: Initializer | None = None,
    **kwargs: Any,
) -> core.BlobReference:
    """Fully connected layer ``Y = X · Wᵀ + b`` with its parameters.

    Adds to ``model.param_init_net``: ``<blob_out>_w`` shaped ``[dim_out, dim_in]``
    (``weight_init``, default ``("XavierFill", {})``: uniform on ±sqrt(3 / dim_in)) and
    ``<blob_out>_b`` shaped ``[dim_out]`` (``bias_init``, default ``("ConstantFill", {})``:
    float zeros). Adds ``FC([blob_in, w, b], blob_out, **kwargs)`` to ``model.net``.
    X ``[N, dim_in]`` → Y ``[N, dim_out]``.

    Returns:
        The output BlobReference.
    """
    for arg, value in (("dim_in", dim_in), ("dim_out", dim_out)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(
                f"brew.fc({str(blob_out)!r}): {arg} must be a positive int, got {value!r}. "
                "dim_in is the number of input features (X's last dimension), dim_out the "
                "number of outputs."
            )
    out = str(blob_out)
    fc_args = list(get_schema("FC").args)
    for key in kwargs:
        if key not in fc_args and key not in FRAMEWORK_ARGS:
            own = ["dim_in", "dim_out", "weight_init", "bias_init"]
            raise ArgumentError(
                f"brew.fc({out!r}) has no argument {key!r}." + did_you_mean(key, own + fc_args)
                + f" It takes {', '.join(own)} and FC's arguments: {', '.join(fc_args)}."
            )
    w = model.create_param(out + "_w", [dim_out, dim_in], weight_init or ("XavierFill", {}),
                           ParameterTags.WEIGHT)
    b = model.create_param(out + "_b", [dim_out], bias_init or ("ConstantFill", {}),
                           ParameterTags.BIAS)
    return model.net.FC([blob_in, w, b], blob_out, **kwargs)


# ---- data input ------------------------------------------------------------------------


@Register
def db_input(
    model: ModelHelper, blobs_out: Sequence[str], batch_size: int, db: str, db_type: str
) -> Any:
    """Batches from a DB: ``CreateDB`` in ``param_init_net``, ``TensorProtosDBInput`` in
    ``net`` (see ``ModelHelper.TensorProtosDBInput``); one output per tensor in each
    record, e.g. ``brew.db_input(model, ["data_uint8", "label"], batch_size=64,
    db="mnist-train-nchw-lmdb", db_type="lmdb")`` gives ``[64, 1, 28, 28]`` uint8 and
    ``[64]`` int32."""
    return model.TensorProtosDBInput([], blobs_out, batch_size=batch_size, db=db,
                                     db_type=db_type)


# ---- parameter-free layers -------------------------------------------------------------


@Register
def relu(model: ModelHelper, blob_in: str, blob_out: str, **kwargs: Any) -> core.BlobReference:
    """``Y = max(0, X)`` elementwise (``blob_out`` may equal ``blob_in``: in place)."""
    return model.net.Relu(blob_in, blob_out, **kwargs)


@Register
def sigmoid(model: ModelHelper, blob_in: str, blob_out: str, **kwargs: Any) -> core.BlobReference:
    """``Y = 1 / (1 + exp(−X))`` elementwise."""
    return model.net.Sigmoid(blob_in, blob_out, **kwargs)


@Register
def tanh(model: ModelHelper, blob_in: str, blob_out: str, **kwargs: Any) -> core.BlobReference:
    """``Y = tanh(X)`` elementwise."""
    return model.net.Tanh(blob_in, blob_out, **kwargs)


@Register
def softmax(
    model: ModelHelper, blob_in: str, blob_out: str | None = None, **kwargs: Any
) -> core.BlobReference:
    """Row-wise softmax ``Y_ij = exp(X_ij) / Σ_k exp(X_ik)``; X ``[N, D]`` → Y ``[N, D]``."""
    return model.net.Softmax(blob_in, blob_out, **kwargs)


# ---- vision layers (Caffe2's MNIST and CIFAR-10 tutorials) ------------------------------
#
# Names, shapes and fillers as Caffe2's helpers made them: ``<out>_w``/``<out>_b`` for
# convolutions; ``<out>_s``, ``<out>_b``, ``<out>_rm``, ``<out>_riv`` for spatial_bn;
# ``_<out>_mask`` for dropout. The ops carry ``order`` as Caffe2's helpers wrote it.


def _check_op_kwargs(helper: str, op_type: str, out: str, kwargs: dict[str, Any],
                     own: Sequence[str]) -> None:
    """Refuse a keyword that is neither the helper's own nor an argument of ``op_type``."""
    op_args = list(get_schema(op_type).args)
    for key in kwargs:
        if key not in op_args and key not in FRAMEWORK_ARGS:
            raise ArgumentError(
                f"brew.{helper}({out!r}) has no argument {key!r}."
                + did_you_mean(key, [*own, *op_args])
                + f" It takes {', '.join(own)} and {op_type}'s arguments: {', '.join(op_args)}."
            )


def _positive_int(helper: str, out: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"brew.{helper}({out!r}): {name} must be a positive int, got {value!r}.")
    return int(value)


def _kernel_args(helper: str, out: str, kernel: int | Sequence[int]) -> tuple[list[int],
                                                                               dict[str, Any]]:
    """(kernel sizes for the filter shape, the op's kernel arguments): an int becomes
    ``kernel=k``; two sizes ``kernel_h``/``kernel_w``; other lengths ``kernels``."""
    if isinstance(kernel, (list, tuple)):
        sizes = [_positive_int(helper, out, "kernel", k) for k in kernel]
        if len(sizes) == 2:
            return sizes, {"kernel_h": sizes[0], "kernel_w": sizes[1]}
        return sizes, {"kernels": sizes}
    k = _positive_int(helper, out, "kernel", kernel)
    return [k, k], {"kernel": k}


def _conv_layer(op_type: str, helper: str, model: ModelHelper, blob_in: str, blob_out: str,
                dim_in: int, dim_out: int, kernel: int | Sequence[int],
                weight_init: Initializer | None, bias_init: Initializer | None, group: int,
                order: str, kwargs: dict[str, Any]) -> core.BlobReference:
    out = str(blob_out)
    kwargs = dict(kwargs)
    own = ["dim_in", "dim_out", "kernel", "weight_init", "bias_init", "group", "order"]
    _check_op_kwargs(helper, op_type, out, kwargs, own)
    dim_in = _positive_int(helper, out, "dim_in", dim_in)
    dim_out = _positive_int(helper, out, "dim_out", dim_out)
    group = _positive_int(helper, out, "group", group)
    if order not in ("NCHW", "NHWC"):
        raise ValueError(f"brew.{helper}({out!r}): order must be 'NCHW' or 'NHWC', got {order!r}.")
    sizes, kernel_args = _kernel_args(helper, out, kernel)
    if op_type == "Conv":  # [M, C/G, *k] (NCHW) or [M, *k, C/G] (NHWC)
        if dim_in % group:
            raise ValueError(f"brew.{helper}({out!r}): group={group} must divide dim_in={dim_in}.")
        lead, chan = dim_out, dim_in // group
    else:  # ConvTranspose: [C, M/G, *k] or [C, *k, M/G]
        lead, chan = dim_in, dim_out // group
    shape = [lead, chan, *sizes] if order == "NCHW" else [lead, *sizes, chan]
    w = model.create_param(out + "_w", shape, weight_init or ("XavierFill", {}),
                           ParameterTags.WEIGHT)
    inputs = [blob_in, w]
    no_bias = kwargs.pop("no_bias", 0) if op_type == "Conv" else kwargs.get("no_bias", 0)
    if not no_bias:  # brew.conv does not pass no_bias on; conv_transpose did, as Caffe2's
        inputs.append(model.create_param(out + "_b", [dim_out], bias_init or ("ConstantFill", {}),
                                         ParameterTags.BIAS))
    op_kwargs = {**kernel_args, "order": order, **kwargs}
    if group != 1:
        op_kwargs["group"] = group
    return getattr(model.net, op_type)(inputs, blob_out, **op_kwargs)


@Register
def conv(
    model: ModelHelper,
    blob_in: str,
    blob_out: str,
    dim_in: int,
    dim_out: int,
    kernel: int | Sequence[int],
    weight_init: Initializer | None = None,
    bias_init: Initializer | None = None,
    group: int = 1,
    order: str = "NCHW",
    **kwargs: Any,
) -> core.BlobReference:
    """Convolution layer with its parameters (Caffe2's ``brew.conv``).

    Adds ``<blob_out>_w`` (``weight_init``, default ``("XavierFill", {})``) shaped
    ``[dim_out, dim_in/group, k_h, k_w]`` for NCHW or ``[dim_out, k_h, k_w, dim_in/group]``
    for NHWC, and ``<blob_out>_b`` ``[dim_out]`` (``bias_init``, default zeros) unless
    ``no_bias=1``; then ``Conv([in, w, b], out, kernel=k, order=order, **kwargs)``.
    ``kernel`` is an int or a list (two sizes become ``kernel_h``/``kernel_w``). Other
    keywords (``stride``, ``pad``, ``dilation`` ...) go to the op. Example (LeNet):
    ``brew.conv(model, "data", "conv1", dim_in=1, dim_out=20, kernel=5)``: X
    ``[N, 1, 28, 28]`` → ``[N, 20, 24, 24]``.
    """
    return _conv_layer("Conv", "conv", model, blob_in, blob_out, dim_in, dim_out, kernel,
                       weight_init, bias_init, group, order, kwargs)


@Register
def conv_transpose(
    model: ModelHelper,
    blob_in: str,
    blob_out: str,
    dim_in: int,
    dim_out: int,
    kernel: int | Sequence[int],
    weight_init: Initializer | None = None,
    bias_init: Initializer | None = None,
    group: int = 1,
    order: str = "NCHW",
    **kwargs: Any,
) -> core.BlobReference:
    """Transposed convolution with its parameters (Caffe2's ``brew.conv_transpose``).

    ``<blob_out>_w`` is ``[dim_in, dim_out/group, k_h, k_w]`` (NCHW) or ``[dim_in, k_h, k_w,
    dim_out/group]`` (NHWC), XavierFill by default; ``<blob_out>_b`` ``[dim_out]`` zeros.
    Departure: with ``no_bias=1`` no bias is made (Caffe2's helper made and passed one
    anyway).
    """
    return _conv_layer("ConvTranspose", "conv_transpose", model, blob_in, blob_out, dim_in,
                       dim_out, kernel, weight_init, bias_init, group, order, kwargs)


@Register
def max_pool(model: ModelHelper, blob_in: str, blob_out: str, order: str = "NCHW",
             **kwargs: Any) -> core.BlobReference:
    """``MaxPool(in, out, order=order, **kwargs)``, e.g. ``kernel=2, stride=2``:
    ``[N, C, 24, 24]`` → ``[N, C, 12, 12]``."""
    _check_op_kwargs("max_pool", "MaxPool", str(blob_out), kwargs, ["order"])
    return model.net.MaxPool(blob_in, blob_out, order=order, **kwargs)


@Register
def average_pool(model: ModelHelper, blob_in: str, blob_out: str, order: str = "NCHW",
                 **kwargs: Any) -> core.BlobReference:
    """``AveragePool(in, out, order=order, **kwargs)`` (mean over each window)."""
    _check_op_kwargs("average_pool", "AveragePool", str(blob_out), kwargs, ["order"])
    return model.net.AveragePool(blob_in, blob_out, order=order, **kwargs)


@Register
def spatial_bn(model: ModelHelper, blob_in: str, blob_out: str, dim_in: int,
               init_scale: float = 1.0, init_bias: float = 0.0, order: str = "NCHW",
               **kwargs: Any) -> core.BlobReference:
    """Spatial batch normalisation with its parameters (Caffe2's ``brew.spatial_bn``).

    Parameters (``model.params``): ``<out>_s`` (scale, ``init_scale``) and ``<out>_b``
    (bias, ``init_bias``), both ``[dim_in]``. Running statistics, filled in
    ``param_init_net`` but *not* trained (nothing optimises them): ``<out>_rm`` (zeros) and
    ``<out>_riv`` (ones, the running variance), the model's computed params
    (``model.GetComputedParams()``, also in ``GetAllParams()``).
    ``is_test`` is required, as in Caffe2: with ``is_test=0`` the op also writes the
    running statistics in place and ``<out>_sm``, ``<out>_siv`` (the batch mean and inverse
    std the gradient reads). Returns the output Y.
    """
    out = str(blob_out)
    _check_op_kwargs("spatial_bn", "SpatialBN", out, kwargs,
                     ["dim_in", "init_scale", "init_bias", "order"])
    dim_in = _positive_int("spatial_bn", out, "dim_in", dim_in)
    if "is_test" not in kwargs:
        raise ArgumentError(f"brew.spatial_bn({out!r}) needs is_test: is_test=False while "
                            "training (batch statistics), True for inference.")
    scale = model.create_param(out + "_s", [dim_in], ("ConstantFill", {"value": init_scale}),
                               ParameterTags.WEIGHT)
    bias = model.create_param(out + "_b", [dim_in], ("ConstantFill", {"value": init_bias}),
                              ParameterTags.BIAS)
    running_mean = model.create_param(out + "_rm", [dim_in], ("ConstantFill", {"value": 0.0}),
                                      ParameterTags.COMPUTED_PARAM)
    running_var = model.create_param(out + "_riv", [dim_in], ("ConstantFill", {"value": 1.0}),
                                     ParameterTags.COMPUTED_PARAM)
    inputs = [blob_in, scale, bias, running_mean, running_var]
    kwargs = {**kwargs, "is_test": int(bool(kwargs["is_test"]))}
    if kwargs["is_test"]:
        return model.net.SpatialBN(inputs, blob_out, order=order, **kwargs)
    outputs = [blob_out, out + "_rm", out + "_riv", out + "_sm", out + "_siv"]
    return model.net.SpatialBN(inputs, outputs, order=order, **kwargs)[0]


@Register
def lrn(model: ModelHelper, blob_in: str, blob_out: str, order: str = "NCHW",
        **kwargs: Any) -> core.BlobReference:
    """``LRN(in, [out, "_<out>_scale"], order=order, size=..., alpha=..., beta=...,
    bias=...)``: local response normalisation across channels. Returns the output."""
    out = str(blob_out)
    _check_op_kwargs("lrn", "LRN", out, kwargs, ["order"])
    return model.net.LRN(blob_in, [blob_out, "_" + out + "_scale"], order=order, **kwargs)[0]


@Register
def dropout(model: ModelHelper, blob_in: str, blob_out: str,
            **kwargs: Any) -> core.BlobReference:
    """``Dropout(in, [out, "_<out>_mask"], **kwargs)``; ``is_test`` is required (Caffe2's
    op required it): ``is_test=False`` to drop while training, ``True`` for inference.
    Returns the output (the mask is the second output of the op)."""
    out = str(blob_out)
    _check_op_kwargs("dropout", "Dropout", out, kwargs, [])
    if "is_test" in kwargs:
        kwargs = {**kwargs, "is_test": int(bool(kwargs["is_test"]))}
    return model.net.Dropout(blob_in, [blob_out, "_" + out + "_mask"], **kwargs)[0]


@Register
def accuracy(model: ModelHelper, blob_in: Sequence[str], blob_out: str,
             **kwargs: Any) -> core.BlobReference:
    """``Accuracy([predictions, labels], out, **kwargs)``: the fraction of rows whose label
    is among the ``top_k`` (default 1) highest scores, a float32 scalar. Returns the output.

    Departures: Caffe2's helper returned None, and dropped every keyword, so
    ``brew.accuracy(..., top_k=5)`` silently measured top-1; graphlab passes them on."""
    _check_op_kwargs("accuracy", "Accuracy", str(blob_out), kwargs, [])
    return model.net.Accuracy(blob_in, blob_out, **kwargs)


@Register
def iter(model: ModelHelper, blob_out: str, **kwargs: Any) -> core.BlobReference:  # noqa: A001
    """An iteration counter: ``ConstantFill([], out, shape=[1], value=0, dtype=INT64)`` on the
    CPU in ``param_init_net``, and ``Iter(out, out)`` in ``model.net`` (adds 1 per run)."""
    model.param_init_net.ConstantFill([], blob_out, shape=[1], value=0,
                                      dtype=core.DataType.INT64,
                                      device_option=core.DeviceOption(0, 0), **kwargs)
    return model.net.Iter(blob_out, blob_out, **kwargs)
