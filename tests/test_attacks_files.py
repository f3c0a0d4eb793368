"""Attacks on saved files (docs/saving.md): files behave like files.

Checkpoints (``SaveBlobs``, the ``Save`` op, also to a minidb file) and nets saved as
text (``save_net``) get the mode a plain ``open()`` would give them, keep the mode of the
file they replace, write through symbolic links to their target, and turn every
file-system error into a graphlab error that names the path the user gave.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from graphlab import core, files, workspace
from graphlab.checkpoint import CheckpointError
from graphlab.errors import GraphlabError
from graphlab.textformat import load_net, save_net


def _save_blobs(path: str) -> None:
    workspace.SaveBlobs(path, ["W"])


def _save_op(path: str) -> None:
    workspace.RunOperatorOnce(core.CreateOperator("Save", ["W"], [], db=path, absolute_path=1))


def _save_op_minidb(path: str) -> None:
    workspace.RunOperatorOnce(core.CreateOperator("Save", ["W"], [], db=path, absolute_path=1,
                                                  db_type="minidb"))


def _save_net(path: str) -> None:
    net = core.Net("files_net")
    net.Relu("W", "Y")
    save_net(net, path)


SAVERS: dict[str, Callable[[str], None]] = {
    "SaveBlobs": _save_blobs, "Save-op": _save_op, "Save-minidb": _save_op_minidb,
    "save_net": _save_net}


@pytest.fixture(params=list(SAVERS))
def saver(request) -> Callable[[str], None]:
    workspace.FeedBlob("W", np.ones((2, 2), np.float32))
    return SAVERS[request.param]


@pytest.fixture
def umask() -> Iterator[Callable[[int], None]]:
    old = os.umask(0o022)
    try:
        yield os.umask
    finally:
        os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_new_files_get_the_mode_open_would_give(tmp_path, saver, umask):
    """Before: 0600 whatever the umask (the temporary file's mode)."""
    for mask in (0o022, 0o002, 0o077):
        umask(mask)
        path = tmp_path / f"new_{mask:o}"
        saver(str(path))
        with open(tmp_path / f"plain_{mask:o}", "w"):
            pass
        assert _mode(path) == _mode(tmp_path / f"plain_{mask:o}") == 0o666 & ~mask


def test_re_save_keeps_the_file_mode(tmp_path, saver, umask):
    """Before: a re-save turned a shared 0644 file into 0600."""
    path = tmp_path / "shared"
    saver(str(path))
    for mode in (0o644, 0o664, 0o600, 0o444):
        os.chmod(path, mode)
        umask(0o077)  # the umask does not apply to a file that exists
        saver(str(path))
        assert _mode(path) == mode


def test_saving_through_a_symlink_writes_the_target(tmp_path, saver):
    """Before: the link was replaced by a regular file."""
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    target = real_dir / "model"
    target.write_bytes(b"old")
    link = tmp_path / "link"
    link.symlink_to(os.path.relpath(target, tmp_path))
    saver(str(link))
    assert link.is_symlink()
    assert os.readlink(link) == os.path.relpath(target, tmp_path)
    assert target.read_bytes() != b"old"
    assert sorted(os.listdir(real_dir)) == ["model"]  # written atomically there, no temp
    assert sorted(os.listdir(tmp_path)) == ["link", "real"]


def test_saving_through_a_dangling_symlink_creates_the_target(tmp_path, saver):
    target = tmp_path / "made_by_save"
    link = tmp_path / "link"
    link.symlink_to(target.name)
    saver(str(link))
    assert link.is_symlink() and target.is_file()


@pytest.fixture
def read_only_dir(tmp_path, monkeypatch) -> str:
    """A directory nobody may create files in. root ignores permission bits, so there
    creating a file in it is also made to fail the way the kernel would fail it."""
    d = tmp_path / "ro"
    d.mkdir()
    (d / "existing").write_bytes(b"keep me")
    os.chmod(d, 0o555)
    if os.geteuid() == 0:
        real_open = os.open

        def refusing_open(path, flags, *args, **kwargs):
            if os.path.dirname(os.fspath(path)) == str(d) and flags & os.O_CREAT:
                raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", refusing_open)
    yield str(d)
    os.chmod(d, 0o755)


def test_read_only_directory_is_a_graphlab_error_naming_the_users_path(read_only_dir, saver):
    """Before: a raw PermissionError naming a temporary file (made outside the try)."""
    path = os.path.join(read_only_dir, "existing")
    with pytest.raises(GraphlabError, match="permission denied") as info:
        saver(path)
    message = str(info.value)
    assert repr(path) in message and ".tmp" not in message
    assert "writable" in message
    assert open(path, "rb").read() == b"keep me"
    assert os.listdir(read_only_dir) == ["existing"]


def test_full_disk_keeps_the_old_file_and_leaves_no_temp(tmp_path, saver, monkeypatch):
    """Held before (for checkpoints); kept, and now with the user's path in the message."""
    path = tmp_path / "m"
    saver(str(path))
    before = path.read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(GraphlabError, match=r"no space left.*old file.*unchanged") as info:
        saver(str(path))
    assert repr(str(path)) in str(info.value)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m"]


def test_checkpoint_errors_are_checkpoint_errors(read_only_dir):
    workspace.FeedBlob("W", np.ones(2, np.float32))
    with pytest.raises(CheckpointError):
        workspace.SaveBlobs(os.path.join(read_only_dir, "x.npz"), ["W"])


def test_saving_onto_a_directory_or_into_a_missing_one(tmp_path, saver):
    with pytest.raises(GraphlabError, match="it is a directory"):
        saver(str(tmp_path))
    with pytest.raises(GraphlabError, match="does not exist.*os.makedirs"):
        saver(str(tmp_path / "nope" / "x"))
    assert os.listdir(tmp_path) == []


def test_load_net_on_a_directory_is_a_graphlab_error(tmp_path):
    """Before: a raw IsADirectoryError."""
    with pytest.raises(GraphlabError, match=r"is a directory"):
        load_net(tmp_path)


def test_load_net_on_an_unreadable_file(tmp_path, monkeypatch):
    path = tmp_path / "net.pbtxt"
    path.write_text('name: "n"\n')

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr("builtins.open", refuse)
    with pytest.raises(GraphlabError, match=r"Cannot read net file .*permission denied"):
        load_net(path)


def test_an_exception_inside_the_writer_leaves_nothing(tmp_path):
    def broken(f):
        f.write(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        files.atomic_write(tmp_path / "x", broken, GraphlabError)
    assert os.listdir(tmp_path) == []
