"""Files cross between real Caffe2 and graphlab: minidb DBs, saved blobs, NetDef .pb files
and exported predictors, in both directions, and some byte for byte.

The oracle's Caffe2 build (PyTorch 1.4's) has no lmdb, so lmdb is checked in
tests/test_db.py against the ``lmdb`` package alone.
"""

from __future__ import annotations

import numpy as np
from caffe2_oracle import requires_caffe2, run_caffe2

import graphlab.predictor.predictor_exporter as pe
from graphlab import caffe2_pb2, core, datasets, db, utils, workspace
from graphlab.proto import NetDef, make_argument

pytestmark = requires_caffe2


def _blobs() -> dict[str, np.ndarray]:
    """One blob of every dtype Save stores, plus an empty tensor."""
    return {
        "W": np.arange(6, dtype=np.float32).reshape(2, 3) / 7,
        "i": np.array([1, -2, 2**31 - 1], np.int32),
        "u": np.array([[0, 7], [200, 255]], np.uint8),
        "l": np.array([2**40, -3], np.int64),
        "d": np.array([1.5, -np.pi]),
        "b": np.array([True, False, True]),
        "h": np.array([0.5, -2.25, 65504], np.float16),
        "E": np.zeros((0, 3), np.float32),
        "s": np.array(3.25, np.float32),
    }


def _dataset() -> tuple[np.ndarray, np.ndarray]:
    features = (np.arange(40, dtype=np.float32).reshape(10, 4) - 7) / 3
    labels = np.arange(10) % 3
    return features, labels


def _graphlab_net() -> NetDef:
    """A net using every argument kind, built the way the Caffe2 program below builds it."""
    net = core.Net("fidelity_net")
    net.GivenTensorFill([], "W", shape=[3, 4], values=[0.5 * k - 2 for k in range(12)])
    net.ConstantFill([], "b", shape=[3], value=0.25)
    net.FC(["X", "W", "b"], "Y", axis=1)
    net.Relu("Y", "Z")
    net.Proto().op[-1].device_option = core.DeviceOption(caffe2_pb2.CPU, 0)
    net.Proto().arg.append(make_argument("names", ["a", "bc"]))
    net.Proto().arg.append(make_argument("label", "text"))
    net.Proto().external_output.append("Z")
    return net.Proto()


_CAFFE2_WRITES = '''
import struct
from caffe2.python import core, utils, workspace, brew, model_helper
from caffe2.proto import caffe2_pb2
import caffe2.python.predictor.predictor_exporter as pe
d = PARAMS["dir"]

# 1. a TensorProtos dataset in minidb, as create_your_own_dataset writes it
db = core.C.create_db("minidb", d + "/c2_data.minidb", core.C.Mode.write)
txn = db.new_transaction()
for k in range(10):
    rec = caffe2_pb2.TensorProtos()
    rec.protos.extend([utils.NumpyArrayToCaffe2Tensor(INPUTS["features"][k]),
                       utils.NumpyArrayToCaffe2Tensor(INPUTS["labels"][k])])
    txn.put("key_%02d" % k, rec.SerializeToString())
txn.commit()
del txn, db
init = core.Net("init")
init.CreateDB([], "reader", db=d + "/c2_data.minidb", db_type="minidb")
workspace.RunNetOnce(init)
read = core.Net("read")
read.TensorProtosDBInput(["reader"], ["X", "Y"], batch_size=4)
workspace.CreateNet(read)
for k in range(3):
    workspace.RunNet(read.Proto().name)
    OUTPUTS["X%d" % k] = workspace.FetchBlob("X")
    OUTPUTS["Y%d" % k] = workspace.FetchBlob("Y")

# 2. Save with db_type minidb
names = PARAMS["blobs"]
for name in names:
    workspace.FeedBlob(name, INPUTS["blob_" + name])
workspace.RunOperatorOnce(core.CreateOperator(
    "Save", names, [], db=d + "/c2_blobs.minidb", db_type="minidb", absolute_path=1))
workspace.FeedBlob("S", b"meta\\x00data\\x00")
workspace.FeedBlob("big", np.arange(1200000, dtype=np.float32))
workspace.RunOperatorOnce(core.CreateOperator(
    "Save", ["S", "big"], [], db=d + "/c2_more.minidb", db_type="minidb", absolute_path=1))

# 3. a NetDef .pb file
net = core.Net("fidelity_net")
net.GivenTensorFill([], "W", shape=[3, 4], values=[0.5 * k - 2 for k in range(12)])
net.ConstantFill([], "b", shape=[3], value=0.25)
net.FC(["X", "W", "b"], "Y", axis=1)
op = core.CreateOperator("Relu", ["Y"], ["Z"], device_option=core.DeviceOption(caffe2_pb2.CPU, 0))
net.Proto().op.extend([op])
net.Proto().arg.extend([utils.MakeArgument("names", ["a", "bc"]),
                        utils.MakeArgument("label", "text")])
net.Proto().external_output.append("Z")
with open(d + "/c2_net.pb", "wb") as f:
    f.write(net.Proto().SerializeToString())

# 4. an exported predictor
workspace.ResetWorkspace()
m = model_helper.ModelHelper("deploy", init_params=False)
brew.fc(m, "data", "fc1", dim_in=4, dim_out=3)
brew.softmax(m, "fc1", "softmax")
workspace.FeedBlob("fc1_w", INPUTS["fc1_w"])
workspace.FeedBlob("fc1_b", INPUTS["fc1_b"])
workspace.FeedBlob("data", INPUTS["data"])
workspace.RunNetOnce(m.net)
meta = pe.PredictorExportMeta(predict_net=m.net.Proto(), parameters=[str(p) for p in m.params],
                              inputs=["data"], outputs=["softmax"])
pe.save_to_db("minidb", d + "/c2_model.minidb", meta)
OUTPUTS["softmax"] = workspace.FetchBlob("softmax")
'''


def _model_inputs() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    return {"fc1_w": rng.standard_normal((3, 4)).astype(np.float32),
            "fc1_b": rng.standard_normal(3).astype(np.float32),
            "data": rng.standard_normal((5, 4)).astype(np.float32)}


def test_files_written_by_caffe2_load_in_graphlab(tmp_path):
    features, labels = _dataset()
    inputs = {"features": features, "labels": labels, **_model_inputs(),
              **{"blob_" + k: v for k, v in _blobs().items()}}
    out = run_caffe2(_CAFFE2_WRITES, inputs,
                     params={"dir": str(tmp_path), "blobs": list(_blobs())})
    d = str(tmp_path)

    # 1. the dataset: same records, same batches (wrapping around after record 9)
    records = list(db.read_records("minidb", d + "/c2_data.minidb"))
    assert [k for k, _ in records] == [b"key_%02d" % k for k in range(10)]
    init = core.Net("init")
    init.CreateDB([], "reader", db=d + "/c2_data.minidb", db_type="minidb")
    workspace.RunNetOnce(init)
    read = core.Net("read")
    read.TensorProtosDBInput(["reader"], ["X", "Y"], batch_size=4)
    workspace.CreateNet(read)
    for k in range(3):
        workspace.RunNet(read.Proto().name)
        for blob in ("X", "Y"):
            got, want = workspace.FetchBlob(blob), out[f"{blob}{k}"]
            assert got.dtype == want.dtype and got.shape == want.shape
            np.testing.assert_array_equal(got, want)

    # 2. saved blobs: every dtype, a string with NULs, a blob in two chunks
    names = list(_blobs())
    workspace.RunOperatorOnce(core.CreateOperator(
        "Load", [], names, db=d + "/c2_blobs.minidb", db_type="minidb", absolute_path=1))
    for name, want in _blobs().items():
        got = workspace.FetchBlob(name)
        assert got.dtype == want.dtype and got.shape == want.shape, name
        np.testing.assert_array_equal(got, want)
    workspace.RunOperatorOnce(core.CreateOperator(
        "Load", [], [], db=d + "/c2_more.minidb", db_type="minidb", absolute_path=1,
        load_all=1))
    assert workspace.FetchBlob("S").item() == b"meta\x00data\x00"
    np.testing.assert_array_equal(workspace.FetchBlob("big"),
                                  np.arange(1200000, dtype=np.float32))

    # 3. the NetDef: parses into exactly the net graphlab builds the same way
    parsed = NetDef()
    with open(d + "/c2_net.pb", "rb") as f:
        data = f.read()
    parsed.ParseFromString(data)
    mine = _graphlab_net()
    mine.name = "fidelity_net"  # Net names are unique per process: undo a "_1" suffix
    assert parsed == mine
    assert mine.SerializeToString() == data

    # 4. the exported predictor runs in graphlab and predicts what Caffe2 predicted
    workspace.ResetWorkspace()
    predict_net = pe.prepare_prediction_net(d + "/c2_model.minidb", "minidb")
    workspace.FeedBlob("data", _model_inputs()["data"])
    workspace.RunNetOnce(predict_net)
    np.testing.assert_allclose(workspace.FetchBlob("softmax"), out["softmax"], rtol=1e-6)


_CAFFE2_READS = '''
from caffe2.python import core, workspace
from caffe2.proto import caffe2_pb2
import caffe2.python.predictor.predictor_exporter as pe
d = PARAMS["dir"]

init = core.Net("init")
init.CreateDB([], "reader", db=d + "/gl_data.minidb", db_type="minidb")
workspace.RunNetOnce(init)
read = core.Net("read")
read.TensorProtosDBInput(["reader"], ["X", "Y"], batch_size=4)
workspace.CreateNet(read)
for k in range(3):
    workspace.RunNet(read.Proto().name)
    OUTPUTS["X%d" % k] = workspace.FetchBlob("X")
    OUTPUTS["Y%d" % k] = workspace.FetchBlob("Y")

workspace.ResetWorkspace()
names = PARAMS["blobs"]
workspace.RunOperatorOnce(core.CreateOperator(
    "Load", [], names + ["S", "big"], db=d + "/gl_blobs.minidb", db_type="minidb",
    absolute_path=1))
for name in names + ["big"]:
    OUTPUTS["blob_" + name] = workspace.FetchBlob(name)
OUTPUTS["S"] = list(workspace.FetchBlob("S"))

net = caffe2_pb2.NetDef()
with open(d + "/gl_net.pb", "rb") as f:
    net.ParseFromString(f.read())
workspace.FeedBlob("X", INPUTS["X"])
workspace.RunNetOnce(net)
OUTPUTS["Z"] = workspace.FetchBlob("Z")

workspace.ResetWorkspace()
predict_net = pe.prepare_prediction_net(d + "/gl_model.minidb", "minidb")
workspace.FeedBlob("data", INPUTS["data"])
workspace.RunNetOnce(predict_net)
OUTPUTS["softmax"] = workspace.FetchBlob("softmax")

# Caffe2's own Save of the same blobs, to compare the files byte for byte
workspace.ResetWorkspace()
for name in names:
    workspace.FeedBlob(name, INPUTS["blob_" + name])
workspace.RunOperatorOnce(core.CreateOperator(
    "Save", names, [], db=d + "/c2_same.minidb", db_type="minidb", absolute_path=1))
'''


def test_files_written_by_graphlab_load_in_caffe2(tmp_path):
    d = str(tmp_path)
    features, labels = _dataset()
    writer = core.C.create_db("minidb", d + "/gl_data.minidb", core.C.Mode.write)
    txn = writer.new_transaction()
    for k in range(10):
        rec = caffe2_pb2.TensorProtos()
        rec.protos.extend([utils.NumpyArrayToCaffe2Tensor(features[k]),
                           utils.NumpyArrayToCaffe2Tensor(labels[k])])
        txn.put(f"key_{k:02d}", rec.SerializeToString())
    txn.commit()
    del txn, writer

    names = list(_blobs())
    for name, value in _blobs().items():
        workspace.FeedBlob(name, value)
    workspace.FeedBlob("S", b"meta\x00data")
    workspace.FeedBlob("big", np.arange(1200000, dtype=np.float32))
    workspace.RunOperatorOnce(core.CreateOperator(
        "Save", [*names, "S", "big"], [], db=d + "/gl_blobs.minidb", db_type="minidb",
        absolute_path=1))
    workspace.RunOperatorOnce(core.CreateOperator(
        "Save", names, [], db=d + "/gl_same.minidb", db_type="minidb", absolute_path=1))

    with open(d + "/gl_net.pb", "wb") as f:
        f.write(_graphlab_net().SerializeToString())
    X = np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4)
    workspace.FeedBlob("X", X)
    workspace.RunNetOnce(_graphlab_net())
    want_Z = workspace.FetchBlob("Z")

    model = _model_inputs()
    predict = core.Net("deploy")
    predict.FC(["data", "fc1_w", "fc1_b"], "fc1")
    predict.Softmax("fc1", "softmax")
    for name, value in model.items():
        workspace.FeedBlob(name, value)
    workspace.RunNetOnce(predict)
    want_softmax = workspace.FetchBlob("softmax")
    meta = pe.PredictorExportMeta(predict_net=predict, parameters=["fc1_w", "fc1_b"],
                                  inputs=["data"], outputs=["softmax"])
    pe.save_to_db("minidb", d + "/gl_model.minidb", meta)

    out = run_caffe2(_CAFFE2_READS,
                     {"X": X, **model, **{"blob_" + k: v for k, v in _blobs().items()}},
                     params={"dir": d, "blobs": names})

    for k in range(3):
        rows = [(4 * k + j) % 10 for j in range(4)]
        np.testing.assert_array_equal(out[f"X{k}"], features[rows])
        np.testing.assert_array_equal(out[f"Y{k}"], labels[rows].astype(np.int32))
        assert out[f"Y{k}"].dtype == np.int32
    for name, want in _blobs().items():
        got = out["blob_" + name]
        assert got.dtype == want.dtype and got.shape == want.shape, name
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(out["blob_big"], np.arange(1200000, dtype=np.float32))
    assert bytes(out["S"]) == b"meta\x00data"
    np.testing.assert_allclose(out["Z"], want_Z, rtol=1e-6)
    np.testing.assert_allclose(out["softmax"], want_softmax, rtol=1e-6)
    with open(d + "/gl_same.minidb", "rb") as mine, open(d + "/c2_same.minidb", "rb") as theirs:
        assert mine.read() == theirs.read()


def test_tensor_helper_bytes_match_caffe2():
    dtypes = [np.float32, np.float64, np.int32, np.int64, np.uint8, np.int8, np.int16,
              np.uint16]
    arrays = {f"a{k}": np.array([[1, 2], [3, 4]], dtype=t) for k, t in enumerate(dtypes)}
    arrays["scalar"] = np.array(7)
    out = run_caffe2('''
from caffe2.python import utils
for key, arr in INPUTS.items():
    proto = utils.NumpyArrayToCaffe2Tensor(arr, "t")
    OUTPUTS[key] = np.frombuffer(proto.SerializeToString(), np.uint8)
    OUTPUTS["back_" + key] = utils.Caffe2TensorToNumpyArray(proto)
''', arrays)
    for key, arr in arrays.items():
        proto = utils.NumpyArrayToCaffe2Tensor(arr, "t")
        assert proto.SerializeToString() == out[key].tobytes(), key
        back = utils.Caffe2TensorToNumpyArray(proto)
        assert back.dtype == out["back_" + key].dtype, key
        np.testing.assert_array_equal(back, out["back_" + key])


def test_graphlab_mnist_db_reads_in_caffe2_as_uint8_images(tmp_path):
    paths = datasets.make_mnist_dbs(str(tmp_path), db_type="minidb", limit=10)
    out = run_caffe2('''
from caffe2.python import core, workspace
workspace.RunOperatorOnce(core.CreateOperator("CreateDB", [], ["r"], db=PARAMS,
                                              db_type="minidb"))
workspace.RunOperatorOnce(core.CreateOperator("TensorProtosDBInput", ["r"],
                                              ["data_uint8", "label"], batch_size=4))
OUTPUTS["data"], OUTPUTS["label"] = workspace.FetchBlob("data_uint8"), workspace.FetchBlob("label")
''', params=paths["train"])
    workspace.RunOperatorOnce(core.CreateOperator("CreateDB", [], ["r"], db=paths["train"],
                                                  db_type="minidb"))
    workspace.RunOperatorOnce(core.CreateOperator("TensorProtosDBInput", ["r"],
                                                  ["data_uint8", "label"], batch_size=4))
    for mine, theirs in (("data_uint8", "data"), ("label", "label")):
        got = workspace.FetchBlob(mine)
        assert got.dtype == out[theirs].dtype and got.shape == out[theirs].shape
        np.testing.assert_array_equal(got, out[theirs])
    assert out["data"].shape == (4, 1, 28, 28) and out["data"].dtype == np.uint8
