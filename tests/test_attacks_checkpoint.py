"""Attacks on checkpoints (docs/saving.md): every load is all-or-nothing.

Each test is an attack that once broke a promise, or one that held and must keep holding.
The promise: a checkpoint either loads exactly the data that was saved, or raises
``CheckpointError`` naming the file, what is wrong and what to do, and changes no blob.
"""

from __future__ import annotations

import io
import os
import struct
import threading
import zipfile

import numpy as np
import pytest

from graphlab import checkpoint, core, workspace
from graphlab.checkpoint import DEFAULT_MAX_BYTES, NAMES_KEY, CheckpointError
from graphlab.errors import GraphlabError


def _small_checkpoint(path) -> dict[str, np.ndarray]:
    blobs = {"W": np.array([[1.0, 2.0]], np.float32), "B": np.array([0.5], np.float32)}
    checkpoint.write_checkpoint(path, blobs)
    return blobs


def _same(got: dict[str, np.ndarray], want: dict[str, np.ndarray]) -> bool:
    return list(got) == list(want) and all(
        got[k].dtype == want[k].dtype and got[k].shape == want[k].shape
        and got[k].tobytes() == want[k].tobytes() for k in want)


def _snapshot() -> dict[str, bytes]:
    return {n: workspace.FetchBlob(n).tobytes() for n in workspace.Blobs()}


def _load_op(path, **kwargs) -> None:
    workspace.RunOperatorOnce(core.CreateOperator(
        "Load", [], [], db=str(path), absolute_path=1, load_all=1, **kwargs))


def _flip(data: bytes, bit: int) -> bytes:
    b = bytearray(data)
    b[bit // 8] ^= 1 << (bit % 8)
    return bytes(b)


# ---- bit flips: every single one ------------------------------------------------------------


def test_every_single_bit_flip_loads_the_saved_data_or_raises_checkpoint_error(tmp_path):
    """All 8 * size flips of a small checkpoint (about 8,600). Before: 16 flips loaded
    wrong data silently (one dropped every member but ``blob_0``), 4 raised RuntimeError."""
    want = _small_checkpoint(tmp_path / "small.npz")
    data = (tmp_path / "small.npz").read_bytes()
    refused = 0
    for bit in range(len(data) * 8):
        try:
            got = checkpoint.read_checkpoint(io.BytesIO(_flip(data, bit)))
        except CheckpointError:
            refused += 1
            continue
        assert _same(got, want), f"bit {bit} loaded other data: {got}"
    # flips in fields nothing reads (timestamps, "version made by") are harmless
    assert 0.8 * len(data) * 8 < refused < len(data) * 8


def test_directory_flip_that_hid_members_is_refused_and_changes_nothing(tmp_path):
    """The flip that made load_blobs return one blob ``blob_0`` and drop the rest."""
    path = tmp_path / "m.npz"
    _small_checkpoint(path)
    data = path.read_bytes()
    first_entry = data.index(b"PK\x01\x02")  # the zip directory's first entry
    # bit 0 of its comment length's high byte: the "comment" swallows the other entries,
    # and zipfile then sees one member, blob_0 (before: loaded as a plain npz of one blob)
    path.write_bytes(_flip(data, (first_entry + 33) * 8))
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist() == ["blob_0.npy"]
    workspace.FeedBlob("W", np.zeros((1, 2), np.float32))
    before = _snapshot()
    with pytest.raises(CheckpointError, match=r"m\.npz.*damaged.*Save it again"):
        workspace.LoadBlobs(path)
    with pytest.raises(GraphlabError, match=r"m\.npz.*damaged"):
        _load_op(path)
    assert _snapshot() == before


def test_encrypted_flag_is_a_checkpoint_error_not_a_runtime_error(tmp_path):
    path = tmp_path / "e.npz"
    _small_checkpoint(path)
    data = bytearray(path.read_bytes())
    for k in range(len(data) - 4):
        if data[k:k + 4] == b"PK\x01\x02":  # every directory entry: set the encrypted bit
            data[k + 8] |= 1
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="encrypted"):
        checkpoint.read_checkpoint(path)


@pytest.mark.parametrize("where", ["prepended", "appended"])
def test_bytes_outside_the_archive_are_refused(tmp_path, where):
    path = tmp_path / "x.npz"
    _small_checkpoint(path)
    data = path.read_bytes()
    path.write_bytes(b"junk" + data if where == "prepended" else data + b"junk")
    with pytest.raises(CheckpointError, match=r"damaged|not a \.npz"):
        checkpoint.read_checkpoint(path)


def test_truncation_at_every_seventh_byte_is_refused(tmp_path):
    """Held before; kept so it cannot come back."""
    path = tmp_path / "t.npz"
    _small_checkpoint(path)
    data = path.read_bytes()
    for end in range(0, len(data), 7):
        with pytest.raises(CheckpointError):
            checkpoint.read_checkpoint(io.BytesIO(data[:end]))


# ---- not a checkpoint ----------------------------------------------------------------------


def _zip(path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)


def _npy(value: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, value)
    return buf.getvalue()


def test_zip_with_text_members_is_refused(tmp_path):
    """Before: loaded as a bytes blob ``readme``."""
    path = tmp_path / "notes.zip"
    _zip(path, {"readme.txt": b"hello", "W.npy": _npy(np.ones(2))})
    workspace.FeedBlob("W", np.zeros(2))
    before = _snapshot()
    with pytest.raises(CheckpointError, match=r"notes\.zip.*not a checkpoint.*'readme\.txt'"):
        workspace.LoadBlobs(path)
    assert _snapshot() == before


def test_member_that_is_not_an_array_is_refused(tmp_path):
    path = tmp_path / "fake.npz"
    _zip(path, {"x.npy": b"not an array at all"})
    with pytest.raises(CheckpointError, match="'x.npy' is not a NumPy array"):
        checkpoint.read_checkpoint(path)


@pytest.mark.parametrize(
    "name", ["../../evil.npy", "/abs.npy", "a/./b.npy", ".npy", "a\\..\\b.npy", "W.txt"])
def test_member_names_that_are_paths_are_refused(tmp_path, name):
    path = tmp_path / "evil.npz"
    _zip(path, {name: _npy(np.ones(2))})
    with pytest.raises(CheckpointError, match="not a checkpoint"):
        checkpoint.read_checkpoint(path)


def test_graphlab_members_without_their_name_table_are_refused(tmp_path):
    path = tmp_path / "no_table.npz"
    np.savez(path, blob_0=np.ones(2), blob_1=np.zeros(2))
    with pytest.raises(CheckpointError, match="no '__graphlab_names__.npy'"):
        checkpoint.read_checkpoint(path)


def test_unexpected_member_beside_graphlab_members_is_refused(tmp_path):
    path = tmp_path / "extra.npz"
    np.savez(path, blob_0=np.ones(2), extra=np.ones(1), **{NAMES_KEY: np.array(["W"])})
    with pytest.raises(CheckpointError, match="'extra.npy' does not fit"):
        checkpoint.read_checkpoint(path)


def test_duplicate_members_are_refused(tmp_path):
    path = tmp_path / "dup.npz"
    with pytest.warns(UserWarning, match="Duplicate name"):
        _zip(path, {"W.npy": _npy(np.ones(2))})
        with zipfile.ZipFile(path, "a") as zf:
            zf.writestr("W.npy", _npy(np.zeros(2)))
    with pytest.raises(CheckpointError, match="twice"):
        checkpoint.read_checkpoint(path)


def test_name_table_with_repeats_or_empty_names_is_refused(tmp_path):
    path = tmp_path / "t.npz"
    np.savez(path, blob_0=np.ones(1), blob_1=np.ones(1), **{NAMES_KEY: np.array(["a", "a"])})
    with pytest.raises(CheckpointError, match="repeats"):
        checkpoint.read_checkpoint(path)
    np.savez(path, blob_0=np.ones(1), **{NAMES_KEY: np.array([""])})
    with pytest.raises(CheckpointError, match="empty name"):
        checkpoint.read_checkpoint(path)


def test_newer_format_asks_for_an_upgrade(tmp_path):
    path = tmp_path / "v2.npz"
    np.savez(path, blob_0=np.ones(1), **{NAMES_KEY: np.array(["a"]),
                                        "__graphlab_format__": np.array(2, np.int64)})
    with pytest.raises(CheckpointError, match="newer graphlab"):
        checkpoint.read_checkpoint(path)


def test_pickled_members_are_never_unpickled(tmp_path):
    """Held before; kept."""
    path = tmp_path / "p.npz"
    np.savez(path, x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(CheckpointError, match="pickled"):
        checkpoint.read_checkpoint(path)


# ---- resource limits ------------------------------------------------------------------------


def test_zip_bomb_is_refused_before_decompressing(tmp_path):
    """A small deflated file that unpacks to much more than the limit."""
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, zeros=np.zeros(1 << 22, np.uint8))  # 4 MiB of zeros
    assert os.path.getsize(path) < 64 << 10
    with pytest.raises(CheckpointError, match=r"bomb\.npz.*4,194,\d+ bytes.*max_bytes"):
        checkpoint.read_checkpoint(path, max_bytes=1 << 20)
    with pytest.raises(GraphlabError, match="max_bytes"):
        _load_op(path, max_bytes=1 << 20)
    assert checkpoint.read_checkpoint(path, max_bytes=None)["zeros"].size == 1 << 22
    _load_op(path, max_bytes=8 << 20)  # raising the limit loads it
    assert workspace.FetchBlob("zeros").size == 1 << 22


def test_default_limit_refuses_a_file_declaring_more_than_one_gib(tmp_path):
    """A stored member of 1 GiB + 1 byte, written as a sparse file (a hole, no data)."""
    size = DEFAULT_MAX_BYTES + 1
    name = b"big.npy"
    path = tmp_path / "big.npz"
    with open(path, "wb") as f:
        f.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, 0, size, size,
                            len(name), 0) + name)
        f.seek(size, os.SEEK_CUR)
        cd_offset = f.tell()
        entry = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, size, size,
                            len(name), 0, 0, 0, 0, 0, 0) + name
        f.write(entry)
        f.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(entry), cd_offset, 0))
    with pytest.raises(CheckpointError, match=r"1,073,741,825 bytes.*limit of 1,073,741,824"):
        checkpoint.read_checkpoint(path)


def test_array_header_declaring_745_gib_is_refused_without_allocating(tmp_path):
    """Held before; kept. The header says [10**11] float64, the data is 8 bytes."""
    good = _npy(np.ones(1))
    bad = good.replace(b"(1,)", b"(100000000000,)")
    header_len = struct.unpack("<H", bad[8:10])[0] + len(bad) - len(good)
    bad = bad[:8] + struct.pack("<H", header_len) + bad[10:]
    path = tmp_path / "huge.npz"
    _zip(path, {"x.npy": bad})
    with pytest.raises(CheckpointError, match=r"declares float64\[100000000000\]"):
        checkpoint.read_checkpoint(path)


# ---- concurrency (held; kept) ----------------------------------------------------------------


def test_concurrent_saves_and_loads_see_whole_files(tmp_path):
    path = tmp_path / "c.npz"
    versions = [{"W": np.full((64,), v, np.float32), "B": np.full((3,), v, np.float32)}
                for v in range(4)]
    checkpoint.write_checkpoint(path, versions[0])
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for k in range(40):
                checkpoint.write_checkpoint(path, versions[k % 4])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def reader() -> None:
        try:
            for _ in range(40):
                got = checkpoint.read_checkpoint(path)
                assert any(_same(got, v) for v in versions)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


# ---- Caffe2's minidb: no checksums, but damage is still a CheckpointError ----------------------


def test_damaged_minidb_raises_checkpoint_error_and_changes_nothing(tmp_path):
    """minidb (Caffe2's format) has no checksums, so a flipped bit inside a number loads
    as another number (docs/saving.md says so); every flip that breaks the records must
    still be a CheckpointError that loads nothing. Before: UnicodeDecodeError and
    ValueError escaped as plain op failures."""
    workspace.FeedBlob("W", np.array([[1.0, 2.0]], np.float32))
    workspace.FeedBlob("B", np.array([0.5], np.float32))
    path = tmp_path / "m.minidb"
    workspace.RunOperatorOnce(core.CreateOperator(
        "Save", ["W", "B"], [], db=str(path), absolute_path=1, db_type="minidb"))
    data = path.read_bytes()
    damaged = tmp_path / "d.minidb"
    refused = 0
    for bit in range(len(data) * 8):
        damaged.write_bytes(_flip(data, bit))
        workspace.ResetWorkspace()
        workspace.FeedBlob("keep", np.ones(1, np.float32))
        try:
            _load_op(damaged, db_type="minidb")
        except GraphlabError as exc:
            assert isinstance(exc.__cause__, CheckpointError), exc
            assert workspace.Blobs() == ["keep"]
            refused += 1
    assert refused > len(data) * 4
