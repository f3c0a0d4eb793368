"""Checkpoints: blobs to and from ``.npz`` files, safely.

This module holds the file format used by the ``Save``/``Load`` operators
(:mod:`graphlab.ops.io`) and by ``workspace.SaveBlobs``/``LoadBlobs``; it only reads and
writes files and knows nothing of workspaces::

    from graphlab import checkpoint
    checkpoint.write_checkpoint("model.npz", {"W": W, "B": B})
    checkpoint.read_checkpoint("model.npz")            # {name: array}

**Format.** A checkpoint is an ordinary NumPy ``.npz`` archive (``np.load`` opens it)
holding exactly ``blob_0.npy``, ``blob_1.npy``, ..., a unicode array
``__graphlab_names__`` with the blob names in the same order and a format number
``__graphlab_format__`` (1; a file without it is read as format 1). Blob names may
contain ``/``, ``:`` or anything else, because they are never used as zip member names.
A plain ``.npz`` written by ``np.savez`` (no name table) loads too: its member names,
minus ``.npy``, become blob names.

**Safety.** Nothing is ever pickled: arrays of Python objects are refused when saving,
and no member is ever unpickled. Writes are atomic (:func:`graphlab.files.atomic_write`).
Reads are all-or-nothing: the whole container is checked before any array is returned
(see :func:`read_checkpoint`), so any damage raises :class:`CheckpointError` naming the
file, what is wrong and what to do, and the caller (the ``Load`` op or
``workspace.LoadBlobs``) changes no blob.

Supported dtypes (bit-exact round trip): bool, signed/unsigned integers, float16/32/64,
complex, and fixed-width strings (``<U`` unicode and ``S`` bytes).
"""

from __future__ import annotations

import io
import math
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Mapping
from typing import IO, Any

import numpy as np

from .errors import GraphlabError
from .files import atomic_write, describe_os_error

__all__ = [
    "DEFAULT_MAX_BYTES",
    "CheckpointError",
    "NAMES_KEY",
    "read_checkpoint",
    "write_checkpoint",
]

NAMES_KEY = "__graphlab_names__"
"""The npz member holding the blob-name table (a 1-D unicode array)."""

DEFAULT_MAX_BYTES = 1 << 30
"""Largest total size (bytes, uncompressed) a checkpoint may load unless told otherwise:
1 GiB. A tiny compressed file can declare gigabytes of zeros (a "zip bomb"); pass
``max_bytes=`` to load a larger file you trust."""

_FORMAT_KEY = "__graphlab_format__"
_FORMAT_VERSION = 1
_SAVABLE_KINDS = "biufcUS"  # bool, int, uint, float, complex, unicode, bytes
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_NPY_MAGIC = b"\x93NUMPY"
_BLOB_MEMBER = re.compile(r"blob_(0|[1-9][0-9]*)\.npy")


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
    if value.dtype.kind not in _SAVABLE_KINDS or value.dtype.fields is not None:
        raise CheckpointError(
            f"blob {name!r} has dtype {value.dtype} ({value.dtype.kind!r} kind), which a "
            "checkpoint cannot hold without pickling. Convert it to a numeric, bool or "
            "fixed-width string array first (e.g. value.astype(str))."
        )
    return value


def write_checkpoint(path: str | os.PathLike[str], blobs: Mapping[str, np.ndarray]) -> str:
    """Atomically write ``{name: array}`` to the ``.npz`` file ``path`` (exactly that path).

    The arrays are written in the mapping's order. A new file gets the permissions
    ``open()`` would give it (the umask applies), a replaced file keeps its own, and a
    symbolic link is followed (see :func:`graphlab.files.atomic_write`). Returns the
    absolute path written.

    Raises:
        CheckpointError: a value is not a savable array, a name is empty, the directory
            does not exist or is not writable, or the file cannot be written. Nothing is
            left behind in that case, and an existing file is unchanged.
    """
    members: dict[str, np.ndarray] = {}
    names: list[str] = []
    for k, (name, value) in enumerate(blobs.items()):
        name = str(name)
        if not name:
            raise CheckpointError("a blob with an empty name cannot be saved; give it a name.")
        members[f"blob_{k}"] = _check_savable(name, value)
        names.append(name)
    table = np.array(names, dtype=str) if names else np.zeros(0, dtype="<U1")
    if [str(n) for n in table] != names:  # NumPy strips trailing NUL characters
        bad = next(n for n, t in zip(names, table) if str(t) != n)
        raise CheckpointError(f"blob name {bad!r} ends in a NUL character, which the "
                              "checkpoint's name table cannot keep; rename the blob.")
    members[NAMES_KEY] = table
    members[_FORMAT_KEY] = np.array(_FORMAT_VERSION, dtype=np.int64)
    # object arrays were refused above: np.savez pickles nothing
    return atomic_write(path, lambda f: np.savez(f, **members), CheckpointError, "checkpoint")


# ---- reading ------------------------------------------------------------------------------
#
# A zip archive is a row of members (a local header, then the member's bytes), then the
# central directory (one entry per member: name, sizes, CRC, where its local header is),
# then an end record (how many entries, where the directory starts). zipfile trusts the
# directory; a flipped bit there can hide members. So before reading anything we check
# that the members, laid end to end exactly as the directory describes them, tile the
# file from byte 0 to the directory, and the directory to the end record: no byte of the
# file is unaccounted for, and no member is listed twice or not at all.

_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record (22 bytes)
_EOCD64_LOCATOR = struct.Struct("<4sLQL")  # ZIP64 end record locator (20 bytes)
_EOCD64 = struct.Struct("<4sQ2H2L4Q")  # ZIP64 end of central directory record (56 bytes)
_LOCAL = struct.Struct("<4s5H3L2H")  # local file header (30 bytes)
_ENCRYPTED_FLAGS = 0x0001 | 0x0040 | 0x2000  # encrypted, strong encryption, masked directory
_DESCRIPTOR_FLAG = 0x0008  # CRC and sizes follow the data in a "data descriptor"
_UTF8_FLAG = 0x0800


def _open_for_reading(path: str) -> IO[bytes]:
    try:
        return open(path, "rb")  # noqa: SIM115 - closed by the caller
    except FileNotFoundError:
        raise CheckpointError(f"Checkpoint file {path!r} does not exist.") from None
    except IsADirectoryError:
        raise CheckpointError(f"Checkpoint path {path!r} is a directory, not a file.") from None
    except OSError as exc:
        raise CheckpointError(
            f"Cannot open checkpoint {path!r}: {describe_os_error(exc)}.") from exc


def _sniff(f: IO[bytes], where: str) -> None:
    """Fail early, with a precise message, on files that are not zip archives."""
    f.seek(0)
    head = f.read(8)
    if not head:
        raise CheckpointError(f"Checkpoint file {where!r} is empty (0 bytes).")
    if head.startswith((_ZIP_MAGIC, _EMPTY_ZIP_MAGIC)):
        return
    if head.startswith(_NPY_MAGIC):
        raise CheckpointError(
            f"{where!r} is a single-array .npy file, not a .npz checkpoint. Load it with "
            "np.load and FeedBlob it, or save checkpoints with the Save op / workspace.SaveBlobs."
        )
    if head.lstrip().startswith((b"name", b"op", b"#")):
        raise CheckpointError(
            f"{where!r} looks like a net in text format, not a .npz checkpoint; read it with "
            "graphlab.textformat.load_net."
        )
    raise CheckpointError(
        f"{where!r} is not a .npz checkpoint (it does not start like a zip archive: "
        f"first bytes {head!r})."
    )


def _damaged(where: str, what: str) -> CheckpointError:
    return CheckpointError(
        f"Checkpoint {where!r} is damaged or truncated: {what}. Nothing was loaded. Save it "
        "again, or copy it again from where it was saved (an interrupted copy or download "
        "is the usual cause)."
    )


def _not_a_checkpoint(where: str, what: str) -> CheckpointError:
    return CheckpointError(
        f"{where!r} is a zip archive but not a checkpoint: {what}. Nothing was loaded. "
        "graphlab loads .npz files written by the Save op or workspace.SaveBlobs, and plain "
        "np.savez files holding arrays only; open other archives with Python's zipfile."
    )


def read_checkpoint(
    source: str | os.PathLike[str] | IO[bytes], *, max_bytes: int | None = DEFAULT_MAX_BYTES
) -> dict[str, np.ndarray]:
    """Read every blob of a checkpoint into ``{name: array}`` (file order).

    Everything is checked before anything is returned:

    * the zip container: the end record is at the very end, the directory lists every
      member exactly once, and the members tile the file with no byte unaccounted for;
      each member's local header agrees with the directory; no member is encrypted or
      compressed with anything but NumPy's methods (stored, deflate);
    * the total uncompressed size is at most ``max_bytes`` (checked before reading);
    * the member names are exactly a graphlab checkpoint's (``blob_0.npy`` ... plus the
      name table and format number), or, for a plain ``np.savez`` file, ``<name>.npy``;
    * every member is a NumPy array of a savable dtype (never a pickle) whose header
      matches its size, and every member's CRC is verified;
    * the name table lists one unique, non-empty name per blob member.

    Args:
        source: a file path (relative to the working directory) or an open binary file.
        max_bytes: the largest total uncompressed size to accept (default
            :data:`DEFAULT_MAX_BYTES`, 1 GiB); None accepts any size.

    Raises:
        CheckpointError: the file is missing, empty, not an ``.npz`` archive, not a
            checkpoint, damaged, truncated, too large, or holds pickled objects. The
            message names the file, what is wrong and what to do.
    """
    if hasattr(source, "read"):
        f = source  # type: ignore[assignment]
        where = str(getattr(source, "name", "") or "<file object>")
        _sniff(f, where)  # type: ignore[arg-type]
        return _read_archive(f, where, max_bytes)  # type: ignore[arg-type]
    path = os.path.abspath(os.fspath(source))  # type: ignore[arg-type]
    with _open_for_reading(path) as f:
        _sniff(f, path)
        return _read_archive(f, path, max_bytes)


def _read_archive(f: IO[bytes], where: str, max_bytes: int | None) -> dict[str, np.ndarray]:
    try:
        zf, infos = _container(f, where)
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, struct.error,
            NotImplementedError) as exc:
        raise _damaged(where, f"{type(exc).__name__}: {exc}") from exc
    with zf:
        total = sum(info.file_size for info in infos)
        if max_bytes is not None and total > max_bytes:
            raise CheckpointError(
                f"Checkpoint {where!r} would take {total:,} bytes when loaded, more than "
                f"the limit of {max_bytes:,} bytes (max_bytes). Nothing was loaded. If you "
                f"trust the file, raise the limit: max_bytes={total} (read_checkpoint, "
                "workspace.LoadBlobs and the Load op take it too)."
            )
        graphlab = _check_member_names(infos, where)
        arrays = {info.filename[:-4]: _read_member(zf, info, where) for info in infos}
    if graphlab:
        return _name_blobs(where, arrays)
    return arrays


def _container(f: IO[bytes], where: str) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """Open the zip and prove its directory lists every byte of the file (see above)."""
    size = f.seek(0, io.SEEK_END)
    if size < _EOCD.size:
        raise _damaged(where, f"the file is only {size} bytes, too short for a zip archive")
    f.seek(size - _EOCD.size)
    sig, disk, cd_disk, n_disk, n_total, cd_size, cd_offset, comment = _EOCD.unpack(
        f.read(_EOCD.size))
    if sig != b"PK\x05\x06" or comment:
        raise _damaged(where, "the zip end record is not where it belongs, in the last 22 "
                              "bytes (the file is cut short, or has bytes added at its end)")
    cd_end = size - _EOCD.size
    if 0xFFFF in (n_disk, n_total) or 0xFFFFFFFF in (cd_size, cd_offset):  # ZIP64
        start = cd_end - _EOCD64_LOCATOR.size - _EOCD64.size
        if start < 0:
            raise _damaged(where, "the ZIP64 end record is missing")
        f.seek(start)
        (sig, rec_size, _made, _needed, disk, cd_disk, n_disk, n_total, cd_size,
         cd_offset) = _EOCD64.unpack(f.read(_EOCD64.size))
        lsig, ldisk, offset, ndisks = _EOCD64_LOCATOR.unpack(f.read(_EOCD64_LOCATOR.size))
        if (sig != b"PK\x06\x06" or rec_size != _EOCD64.size - 12 or lsig != b"PK\x06\x07"
                or ldisk != 0 or ndisks != 1 or offset != start):
            raise _damaged(where, "the ZIP64 end record is damaged")
        cd_end = start
    if disk or cd_disk or n_disk != n_total:
        raise _damaged(where, "the zip end record describes an archive split over disks")
    if cd_offset + cd_size != cd_end:
        raise _damaged(where, f"the zip directory should span bytes {cd_offset}-"
                              f"{cd_offset + cd_size} but the end record is at {cd_end}")
    f.seek(0)
    zf = zipfile.ZipFile(f)
    try:
        infos = zf.infolist()
        if len(infos) != n_total:
            raise _damaged(where, f"the zip directory lists {len(infos)} member(s) but its "
                                  f"end record counts {n_total}")
        _check_tiling(f, infos, cd_offset, where)
    except BaseException:
        zf.close()
        raise
    return zf, infos


def _check_tiling(f: IO[bytes], infos: list[zipfile.ZipInfo], cd_offset: int,
                  where: str) -> None:
    seen: dict[str, None] = {}
    pos = 0
    for info in sorted(infos, key=lambda i: i.header_offset):
        name = info.filename
        if name in seen:
            raise _damaged(where, f"the zip directory lists member {name!r} twice")
        seen[name] = None
        if info.flag_bits & _ENCRYPTED_FLAGS:
            raise _damaged(where, f"member {name!r} is marked as encrypted (graphlab and "
                                  "NumPy never encrypt)")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _damaged(where, f"member {name!r} uses compression method "
                                  f"{info.compress_type}; NumPy writes only stored or "
                                  "deflated members")
        if info.header_offset != pos:
            raise _damaged(where, f"member {name!r} starts at byte {info.header_offset} but "
                                  f"the previous one ends at byte {pos}: the zip directory "
                                  "does not describe the file")
        f.seek(pos)
        head = f.read(_LOCAL.size)
        if len(head) != _LOCAL.size:
            raise _damaged(where, f"member {name!r} is cut off")
        sig, _ver, flags, method, _time, _date, crc, csize, usize, nlen, xlen = \
            _LOCAL.unpack(head)
        raw_name = f.read(nlen)
        extra = f.read(xlen)
        encoding = "utf-8" if info.flag_bits & _UTF8_FLAG else "cp437"
        if (sig != _ZIP_MAGIC or flags != info.flag_bits or method != info.compress_type
                or raw_name != info.orig_filename.encode(encoding)):
            raise _damaged(where, f"the local header of member {name!r} disagrees with the "
                                  "zip directory")
        pos += _LOCAL.size + nlen + xlen + info.compress_size
        if flags & _DESCRIPTOR_FLAG:
            pos += _descriptor_size(f, pos, info, where)
        elif crc != info.CRC or _local_sizes(csize, usize, extra) != (
                info.compress_size, info.file_size):
            raise _damaged(where, f"the local header of member {name!r} gives another CRC "
                                  "or size than the zip directory")
    if pos != cd_offset:
        raise _damaged(where, f"the members end at byte {pos} but the zip directory starts "
                              f"at byte {cd_offset}: some bytes belong to no listed member")


def _local_sizes(csize: int, usize: int, extra: bytes) -> tuple[int, int]:
    """(compressed, uncompressed) size from a local header, reading its ZIP64 extra field
    when the 32-bit fields hold the 0xFFFFFFFF marker."""
    if 0xFFFFFFFF not in (csize, usize):
        return csize, usize
    k = 0
    while k + 4 <= len(extra):
        tag, length = struct.unpack_from("<2H", extra, k)
        body = extra[k + 4:k + 4 + length]
        if tag == 1:
            values = list(struct.unpack_from(f"<{len(body) // 8}Q", body))
            if usize == 0xFFFFFFFF and values:
                usize = values.pop(0)
            if csize == 0xFFFFFFFF and values:
                csize = values.pop(0)
            break
        k += 4 + length
    return csize, usize


def _descriptor_size(f: IO[bytes], pos: int, info: zipfile.ZipInfo, where: str) -> int:
    """Length of the data descriptor at ``pos`` (it must repeat the directory's values)."""
    f.seek(pos)
    buf = f.read(24)
    off = 4 if buf[:4] == b"PK\x07\x08" else 0
    for fmt in ("<3L", "<L2Q"):
        end = off + struct.calcsize(fmt)
        if len(buf) >= end and struct.unpack_from(fmt, buf, off) == (
                info.CRC, info.compress_size, info.file_size):
            return end
    raise _damaged(where, f"the data descriptor of member {info.filename!r} disagrees with "
                          "the zip directory")


def _check_member_names(infos: list[zipfile.ZipInfo], where: str) -> bool:
    """True for a graphlab checkpoint, False for a plain ``np.savez`` file; else raise."""
    names = [info.filename for info in infos]
    reserved = (NAMES_KEY + ".npy", _FORMAT_KEY + ".npy")
    if any(n in reserved or _BLOB_MEMBER.fullmatch(n) for n in names):
        if reserved[0] not in names:  # the format number may be absent (then 1)
            raise _damaged(where, f"it has graphlab's blob members but no {reserved[0]!r}")
        blobs = [n for n in names if n not in reserved]
        expected = [f"blob_{k}.npy" for k in range(len(blobs))]
        if sorted(blobs) != sorted(expected):
            odd = [n for n in blobs if n not in expected] or [
                n for n in expected if n not in blobs]
            raise _damaged(where, f"its members should be {', '.join(expected[:3])}"
                                  f"{', ...' if len(expected) > 3 else ''} and the two "
                                  f"tables, but {odd[0]!r} does not fit")
        return True
    for n in names:
        stem = n[:-4]
        parts = stem.replace("\\", "/").split("/")
        if not n.endswith(".npy") or not stem or "\x00" in n or any(
                p in ("", ".", "..") for p in parts):
            raise _not_a_checkpoint(where, f"member {n!r} is not named like an array "
                                           "(<name>.npy) of np.savez")
    return False


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> np.ndarray:
    """One ``.npy`` member as an array, reading exactly its declared bytes (CRC checked)."""
    name = info.filename
    try:
        with zf.open(info) as fp:
            magic = fp.read(len(_NPY_MAGIC))
            if magic != _NPY_MAGIC:
                problem = _crc_problem(zf, info)
                if problem:
                    raise _damaged(where, problem)
                raise _not_a_checkpoint(where, f"member {name!r} is not a NumPy array")
            version = (fp.read(1) or b"\0")[0], (fp.read(1) or b"\0")[0]
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
            else:
                raise ValueError(f"unknown .npy format version {version}")
            if dtype.hasobject:
                raise CheckpointError(
                    f"Checkpoint {where!r}: member {name!r} holds pickled Python objects. "
                    "graphlab never unpickles files (that can run arbitrary code); save "
                    "plain numeric or string arrays instead. Nothing was loaded."
                )
            if dtype.kind not in _SAVABLE_KINDS or dtype.fields is not None or (
                    dtype.subdtype is not None):
                raise ValueError(f"its dtype {dtype} is not one a checkpoint holds")
            nbytes = math.prod(shape) * dtype.itemsize
            header = fp.tell()
            if header + nbytes != info.file_size:
                raise ValueError(f"its header declares {dtype}{list(shape)} ({nbytes} bytes) "
                                 f"but it holds {info.file_size - header} bytes of data")
            buf = bytearray(nbytes)
            view = memoryview(buf)
            got = 0
            while got < nbytes:
                n = fp.readinto(view[got:])
                if not n:
                    raise EOFError("its data is cut short")
                got += n
            if fp.read(1):  # reading to the end is what makes zipfile check the CRC
                raise ValueError("it holds more data than its header declares")
    except CheckpointError:
        raise
    except zipfile.BadZipFile as exc:
        if "CRC" in str(exc):
            raise _damaged(where, f"member {name!r} fails its CRC check (its bytes changed "
                                  "after it was written)") from None
        raise _damaged(where, f"member {name!r}: {exc}") from None
    except (ValueError, EOFError, OSError, SyntaxError, TypeError, OverflowError,
            zlib.error, struct.error) as exc:
        raise _damaged(where, _crc_problem(zf, info) or f"member {name!r}: {exc}") from None
    if nbytes == 0:
        return np.empty(shape, dtype, order="F" if fortran else "C")
    return np.frombuffer(buf, dtype=dtype).reshape(shape, order="F" if fortran else "C")


def _crc_problem(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    """``"member 'x' fails its CRC check"`` if it does (or cannot be decompressed), else ""."""
    try:
        with zf.open(info) as fp:
            while fp.read(1 << 20):
                pass
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
        return f"member {info.filename!r} fails its CRC check ({exc})"
    return ""


def _name_blobs(where: str, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    version = arrays.pop(_FORMAT_KEY, np.array(_FORMAT_VERSION, np.int64))
    table = arrays.pop(NAMES_KEY)
    if version.shape != () or version.dtype.kind not in "iu":
        raise _damaged(where, f"the format number is {version.dtype}{list(version.shape)}, "
                              "expected one integer")
    if int(version) != _FORMAT_VERSION:
        if int(version) > _FORMAT_VERSION:
            raise CheckpointError(
                f"Checkpoint {where!r} has format {int(version)}, written by a newer "
                f"graphlab (this one reads format {_FORMAT_VERSION}). Upgrade graphlab.")
        raise _damaged(where, f"its format number is {int(version)}")
    if table.ndim != 1 or table.dtype.kind != "U":
        raise _damaged(where, f"the name table is {table.dtype}{list(table.shape)}, "
                              "expected a 1-D unicode array")
    names = [str(n) for n in table]
    if len(names) != len(arrays):
        raise _damaged(where, f"the name table lists {len(names)} blob(s) but the archive "
                              f"holds {len(arrays)} array member(s)")
    if "" in names:
        raise _damaged(where, "the name table holds an empty name")
    if len(dict.fromkeys(names)) != len(names):
        dupes = [n for k, n in enumerate(names) if n in names[:k]]
        raise _damaged(where, f"the name table repeats {dupes}")
    return {name: arrays[f"blob_{k}"] for k, name in enumerate(names)}

