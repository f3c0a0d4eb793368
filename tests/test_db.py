"""DBs (graphlab/db.py), saved blobs in them (blobdb.py), and the ops that read them:
CreateDB, TensorProtosDBInput, Save/Load with db_type minidb and lmdb."""

from __future__ import annotations

import os
import struct

import lmdb
import numpy as np
import pytest

from graphlab import blobdb, brew, caffe2_pb2, core, model_helper, utils, workspace
from graphlab.db import DBError, Mode, create_db, read_records
from graphlab.errors import GraphlabError

# ---- the key-value layer ------------------------------------------------------------------


def test_minidb_file_layout(tmp_path):
    path = str(tmp_path / "a.minidb")
    db = core.C.create_db("minidb", path, core.C.Mode.write)
    txn = db.new_transaction()
    txn.put("k1", b"hello")
    txn.put(b"k22", b"xy")
    txn.commit()
    db.close()
    with open(path, "rb") as f:
        raw = f.read()
    # each record: int32 key length, int32 value length (little-endian), key, value
    assert raw == struct.pack("<ii", 2, 5) + b"k1hello" + struct.pack("<ii", 3, 2) + b"k22xy"
    assert list(read_records("minidb", path)) == [(b"k1", b"hello"), (b"k22", b"xy")]


def test_dropping_a_transaction_commits_it(tmp_path):
    for db_type in ("minidb", "lmdb"):
        path = str(tmp_path / f"d.{db_type}")
        db = core.C.create_db(db_type, path, core.C.Mode.write)
        txn = db.new_transaction()
        txn.put("same", b"1")
        txn.put("same", b"2")
        del txn
        del db
        got = list(read_records(db_type, path))
        # minidb keeps every record; lmdb keeps the last value of a key
        assert got == ([(b"same", b"1"), (b"same", b"2")] if db_type == "minidb"
                       else [(b"same", b"2")])


def test_lmdb_is_a_folder_the_lmdb_package_reads(tmp_path):
    path = str(tmp_path / "x-lmdb")
    db = create_db("lmdb", path, Mode.new)
    txn = db.new_transaction()
    for key in ("b", "a", "c"):
        txn.put(key, key.encode() * 2)
    txn.commit()
    db.close()
    assert sorted(os.listdir(path)) == ["data.mdb", "lock.mdb"]
    with lmdb.open(path, readonly=True, lock=False) as env, env.begin() as t:
        assert list(t.cursor()) == [(b"a", b"aa"), (b"b", b"bb"), (b"c", b"cc")]
    with pytest.raises(DBError, match="already exists"):
        create_db("lmdb", path, Mode.new)


def test_cursor_walks_and_rewinds(tmp_path):
    path = str(tmp_path / "c.minidb")
    with create_db("minidb", path, Mode.write) as db:
        txn = db.new_transaction()
        for k in range(3):
            txn.put(f"{k}", bytes([k]))
        txn.commit()
    cursor = core.C.create_db("minidb", path, core.C.Mode.read).new_cursor()
    seen = []
    while cursor.valid():
        seen.append(cursor.key())
        cursor.next()
    assert seen == [b"0", b"1", b"2"]
    with pytest.raises(DBError, match="past its last record"):
        cursor.value()
    cursor.seek_to_first()
    assert cursor.value() == b"\x00"


def test_db_errors_say_what_exists(tmp_path):
    with pytest.raises(DBError, match="'leveldb' is not available.*'minidb', 'lmdb'"):
        core.C.create_db("leveldb", str(tmp_path / "x"), core.C.Mode.read)
    with pytest.raises(DBError, match="does not exist"):
        core.C.create_db("minidb", str(tmp_path / "none.minidb"), core.C.Mode.read)
    path = str(tmp_path / "w.minidb")
    db = create_db("minidb", path, Mode.write)
    with pytest.raises(DBError, match="open for writing"):
        db.new_cursor()
    db.close()
    with pytest.raises(DBError, match="open for reading"):
        create_db("minidb", path, Mode.read).new_transaction()
    assert core.C.registered_dbs() == ["minidb", "lmdb"]


def test_truncated_minidb_is_reported(tmp_path):
    path = tmp_path / "t.minidb"
    path.write_bytes(struct.pack("<ii", 2, 50) + b"k1short")
    with pytest.raises(DBError, match="truncated.*byte 0"):
        list(read_records("minidb", str(path)))


# ---- datasets and the input ops -----------------------------------------------------------


def _write_dataset(path: str, db_type: str = "minidb", n: int = 10) -> tuple:
    features = np.arange(4 * n, dtype=np.float32).reshape(n, 4)
    labels = np.arange(n) % 3
    db = core.C.create_db(db_type, path, core.C.Mode.write)
    txn = db.new_transaction()
    for k in range(n):
        record = caffe2_pb2.TensorProtos()
        record.protos.extend([utils.NumpyArrayToCaffe2Tensor(features[k]),
                              utils.NumpyArrayToCaffe2Tensor(labels[k])])
        txn.put(f"{k:04d}", record.SerializeToString())
    del txn, db
    return features, labels


@pytest.mark.parametrize("db_type", ["minidb", "lmdb"])
def test_batches_follow_each_other_and_wrap_around(tmp_path, db_type):
    path = str(tmp_path / f"data.{db_type}")
    features, labels = _write_dataset(path, db_type)
    init = core.Net("init")
    init.CreateDB([], "reader", db=path, db_type=db_type)
    read = core.Net("read")
    read.TensorProtosDBInput(["reader"], ["X", "Y"], batch_size=4)
    workspace.RunNetOnce(init)
    workspace.CreateNet(read)
    for k in range(4):
        workspace.RunNet(read.Proto().name)
        rows = [(4 * k + j) % 10 for j in range(4)]
        X, Y = workspace.FetchBlob("X"), workspace.FetchBlob("Y")
        assert X.dtype == np.float32 and X.shape == (4, 4)
        assert Y.dtype == np.int32 and Y.shape == (4,)
        np.testing.assert_array_equal(X, features[rows])
        np.testing.assert_array_equal(Y, labels[rows])


def test_batch_size_zero_reads_one_record_without_a_batch_axis(tmp_path):
    path = str(tmp_path / "d.minidb")
    features, labels = _write_dataset(path)
    workspace.RunOperatorOnce(core.CreateOperator("CreateDB", [], ["r"], db=path,
                                                  db_type="minidb"))
    op = core.CreateOperator("TensorProtosDBInput", ["r"], ["X", "Y"])
    workspace.RunOperatorOnce(op)
    workspace.RunOperatorOnce(op)
    np.testing.assert_array_equal(workspace.FetchBlob("X"), features[1])
    assert workspace.FetchBlob("Y").shape == ()


def test_create_db_in_the_same_created_net_keeps_its_reader(tmp_path):
    # the create_your_own_dataset tutorial puts both ops in one net
    path = str(tmp_path / "d.minidb")
    _, labels = _write_dataset(path)
    net = core.Net("example_reader")
    reader = net.CreateDB([], "dbreader", db=path, db_type="minidb")
    net.TensorProtosDBInput([reader], ["X", "Y"], batch_size=6)
    workspace.CreateNet(net)
    workspace.RunNet(net.Proto().name)
    workspace.RunNet(net.Proto().name)
    np.testing.assert_array_equal(workspace.FetchBlob("Y"), labels[[6, 7, 8, 9, 0, 1]])
    # RunNetOnce makes fresh operators: the DB is opened again
    workspace.RunNetOnce(net)
    np.testing.assert_array_equal(workspace.FetchBlob("Y"), labels[:6])


def test_reader_blob_cannot_be_fetched(tmp_path):
    path = str(tmp_path / "d.minidb")
    _write_dataset(path)
    workspace.RunOperatorOnce(core.CreateOperator("CreateDB", [], ["r"], db=path,
                                                  db_type="minidb"))
    with pytest.raises(DBError, match="DBReader.*not an array"):
        workspace.FetchBlob("r")


def test_records_that_do_not_fit_leave_the_reader_where_it_was(tmp_path):
    path = str(tmp_path / "bad.minidb")
    db = create_db("minidb", path, Mode.write)
    txn = db.new_transaction()
    for k, shape in enumerate(([2], [2], [3])):
        record = caffe2_pb2.TensorProtos()
        record.protos.append(utils.NumpyArrayToCaffe2Tensor(np.full(shape, k, np.float32)))
        txn.put("k", record.SerializeToString())
    txn.put("junk", b"\xff\xff")
    del txn, db
    workspace.RunOperatorOnce(core.CreateOperator("CreateDB", [], ["r"], db=path,
                                                  db_type="minidb"))
    with pytest.raises(GraphlabError, match=r"shape \(3,\) but the batch's first record"):
        workspace.RunOperatorOnce(core.CreateOperator("TensorProtosDBInput", ["r"], ["X"],
                                                      batch_size=3))
    assert not workspace.HasBlob("X")
    with pytest.raises(GraphlabError, match="has 2 output"):
        workspace.RunOperatorOnce(core.CreateOperator("TensorProtosDBInput", ["r"],
                                                      ["X", "Z"], batch_size=1))
    # the reader has not moved: the next batch starts at record 0
    workspace.RunOperatorOnce(core.CreateOperator("TensorProtosDBInput", ["r"], ["X"],
                                                  batch_size=2))
    np.testing.assert_array_equal(workspace.FetchBlob("X"), [[0, 0], [1, 1]])
    workspace.RunOperatorOnce(core.CreateOperator("TensorProtosDBInput", ["r"], ["X"],
                                                  batch_size=1))
    with pytest.raises(GraphlabError, match="not a serialized TensorProtos"):
        workspace.RunOperatorOnce(core.CreateOperator("TensorProtosDBInput", ["r"], ["X"],
                                                      batch_size=1))


def test_input_must_be_a_reader():
    workspace.FeedBlob("r", np.zeros(2))
    with pytest.raises(GraphlabError, match="not a DB reader.*CreateDB"):
        workspace.RunOperatorOnce(core.CreateOperator("TensorProtosDBInput", ["r"], ["X"]))


def test_model_helper_and_brew_add_the_reader_to_the_init_net(tmp_path):
    path = str(tmp_path / "d.minidb")
    features, _ = _write_dataset(path)
    model = model_helper.ModelHelper("m")
    X, Y = model.TensorProtosDBInput([], ["X", "Y"], batch_size=3, db=path, db_type="minidb")
    assert [op.type for op in model.param_init_net.Proto().op] == ["CreateDB"]
    assert model.param_init_net.Proto().op[0].output == ["dbreader_" + path]
    assert [op.type for op in model.net.Proto().op] == ["TensorProtosDBInput"]
    assert (str(X), str(Y)) == ("X", "Y")
    other = model_helper.ModelHelper("b")
    brew.db_input(other, blobs_out=["X2", "Y2"], batch_size=3, db=path, db_type="minidb")
    workspace.RunNetOnce(other.param_init_net)
    workspace.RunNetOnce(other.net)
    np.testing.assert_array_equal(workspace.FetchBlob("X2"), features[:3])
    with pytest.raises(GraphlabError, match="makes its own DB reader"):
        model.TensorProtosDBInput(["r"], ["X"], batch_size=1, db=path, db_type="minidb")


# ---- Save and Load in Caffe2's formats ----------------------------------------------------


def _sample() -> dict[str, np.ndarray]:
    return {"W": np.arange(6, dtype=np.float32).reshape(2, 3), "i": np.array([1, 2], np.int32),
            "l": np.array([2**40], np.int64), "u": np.array([3, 250], np.uint8),
            "h": np.array([0.5, -1], np.float16), "b": np.array([True, False]),
            "d": np.array(2.5), "E": np.zeros((0, 2), np.float32)}


@pytest.mark.parametrize("db_type", ["minidb", "lmdb"])
def test_save_and_load_round_trip(tmp_path, db_type):
    path = str(tmp_path / f"blobs.{db_type}")
    for name, value in _sample().items():
        workspace.FeedBlob(name, value)
    workspace.FeedBlob("S", b"text")
    names = [*_sample(), "S"]
    workspace.RunOperatorOnce(core.CreateOperator("Save", names, [], db=path, db_type=db_type,
                                                  absolute_path=1))
    workspace.ResetWorkspace()
    workspace.RunOperatorOnce(core.CreateOperator("Load", [], names, db=path, db_type=db_type,
                                                  absolute_path=1))
    for name, want in _sample().items():
        got = workspace.FetchBlob(name)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    assert workspace.FetchBlob("S").item() == b"text"


def test_saved_records_are_chunked_like_caffe2s(monkeypatch, tmp_path):
    monkeypatch.setattr(blobdb, "CHUNK_SIZE", 4)
    records = blobdb.blob_records("W", np.arange(10, dtype=np.float32))
    assert [key for key, _ in records] == ["W#%0", "W#%1", "W#%2"]
    proto = caffe2_pb2.BlobProto()
    proto.ParseFromString(records[1][1])
    assert (proto.name, proto.type) == ("W", "Tensor")
    assert list(proto.tensor.dims) == [10]
    assert (proto.tensor.segment.begin, proto.tensor.segment.end) == (4, 8)
    assert list(proto.tensor.float_data) == [4, 5, 6, 7]
    assert proto.tensor.HasField("device_detail")
    path = str(tmp_path / "c.minidb")
    blobdb.write_blobs("minidb", path, {"W": np.arange(10, dtype=np.float32)})
    np.testing.assert_array_equal(blobdb.read_blobs("minidb", path)["W"], np.arange(10))
    # a chunk missing: an error, not a tensor with garbage in it
    db = create_db("minidb", path, Mode.write)
    txn = db.new_transaction()
    for key, value in records[:2]:
        txn.put(key, value)
    del txn, db
    with pytest.raises(DBError, match="segments hold 8 of 10 values"):
        blobdb.read_blobs("minidb", path)


def test_load_through_a_reader_input(tmp_path):
    path = str(tmp_path / "m.minidb")
    blobdb.write_blobs("minidb", path, {"A": np.ones(2, np.float32), "B": np.zeros(3)})
    workspace.RunOperatorOnce(core.CreateOperator("CreateDB", [], ["r"], db=path,
                                                  db_type="minidb"))
    workspace.RunOperatorOnce(core.CreateOperator("Load", ["r"], ["B"]))
    workspace.RunOperatorOnce(core.CreateOperator("Load", ["r"], ["A"]))
    np.testing.assert_array_equal(workspace.FetchBlob("A"), np.ones(2))
    np.testing.assert_array_equal(workspace.FetchBlob("B"), np.zeros(3))


def test_unsavable_blob_writes_nothing(tmp_path):
    path = tmp_path / "x.minidb"
    workspace.FeedBlob("c", np.array([1j]))
    with pytest.raises(GraphlabError, match="complex128 array has no Caffe2 tensor type"):
        workspace.RunOperatorOnce(core.CreateOperator("Save", ["c"], [], db=str(path),
                                                      db_type="minidb", absolute_path=1))
    assert not path.exists()


def test_lmdb_readers_share_one_environment(tmp_path):
    path = str(tmp_path / "shared-lmdb")
    features, _ = _write_dataset(path, "lmdb", n=4)
    for name in ("r1", "r2"):  # a notebook cell run twice makes a second reader
        workspace.RunOperatorOnce(core.CreateOperator("CreateDB", [], [name], db=path,
                                                      db_type="lmdb"))
    workspace.RunOperatorOnce(core.CreateOperator("TensorProtosDBInput", ["r2"],
                                                  ["X", "Y"], batch_size=2))
    np.testing.assert_array_equal(workspace.FetchBlob("X"), features[:2])
    with pytest.raises(DBError, match="open for reading in this process"):
        create_db("lmdb", path, Mode.write)
    workspace.ResetWorkspace()  # the readers go, and the environment is closed
    create_db("lmdb", path, Mode.write).close()


def test_save_never_leaves_half_a_file_or_mixes_dbs(tmp_path):
    workspace.FeedBlob("W", np.ones(3, np.float32))
    path = tmp_path / "m.minidb"
    path.write_bytes(b"old contents")
    workspace.FeedBlob("bad", np.array([1j]))
    with pytest.raises(GraphlabError, match="no Caffe2 tensor type"):
        workspace.RunOperatorOnce(core.CreateOperator("Save", ["W", "bad"], [], db=str(path),
                                                      db_type="minidb", absolute_path=1))
    assert path.read_bytes() == b"old contents" and os.listdir(tmp_path) == ["m.minidb"]
    with pytest.raises(GraphlabError, match="folder .* does not exist"):
        workspace.RunOperatorOnce(core.CreateOperator(
            "Save", ["W"], [], db=str(tmp_path / "no" / "m.minidb"), db_type="minidb",
            absolute_path=1))
    lmdb_path = str(tmp_path / "m-lmdb")
    save = core.CreateOperator("Save", ["W"], [], db=lmdb_path, db_type="lmdb",
                               absolute_path=1)
    workspace.RunOperatorOnce(save)
    with pytest.raises(GraphlabError, match="already exists"):
        workspace.RunOperatorOnce(save)


def test_a_created_input_net_keeps_one_layout_and_can_be_trusted(tmp_path):
    path = str(tmp_path / "shapes.minidb")
    db = create_db("minidb", path, Mode.write)
    txn = db.new_transaction()
    for k, shape in enumerate(([2], [2], [2], [2], [3])):
        record = caffe2_pb2.TensorProtos()
        record.protos.append(utils.NumpyArrayToCaffe2Tensor(np.full(shape, k, np.float32)))
        txn.put(f"{k}", record.SerializeToString())
    del txn, db
    init = core.Net("init")
    init.CreateDB([], "reader", db=path, db_type="minidb")
    workspace.RunNetOnce(init)
    net = core.Net("read")
    net.TensorProtosDBInput(["reader"], ["X"], batch_size=1)
    net.Scale("X", "Y", scale=2.0)
    workspace.CreateNet(net)
    workspace.RunNet(net.Proto().name, 3)
    assert workspace.CurrentWorkspaceObject().plan(net.Proto().name).trusted
    workspace.RunNet(net.Proto().name)
    np.testing.assert_array_equal(workspace.FetchBlob("Y"), [[6, 6]])
    with pytest.raises(GraphlabError, match=r"'X' is float32 \(1, 3\) but the op's first "
                                            r"batch was float32 \(1, 2\)"):
        workspace.RunNet(net.Proto().name)
    np.testing.assert_array_equal(workspace.FetchBlob("Y"), [[6, 6]])
