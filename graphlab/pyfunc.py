"""The registry of Python functions behind ``net.Python(f, grad_f)`` and the ``Python`` op.

A NetDef can only hold names, numbers and strings, not a Python function. So, as in
Caffe2, ``net.Python(f)`` stores ``f`` (and its gradient function) here under a *token*
and the ``Python`` op carries only that token as an argument. When the op runs, its
kernel looks the token up and calls the function.

The token is the function's name (``"f"``), with ``":1"``, ``":2"`` ... appended when a
function of that name was registered before in this process (``"f:1"``), exactly
Caffe2's tokens. It is what the printed op shows (``arg { name: "token" s: "f" }``) and
what the net drawer writes under a ``Python`` op's box.

The registry lives for the whole process: ``ResetWorkspace`` clears blobs, not functions
(Caffe2 behaved the same). This module imports nothing from graphlab, so both
``graphlab.core`` (``Net.Python``) and ``graphlab.ops.python`` (the kernels) can use it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["PythonFunction", "lookup", "register"]


@dataclass(frozen=True)
class PythonFunction:
    """One registered ``net.Python`` call: the forward function, its gradient function
    (or None) and whether both take the workspace as a third argument."""

    token: str
    f: Callable[..., Any]
    grad_f: Callable[..., Any] | None
    pass_workspace: bool


_FUNCTIONS: dict[str, PythonFunction] = {}
_USES: dict[str, int] = {}


def register(f: Callable[..., Any], grad_f: Callable[..., Any] | None = None,
             pass_workspace: bool = False) -> str:
    """Store ``f`` (and ``grad_f``) and return the token the ``Python`` op will carry.

    Raises:
        TypeError: ``f`` or ``grad_f`` is not callable (Caffe2's ``(func, args, kwargs)``
            builder tuples, meant for distributed jobs, are not supported).
    """
    for what, fn in (("f", f), ("grad_f", grad_f)):
        if fn is not None and not callable(fn):
            raise TypeError(
                f"net.Python: {what} must be a function taking (inputs, outputs"
                f"{', workspace' if pass_workspace else ''}), got {type(fn).__name__}. "
                "(Caffe2's (func, args, kwargs) builder tuples are not supported.)"
            )
    name = getattr(f, "__name__", None) or type(f).__name__
    uses = _USES.get(name, 0)
    _USES[name] = uses + 1
    token = name if uses == 0 else f"{name}:{uses}"
    _FUNCTIONS[token] = PythonFunction(token, f, grad_f, bool(pass_workspace))
    return token


def lookup(token: str) -> PythonFunction:
    """The functions registered under ``token``.

    Raises:
        KeyError: no ``net.Python`` call in this process made that token (e.g. a net
            loaded from a file that used Python ops: the functions are not in the file).
    """
    try:
        return _FUNCTIONS[token]
    except KeyError:
        known = ", ".join(repr(t) for t in _FUNCTIONS) or "none"
        raise KeyError(
            f"no Python function is registered under the token {token!r} (registered: "
            f"{known}). Python ops only run in the process whose net.Python(f) call made "
            "them; call net.Python(f) again to register f."
        ) from None
