"""Save/Load operators and the checkpoint helpers: round trips, paths, damaged files."""

from __future__ import annotations

import os
import zipfile

import cases_io
import numpy as np
import pytest
from op_case import Case

from graphlab import checkpoint, core, workspace
from graphlab.checkpoint import NAMES_KEY, CheckpointError
from graphlab.errors import GraphlabError
from graphlab.registry import NO_GRADIENT, get_schema


def _blobs_sample() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    return {
        "f32": rng.standard_normal((3, 4)).astype(np.float32),
        "f64": rng.standard_normal(5),
        "i32": rng.integers(-2**31, 2**31 - 1, size=(2, 2), dtype=np.int32),
        "i64": np.array([-(2**62), 2**62, 0], dtype=np.int64),
        "bool": np.array([[True, False], [False, True]]),
        "u8": np.arange(256, dtype=np.uint8),
        "str": np.array(["alpha", "β-é", ""]),
        "bytes": np.array([b"a\x00b", b"zz"]),
        "scalar": np.array(np.float32(3.5)),
        "empty": np.zeros((0, 3), np.float32),
        "special": np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324], dtype=np.float64),
        "f16": np.array([1.5, -2.25], dtype=np.float16),
        "noncontig": np.arange(12, dtype=np.int32).reshape(3, 4)[:, ::2],
    }


def _assert_identical(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == b.dtype
    assert a.shape == b.shape
    assert np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()


def _snapshot() -> dict[str, bytes]:
    return {n: workspace.FetchBlob(n).tobytes() for n in workspace.Blobs()}


def _run(op_type: str, inputs, outputs, **kwargs) -> None:
    workspace.RunOperatorOnce(core.CreateOperator(op_type, inputs, outputs, **kwargs))


# ---- the op cases (tests/cases_io.py) -------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _remove_scratch_file():
    yield
    if os.path.exists(cases_io.SCRATCH):
        os.unlink(cases_io.SCRATCH)


@pytest.mark.parametrize(
    ("op_type", "case"),
    [pytest.param(op, c, id=f"{op}-{c.id}") for op, cs in cases_io.CASES.items() for c in cs],
)
def test_op_cases(op_type: str, case: Case) -> None:
    inputs = list(case.make_inputs(np.random.default_rng(0)))
    names = [f"in{i}" for i in range(len(inputs))]
    for n, v in zip(names, inputs):
        workspace.FeedBlob(n, v)
    expected = case.reference(*inputs, **case.args)
    expected = expected if isinstance(expected, tuple) else (expected,)
    outs = [f"out{i}" for i in range(case.n_outputs)]
    workspace.RunOperatorOnce(core.CreateOperator(op_type, names, outs, **case.args))
    assert len(outs) == len(expected)
    for o, e in zip(outs, expected):
        _assert_identical(workspace.FetchBlob(o), e)
    if op_type == "Save":
        stored = checkpoint.read_checkpoint(case.args["db"])
        saved_names = case.args.get("blob_name_overrides", names)
        assert list(stored) == saved_names
        for n, v in zip(saved_names, inputs):
            _assert_identical(stored[n], v)


# ---- round trips ---------------------------------------------------------------------------


def test_save_then_load_is_bit_exact_for_every_dtype(tmp_path):
    data = _blobs_sample()
    for name, value in data.items():
        workspace.FeedBlob(name, value)
    path = str(tmp_path / "all.npz")
    _run("Save", list(data), [], db=path, db_type="npz", absolute_path=1)
    workspace.ResetWorkspace()
    _run("Load", [], list(data), db=path, db_type="npz", absolute_path=1)
    assert workspace.Blobs() == sorted(data)
    for name, value in data.items():
        _assert_identical(workspace.FetchBlob(name), value)


def test_blob_names_with_slashes_colons_and_unicode(tmp_path):
    names = ["model/fc1/W", "train/FC:0", "with space", "ünï", "a.b", "__graphlab_names__"]
    for k, n in enumerate(names):
        workspace.FeedBlob(n, np.full((2,), k, np.float32))
    path = str(tmp_path / "names.npz")
    _run("Save", names, [], db=path, absolute_path=1)
    workspace.ResetWorkspace()
    _run("Load", [], [], db=path, absolute_path=1, load_all=1)
    assert workspace.Blobs() == sorted(names)
    for k, n in enumerate(names):
        assert workspace.FetchBlob(n).tolist() == [k, k]
    # The names live in a table, never as zip member names.
    with zipfile.ZipFile(path) as zf:
        members = zf.namelist()
    assert not any("/" in m or ":" in m for m in members)


def test_file_is_a_plain_npz_that_numpy_can_open(tmp_path):
    workspace.FeedBlob("W", np.ones((1, 2), np.float32))
    path = str(tmp_path / "model.ckpt")  # no .npz suffix is added
    _run("Save", ["W"], [], db=path, absolute_path=1)
    assert os.listdir(tmp_path) == ["model.ckpt"]
    with np.load(path, allow_pickle=False) as z:
        assert list(z[NAMES_KEY]) == ["W"]
        np.testing.assert_array_equal(z["blob_0"], np.ones((1, 2), np.float32))


def test_save_and_load_inside_created_nets(tmp_path):
    path = str(tmp_path / "ckpt.npz")
    net = core.Net("saver")
    net.Save(["W", "ITER"], [], db=path, absolute_path=1)
    workspace.FeedBlob("W", np.arange(3, dtype=np.float32))
    workspace.FeedBlob("ITER", np.array([7], np.int64))
    workspace.CreateNet(net)
    workspace.RunNet(net.Name())
    workspace.FeedBlob("W", np.arange(3, dtype=np.float32) * 10)
    workspace.RunNet(net.Name())  # a later run overwrites the file with the newer values

    loader = core.Net("loader")
    loader.Load([], ["W", "ITER"], db=path, absolute_path=1)
    workspace.ResetWorkspace()
    workspace.CreateNet(loader)
    workspace.RunNet(loader.Name())
    assert workspace.FetchBlob("W").tolist() == [0.0, 10.0, 20.0]
    assert workspace.FetchBlob("ITER").dtype == np.int64


def test_load_all_with_listed_outputs_loads_everything(tmp_path):
    for n in ("A", "B", "C"):
        workspace.FeedBlob(n, np.array([ord(n)], np.int32))
    path = str(tmp_path / "abc.npz")
    _run("Save", ["A", "B", "C"], [], db=path, absolute_path=1)
    workspace.ResetWorkspace()
    _run("Load", [], ["B"], db=path, absolute_path=1, load_all=1)
    assert workspace.Blobs() == ["A", "B", "C"]


def test_save_load_have_no_gradient():
    assert get_schema("Save").grad == NO_GRADIENT
    assert get_schema("Load").grad == NO_GRADIENT


# ---- names: prefixes and overrides ---------------------------------------------------------


def test_strip_prefix_and_add_prefix(tmp_path):
    workspace.FeedBlob("gpu_0/W", np.ones(2, np.float32))
    workspace.FeedBlob("gpu_0/b", np.zeros(1, np.float32))
    path = str(tmp_path / "p.npz")
    _run("Save", ["gpu_0/W", "gpu_0/b"], [], db=path, absolute_path=1, strip_prefix="gpu_0/")
    assert list(checkpoint.read_checkpoint(path)) == ["W", "b"]
    workspace.ResetWorkspace()
    _run("Load", [], ["old/W", "old/b"], db=path, absolute_path=1, add_prefix="old/")
    assert workspace.Blobs() == ["old/W", "old/b"]


def test_blob_name_overrides(tmp_path):
    workspace.FeedBlob("W", np.ones(2, np.float32))
    workspace.FeedBlob("B", np.zeros(1, np.float32))
    path = str(tmp_path / "o.npz")
    _run("Save", ["W", "B"], [], db=path, absolute_path=1, blob_name_overrides=["w1", "b1"])
    assert list(checkpoint.read_checkpoint(path)) == ["w1", "b1"]
    with pytest.raises(GraphlabError, match=r"blob_name_overrides has 1 name\(s\).*2 blob"):
        _run("Save", ["W", "B"], [], db=path, absolute_path=1, blob_name_overrides=["w1"])


def test_two_inputs_stored_under_one_name_is_an_error(tmp_path):
    workspace.FeedBlob("a/W", np.ones(2, np.float32))
    workspace.FeedBlob("b/W", np.ones(2, np.float32))
    path = tmp_path / "dup.npz"
    with pytest.raises(GraphlabError, match="same name 'W'"):
        _run("Save", ["a/W", "b/W"], [], db=str(path), absolute_path=1, strip_prefix="/")
    assert not path.exists()


# ---- where the file goes -------------------------------------------------------------------


def test_relative_db_resolves_against_root_folder(tmp_path, monkeypatch):
    root = tmp_path / "root"
    cwd = tmp_path / "cwd"
    root.mkdir()
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    workspace.ResetWorkspace(str(root))
    workspace.FeedBlob("W", np.ones(2, np.float32))
    _run("Save", ["W"], [], db="m.npz")
    assert (root / "m.npz").exists() and not (cwd / "m.npz").exists()
    _run("Save", ["W"], [], db="m.npz", absolute_path=1)
    assert (cwd / "m.npz").exists()


def test_relative_db_defaults_to_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    workspace.FeedBlob("W", np.ones(2, np.float32))
    _run("Save", ["W"], [], db="here.npz")
    assert (tmp_path / "here.npz").exists()


def test_missing_file_error_explains_path_resolution(tmp_path):
    workspace.ResetWorkspace(str(tmp_path))
    workspace.FeedBlob("keep", np.ones(1))
    with pytest.raises(GraphlabError) as info:
        _run("Load", [], ["W"], db="nope.npz")
    msg = str(info.value)
    assert str(tmp_path / "nope.npz") in msg and "does not exist" in msg
    assert "root folder" in msg and "absolute_path=1" in msg
    assert workspace.Blobs() == ["keep"]


def test_missing_directory_is_reported(tmp_path):
    workspace.FeedBlob("W", np.ones(2, np.float32))
    target = tmp_path / "no" / "such" / "dir" / "m.npz"
    with pytest.raises(GraphlabError, match="does not exist.*os.makedirs"):
        _run("Save", ["W"], [], db=str(target), absolute_path=1)


def test_unsupported_db_type(tmp_path):
    workspace.FeedBlob("W", np.ones(2, np.float32))
    with pytest.raises(GraphlabError, match="db_type 'leveldb' is not supported.*'npz'"):
        _run("Save", ["W"], [], db=str(tmp_path / "m"), db_type="leveldb", absolute_path=1)
    assert os.listdir(tmp_path) == []


def test_db_argument_is_required():
    with pytest.raises(GraphlabError, match="needs the argument 'db'"):
        core.CreateOperator("Save", ["W"], [])


# ---- bad loads leave the workspace alone --------------------------------------------------


def _save_sample(path: str) -> None:
    workspace.FeedBlob("W", np.arange(64, dtype=np.float32))
    workspace.FeedBlob("B", np.arange(8, dtype=np.float64))
    _run("Save", ["W", "B"], [], db=path, absolute_path=1)


def _expect_bad_load(path: str, pattern: str) -> None:
    workspace.FeedBlob("W", np.full(3, -1.0, np.float32))
    before = _snapshot()
    with pytest.raises(GraphlabError, match=pattern) as info:
        _run("Load", [], [], db=path, absolute_path=1, load_all=1)
    assert path in str(info.value)
    assert _snapshot() == before


def test_truncated_file(tmp_path):
    path = str(tmp_path / "t.npz")
    _save_sample(path)
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.truncate(size // 2)
    _expect_bad_load(path, "damaged or truncated")


def test_flipped_byte_in_array_data_fails_crc(tmp_path):
    path = str(tmp_path / "c.npz")
    _save_sample(path)
    raw = bytearray(open(path, "rb").read())
    pos = raw.find(np.arange(64, dtype=np.float32)[10:12].tobytes())
    assert pos > 0
    raw[pos] ^= 0xFF
    open(path, "wb").write(bytes(raw))
    _expect_bad_load(path, "CRC")


@pytest.mark.parametrize(
    ("content", "pattern"),
    [(b"", "empty"), (b"\x00\x01garbage that is not a zip archive", "not a .npz checkpoint")],
    ids=["empty-file", "not-a-zip-file"],
)
def test_file_that_is_no_archive(tmp_path, content, pattern):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    _expect_bad_load(str(path), pattern)


def test_npy_and_text_files_are_named_for_what_they_are(tmp_path):
    npy = tmp_path / "a.npy"
    np.save(npy, np.ones(3))
    _expect_bad_load(str(npy), "single-array .npy")
    txt = tmp_path / "net.pbtxt"
    txt.write_text('name: "train"\n')
    _expect_bad_load(str(txt), "text format")


def test_pickled_object_arrays_are_refused(tmp_path):
    path = str(tmp_path / "evil.npz")
    np.savez(path, x=np.array([{"a": 1}, None], dtype=object))
    _expect_bad_load(path, "pickled Python objects")


def test_missing_output_names_file_contents(tmp_path):
    path = str(tmp_path / "m.npz")
    _save_sample(path)
    before = _snapshot()
    with pytest.raises(GraphlabError, match=r"no blob 'w'.*Did you mean 'W'.*holds: W, B"):
        _run("Load", [], ["w", "B"], db=path, absolute_path=1)
    assert _snapshot() == before


def test_load_without_outputs_or_load_all():
    with pytest.raises(GraphlabError, match="load_all=1"):
        _run("Load", [], [], db="x.npz")


def test_inconsistent_name_table(tmp_path):
    path = str(tmp_path / "bad_table.npz")
    np.savez(path, blob_0=np.ones(2), **{NAMES_KEY: np.array(["a", "b"])})
    with pytest.raises(CheckpointError, match="name table lists 2 blob"):
        checkpoint.read_checkpoint(path)


# ---- atomic writes ------------------------------------------------------------------------


def test_failed_save_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    path = str(tmp_path / "m.npz")
    _save_sample(path)
    original = open(path, "rb").read()

    def broken_savez(f, **arrays):
        f.write(b"PK\x03\x04 half written")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(GraphlabError, match="disk full"):
        _run("Save", ["W"], [], db=path, absolute_path=1)
    assert open(path, "rb").read() == original
    assert os.listdir(tmp_path) == ["m.npz"]


def test_object_blob_cannot_be_saved(tmp_path):
    workspace.FeedBlob("W", np.ones(2, np.float32))
    workspace.CurrentWorkspaceObject().store["obj"] = np.array([None, 1], dtype=object)
    path = tmp_path / "o.npz"
    with pytest.raises(GraphlabError, match="'obj' has dtype object"):
        _run("Save", ["W", "obj"], [], db=str(path), absolute_path=1)
    assert os.listdir(tmp_path) == []


# ---- helpers --------------------------------------------------------------------------------


def test_helpers_round_trip_and_subset(tmp_path):
    data = _blobs_sample()
    for n, v in data.items():
        workspace.FeedBlob(n, v)
    path = tmp_path / "h.npz"
    saved = workspace.SaveBlobs(path)
    assert saved == sorted(data)
    workspace.ResetWorkspace()
    assert workspace.LoadBlobs(path, ["f32", "str"]) == ["f32", "str"]
    assert workspace.Blobs() == ["f32", "str"]
    workspace.LoadBlobs(path, prefix="ckpt/")
    for n, v in data.items():
        _assert_identical(workspace.FetchBlob("ckpt/" + n), v)


def test_helpers_with_an_explicit_workspace(tmp_path):
    ws = workspace.Workspace()
    ws.feed_blob("X", np.arange(4, dtype=np.int32))
    ws.save_blobs(tmp_path / "ws.npz")
    other = workspace.Workspace()
    other.load_blobs(tmp_path / "ws.npz")
    assert other.fetch_blob("X").tolist() == [0, 1, 2, 3]
    assert workspace.Blobs() == []  # the current workspace was not touched


def test_helper_errors_name_the_blob(tmp_path):
    workspace.FeedBlob("W", np.ones(2, np.float32))
    with pytest.raises(CheckpointError, match=r"'w'.*Did you mean 'W'"):
        workspace.SaveBlobs(tmp_path / "x.npz", ["w"])
    assert not (tmp_path / "x.npz").exists()
    workspace.SaveBlobs(tmp_path / "x.npz", ["W"])
    with pytest.raises(CheckpointError, match="has no blob 'B'"):
        workspace.LoadBlobs(tmp_path / "x.npz", ["W", "B"])


def test_plain_numpy_npz_loads_with_member_names(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, weights=np.eye(2), bias=np.zeros(2, np.float32))
    assert workspace.LoadBlobs(path) == ["weights", "bias"]
    np.testing.assert_array_equal(workspace.FetchBlob("weights"), np.eye(2))


def test_workspace_module_functions(tmp_path):
    workspace.FeedBlob("W", np.ones((1, 2), np.float32))
    workspace.FeedBlob("B", np.zeros(1, np.float32))
    path = str(tmp_path / "m.npz")
    assert workspace.SaveBlobs(path) == ["B", "W"]
    workspace.ResetWorkspace()
    assert workspace.LoadBlobs(path, ["W"], prefix="saved/") == ["saved/W"]
    assert workspace.Blobs() == ["saved/W"]
