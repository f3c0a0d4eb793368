"""Exceptions and the helpers that make their messages useful to a learner.

Every error graphlab raises about an operator names the op type, its index in the net,
the blobs involved with their shapes, the line of *user* code that created the op, and
the likely fix. Names a user may have mistyped get "did you mean" suggestions.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = [
    "ArgumentError",
    "DivergenceError",
    "GradientError",
    "GraphlabError",
    "GraphlabWarning",
    "OperatorError",
    "RepeatedOpWarning",
    "ShapeError",
    "UnknownOperatorError",
    "blob_summary",
    "did_you_mean",
    "user_origin",
    "user_stacklevel",
]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class GraphlabError(RuntimeError):
    """Base class of graphlab's errors (a ``RuntimeError``, as Caffe2's enforce errors were)."""


class GraphlabWarning(UserWarning):
    """Something ran, but probably not as meant (a net changed after ``CreateNet``, a
    parameter's dtype changed); the message says what happened and how to fix it."""


class ArgumentError(GraphlabError, TypeError):
    """An operator was created with a missing, unknown or mistyped argument or arity."""


class UnknownOperatorError(GraphlabError, AttributeError):
    """No operator of that type is registered.

    An ``AttributeError`` (``net.NoSuchOp`` and ``hasattr(net, "Foo")`` behave as in
    Caffe2) that is also a ``RuntimeError``, the class Caffe2 raised when it met an unknown
    op type while creating or running it.
    """


class ShapeError(GraphlabError, ValueError):
    """Raised by a kernel when its inputs have shapes or dtypes it cannot work with.

    ``hint`` is an optional sentence telling the user how to fix it.
    """

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class OperatorError(GraphlabError):
    """An operator failed while running; the message carries its full context."""


class DivergenceError(OperatorError):
    """The divergence guard found a NaN or infinity in an op's output (or, for ``Load``,
    in what it would load). Its messages are written by :mod:`graphlab.diagnostics`."""


class GradientError(GraphlabError):
    """The gradient builder could not build the backward pass."""


class RepeatedOpWarning(UserWarning):
    """An op was appended again by a second run of the same code (a notebook cell run twice)."""


def did_you_mean(name: str, candidates: Iterable[str], n: int = 3) -> str:
    """Return ``" Did you mean 'x' or 'y'?"`` for close matches, or ``""``."""
    pool = list(dict.fromkeys(str(c) for c in candidates))
    matches = difflib.get_close_matches(str(name), pool, n=n, cutoff=0.6)
    if not matches:
        lower = {c.lower(): c for c in pool}
        if str(name).lower() in lower:
            matches = [lower[str(name).lower()]]
    if not matches:
        return ""
    quoted = [repr(m) for m in matches]
    if len(quoted) == 1:
        return f" Did you mean {quoted[0]}?"
    return f" Did you mean {', '.join(quoted[:-1])} or {quoted[-1]}?"


def user_origin(skip_dirs: Sequence[str] = ()) -> str:
    """``file:line`` of the innermost stack frame outside the graphlab package.

    That is the line a learner wrote (a notebook cell shows as ``<ipython-input-...>`` or
    a temporary file name plus the line inside the cell).
    """
    frame = sys._getframe(1)
    dirs = (_PACKAGE_DIR, *skip_dirs)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not os.path.abspath(filename).startswith(dirs):
            return _cell_name(filename, frame.f_lineno)
        frame = frame.f_back
    return "<unknown>"


def user_stacklevel() -> int:
    """The ``stacklevel`` that makes ``warnings.warn``, called by the caller of this
    function, point at the innermost line outside the graphlab package (the user's)."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
            _PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return level


def _cell_name(filename: str, lineno: int) -> str:
    """``file:line``, or ``Cell In[7], line 2`` for code typed into IPython/Jupyter."""
    if "ipykernel_" in filename or filename.startswith("<ipython-input-"):
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython is not None else None
        # the cell that *defined* the code (a helper function may be called from a later
        # cell); IPython keeps that map for its own tracebacks. Else the running cell.
        cells = getattr(getattr(shell, "compile", None), "_filename_map", None) or {}
        count = cells.get(filename, getattr(shell, "execution_count", None))
        if count is not None:
            return f"Cell In[{count}], line {lineno}"
        return f"a notebook cell, line {lineno}"
    return f"{filename}:{lineno}"


def describe_array(value: object) -> str:
    """``float32[64, 2]`` style description of a blob's value."""
    if isinstance(value, np.ndarray):
        return f"{value.dtype}{list(value.shape)}"
    if value is None:
        return "<empty>"
    return type(value).__name__


def blob_summary(names: Sequence[str], blobs: dict[str, object]) -> str:
    """Lines ``  X: float32[64, 2]`` for each name (``<missing>`` when absent)."""
    lines = []
    for name in names:
        value = blobs[name] if name in blobs else None
        desc = describe_array(value) if name in blobs else "<missing>"
        lines.append(f"    {name}: {desc}")
    return "\n".join(lines)
