"""Writing files the way a careful program does: atomically, with the usual permissions.

Checkpoints (:mod:`graphlab.checkpoint`), nets saved as text
(:func:`graphlab.textformat.save_net`) and minidb files are written through
:func:`atomic_write` (or :func:`atomic_path`, for code that opens the file by name)::

    atomic_write("model.npz", lambda f: f.write(data), CheckpointError, "checkpoint")

What it promises:

* **All or nothing.** The bytes go to a temporary file in the target's directory, are
  flushed to disk (``fsync``) and then renamed over the target, so a crash, a full disk
  or an exception in ``write`` leaves the old file (or no file), never half of a new one.
  The temporary file is removed on every failure.
* **Normal permissions.** A new file gets the mode ``open(path, "w")`` would give it
  (``0o666`` minus the umask, so ``0o644`` under the usual umask ``022``); replacing a
  file keeps that file's mode (a ``0o664`` file in a shared folder stays ``0o664``).
* **Symlinks are followed.** Saving to a symbolic link replaces the file the link points
  to (atomically, in that file's directory); the link itself stays a link.
* **Errors name the user's path.** Every ``OSError`` (read-only folder, missing folder,
  a directory where the file should be, disk full) becomes the caller's error class
  with the path the user gave, what went wrong and what to do.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Callable, Iterator
from typing import BinaryIO

__all__ = ["atomic_path", "atomic_write", "describe_os_error"]

_NEW_FILE_MODE = 0o666  # what open() asks for; the kernel takes the umask off


def describe_os_error(exc: OSError) -> str:
    """A short, plain-English reason for ``exc`` (``permission denied``, ``disk full`` ...)."""
    reasons = {
        errno.EACCES: "permission denied",
        errno.EPERM: "operation not permitted",
        errno.EROFS: "the file system is read-only",
        errno.ENOSPC: "no space left on the device",
        errno.EDQUOT: "disk quota exceeded",
        errno.ENOENT: "no such file or directory",
        errno.EISDIR: "it is a directory",
        errno.ENOTDIR: "a part of the path is not a directory",
        errno.ENAMETOOLONG: "the file name is too long",
    }
    return reasons.get(exc.errno or 0, exc.strerror or str(exc))


def _fix_for(exc: OSError, directory: str) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (f" The file is first written to a temporary file in {directory!r} and then "
                "renamed, so that folder must be writable: save somewhere you can write, "
                "or fix the folder's permissions.")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return " Free some space or save elsewhere; the old file (if any) is unchanged."
    return ""


def atomic_write(
    path: str | os.PathLike[str],
    write: Callable[[BinaryIO], object],
    error: type[Exception],
    what: str = "file",
) -> str:
    """Write a file atomically by calling ``write(f)`` on a temporary binary file.

    Args:
        path: the file to write, exactly that path (relative to the working directory).
            A symbolic link is followed: its target is replaced, the link stays.
        write: writes the content to the open binary file it is given.
        error: the exception class raised for file-system errors (its message names
            ``path`` as the user gave it).
        what: what is being written, for messages (``"checkpoint"``, ``"net file"``).

    Returns:
        The absolute path written (the link's target when ``path`` is a symbolic link).

    Raises:
        error: the directory does not exist or is not writable, ``path`` is a directory,
            the disk is full, ... Nothing is left behind and an existing file is unchanged.
    """
    with atomic_path(path, error, what) as tmp:
        with open(tmp, "wb") as f:  # the file exists: its mode stays
            write(f)
    return os.path.realpath(os.fspath(path))


@contextlib.contextmanager
def atomic_path(
    path: str | os.PathLike[str], error: type[Exception], what: str = "file"
) -> Iterator[str]:
    """:func:`atomic_write` for code that opens the file by name (a database writer)::

        with atomic_path("model.minidb", DBError, "minidb file") as tmp:
            write_everything_to(tmp)

    ``tmp`` is an empty file next to the target, already made with the mode the saved
    file must have. When the block ends without an error, ``tmp`` is flushed to disk and
    renamed over the target (symbolic links followed); on any error it is removed and
    the target is unchanged. ``OSError`` (from the block too) becomes ``error``.
    """
    given = os.fspath(path)
    target = os.path.realpath(given)  # follow symbolic links (all of them)
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise error(
            f"Cannot write {what} {given!r}: the folder {directory!r} does not exist. "
            f"Create it first: os.makedirs({directory!r}, exist_ok=True)."
        )
    if os.path.isdir(target):
        raise error(f"Cannot write {what} {given!r}: it is a directory. Give a file name "
                    f"inside it, e.g. {os.path.join(given, 'model.npz')!r}.")
    try:
        old_mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        old_mode = None
    tmp = ""
    try:
        fd, tmp = _create_temp(directory, os.path.basename(target))
        try:
            if old_mode is not None:
                os.fchmod(fd, old_mode)  # a re-save keeps the file's mode
        finally:
            os.close(fd)
        yield tmp
        _fsync(tmp)
        os.replace(tmp, target)
        tmp = ""
    except OSError as exc:
        raise error(
            f"Cannot write {what} {given!r}: {describe_os_error(exc)}."
            + _fix_for(exc, directory)
        ) from exc
    finally:
        if tmp:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    _fsync_directory(directory)


def _fsync(path: str) -> None:
    """Flush a written file's data to the disk (before the rename makes it visible)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _create_temp(directory: str, base: str) -> tuple[int, str]:
    """A new, empty file next to the target, created with ``open()``'s mode (umask applies).

    ``tempfile.mkstemp`` would make it ``0o600`` whatever the umask, and the rename would
    hand that mode to the saved file.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = os.path.join(directory, f".{base}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, flags, _NEW_FILE_MODE), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "could not pick an unused temporary file name",
                          directory)


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
