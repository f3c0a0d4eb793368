"""Optional compiled forms: how an operator offers the plan a faster version of itself.

Every operator has a plain kernel (see :mod:`graphlab.registry`): it checks its inputs,
computes, and returns new arrays. That is all an op needs. An op that sits on a hot
path may *also* have a **compiled form** (in :mod:`graphlab.fast.ops`, never in its op
file): a factory that ``CreateNet`` calls once per op instance with the op's parsed
arguments::

    @compiles("FC")
    def _fc_fast(args: dict[str, Any], needed: tuple[bool, ...]) -> Callable[..., Any]:
        axis = args["axis"]
        out = OutBuffer()
        def run(X, W, b):
            ...                      # same result as fc(X, W, b, **args)
        return run

The returned callable takes the inputs positionally, like the kernel, and must return
exactly what the kernel would return (same values, shapes, dtypes, and the same
``ShapeError`` for bad inputs; calling the plain kernel for anything unusual is the easy
way to get the errors right). Rules:

* never modify an input array;
* raise *before* writing into an output buffer, so a failing op leaves blobs intact;
* ``needed[k]`` is False when nothing in the net reads output ``k`` and it is not an
  external output; the callable may then return ``None`` in that place. The plan keeps
  the op's inputs and computes that output with the plain kernel only if someone asks
  for it (``FetchBlob``, another net, ``RunOperatorOnce``) — see ``docs/performance.md``;
* write into a previous output only through :class:`OutBuffer`, which hands back the old
  array only when nobody else can see it.

Trusted form. The returned callable may carry a second one as its ``trusted``
attribute (use :func:`with_trusted`). A created net calls it instead of the checked one
once the plan has proved that every op sees the same input *layouts* (types, shapes,
dtypes, strides) as on the previous run (see :class:`graphlab.fast.plan.Plan`). The
contract: ``trusted(*inputs)`` is only called with inputs laid out exactly as in the
latest call of the checked callable, which did not raise, and must return what the
checked callable would. So it may skip every layout check and reuse the decision the
checked call made (fast road or plain kernel); checks on *values* (a counter
overflowing, a learning-rate table running out) must stay.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

__all__ = [
    "Compiler", "OutBuffer", "compiled_op_types", "compiler_for", "compiles", "fresh_outputs",
    "with_trusted",
]

Compiler = Callable[[dict[str, Any], tuple[bool, ...]], Callable[..., Any]]

_COMPILERS: dict[str, Compiler] = {}


def compiles(op_type: str) -> Callable[[Compiler], Compiler]:
    """Register ``factory(args, needed) -> fast kernel`` as ``op_type``'s compiled form."""

    def decorate(factory: Compiler) -> Compiler:
        if op_type in _COMPILERS:
            raise ValueError(f"a compiled form for {op_type!r} is registered twice")
        _COMPILERS[op_type] = factory
        return factory

    return decorate


def compiler_for(op_type: str) -> Compiler | None:
    """The compiled form of ``op_type``, or None (the plan then calls the plain kernel)."""
    return _COMPILERS.get(op_type)


def compiled_op_types() -> list[str]:
    """The op types that have a compiled form, sorted."""
    return sorted(_COMPILERS)


def with_trusted(checked: Callable[..., Any], trusted: Callable[..., Any]) -> Callable[..., Any]:
    """Attach ``trusted`` to ``checked`` as its trusted form (see the module docstring)
    and return ``checked``."""
    checked.trusted = trusted  # type: ignore[attr-defined]
    return checked


class OutBuffer:
    """An output array that a compiled kernel owns and may overwrite on its next run.

    :meth:`get` returns the previous array when its shape and dtype still fit and no one
    but this buffer and the workspace holds a reference to it (``sys.getrefcount``):
    ``FetchBlob`` returns copies, so an array a user fetched is never touched, while a
    view, an alias under another blob name, a kept reference or the op's own input all
    raise the count and get a fresh array instead.
    """

    __slots__ = ("array",)

    #: while > 0 (see :func:`fresh_outputs`) every ``get`` returns a new array
    paused = 0

    def __init__(self) -> None:
        self.array: np.ndarray | None = None

    def get(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """An array of ``shape``/``dtype`` to write the op's output into."""
        a = self.array
        if (
            a is not None
            and not OutBuffer.paused
            and a.shape == shape
            and a.dtype == dtype
            and sys.getrefcount(a) <= _PRIVATE_REFS
        ):
            return a
        a = np.empty(shape, dtype)
        self.array = a
        return a


@contextmanager
def fresh_outputs() -> Iterator[None]:
    """Within this block no output buffer is reused, so an op whose result is rejected
    (the divergence guard) leaves the blobs as they were."""
    OutBuffer.paused += 1
    try:
        yield
    finally:
        OutBuffer.paused -= 1


def _count_private_refs() -> int:
    # The count ``get`` sees for an array held by this buffer and one workspace dict
    # (plus ``get``'s own local and the getrefcount argument), measured the same way so
    # it holds on every CPython version.
    buf = OutBuffer()
    buf.array = np.empty(1)
    holder = {"blob": buf.array}
    a = buf.array
    count = sys.getrefcount(a)
    del holder
    return count


_PRIVATE_REFS = _count_private_refs()
