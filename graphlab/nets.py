"""Small algorithms on nets that several parts of graphlab share.

The drawer, the fast path, the gradient builder and the workspace all need to answer the
same few questions about a net; each answer is written once, here:

* :func:`as_netdef`: accept a ``core.Net`` or a ``NetDef`` (or anything with ``Proto()``);
* :func:`blob_name`: a blob name given as ``str``, ``bytes`` or ``BlobReference`` → ``str``;
* :func:`blobs_read_before_written`: the blobs a net needs from outside (data,
  parameters, counters), in the order it first reads them;
* :class:`BlobVersions`: the version of each blob while walking the ops (a blob written
  again gets a new version: ``W`` is read as ``W`` version 0 and written back as version 1),
  which the gradient builder uses to find stale reads and the drawer to name its nodes
  ``W0``, ``W1`` (:func:`versioned_name`).

Everything here reads ops and never runs them; loops are iterative and containers ordered.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from .proto import NetDef, OperatorDef

__all__ = [
    "BlobVersions",
    "NetLike",
    "as_netdef",
    "blob_name",
    "blobs_read_before_written",
    "updated_param",
    "versioned_name",
]


class _HasProto(Protocol):
    def Proto(self) -> NetDef: ...  # noqa: N802 - Caffe2's name


#: What graphlab accepts wherever a net is expected: a NetDef or a ``core.Net`` (anything
#: whose ``Proto()`` gives a NetDef).
NetLike = NetDef | _HasProto


def as_netdef(net: NetLike) -> NetDef:
    """The NetDef of ``net``: a NetDef itself, or ``net.Proto()`` (a ``core.Net``).

    Raises:
        TypeError: ``net`` is neither.
    """
    if isinstance(net, NetDef):
        return net
    proto = getattr(net, "Proto", None)
    if callable(proto):
        result = proto()
        if isinstance(result, NetDef):
            return result
    raise TypeError(f"Expected a core.Net or NetDef, got {type(net).__name__}: {net!r}")


def blob_name(name: Any) -> str:
    """A blob name as a plain ``str``: bytes are decoded as UTF-8, a ``BlobReference``
    (a ``str`` subclass) becomes its name.

    Raises:
        TypeError: ``name`` is not a string or bytes.
    """
    if isinstance(name, bytes):
        return name.decode("utf-8")
    if isinstance(name, str):
        return str.__str__(name)
    raise TypeError(f"blob names are strings, got {type(name).__name__}: {name!r}")


def blobs_read_before_written(net: NetDef | Iterable[OperatorDef]) -> list[str]:
    """Blobs some op reads before any op of ``net`` writes them, in first-read order.

    These are what one run of the net takes from the workspace (or, for a net run again,
    from its previous run): ``[X, W, b]`` for ``FC(X, W, b) → Y``, and ``ITER`` for
    ``Iter(ITER) → ITER``.
    """
    ops = net.op if isinstance(net, NetDef) else net
    written: dict[str, None] = {}
    read_first: dict[str, None] = {}
    for op in ops:
        for name in op.input:
            if name not in written:
                read_first[name] = None
        written.update(dict.fromkeys(op.output))
    return list(read_first)


class BlobVersions:
    """The current version of every blob while the ops of a net are walked in order.

    A blob first seen as an input has version 0; the first write of a blob nobody has
    seen is version 0 too; every later write adds 1. So for ``FC(X, W, b) → Y``,
    ``WeightedSum(W, ONE, W_grad, LR) → W``: ``W`` is read as version 0 and written as
    version 1, ``Y`` is version 0.
    """

    def __init__(self) -> None:
        self.current: dict[str, int] = {}

    def read(self, name: str) -> int:
        """The version an op reading ``name`` now sees."""
        return self.current.setdefault(name, 0)

    def write(self, name: str) -> int:
        """The new version of ``name`` after an op writes it."""
        version = self.current[name] + 1 if name in self.current else 0
        self.current[name] = version
        return version

    def __contains__(self, name: object) -> bool:
        return name in self.current


def versioned_name(name: str, version: int) -> str:
    """``W`` at version 1 → ``"W1"``: the node name of one version of a blob."""
    return f"{name}{version}"


def updated_param(op: OperatorDef) -> str | None:
    """The blob ``op`` rewrites in place from its own gradient, else None: ``W`` for
    ``WeightedSum([W, ONE, W_grad, LR], W)``, Adam, MomentumSGDUpdate ... (an optimizer's
    moments are rewritten too, but from another blob's gradient, so they are not it)."""
    for blob in op.output:
        if blob in op.input and f"{blob}_grad" in op.input:
            return blob
    return None
