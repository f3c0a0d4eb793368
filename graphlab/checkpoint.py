"""Checkpoints: blobs to and from ``.npz`` files, safely.

This module holds the file format used by the ``Save``/``Load`` operators
(:mod:`graphlab.ops.io`) and by ``workspace.SaveBlobs``/``LoadBlobs``; it only reads and
writes files and knows nothing of workspaces::

    from graphlab import checkpoint
    checkpoint.write_checkpoint("model.npz", {"W": W, "B": B})
    checkpoint.read_checkpoint("model.npz")            # {name: array}

**Format.** A checkpoint is an ordinary NumPy ``.npz`` archive (``np.load`` opens it)
holding ``blob_0``, ``blob_1``, ... plus a unicode array ``__graphlab_names__`` with the
blob names in the same order. Blob names may contain ``/``, ``:`` or anything else,
because they are never used as zip member names. A plain ``.npz`` written by
``np.savez`` (no name table) loads too: its member names become blob names.

**Safety.** Nothing is ever pickled: arrays of Python objects are refused when saving,
and files are read with ``allow_pickle=False`` (unpickling a downloaded file can run
arbitrary code). Writes are atomic: the data goes to a temporary file in the target
directory, is flushed to disk (``fsync``) and then renamed over the target, so a crash
leaves either the old file or the new one, never half of one. Reads check every zip
member's CRC and load every array before returning, so a truncated or corrupt file
raises :class:`CheckpointError` naming the file and the problem, and the caller (the
``Load`` op or ``workspace.LoadBlobs``) changes no blob.

Supported dtypes (bit-exact round trip): bool, signed/unsigned integers, float16/32/64,
complex, and fixed-width strings (``<U`` unicode and ``S`` bytes).
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np

from .errors import GraphlabError

__all__ = [
    "CheckpointError",
    "NAMES_KEY",
    "read_checkpoint",
    "write_checkpoint",
]

NAMES_KEY = "__graphlab_names__"
"""The npz member holding the blob-name table (a 1-D unicode array)."""

_FORMAT_KEY = "__graphlab_format__"
_FORMAT_VERSION = 1
_SAVABLE_KINDS = "biufcUS"  # bool, int, uint, float, complex, unicode, bytes
_ZIP_MAGIC = b"PK\x03\x04"
_NPY_MAGIC = b"\x93NUMPY"


class CheckpointError(GraphlabError):
    """A checkpoint file could not be written or read; the message names the file."""


# ---- writing ------------------------------------------------------------------------------


def _check_savable(name: str, value: Any) -> np.ndarray:
    if isinstance(value, np.generic):  # a NumPy scalar is saved as a 0-d array
        value = np.asarray(value)
    if not isinstance(value, np.ndarray):
        raise CheckpointError(
            f"blob {name!r} is a {type(value).__name__}, not a NumPy array; only arrays can "
            "be saved."
        )
    if value.dtype.kind not in _SAVABLE_KINDS:
        raise CheckpointError(
            f"blob {name!r} has dtype {value.dtype} ({value.dtype.kind!r} kind), which a "
            "checkpoint cannot hold without pickling. Convert it to a numeric, bool or "
            "fixed-width string array first (e.g. value.astype(str))."
        )
    return value


def write_checkpoint(path: str | os.PathLike[str], blobs: Mapping[str, np.ndarray]) -> str:
    """Atomically write ``{name: array}`` to the ``.npz`` file ``path`` (exactly that path).

    The arrays are written in the mapping's order. Returns the absolute path written.

    Raises:
        CheckpointError: a value is not a savable array, the directory does not exist,
            or the file cannot be written. Nothing is left behind in that case.
    """
    path = os.path.abspath(os.fspath(path))
    members: dict[str, np.ndarray] = {}
    names: list[str] = []
    for k, (name, value) in enumerate(blobs.items()):
        members[f"blob_{k}"] = _check_savable(name, value)
        names.append(str(name))
    members[NAMES_KEY] = np.array(names, dtype=str) if names else np.zeros(0, dtype="<U1")
    members[_FORMAT_KEY] = np.array(_FORMAT_VERSION, dtype=np.int64)

    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        raise CheckpointError(
            f"Cannot write checkpoint {path!r}: the directory {directory!r} does not exist. "
            f"Create it first: os.makedirs({directory!r}, exist_ok=True)."
        )
    if os.path.isdir(path):
        raise CheckpointError(f"Cannot write checkpoint {path!r}: it is a directory.")
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                               dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **members)  # object arrays were refused above: no pickles
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise CheckpointError(f"Cannot write checkpoint {path!r}: {exc}") from exc
        raise
    _fsync_directory(directory)
    return path


def _fsync_directory(directory: str) -> None:
    # Makes the rename itself durable; not possible on every platform, so best effort.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---- reading ------------------------------------------------------------------------------


def _sniff(path: str) -> None:
    """Fail early, with a precise message, on files that are not zip archives."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except FileNotFoundError:
        raise CheckpointError(f"Checkpoint file {path!r} does not exist.") from None
    except IsADirectoryError:
        raise CheckpointError(f"Checkpoint path {path!r} is a directory, not a file.") from None
    except OSError as exc:
        raise CheckpointError(f"Cannot open checkpoint {path!r}: {exc}") from exc
    if not head:
        raise CheckpointError(f"Checkpoint file {path!r} is empty (0 bytes).")
    if head.startswith(_ZIP_MAGIC):
        return
    if head.startswith(_NPY_MAGIC):
        raise CheckpointError(
            f"{path!r} is a single-array .npy file, not a .npz checkpoint. Load it with "
            "np.load and FeedBlob it, or save checkpoints with the Save op / workspace.SaveBlobs."
        )
    if head.lstrip().startswith((b"name", b"op", b"#")):
        raise CheckpointError(
            f"{path!r} looks like a net in text format, not a .npz checkpoint; read it with "
            "graphlab.textformat.load_net."
        )
    raise CheckpointError(
        f"{path!r} is not a .npz checkpoint (it does not start like a zip archive: "
        f"first bytes {head!r})."
    )


def _damaged(path: str, what: str) -> CheckpointError:
    return CheckpointError(
        f"Checkpoint {path!r} is damaged or truncated: {what}. Save it again (an interrupted "
        "copy or download is the usual cause)."
    )


def read_checkpoint(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Read every blob of the checkpoint at ``path`` into ``{name: array}`` (file order).

    The whole file is read and validated before anything is returned.

    Raises:
        CheckpointError: the file is missing, empty, not an ``.npz`` archive, truncated,
            fails a CRC check, holds pickled objects, or has an inconsistent name table.
    """
    path = os.path.abspath(os.fspath(path))
    _sniff(path)
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise _damaged(path, f"{type(exc).__name__}: {exc}") from exc
    if bad is not None:
        raise _damaged(path, f"member {bad!r} fails its CRC check")
    try:
        with np.load(path, allow_pickle=False) as z:
            keys = list(z.files)
            arrays = {k: _read_member(path, z, k) for k in keys}
    except CheckpointError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure here means a bad file
        raise _damaged(path, f"{type(exc).__name__}: {exc}") from exc
    return _name_blobs(path, arrays)


def _read_member(path: str, z: Any, key: str) -> np.ndarray:
    try:
        return np.asarray(z[key])
    except ValueError as exc:
        if "pickle" in str(exc) or "Object arrays" in str(exc):
            raise CheckpointError(
                f"Checkpoint {path!r}: member {key!r} holds pickled Python objects. graphlab "
                "never unpickles files (that can run arbitrary code); save plain numeric or "
                "string arrays instead."
            ) from None
        raise _damaged(path, f"member {key!r}: {exc}") from exc


def _name_blobs(path: str, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    if NAMES_KEY not in arrays:
        # A plain np.savez archive: its member names are the blob names.
        return {k: v for k, v in arrays.items() if k != _FORMAT_KEY}
    table = arrays[NAMES_KEY]
    if table.ndim != 1 or table.dtype.kind != "U":
        raise _damaged(path, f"the name table is {table.dtype}{list(table.shape)}, "
                             "expected a 1-D unicode array")
    names = [str(n) for n in table]
    expected = [f"blob_{k}" for k in range(len(names))]
    present = [k for k in arrays if k not in (NAMES_KEY, _FORMAT_KEY)]
    if sorted(present) != sorted(expected):
        raise _damaged(path, f"the name table lists {len(names)} blob(s) but the archive "
                             f"holds {len(present)} array member(s)")
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise _damaged(path, f"the name table repeats {dupes}")
    return {name: arrays[key] for name, key in zip(names, expected)}
