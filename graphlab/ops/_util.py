"""Helpers shared by operator kernels: broadcasting, dtype checks, error text."""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError

__all__ = ["reduce_to_shape", "require_float", "shape_str"]


def shape_str(x: np.ndarray) -> str:
    """``float32[64, 2]`` for error messages."""
    return f"{x.dtype}{list(np.shape(x))}"


def reduce_to_shape(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes NumPy broadcasting added or stretched to reach it.

    If ``y = f(a)`` broadcast ``a`` of shape ``shape`` up to ``grad.shape``, then
    ``dL/da = reduce_to_shape(dL/dy, shape)``: sum over leading extra axes, and over
    every axis where ``a`` had length 1. The result has exactly ``shape``.
    """
    shape = tuple(shape)
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = list(range(extra))
    axes += [extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1]
    out = grad.sum(axis=tuple(axes), keepdims=True) if axes else grad
    return out.reshape(shape)


def require_float(op: str, name: str, x: np.ndarray) -> None:
    """Raise a ShapeError unless ``x`` is a floating-point array."""
    if type(x) is np.ndarray and x.dtype.kind == "f":  # fast path: kernels call this per run
        return
    if not (isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating)):
        desc = shape_str(x) if isinstance(x, np.ndarray) else type(x).__name__
        raise ShapeError(
            f"{op}: input {name} must be a float array, got {desc}.",
            hint="this op computes on floats only; convert the integer data where it "
            "comes from, e.g. FeedBlob(name, value.astype(np.float32)).",
        )
