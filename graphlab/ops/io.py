"""Checkpoint operators: ``Save`` and ``Load`` (blobs to and from ``.npz`` files).

As in Caffe2, saving and loading are operators, so a net can checkpoint itself::

    net.Save(["W", "B"], [], db="model.npz", db_type="npz", absolute_path=1)
    net.Load([], ["W", "B"], db="model.npz", db_type="npz", absolute_path=1)
    net.Load([], [], db="model.npz", load_all=1)        # every blob in the file

The file format (a NumPy ``.npz`` with a blob-name table, never pickled, written
atomically) lives in :mod:`graphlab.checkpoint`.

**Where the file goes.** With ``absolute_path=1`` the ``db`` path is used as given
(a relative path is relative to the current working directory). With the default
``absolute_path=0`` a relative ``db`` is joined to the workspace's root folder
(``workspace.ResetWorkspace(root_folder)`` sets it; by default it is the working
directory), as Caffe2 did. graphlab departs from Caffe2 in one corner: an *absolute*
``db`` always stays absolute (Caffe2 glued it to the root folder anyway).

**Formats.** ``db_type="npz"`` (graphlab's default) is a NumPy ``.npz`` file.
``db_type="minidb"`` and ``"lmdb"`` are Caffe2's own DB formats, record by record as
Caffe2's Save wrote them (:mod:`graphlab.blobdb`), so Caffe2 loads what graphlab saves
and the reverse. ``Load`` may also take a DB reader made by ``CreateDB`` as its one
input instead of ``db``/``db_type`` (the predictor exporter's nets do).

Departures from Caffe2 (teaching simplifications): ``db_type`` defaults to ``"npz"``
(Caffe2's default ``leveldb`` is not available); Load has no ``allow_incomplete`` (every
output must be in the file).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..blobdb import read_blobs, write_blobs
from ..checkpoint import DEFAULT_MAX_BYTES, CheckpointError, read_checkpoint, write_checkpoint
from ..db import DB_TYPES, DBError, DBReader
from ..errors import DivergenceError, did_you_mean
from ..registry import NO_GRADIENT, OpContext, register_op

_CAFFE2_DB_TYPES = ("minidb", "leveldb", "lmdb", "rocksdb", "protodb")


def _check_db_type(op: str, db_type: str) -> None:
    if db_type == "npz" or db_type in DB_TYPES:
        return
    extra = (f" Caffe2's {db_type!r} format is not available in graphlab."
             if db_type.lower() in _CAFFE2_DB_TYPES else "")
    raise CheckpointError(
        f"db_type {db_type!r} is not supported; graphlab reads and writes 'npz' "
        f"(NumPy .npz files, never pickled) and Caffe2's {', '.join(map(repr, DB_TYPES))}."
        f"{extra} Use db_type='npz' (the default)."
    )


def _write(db_type: str, path: str, blobs: dict[str, np.ndarray]) -> None:
    """Write with the format's writer; DB errors become CheckpointErrors."""
    if db_type == "npz":
        write_checkpoint(path, blobs)
        return
    try:
        write_blobs(db_type, path, blobs)
    except (DBError, ValueError) as exc:
        raise CheckpointError(str(exc)) from None


def _read(db_type: str, path: str, max_bytes: int) -> dict[str, np.ndarray]:
    if db_type == "npz":
        return read_checkpoint(path, max_bytes=max_bytes)
    try:
        return read_blobs(db_type, path)
    except DBError as exc:
        raise CheckpointError(str(exc)) from None
    except ValueError as exc:  # a record that does not decode (UnicodeDecodeError too)
        raise CheckpointError(
            f"{db_type} {path!r} is damaged: {exc}. Nothing was loaded. Save it again."
        ) from None


def resolve_db_path(db: str, absolute_path: int, root_folder: str) -> str:
    """The absolute file path a Save/Load op with these arguments uses.

    ``absolute_path`` set, or ``db`` absolute: ``db`` relative to the working directory.
    Otherwise ``db`` is joined to ``root_folder`` (the workspace's, see ``OpContext``).
    """
    if not db:
        raise CheckpointError("the 'db' argument (the file path) is empty; give a file name, "
                              "e.g. db='model.npz'.")
    if absolute_path or os.path.isabs(db):
        return os.path.abspath(db)
    return os.path.abspath(os.path.join(root_folder, db))


def _where(db: str, absolute_path: int, path: str) -> str:
    """Explain how ``db`` became ``path`` (empty when they are the same text)."""
    if db == path:
        return ""
    if absolute_path or os.path.isabs(db):
        return f" (db={db!r} is relative to the working directory {os.getcwd()!r})"
    return (f" (db={db!r} is relative to the workspace root folder; pass absolute_path=1 "
            "to make it relative to the working directory instead)")


def _strip(name: str, prefix: str) -> str:
    """Caffe2's strip_prefix: drop everything up to and including the first match."""
    if not prefix:
        return name
    pos = name.find(prefix)
    return name if pos < 0 else name[pos + len(prefix):]


def _guard(ctx: OpContext, path: str, writes: dict[str, Any]) -> None:
    """The divergence guard for Load: refuse the whole file if any blob is not finite."""
    bad = []
    for name, value in writes.items():
        if value.dtype.kind in "fc" and not np.isfinite(value).all():
            n = int(value.size - np.isfinite(value).sum())
            bad.append(f"{name!r} {value.dtype}{list(value.shape)} ({n} of {value.size} "
                       "not finite)")
    if bad:
        raise DivergenceError(
            f"Divergence guard: Load (op #{ctx.index}) would load non-finite values from "
            f"{path!r}: {', '.join(bad)}. Nothing was loaded: every blob keeps its value.\n"
            "  hint: the checkpoint was saved after training had diverged. Load an earlier "
            "checkpoint, or, to look at this one, load it with the guard off "
            "(workspace.SetDivergenceGuard(False), or RunNet(..., check_finite=False))."
        )


# ---- Save ---------------------------------------------------------------------------------


@register_op("Save", outputs=0, grad=NO_GRADIENT)
def save(
    *blobs: np.ndarray,
    ctx: OpContext,
    db: str,
    db_type: str = "npz",
    absolute_path: int = 0,
    strip_prefix: str = "",
    blob_name_overrides: list[str] | None = None,
) -> tuple[()]:
    """Save the input blobs to the ``.npz`` checkpoint ``db``; no outputs.

    Each input is stored under its blob name, or under ``blob_name_overrides[i]`` (one
    name per input), after removing ``strip_prefix`` and everything before it
    (``strip_prefix="gpu_0/"`` stores ``gpu_0/W`` as ``W``). Arrays round-trip
    bit-exactly (dtype, shape, values). The write is atomic: an existing file is
    replaced only once the new one is complete.
    """
    _check_db_type("Save", db_type)
    names = list(ctx.op.input)
    if blob_name_overrides:
        if len(blob_name_overrides) != len(names):
            raise CheckpointError(
                f"blob_name_overrides has {len(blob_name_overrides)} name(s) but the op "
                f"saves {len(names)} blob(s) ({', '.join(names)}); give one name per input."
            )
        names = list(blob_name_overrides)
    names = [_strip(n, strip_prefix) for n in names]
    seen: dict[str, None] = {}
    for n in names:
        if n in seen:
            raise CheckpointError(
                f"two inputs would be stored under the same name {n!r}; each saved blob "
                "needs its own name (check the inputs, strip_prefix and blob_name_overrides)."
            )
        seen[n] = None
    path = resolve_db_path(db, absolute_path, ctx.root_folder)
    try:
        _write(db_type, path, dict(zip(names, blobs)))
    except CheckpointError as exc:
        raise CheckpointError(f"{exc}{_where(db, absolute_path, path)}") from None
    return ()


# ---- Load ---------------------------------------------------------------------------------


@register_op("Load", inputs=(0, 1), outputs=(0, None), grad=NO_GRADIENT,
             shape_from_values=True)
def load(
    reader: DBReader | None = None,
    *,
    ctx: OpContext,
    db: str = "",
    db_type: str = "npz",
    absolute_path: int = 0,
    load_all: int = 0,
    keep_device: int = 0,
    add_prefix: str = "",
    strip_prefix: str = "",
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Any:
    """Load blobs from the ``.npz`` checkpoint ``db`` into the output blobs.

    A name stored in the file becomes ``add_prefix + name`` (after removing
    ``strip_prefix`` and everything before it); each output must match one of those
    names. With ``load_all=1`` every blob in the file is loaded, and the outputs may be
    empty. With a ``reader`` input (from ``CreateDB``), the reader's DB is read from its
    first record and ``db``/``db_type`` are not needed. The file is read and checked
    completely before any blob is written, so a missing, truncated or corrupt file
    raises an error naming it and leaves the workspace unchanged. ``keep_device`` is
    accepted and ignored (CPU only). ``max_bytes`` (graphlab's own) caps the total
    uncompressed size an ``.npz`` file may hold, 1 GiB by default (a small compressed
    file can unpack to gigabytes); raise it to load a larger file you trust.

    With the divergence guard on, every blob about to be loaded is checked first: a file
    holding a NaN or an infinity raises ``DivergenceError`` and nothing is loaded.

    Implementation note: ``load_all`` writes blobs the op does not list as outputs, so
    this kernel stores them itself (``ctx.write_blob``) after
    validation; listed outputs are also returned as usual.
    """
    _check_db_type("Load", db_type)
    outputs = list(ctx.op.output)
    if not outputs and not load_all:
        raise CheckpointError(
            "no output blobs to load. List them, e.g. Load([], ['W', 'B'], db=...), "
            "or pass load_all=1 to load every blob in the file."
        )
    if max_bytes <= 0:
        raise CheckpointError(f"max_bytes must be a positive number of bytes, got {max_bytes}; "
                              f"the default is {DEFAULT_MAX_BYTES} (1 GiB).")
    if reader is not None:
        db, db_type, absolute_path = reader.source, reader.db_type, 1
    path = resolve_db_path(db, absolute_path, ctx.root_folder)
    try:
        stored = _read(db_type, path, max_bytes)
    except CheckpointError as exc:
        raise CheckpointError(f"{exc}{_where(db, absolute_path, path)}") from None
    data: dict[str, np.ndarray] = {}
    source: dict[str, str] = {}
    for name, value in stored.items():
        new = add_prefix + _strip(name, strip_prefix)
        if new in data:
            raise CheckpointError(
                f"{path!r}: the stored blobs {source[new]!r} and {name!r} would both be "
                f"loaded as {new!r} (strip_prefix={strip_prefix!r} removes the text up to "
                "and including its first match). Nothing was loaded. Load them with "
                "another strip_prefix, or one at a time into a workspace of their own."
            )
        data[new] = value
        source[new] = name
    missing = [o for o in outputs if o not in data]
    if missing:
        raise CheckpointError(
            f"{path!r} has no blob {missing[0]!r}"
            + (f" (and {len(missing) - 1} more missing)" if len(missing) > 1 else "")
            + "." + did_you_mean(missing[0], data)
            + f" The file holds: {', '.join(data) or 'nothing'}."
            + (f" Names are read as add_prefix {add_prefix!r} + stored name." if add_prefix
               else "")
        )
    writes = data if load_all else {o: data[o] for o in outputs}
    if ctx.check_finite:
        _guard(ctx, path, writes)
    if load_all:
        for name, value in data.items():
            ctx.write_blob(name, value)
    if len(outputs) == 1:
        return data[outputs[0]]
    return tuple(data[o] for o in outputs)
