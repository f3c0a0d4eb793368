"""The MNIST tutorial's DB and export calls, in a program of our own, on graphlab.datasets.

The calls: ``core.GlobalInit`` with Caffe2's flags; ``brew.db_input`` (the 2018 version)
and ``model.TensorProtosDBInput`` (2017) reading ``mnist-train-nchw-lmdb``; a deploy
model made with ``init_params=False``; ``pe.PredictorExportMeta``, ``pe.save_to_db`` to
minidb, ``workspace.ResetWorkspace(root_folder)``, ``pe.prepare_prediction_net``,
``FeedBlob``/``RunNetOnce``/``FetchBlob`` on the reloaded net. The predictor module is
imported from where Caffe2 kept it, ``caffe2.python.predictor`` (``port`` changes that
line to ``graphlab.predictor``).

The tutorial's LeNet, with its ``Cast`` and ``Scale``, ``brew.conv``, ``brew.max_pool``,
``brew.accuracy``, ``brew.iter`` and ``visualize.NCHW.ShowMultiple``, is in
test_tutorial_mnist_lenet.py (notebook 6 exports and reloads it). This program's model is the
tutorial's other choice, the MLP, and the uint8 → float step is done in NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest
from caffe2_programs import run_program

from graphlab import datasets

PROGRAM = '''
import os
import numpy as np
from caffe2.python import brew, core, model_helper, workspace
from caffe2.python.predictor import predictor_exporter as pe

core.GlobalInit(["caffe2", "--caffe2_log_level=0"])


def add_input(model, batch_size, db, db_type):
    return brew.db_input(model, blobs_out=["data_uint8", "label"], batch_size=batch_size,
                         db=db, db_type=db_type)


def add_mlp(model, data):
    hidden = brew.fc(model, data, "fc1", dim_in=28 * 28, dim_out=32)
    hidden = brew.relu(model, hidden, hidden)
    logits = brew.fc(model, hidden, "fc2", dim_in=32, dim_out=10)
    return brew.softmax(model, logits, "softmax")


train_model = model_helper.ModelHelper(name="mnist_train")
add_input(train_model, batch_size=64,
          db=os.path.join(data_folder, "mnist-train-nchw-lmdb"), db_type="lmdb")
workspace.RunNetOnce(train_model.param_init_net)
workspace.CreateNet(train_model.net)
batches = []
for _ in range(3):
    workspace.RunNet(train_model.net.Proto().name)
    batches.append((workspace.FetchBlob("data_uint8"), workspace.FetchBlob("label")))

test_model = model_helper.ModelHelper(name="mnist_test", init_params=False)
test_model.TensorProtosDBInput([], ["data_uint8", "label"], batch_size=50,
                               db=os.path.join(data_folder, "mnist-test-nchw-lmdb"),
                               db_type="lmdb")
workspace.RunNetOnce(test_model.param_init_net)
workspace.RunNetOnce(test_model.net)
test_images = workspace.FetchBlob("data_uint8")

deploy_model = model_helper.ModelHelper(name="mnist_deploy")
add_mlp(deploy_model, "data")
workspace.FeedBlob("data", test_images.astype(np.float32) / 256)
workspace.RunNetOnce(deploy_model.param_init_net)
workspace.RunNetOnce(deploy_model.net)
before = workspace.FetchBlob("softmax")

pe_meta = pe.PredictorExportMeta(
    predict_net=deploy_model.net.Proto(),
    parameters=[str(b) for b in deploy_model.params],
    inputs=["data"],
    outputs=["softmax"],
)
pe.save_to_db("minidb", os.path.join(root_folder, "mnist_model.minidb"), pe_meta)

blob = workspace.FetchBlob("data")
workspace.ResetWorkspace(root_folder)
blobs_after_reset = workspace.Blobs()
predict_net = pe.prepare_prediction_net(os.path.join(root_folder, "mnist_model.minidb"),
                                        "minidb")
blobs_after_load = workspace.Blobs()
workspace.FeedBlob("data", blob)
workspace.RunNetOnce(predict_net)
after = workspace.FetchBlob("softmax")
'''


def test_mnist_db_and_export_calls(tmp_path):
    data_folder = tmp_path / "tutorial_data" / "mnist"
    root_folder = tmp_path / "tutorial_files"
    root_folder.mkdir()
    paths = datasets.make_mnist_dbs(str(data_folder), limit=200)
    head = f"data_folder = {str(data_folder)!r}\nroot_folder = {str(root_folder)!r}\n"
    with pytest.warns(UserWarning, match="ignores --caffe2_log_level=0"):
        ns, _ = run_program(head + PROGRAM, "mnist_db")

    # the DB reads as the tutorial expects: uint8 NCHW images, int32 labels, in order
    images, labels = datasets.digits_28x28()
    order = np.random.default_rng(0).permutation(len(images))
    train_rows = order[300:][:200]
    for k, (data, label) in enumerate(ns["batches"]):
        assert data.dtype == np.uint8 and data.shape == (64, 1, 28, 28)
        assert label.dtype == np.int32 and label.shape == (64,)
        rows = train_rows[[(64 * k + j) % 200 for j in range(64)]]  # wraps after 200
        np.testing.assert_array_equal(data, images[rows])
        np.testing.assert_array_equal(label, labels[rows])
    np.testing.assert_array_equal(ns["test_images"], images[order[:50]])
    assert paths["test"].endswith("mnist-test-nchw-lmdb")

    # export and reload
    assert ns["blobs_after_reset"] == []
    assert ns["blobs_after_load"] == ["!!META_NET_DEF", "!!PREDICTOR_DBREADER", "data",
                                      "fc1_b", "fc1_w", "fc2_b", "fc2_w", "softmax"]
    assert ns["after"].shape == (50, 10)
    np.testing.assert_array_equal(ns["after"], ns["before"])
    assert (root_folder / "mnist_model.minidb").exists()
