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
    "arg_scope",
    "db_input",
    "fc",
    "has_helper",
    "helpers",
    "relu",
    "sigmoid",
    "softmax",
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
