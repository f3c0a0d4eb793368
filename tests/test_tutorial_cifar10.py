"""The CIFAR10 tutorials' calls (parts 1 and 2), in a program of our own, on generated images.

Part 1 writes images into an lmdb database as ``TensorProtos`` records, reads them back
with ``brew.db_input``, trains a small conv net that mixes ``brew.max_pool`` and
``brew.average_pool`` with ``optimizer.build_sgd(..., momentum=0.9, weight_decay=...)``,
and saves a deploy model as two files: an init net of ``GivenTensorFill`` ops holding the
trained parameters, and the predict net, each written with ``NetDef.SerializeToString``.
Part 2 reads the two files back with ``NetDef.ParseFromString``, wraps them with
``core.Net(netdef)``, runs them, and continues training: a new model's input ops, then
``Net.AppendNet`` of the loaded predict net, then the loss, gradients and update.

The images: 3 classes of 3 × 16 × 16 colour images (a bright red, green or blue square at
a random place on noise), small enough to train in a second. Under real Caffe2 (when it
is installed) part 1's training net has the same operators as graphlab's, and Caffe2 reads
the ``.pb`` files graphlab wrote, predicts the same probabilities from them, and builds
the same resumed training net with its own ``AppendNet`` (the oracle has no ``lmdb``
module, so it builds nets on the DB without reading it).
"""

from __future__ import annotations

import numpy as np
import pytest
from caffe2_oracle import requires_caffe2, run_caffe2
from caffe2_programs import run_program

from graphlab import optimizer, workspace

IMPORTS = '''
import os
import numpy as np
from caffe2.proto import caffe2_pb2
from caffe2.python import brew, core, model_helper, optimizer, workspace
'''

DATA = '''
import lmdb


def make_images(n, seed):
    rng = np.random.RandomState(seed)
    images = rng.uniform(0, 60, size=(n, 3, 16, 16)).astype(np.float32)
    labels = rng.randint(0, 3, size=n).astype(np.int32)
    for i in range(n):
        top, left = rng.randint(0, 10, size=2)
        images[i, labels[i], top:top + 6, left:left + 6] = 250.0
    return images, labels


def write_lmdb(path, images, labels):
    env = lmdb.open(path, map_size=1 << 26)
    with env.begin(write=True) as txn:
        for i in range(len(images)):
            protos = caffe2_pb2.TensorProtos()
            image = protos.protos.add()
            image.dims.extend(images[i].shape)
            image.data_type = 1  # FLOAT
            image.float_data.extend(images[i].reshape(-1))
            label = protos.protos.add()
            label.data_type = 2  # INT32
            label.int32_data.append(int(labels[i]))
            txn.put("{:08d}".format(i).encode("ascii"), protos.SerializeToString())
    env.close()


train_images, train_labels = make_images(96, seed=0)
write_lmdb(os.path.join(root, "train_lmdb"), train_images, train_labels)
'''

PART1 = '''
def add_input(model, batch_size, db, db_type):
    data_uint8, label = brew.db_input(model, blobs_out=["data_uint8", "label"],
                                      batch_size=batch_size, db=db, db_type=db_type)
    data = model.Cast(data_uint8, "data", to=core.DataType.FLOAT)
    data = model.Scale(data, data, scale=float(1. / 256))
    data = model.StopGradient(data, data)
    return data, label


def create_model(model, data, num_classes):
    conv1 = brew.conv(model, data, "conv1", dim_in=3, dim_out=8, kernel=5, pad=2)
    relu1 = brew.relu(model, conv1, "relu1")
    pool1 = brew.max_pool(model, relu1, "pool1", kernel=3, stride=2)
    conv2 = brew.conv(model, pool1, "conv2", dim_in=8, dim_out=8, kernel=5, pad=2)
    relu2 = brew.relu(model, conv2, "relu2")
    pool2 = brew.average_pool(model, relu2, "pool2", kernel=3, stride=2)
    fc1 = brew.fc(model, pool2, "fc1", dim_in=8 * 3 * 3, dim_out=16)
    relu3 = brew.relu(model, fc1, "relu3")
    pred = brew.fc(model, relu3, "pred", dim_in=16, dim_out=num_classes)
    return brew.softmax(model, pred, "softmax")


def add_training_operators(model, softmax, label):
    xent = model.LabelCrossEntropy([softmax, label], "xent")
    loss = model.AveragedLoss(xent, "loss")
    brew.accuracy(model, [softmax, label], "accuracy")
    model.AddGradientOperators([loss])
    optimizer.build_sgd(model, base_learning_rate=0.05, policy="step", stepsize=1,
                        gamma=0.999, momentum=0.9, nesterov=False, weight_decay=0.004)


train_model = model_helper.ModelHelper(name="cifar10_train")
data, label = add_input(train_model, batch_size=32,
                        db=os.path.join(root, "train_lmdb"), db_type="lmdb")
softmax = create_model(train_model, data, num_classes=3)
add_training_operators(train_model, softmax, label)
ops = [(op.type, list(op.input), list(op.output)) for op in train_model.net.Proto().op]
'''

TRAIN_AND_SAVE = '''
workspace.RunNetOnce(train_model.param_init_net)
workspace.CreateNet(train_model.net, overwrite=True)
losses = []
for i in range(40):
    workspace.RunNet(train_model.net)
    losses.append(float(workspace.FetchBlob("loss")))
pool2_shape = workspace.FetchBlob("pool2").shape

deploy_model = model_helper.ModelHelper(name="cifar10_deploy", init_params=False)
create_model(deploy_model, "data", num_classes=3)
init_net = core.Net("cifar10_init")
for param in deploy_model.params:
    value = workspace.FetchBlob(str(param))
    init_net.GivenTensorFill([], str(param), shape=list(value.shape),
                             values=value.reshape(-1).tolist())
with open(os.path.join(root, "cifar10_init_net.pb"), "wb") as f:
    f.write(init_net.Proto().SerializeToString())
with open(os.path.join(root, "cifar10_predict_net.pb"), "wb") as f:
    f.write(deploy_model.net.Proto().SerializeToString())

test_images, test_labels = make_images(30, seed=1)
workspace.FeedBlob("data", test_images / 256)
workspace.RunNetOnce(deploy_model.net)
trained_probs = workspace.FetchBlob("softmax")
'''

PART2 = '''
workspace.ResetWorkspace()
init_net_proto = caffe2_pb2.NetDef()
with open(os.path.join(root, "cifar10_init_net.pb"), "rb") as f:
    init_net_proto.ParseFromString(f.read())
predict_net_proto = caffe2_pb2.NetDef()
with open(os.path.join(root, "cifar10_predict_net.pb"), "rb") as f:
    predict_net_proto.ParseFromString(f.read())
loaded_types = [op.type for op in predict_net_proto.op]

workspace.RunNetOnce(core.Net(init_net_proto))
workspace.FeedBlob("data", test_images / 256)
workspace.RunNetOnce(core.Net(predict_net_proto))
loaded_probs = workspace.FetchBlob("softmax")
'''

RESUME = '''
# continue training from the loaded parameters
resume_model = model_helper.ModelHelper(name="cifar10_resume", init_params=False)
add_input(resume_model, batch_size=32, db=os.path.join(root, "train_lmdb"), db_type="lmdb")
resume_model.net.AppendNet(core.Net(predict_net_proto))
xent = resume_model.LabelCrossEntropy(["softmax", "label"], "xent")
loss = resume_model.AveragedLoss(xent, "loss")
for param in ["conv1_w", "conv1_b", "conv2_w", "conv2_b", "fc1_w", "fc1_b", "pred_w", "pred_b"]:
    resume_model.params.append(resume_model.net.GetBlobRef(param))
resume_model.AddGradientOperators([loss])
optimizer.build_sgd(resume_model, base_learning_rate=0.01, weight_decay=0.004)
resume_ops = [(op.type, list(op.input), list(op.output)) for op in resume_model.net.Proto().op]
resume_external_inputs = list(resume_model.net.Proto().external_input)
'''

RESUME_TRAIN = '''
workspace.RunNetOnce(init_net_proto)
workspace.RunNetOnce(resume_model.param_init_net)
workspace.CreateNet(resume_model.net)
resumed_losses = []
for i in range(10):
    workspace.RunNet(resume_model.net)
    resumed_losses.append(float(workspace.FetchBlob("loss")))
'''


def test_cifar10_tutorial_calls(tmp_path) -> None:
    head = f"root = {str(tmp_path)!r}\n"
    workspace.ResetWorkspace()
    workspace.SetRandomSeed(0)
    with pytest.warns(UserWarning, match="weight_decay"):
        ns, _ = run_program(head + IMPORTS + DATA + PART1 + TRAIN_AND_SAVE + PART2 + RESUME
                            + RESUME_TRAIN, "cifar10")

    # part 1: the net trains, and the average pool has the window arithmetic of Caffe2's
    losses = ns["losses"]
    assert np.isfinite(losses).all()
    assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:3])
    assert ns["pool2_shape"] == (32, 8, 3, 3)  # 16 → pool 3/2 → 7 → 7 → pool 3/2 → 3
    types = [t for t, _, _ in ns["ops"]]
    assert "AveragePool" in types and "AveragePoolGradient" in types
    assert "MaxPool" in types and types.count("MomentumSGDUpdate") == 8
    assert np.mean(ns["trained_probs"].argmax(axis=1) == ns["test_labels"]) > 0.6

    # part 2: the .pb files round-trip, the loaded nets predict exactly as before
    assert ns["loaded_types"] == ["Conv", "Relu", "MaxPool", "Conv", "Relu", "AveragePool",
                                  "FC", "Relu", "FC", "Softmax"]
    np.testing.assert_array_equal(ns["loaded_probs"], ns["trained_probs"])

    # AppendNet: the predict net's parameters become the resumed net's external inputs,
    # but not "data", which the input ops make; training goes on from the loaded weights
    ext = ns["resume_external_inputs"]
    assert "conv1_w" in ext and "pred_b" in ext and "data" not in ext
    resumed = ns["resumed_losses"]
    assert np.isfinite(resumed).all() and resumed[0] < np.mean(losses[:3])
    workspace.ResetWorkspace()


@requires_caffe2
def test_cifar10_training_net_is_caffe2s(tmp_path) -> None:
    head = f"root = {str(tmp_path)!r}\n"
    workspace.ResetWorkspace()
    optimizer.reset_optimizer_instance_count()  # a fresh process's SgdOptimizer_0
    with pytest.warns(UserWarning, match="weight_decay"):
        ns, _ = run_program(head + IMPORTS + PART1, "cifar10_net")
    workspace.ResetWorkspace()
    theirs = run_caffe2(head + IMPORTS + PART1 + 'OUTPUTS["ops"] = ops\n')
    assert [list(op) for op in ns["ops"]] == [list(op) for op in theirs["ops"]]


@requires_caffe2
def test_cifar10_part2_reads_graphlabs_files_under_caffe2(tmp_path) -> None:
    head = f"root = {str(tmp_path)!r}\n"
    workspace.ResetWorkspace()
    workspace.SetRandomSeed(0)
    optimizer.reset_optimizer_instance_count()
    with pytest.warns(UserWarning, match="weight_decay"):
        ns, _ = run_program(head + IMPORTS + DATA + PART1 + TRAIN_AND_SAVE + PART2 + RESUME,
                            "cifar10_part2")
    workspace.ResetWorkspace()
    theirs = run_caffe2(
        head + IMPORTS + PART1 + 'test_images = INPUTS["test_images"]\n' + PART2 + RESUME
        + 'OUTPUTS["probs"] = loaded_probs\nOUTPUTS["ops"] = resume_ops\n'
        + 'OUTPUTS["ext"] = resume_external_inputs\n',
        inputs={"test_images": ns["test_images"]})
    np.testing.assert_allclose(theirs["probs"], ns["loaded_probs"], rtol=1e-4, atol=1e-6)
    assert [list(op) for op in ns["resume_ops"]] == [list(op) for op in theirs["ops"]]
    assert ns["resume_external_inputs"] == theirs["ext"]
