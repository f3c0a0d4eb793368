"""The create_your_own_dataset tutorial's API calls, in a program of our own, on iris.

The program below makes exactly the calls that tutorial makes (``TensorProtos``,
``utils.NumpyArrayToCaffe2Tensor``, ``SerializeToString``, ``core.C.create_db`` with
``Mode.write``, ``new_transaction``/``put``, dropping the transaction and DB, a reader net
of ``CreateDB`` and ``TensorProtosDBInput(batch_size=16)``, ``CreateNet``, ``RunNet``,
``FetchBlob``), written with Caffe2's imports. :func:`port` changes only those imports;
the data comes from ``graphlab.datasets`` (the tutorial downloaded it). When real Caffe2
is installed, the same program runs there too and the bytes, the printed net, the DB
files and the first batch must be identical.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from caffe2_oracle import requires_caffe2, run_caffe2
from caffe2_programs import run_program

from graphlab import datasets

PROGRAM = '''
import numpy as np
from caffe2.python import core, utils, workspace
from caffe2.proto import caffe2_pb2

# 150 flowers: shuffle, then 100 to train on and 50 to test with
order = np.random.RandomState(7).permutation(len(features))
features, labels = features[order], labels[order]
train_x, train_y = features[:100], labels[:100]
test_x, test_y = features[100:], labels[100:]

# one example as a DB record: its features and its label, side by side
example = caffe2_pb2.TensorProtos()
example.protos.extend([utils.NumpyArrayToCaffe2Tensor(features[0]),
                       utils.NumpyArrayToCaffe2Tensor(labels[0])])
record = example.SerializeToString()


def write_db(db_type, db_name, xs, ys):
    db = core.C.create_db(db_type, db_name, core.C.Mode.write)
    transaction = db.new_transaction()
    for i in range(xs.shape[0]):
        example = caffe2_pb2.TensorProtos()
        example.protos.extend([utils.NumpyArrayToCaffe2Tensor(xs[i]),
                               utils.NumpyArrayToCaffe2Tensor(ys[i])])
        transaction.put("train_%03d" % i, example.SerializeToString())
    del transaction
    del db


write_db("minidb", folder + "/iris_train.minidb", train_x, train_y)
write_db("minidb", folder + "/iris_test.minidb", test_x, test_y)

reader_net = core.Net("example_reader")
dbreader = reader_net.CreateDB([], "dbreader", db=folder + "/iris_train.minidb",
                               db_type="minidb")
reader_net.TensorProtosDBInput([dbreader], ["X", "Y"], batch_size=16)
net_text = str(reader_net.Proto())
workspace.CreateNet(reader_net)
workspace.RunNet(reader_net.Proto().name)
first_x, first_y = workspace.FetchBlob("X"), workspace.FetchBlob("Y")
'''

SECOND_BATCH = '''
workspace.RunNet(reader_net.Proto().name)
second_x, second_y = workspace.FetchBlob("X"), workspace.FetchBlob("Y")
'''


@pytest.fixture(scope="module")
def iris():
    return datasets.iris()


def _on_graphlab(folder: str, extra: str = "") -> dict:
    """Run the program under graphlab on ``graphlab.datasets``' iris; its namespace."""
    head = ("from graphlab import datasets\nfeatures, labels = datasets.iris()\n"
            f"folder = {folder!r}\n")
    return run_program(head + PROGRAM + extra, "create_your_own_dataset")[0]


def test_tutorial_calls_run_on_graphlab(tmp_path, iris):
    features, labels = iris
    ns = _on_graphlab(str(tmp_path), SECOND_BATCH)
    order = np.random.RandomState(7).permutation(150)
    train_x, train_y = features[order][:100], labels[order][:100]
    assert ns["first_x"].dtype == np.float32 and ns["first_x"].shape == (16, 4)
    assert ns["first_y"].dtype == np.int32 and ns["first_y"].shape == (16,)
    np.testing.assert_array_equal(ns["first_x"], train_x[:16])
    np.testing.assert_array_equal(ns["first_y"], train_y[:16])
    np.testing.assert_array_equal(ns["second_x"], train_x[16:32])
    assert '  type: "TensorProtosDBInput"' in ns["net_text"]
    assert (tmp_path / "iris_test.minidb").stat().st_size > 0


@requires_caffe2
def test_same_program_gives_the_same_files_in_caffe2(tmp_path, iris):
    features, labels = iris
    mine, theirs = tmp_path / "graphlab", tmp_path / "caffe2"
    mine.mkdir()
    theirs.mkdir()
    ns = _on_graphlab(str(mine))
    out = run_caffe2(
        'features, labels = INPUTS["features"], INPUTS["labels"]\nfolder = PARAMS\n'
        + PROGRAM + '''
OUTPUTS["record"] = np.frombuffer(record, np.uint8)
OUTPUTS["net_text"] = net_text
OUTPUTS["first_x"], OUTPUTS["first_y"] = first_x, first_y
''', {"features": features, "labels": labels}, params=str(theirs))
    assert ns["record"] == out["record"].tobytes()
    # net names are unique per process: an earlier test may have taken "example_reader"
    net_text = re.sub(r'^name: "example_reader_\d+"', 'name: "example_reader"', ns["net_text"])
    assert net_text == out["net_text"].replace(str(theirs), str(mine))
    for name in ("first_x", "first_y"):
        assert ns[name].dtype == out[name].dtype
        np.testing.assert_array_equal(ns[name], out[name])
    for db in ("iris_train.minidb", "iris_test.minidb"):
        assert (mine / db).read_bytes() == (theirs / db).read_bytes()
