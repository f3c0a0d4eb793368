"""The MNIST tutorial's model, written as the tutorial writes it, on graphlab.datasets.

The calls: ``brew.db_input`` then ``model.Cast`` (uint8 → float), ``model.Scale`` by 1/256
and ``model.StopGradient`` (AddInput); ``brew.conv``, ``brew.max_pool``, ``brew.fc``,
``brew.relu``, ``brew.softmax`` (AddLeNetModel); ``brew.accuracy``; ``LabelCrossEntropy``,
``AveragedLoss``, ``AddGradientOperators`` and ``optimizer.build_sgd`` with the step policy
(AddTrainingOperators); ``Print`` and ``Summarize`` to files (AddBookkeepingOperators); a
test model with ``init_params=False`` sharing the trained parameters; and
``visualize.NCHW.ShowMultiple`` on the data and on one conv feature map. Small sizes: 256
training digits, batches of 16 (the tutorial's 64 and 100 are set in the program's first
line), 20 iterations.

The 2017 version of the tutorial (``MODEL_2017``) differs in its calls: ``core.GlobalInit``,
an ``arg_scope``, ``model.TensorProtosDBInput`` instead of ``brew.db_input``, and the
update by hand with ``brew.iter``, ``LearningRate``, a ``ONE`` constant and ``WeightedSum``.

Under real Caffe2 (when it is installed) the same program builds the same training net:
the same operators with the same inputs and outputs, in the same order.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from caffe2_oracle import requires_caffe2, run_caffe2  # noqa: E402
from caffe2_programs import run_program  # noqa: E402

from graphlab import datasets, optimizer, workspace  # noqa: E402

MODEL = '''
import os
import numpy as np
from caffe2.python import brew, core, model_helper, optimizer, workspace


def AddInput(model, batch_size, db, db_type):
    data_uint8, label = brew.db_input(model, blobs_out=["data_uint8", "label"],
                                      batch_size=batch_size, db=db, db_type=db_type)
    data = model.Cast(data_uint8, "data", to=core.DataType.FLOAT)
    data = model.Scale(data, data, scale=float(1. / 256))
    data = model.StopGradient(data, data)
    return data, label


def AddLeNetModel(model, data):
    conv1 = brew.conv(model, data, "conv1", dim_in=1, dim_out=20, kernel=5)
    pool1 = brew.max_pool(model, conv1, "pool1", kernel=2, stride=2)
    conv2 = brew.conv(model, pool1, "conv2", dim_in=20, dim_out=50, kernel=5)
    pool2 = brew.max_pool(model, conv2, "pool2", kernel=2, stride=2)
    fc3 = brew.fc(model, pool2, "fc3", dim_in=50 * 4 * 4, dim_out=500)
    relu3 = brew.relu(model, fc3, "relu3")
    pred = brew.fc(model, relu3, "pred", dim_in=500, dim_out=10)
    return brew.softmax(model, pred, "softmax")


def AddAccuracy(model, softmax, label):
    return brew.accuracy(model, [softmax, label], "accuracy")


def AddTrainingOperators(model, softmax, label):
    xent = model.LabelCrossEntropy([softmax, label], "xent")
    loss = model.AveragedLoss(xent, "loss")
    AddAccuracy(model, softmax, label)
    model.AddGradientOperators([loss])
    optimizer.build_sgd(model, base_learning_rate=0.1, policy="step", stepsize=1,
                        gamma=0.999)


def AddBookkeepingOperators(model):
    model.Print("accuracy", [], to_file=1)
    model.Print("loss", [], to_file=1)
    for param in model.params:
        model.Summarize(param, [], to_file=1)
        model.Summarize(model.param_to_grad[param], [], to_file=1)


train_model = model_helper.ModelHelper(name="mnist_train")
data, label = AddInput(train_model, batch_size=train_batch,
                       db=os.path.join(data_folder, "mnist-train-nchw-lmdb"), db_type="lmdb")
softmax = AddLeNetModel(train_model, data)
AddTrainingOperators(train_model, softmax, label)
AddBookkeepingOperators(train_model)
ops = [(op.type, list(op.input), list(op.output)) for op in train_model.net.Proto().op]
'''

TRAIN = '''
from caffe2.python import visualize
from matplotlib import pyplot

test_model = model_helper.ModelHelper(name="mnist_test", init_params=False)
data, label = AddInput(test_model, batch_size=test_batch,
                       db=os.path.join(data_folder, "mnist-test-nchw-lmdb"), db_type="lmdb")
softmax = AddLeNetModel(test_model, data)
AddAccuracy(test_model, softmax, label)

workspace.RunNetOnce(train_model.param_init_net)
workspace.CreateNet(train_model.net, overwrite=True)
total_iters = 20
accuracy = np.zeros(total_iters)
loss = np.zeros(total_iters)
for i in range(total_iters):
    workspace.RunNet(train_model.net)
    accuracy[i] = workspace.blobs["accuracy"]
    loss[i] = workspace.blobs["loss"]

pyplot.figure()
data_grid = visualize.NCHW.ShowMultiple(workspace.FetchBlob("data"))
pyplot.figure()
conv_grid = visualize.NCHW.ShowMultiple(workspace.FetchBlob("conv1")[:, [5], :, :])

workspace.RunNetOnce(test_model.param_init_net)
workspace.CreateNet(test_model.net, overwrite=True)
workspace.RunNet(test_model.net.Proto().name)
test_accuracy = float(workspace.FetchBlob("accuracy"))
'''


def _head(tmp_path) -> str:
    """The program's first lines: where the DBs are, and the batch sizes."""
    data_folder = tmp_path / "mnist"
    datasets.make_mnist_dbs(str(data_folder), limit=256)
    return f"data_folder = {str(data_folder)!r}\ntrain_batch, test_batch = 16, 50\n"


def test_mnist_lenet_tutorial_trains(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # Print and Summarize write their files here
    head = _head(tmp_path)
    workspace.ResetWorkspace()
    workspace.SetRandomSeed(0)  # the fillers' draws: the same run every time
    ns, _ = run_program(head + MODEL + TRAIN, "mnist_lenet")
    loss = ns["loss"]
    assert np.isfinite(loss).all()
    assert loss[-5:].mean() < 0.5 * loss[:3].mean()  # it learns (seeded: 2.3 → about 0.6)
    assert ns["accuracy"][-5:].mean() > 0.5  # ten classes: chance is 0.1
    assert ns["test_accuracy"] > 0.5  # held-out digits, through the test model
    assert ns["data_grid"].shape == (4 * 29 - 1, 4 * 29 - 1)  # 16 digits, 4 × 4
    assert ns["conv_grid"].shape == (4 * 25 - 1, 4 * 25 - 1)  # 24 × 24 feature maps
    assert (tmp_path / "loss.log").exists() and (tmp_path / "conv1_w.summary").exists()
    summary = (tmp_path / "conv1_w_grad.summary").read_text().splitlines()
    assert len(summary) == 20 and len(summary[0].split()) == 4
    plt.close("all")
    workspace.ResetWorkspace()


@requires_caffe2
def test_mnist_lenet_training_net_is_caffe2s(tmp_path):
    head = _head(tmp_path)
    workspace.ResetWorkspace()
    optimizer.reset_optimizer_instance_count()  # a fresh process's SgdOptimizer_0, as Caffe2's
    ns, _ = run_program(head + MODEL, "mnist_lenet_net")
    workspace.ResetWorkspace()
    theirs = run_caffe2(head + MODEL + 'OUTPUTS["ops"] = ops\n')
    assert [list(op) for op in ns["ops"]] == [list(op) for op in theirs["ops"]]


# The 2017 version of the tutorial: the input through model.TensorProtosDBInput, an
# arg_scope for the order, and the update written by hand with brew.iter, LearningRate, a ONE
# constant and one WeightedSum per parameter (the 2018 version calls optimizer.build_sgd).
MODEL_2017 = '''
import os
import numpy as np
from caffe2.python import brew, core, model_helper, workspace

core.GlobalInit(["caffe2", "--caffe2_log_level=0"])


def AddInput(model, batch_size, db, db_type):
    data_uint8, label = model.TensorProtosDBInput(
        [], ["data_uint8", "label"], batch_size=batch_size, db=db, db_type=db_type)
    data = model.Cast(data_uint8, "data", to=core.DataType.FLOAT)
    data = model.Scale(data, data, scale=float(1. / 256))
    data = model.StopGradient(data, data)
    return data, label


def AddLeNetModel(model, data):
    conv1 = brew.conv(model, data, "conv1", dim_in=1, dim_out=20, kernel=5)
    pool1 = brew.max_pool(model, conv1, "pool1", kernel=2, stride=2)
    conv2 = brew.conv(model, pool1, "conv2", dim_in=20, dim_out=50, kernel=5)
    pool2 = brew.max_pool(model, conv2, "pool2", kernel=2, stride=2)
    fc3 = brew.fc(model, pool2, "fc3", dim_in=50 * 4 * 4, dim_out=500)
    fc3 = brew.relu(model, fc3, fc3)
    pred = brew.fc(model, fc3, "pred", 500, 10)
    return brew.softmax(model, pred, "softmax")


def AddTrainingOperators(model, softmax, label):
    xent = model.LabelCrossEntropy([softmax, label], "xent")
    loss = model.AveragedLoss(xent, "loss")
    brew.accuracy(model, [softmax, label], "accuracy")
    model.AddGradientOperators([loss])
    ITER = brew.iter(model, "iter")
    LR = model.LearningRate(ITER, "LR", base_lr=-0.1, policy="step", stepsize=1, gamma=0.999)
    ONE = model.param_init_net.ConstantFill([], "ONE", shape=[1], value=1.0)
    for param in model.params:
        param_grad = model.param_to_grad[param]
        model.WeightedSum([param, ONE, param_grad, LR], param)


arg_scope = {"order": "NCHW"}
train_model = model_helper.ModelHelper(name="mnist_train", arg_scope=arg_scope)
data, label = AddInput(train_model, batch_size=train_batch,
                       db=os.path.join(data_folder, "mnist-train-nchw-lmdb"), db_type="lmdb")
softmax = AddLeNetModel(train_model, data)
AddTrainingOperators(train_model, softmax, label)
ops = [(op.type, list(op.input), list(op.output)) for op in train_model.net.Proto().op]
init_ops = [(op.type, list(op.input), list(op.output))
            for op in train_model.param_init_net.Proto().op]
'''

TRAIN_2017 = '''
workspace.RunNetOnce(train_model.param_init_net)
workspace.CreateNet(train_model.net, overwrite=True)
loss = np.zeros(20)
for i in range(20):
    workspace.RunNet(train_model.net)
    loss[i] = workspace.FetchBlob("loss")
iterations = int(workspace.FetchBlob("iter")[0])
lr = float(workspace.FetchBlob("LR"))
'''


def test_mnist_2017_tutorial_trains_with_a_hand_written_update(tmp_path):
    head = _head(tmp_path)
    workspace.ResetWorkspace()
    workspace.SetRandomSeed(0)
    with pytest.warns(UserWarning, match="ignores --caffe2_log_level=0"):
        ns, _ = run_program(head + MODEL_2017 + TRAIN_2017, "mnist_2017")
    types = [t for t, _, _ in ns["ops"]]
    assert types[:3] == ["TensorProtosDBInput", "Cast", "Scale"]
    assert types.count("Iter") == 1 and types.count("WeightedSum") == 8  # 4 layers × (w, b)
    assert ("Iter", ["iter"], ["iter"]) in [tuple(op) for op in ns["ops"]]
    assert ns["iterations"] == 20  # brew.iter counts runs from 0
    np.testing.assert_allclose(ns["lr"], -0.1 * 0.999**20, rtol=1e-5)  # step policy, stepsize 1
    loss = ns["loss"]
    assert np.isfinite(loss).all() and loss[-5:].mean() < 0.6 * loss[:3].mean()
    workspace.ResetWorkspace()


@requires_caffe2
def test_mnist_2017_nets_are_caffe2s(tmp_path):
    head = _head(tmp_path)
    workspace.ResetWorkspace()
    with pytest.warns(UserWarning, match="ignores"):
        ns, _ = run_program(head + MODEL_2017, "mnist_2017_net")
    workspace.ResetWorkspace()
    theirs = run_caffe2(head + MODEL_2017 + 'OUTPUTS["ops"] = ops\nOUTPUTS["init"] = init_ops\n')
    assert [list(op) for op in ns["ops"]] == [list(op) for op in theirs["ops"]]
    assert [list(op) for op in ns["init_ops"]] == [list(op) for op in theirs["init"]]
