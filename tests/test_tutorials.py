"""Caffe2 tutorial programs run under graphlab with only their import lines changed.

Each program below is written the way Caffe2's own tutorials were (the Basics notebook,
the 2017 toy regression the seed follows, and its 2018 ModelHelper/brew rewrite), with
``from caffe2.python import ...`` imports. :func:`port` rewrites *only* those import lines
to ``graphlab`` (and checks nothing else changed), the program is executed with its
printed output captured, and the tests compare what it printed with what Caffe2 printed:
protobuf text in field order, ``name: ""`` on every op, one ``arg { }`` block per keyword.

Each program runs once per module (a module-scoped fixture) and several tests read its
output. Randomness: the tutorials draw from NumPy and from filler ops; the fixtures fix both
(``np.random.seed`` and ``workspace.SetRandomSeed``) so every run is identical.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from typing import Any

import numpy as np
import pytest
from caffe2_programs import port, run_program

from graphlab import optimizer, workspace

# ---- what a program printed (porting and running it: tests/caffe2_programs.py) ---------------


def section(printed: str, title: str) -> str:
    """The text a program printed after the line ``== title ==`` up to the next header."""
    parts = re.split(r"^== (.+) ==\n", printed, flags=re.M)
    sections = dict(zip(parts[1::2], parts[2::2], strict=True))
    return sections[title]


def proto_text(text: str) -> str:
    """Dedent a hand-written protobuf printout (Caffe2 ends each message with a newline)."""
    return textwrap.dedent(text).lstrip("\n")


def test_port_changes_only_import_lines():
    src = "from caffe2.python import core\nfrom caffe2.python.brew import fc\nx = 1\n"
    assert port(src) == "from graphlab import core\nfrom graphlab.brew import fc\nx = 1\n"
    assert port("from caffe2.proto import caffe2_pb2\n") == "from graphlab import caffe2_pb2\n"
    with pytest.raises(AssertionError):
        port("from caffe2.python import core\nimport caffe2.python.brew\n")


# ---- 1. the Basics tutorial ------------------------------------------------------------------

BASICS = '''
import time

import numpy as np
from caffe2.python import core, workspace
from caffe2.proto import caffe2_pb2

print("== empty ==")
print("Blobs: {}".format(workspace.Blobs()))
print("Has X: {}".format(workspace.HasBlob("X")))

X = np.random.randn(2, 3).astype(np.float32)
print("== feed ==")
print(workspace.FeedBlob("X", X))
print("Blobs: {}".format(workspace.Blobs()))
print("Has X: {}".format(workspace.HasBlob("X")))
np.testing.assert_array_equal(X, workspace.FetchBlob("X"))

print("== missing ==")
try:
    workspace.FetchBlob("invincible_pink_unicorn")
except RuntimeError as err:
    print(err)

print("== workspaces ==")
print("Current workspace: {}".format(workspace.CurrentWorkspace()))
print("Blobs: {}".format(workspace.Blobs()))
workspace.SwitchWorkspace("gutentag", True)
print("Current workspace: {}".format(workspace.CurrentWorkspace()))
print("Blobs: {}".format(workspace.Blobs()))
workspace.SwitchWorkspace("default")
print("Current workspace: {}".format(workspace.CurrentWorkspace()))
print("Blobs: {}".format(workspace.Blobs()))
print(workspace.ResetWorkspace())

print("== relu op ==")
op = core.CreateOperator(
    "Relu",  # operator type
    ["X"],   # input blob names
    ["Y"],   # output blob names
)
print(str(op))
workspace.FeedBlob("X", np.random.randn(2, 3).astype(np.float32))
print(workspace.RunOperatorOnce(op))
relu_blobs = workspace.Blobs()
relu_x = workspace.FetchBlob("X")
relu_y = workspace.FetchBlob("Y")

print("== gaussian op ==")
op = core.CreateOperator(
    "GaussianFill",
    [],
    ["Z"],
    shape=[100, 100],
    mean=1.0,
    std=1.0,
)
print(str(op))
workspace.RunOperatorOnce(op)
Z = workspace.FetchBlob("Z")

print("== fresh net ==")
net = core.Net("my_first_net")
print(net.Proto())

print("== X added ==")
X = net.GaussianFill([], ["X"], mean=0.0, std=1.0, shape=[2, 3], run_once=0)
print(net.Proto())
print("Type of X: {}".format(type(X)))
print("Blob name: {}".format(str(X)))

W = net.GaussianFill([], ["W"], mean=0.0, std=1.0, shape=[5, 3], run_once=0)
b = net.ConstantFill([], ["b"], shape=[5,], value=1.0, run_once=0)
Y = X.FC([W, b], ["Y"])
print("== full net ==")
print(net.Proto())

from caffe2.python import net_drawer
from IPython import display
graph = net_drawer.GetPydotGraph(net, rankdir="LR")
picture = display.Image(graph.create_png(), width=800)

print("== run once ==")
workspace.ResetWorkspace()
print("Blobs: {}".format(workspace.Blobs()))
workspace.RunNetOnce(net)
print("Blobs: {}".format(workspace.Blobs()))
once = {}
for name in workspace.Blobs():
    once[name] = workspace.FetchBlob(name)

print("== create and run ==")
workspace.ResetWorkspace()
print("Blobs: {}".format(workspace.Blobs()))
workspace.CreateNet(net)
workspace.RunNet(net.Proto().name)
print("Blobs: {}".format(workspace.Blobs()))
created = {}
for name in workspace.Blobs():
    created[name] = workspace.FetchBlob(name)

print("== timing ==")
start = time.time()
for i in range(200):
    workspace.RunNetOnce(net)
per_run_once = (time.time() - start) / 200
start = time.time()
for i in range(200):
    workspace.RunNet(net.Proto().name)
per_run = (time.time() - start) / 200
print("RunNetOnce: {}".format(per_run_once))
print("RunNet: {}".format(per_run))
X_after_timing = workspace.FetchBlob("X")
'''

#: What Caffe2 printed for the two CreateOperator calls (Python 3.7+: arguments in call order).
RELU_OP = '''
    input: "X"
    output: "Y"
    name: ""
    type: "Relu"
'''
GAUSSIAN_OP = '''
    output: "Z"
    name: ""
    type: "GaussianFill"
    arg {
      name: "shape"
      ints: 100
      ints: 100
    }
    arg {
      name: "mean"
      f: 1.0
    }
    arg {
      name: "std"
      f: 1.0
    }
'''
FILL_OPS = '''
    op {
      output: "X"
      name: ""
      type: "GaussianFill"
      arg {
        name: "mean"
        f: 0.0
      }
      arg {
        name: "std"
        f: 1.0
      }
      arg {
        name: "shape"
        ints: 2
        ints: 3
      }
      arg {
        name: "run_once"
        i: 0
      }
    }
'''
MORE_OPS = '''
    op {
      output: "W"
      name: ""
      type: "GaussianFill"
      arg {
        name: "mean"
        f: 0.0
      }
      arg {
        name: "std"
        f: 1.0
      }
      arg {
        name: "shape"
        ints: 5
        ints: 3
      }
      arg {
        name: "run_once"
        i: 0
      }
    }
    op {
      output: "b"
      name: ""
      type: "ConstantFill"
      arg {
        name: "shape"
        ints: 5
      }
      arg {
        name: "value"
        f: 1.0
      }
      arg {
        name: "run_once"
        i: 0
      }
    }
    op {
      input: "X"
      input: "W"
      input: "b"
      output: "Y"
      name: ""
      type: "FC"
    }
'''


@pytest.fixture(scope="module")
def basics() -> tuple[dict[str, Any], str]:
    """The Basics program, run once for all the tests that read its output."""
    workspace.SwitchWorkspace("gutentag", True)  # another test may have used it: empty it
    workspace.ResetWorkspace()
    workspace.SwitchWorkspace("default")
    workspace.ResetWorkspace()
    np.random.seed(1234)
    workspace.SetRandomSeed(2018)
    ns, printed = run_program(BASICS, "basics")
    yield ns, printed
    workspace.SwitchWorkspace("default")


def test_basics_workspace_part(basics):
    ns, printed = basics
    assert section(printed, "empty") == "Blobs: []\nHas X: False\n"
    assert section(printed, "feed") == "True\nBlobs: ['X']\nHas X: True\n"
    message = section(printed, "missing")
    assert "invincible_pink_unicorn" in message and "Can't find blob" in message
    assert section(printed, "workspaces") == (
        "Current workspace: default\nBlobs: ['X']\n"
        "Current workspace: gutentag\nBlobs: []\n"
        "Current workspace: default\nBlobs: ['X']\n"
        "True\n"
    )


def test_basics_operators_print_and_run_like_caffe2(basics):
    ns, printed = basics
    # print(str(op)) shows the message and then print's own newline: a blank line follows
    assert section(printed, "relu op") == proto_text(RELU_OP) + "\nTrue\n"
    assert ns["relu_blobs"] == ["X", "Y"]
    np.testing.assert_array_equal(ns["relu_y"], np.maximum(ns["relu_x"], 0))
    assert section(printed, "gaussian op") == proto_text(GAUSSIAN_OP) + "\n"
    Z = ns["Z"]
    assert Z.shape == (100, 100) and Z.dtype == np.float32
    assert abs(Z.mean() - 1.0) < 0.05 and abs(Z.std() - 1.0) < 0.05


def test_basics_net_prints_like_caffe2(basics):
    ns, printed = basics
    name = ns["net"].Proto().name
    # "my_first_net" in a fresh process; another test may have used the name first, and
    # then the net is my_first_net_1, ... (as in Caffe2: names are unique per process).
    assert re.fullmatch(r"my_first_net(_\d+)?", name)
    header = f'name: "{name}"\n'
    assert section(printed, "fresh net") == header + "\n"
    assert section(printed, "X added") == (
        header + proto_text(FILL_OPS) + "\n"
        "Type of X: <class 'graphlab.core.BlobReference'>\nBlob name: X\n"
    )
    full = header + proto_text(FILL_OPS) + proto_text(MORE_OPS) + "\n"
    assert section(printed, "full net") == full
    # fillers only: no inputs come from outside the net, so no external_input lines
    assert ns["net"].Proto().external_input == []


def test_basics_net_name_in_a_fresh_process():
    """In a fresh interpreter the tutorial's net prints exactly ``name: "my_first_net"``."""
    program = port(textwrap.dedent('''
        from caffe2.python import core
        net = core.Net("my_first_net")
        print(net.Proto())
        print(core.Net("my_first_net").Proto())
    '''))
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout == 'name: "my_first_net"\n\nname: "my_first_net_1"\n\n'


def test_basics_net_draws_and_runs_both_ways(basics):
    ns, printed = basics
    assert ns["picture"].data[:8] == b"\x89PNG\r\n\x1a\n"
    labels = sorted(n.get_label() for n in ns["graph"].get_nodes())
    assert '"FC (op#3)"' in labels and '"GaussianFill (op#0)"' in labels
    blobs = "Blobs: []\nBlobs: ['W', 'X', 'Y', 'b']\n"
    assert section(printed, "run once") == blobs
    assert section(printed, "create and run") == blobs
    for run in (ns["once"], ns["created"]):
        assert run["X"].shape == (2, 3) and run["W"].shape == (5, 3)
        np.testing.assert_array_equal(run["b"], np.ones(5, np.float32))
        np.testing.assert_allclose(run["Y"], run["X"] @ run["W"].T + run["b"], rtol=1e-5)
    # run_once=0: the created net's fillers drew new numbers on every one of the timed runs
    assert not np.array_equal(ns["created"]["X"], ns["X_after_timing"])
    timing = section(printed, "timing").splitlines()
    assert [t.split(":")[0] for t in timing] == ["RunNetOnce", "RunNet"]
    assert all(float(t.split(": ")[1]) > 0 for t in timing)


# ---- 2. the 2018 toy regression (ModelHelper + brew + optimizer) -----------------------------

TOY_2018 = '''
import numpy as np
from caffe2.python import workspace, brew, optimizer
from caffe2.python.model_helper import ModelHelper

# Part I: fit y = b2 * x^2 + b1 * x + b0 with features [x, x^2]
num_samples = 200
learning_rate = 0.05
training_iters = 100
initial_weights = [0., 0.]

x = np.random.randn(num_samples)
Y_gt = (x ** 2 + np.random.uniform(size=num_samples)).reshape(-1, 1)
X = np.hstack((x.reshape(-1, 1), x.reshape(-1, 1) ** 2))

regression_model = ModelHelper(name="regression_model")
y_pred = brew.fc(regression_model, 'X', 'y_pred', dim_in=2, dim_out=1)
print("== predict net ==")
print(regression_model.net.Proto())
print("== init net ==")
print(regression_model.param_init_net.Proto())

dist = regression_model.net.SquaredL2Distance(['Y_gt', y_pred], "dist")
loss = regression_model.net.AveragedLoss(dist, "loss")
regression_model.AddGradientOperators([loss])
optimizer.build_sgd(regression_model, base_learning_rate=learning_rate)

workspace.FeedBlob("Y_gt", Y_gt.astype(np.float32))
workspace.FeedBlob("X", X.astype(np.float32))
workspace.RunNetOnce(regression_model.param_init_net)
workspace.CreateNet(regression_model.net)
workspace.FeedBlob("y_pred_w", np.array([initial_weights]).astype(np.float32))
workspace.FeedBlob("y_pred_b", np.array([0.]).astype(np.float32))

print("== training ==")
for i in range(training_iters):
    workspace.RunNet(regression_model.net)
print("Training Complete")

coes = workspace.FetchBlob("y_pred_w")[0]
intercept = workspace.FetchBlob("y_pred_b")
print("Best Fit Line: {}*x^2 + {}*x + {}".format(
    round(coes[1], 5), round(coes[0], 5), round(intercept[0], 5)))
part1 = {"X": X, "Y_gt": Y_gt, "w": coes, "b": intercept,
         "loss": workspace.FetchBlob("loss")}

# Part II: a straight line, the loss and optimizer called through the model helper
X2 = np.random.randn(100, 1)
Y2 = (42.0 * X2 + 10.0 * np.random.randn(100, 1)) / 100.

line_model = ModelHelper(name="regression_model")
y_pred = brew.fc(line_model, 'X', 'y_pred', dim_in=1, dim_out=1)
dist = line_model.SquaredL2Distance(['Y_gt', y_pred], "dist")
loss = line_model.AveragedLoss(dist, "loss")
line_model.AddGradientOperators([loss])
optimizer.build_sgd(line_model, base_learning_rate=0.05)

workspace.FeedBlob("Y_gt", Y2.astype(np.float32))
workspace.FeedBlob("X", X2.astype(np.float32))
workspace.RunNetOnce(line_model.param_init_net)
workspace.CreateNet(line_model.net)
workspace.FeedBlob("y_pred_w", np.array([[0.]]).astype(np.float32))
workspace.FeedBlob("y_pred_b", np.array([0.]).astype(np.float32))
for i in range(100):
    workspace.RunNet(line_model.net.Proto().name)
coe = workspace.FetchBlob("y_pred_w")[0]
line_intercept = workspace.FetchBlob("y_pred_b")
iterations = workspace.FetchBlob("optimizer_iteration")
'''

PREDICT_NET = '''
    name: "regression_model"
    op {
      input: "X"
      input: "y_pred_w"
      input: "y_pred_b"
      output: "y_pred"
      name: ""
      type: "FC"
    }
    external_input: "X"
    external_input: "y_pred_w"
    external_input: "y_pred_b"
'''
INIT_NET = '''
    name: "regression_model_init"
    op {
      output: "y_pred_w"
      name: ""
      type: "XavierFill"
      arg {
        name: "shape"
        ints: 1
        ints: 2
      }
    }
    op {
      output: "y_pred_b"
      name: ""
      type: "ConstantFill"
      arg {
        name: "shape"
        ints: 1
      }
    }
'''


def _full_batch_sgd(X: np.ndarray, Y: np.ndarray, lr: float, steps: int):
    """The tutorial's training by hand: FC, ½‖y − ŷ‖² per row averaged, fixed-LR SGD from 0."""
    X = X.astype(np.float32).astype(np.float64)
    Y = Y.astype(np.float32).astype(np.float64)
    w = np.zeros((1, X.shape[1]))
    b = np.zeros(1)
    for _ in range(steps):
        d_pred = (X @ w.T + b - Y) / len(X)  # d(mean ½(ŷ − y)²)/dŷ
        w, b = w - lr * d_pred.T @ X, b - lr * d_pred.sum(0)
    return w, b


@pytest.fixture(scope="module")
def toy_2018() -> tuple[dict[str, Any], str]:
    workspace.SwitchWorkspace("default")
    workspace.ResetWorkspace()
    np.random.seed(7)
    workspace.SetRandomSeed(2018)
    optimizer.reset_optimizer_instance_count()
    return run_program(TOY_2018, "toy_regression_2018")


def test_toy_2018_prints_both_protos_like_caffe2(toy_2018):
    ns, printed = toy_2018
    # Caffe2's ModelHelper also printed three GPU arguments on the FC op (use_cudnn, order,
    # cudnn_exhaustive_search); graphlab's arg_scope is empty (docs/caffe2-compatibility.md).
    # "regression_model" in a fresh process, "regression_model_<k>" if the name was taken
    # (and "regression_model_init_<k>": each net's name is made unique on its own)
    model = ns["regression_model"]
    name, init_name = model.net.Name(), model.param_init_net.Name()
    assert re.fullmatch(r"regression_model(_\d+)?", name)
    assert re.fullmatch(r"regression_model_init(_\d+)?", init_name)
    renamed = {"regression_model": name, "regression_model_init": init_name}
    predict, init = (
        proto_text(t).replace(f'"{old}"', f'"{renamed[old]}"', 1)
        for t, old in [(PREDICT_NET, "regression_model"), (INIT_NET, "regression_model_init")]
    )
    assert section(printed, "predict net") == predict + "\n"
    assert section(printed, "init net").startswith(init)
    # the print happened before build_sgd; the init net has grown since
    assert [op.type for op in ns["regression_model"].param_init_net.Proto().op] == [
        "XavierFill", "ConstantFill", "ConstantFill", "CreateMutex", "ConstantFill",
        "ConstantFill",
    ]


def test_toy_2018_train_net_is_caffe2s(toy_2018):
    ns, _ = toy_2018
    ops = ns["regression_model"].net.Proto().op
    assert [(op.type, list(op.input), list(op.output)) for op in ops] == [
        ("FC", ["X", "y_pred_w", "y_pred_b"], ["y_pred"]),
        ("SquaredL2Distance", ["Y_gt", "y_pred"], ["dist"]),
        ("AveragedLoss", ["dist"], ["loss"]),
        ("ConstantFill", ["loss"], ["loss_autogen_grad"]),
        ("AveragedLossGradient", ["dist", "loss_autogen_grad"], ["dist_grad"]),
        ("SquaredL2DistanceGradient", ["Y_gt", "y_pred", "dist_grad"],
         ["Y_gt_grad", "y_pred_grad"]),
        ("FCGradient", ["X", "y_pred_w", "y_pred_grad"],
         ["y_pred_w_grad", "y_pred_b_grad", "X_grad"]),
        ("AtomicIter", ["iteration_mutex", "optimizer_iteration"], ["optimizer_iteration"]),
        ("LearningRate", ["optimizer_iteration"], ["SgdOptimizer_0_lr_cpu"]),
        ("WeightedSum", ["y_pred_w", "ONE_0_0", "y_pred_w_grad", "SgdOptimizer_0_lr_cpu"],
         ["y_pred_w"]),
        ("WeightedSum", ["y_pred_b", "ONE_0_0", "y_pred_b_grad", "SgdOptimizer_0_lr_cpu"],
         ["y_pred_b"]),
    ]
    assert ops[8].args() == {"base_lr": -0.05, "policy": "fixed"}
    assert ns["regression_model"].net.Proto().external_input == [
        "X", "y_pred_w", "y_pred_b", "Y_gt", "iteration_mutex", "optimizer_iteration", "ONE_0_0",
    ]


def test_toy_2018_fit_matches_the_hand_computed_descent(toy_2018):
    ns, printed = toy_2018
    part1 = ns["part1"]
    # the zeros fed after CreateNet are where training started: the created net reads them
    w, b = _full_batch_sgd(part1["X"], part1["Y_gt"], 0.05, 100)
    np.testing.assert_allclose(part1["w"], w[0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(part1["b"], b, rtol=1e-4, atol=1e-5)
    assert part1["w"].dtype == np.float32 and part1["b"].shape == (1,)
    # a sensible fit of y = x^2 + U(0, 1): about 1·x², 0·x, 0.5
    np.testing.assert_allclose([part1["w"][1], part1["w"][0], part1["b"][0]], [1, 0, 0.5],
                               atol=0.2)
    assert ns["iterations"].tolist() == [100] and ns["iterations"].dtype == np.int64
    line = section(printed, "training")
    assert line.startswith("Training Complete\nBest Fit Line: ")
    b2, b1, b0 = re.findall(r"-?\d+\.\d+(?:e-?\d+)?", line.split(": ")[1])
    # (rounding a float32 and printing it shows float32 digits: 1.0288000106811523)
    np.testing.assert_allclose([float(b2), float(b1), float(b0)],
                               [part1["w"][1], part1["w"][0], part1["b"][0]], atol=1e-5)
    assert part1["loss"].shape == () and part1["loss"] < 0.1


def test_toy_2018_part_two_fits_the_line(toy_2018):
    ns, _ = toy_2018
    w, b = _full_batch_sgd(ns["X2"], ns["Y2"], 0.05, 100)
    np.testing.assert_allclose(ns["coe"], w[0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ns["line_intercept"], b, rtol=1e-4, atol=1e-5)
    assert abs(ns["coe"][0] - 0.42) < 0.05  # most of the way there in 100 steps
    # the second ModelHelper(name="regression_model") is renamed, as in Caffe2
    first, second = ns["regression_model"].net.Name(), ns["line_model"].net.Name()
    assert second != first and second.startswith("regression_model_")


# ---- 3. the 2017 toy regression (the seed's tutorial), with its second half ------------------

TOY_2017 = '''
from caffe2.python import core, cnn, net_drawer, workspace, visualize
import numpy as np
from IPython import display
from matplotlib import pyplot

init_net = core.Net("init")
W_gt = init_net.GivenTensorFill([], "W_gt", shape=[1, 2], values=[2.0, 1.5])
B_gt = init_net.GivenTensorFill([], "B_gt", shape=[1], values=[0.5])
ONE = init_net.ConstantFill([], "ONE", shape=[1], value=1.)
ITER = init_net.ConstantFill([], "ITER", shape=[1], value=0, dtype=core.DataType.INT32)
W = init_net.UniformFill([], "W", shape=[1, 2], min=-1., max=1.)
B = init_net.ConstantFill([], "B", shape=[1], value=0.0)
print("Created init net.")

train_net = core.Net("train")
X = train_net.GaussianFill([], "X", shape=[64, 2], mean=0.0, std=1.0, run_once=0)
Y_gt = X.FC([W_gt, B_gt], "Y_gt")
noise = train_net.GaussianFill([], "noise", shape=[64, 1], mean=0.0, std=1.0, run_once=0)
Y_noise = Y_gt.Add(noise, "Y_noise")
Y_noise = Y_noise.StopGradient([], "Y_noise")
Y_pred = X.FC([W, B], "Y_pred")
dist = train_net.SquaredL2Distance([Y_noise, Y_pred], "dist")
loss = dist.AveragedLoss([], ["loss"])

pictures = []
graph = net_drawer.GetPydotGraph(train_net.Proto().op, "train", rankdir="LR")
pictures.append(display.Image(graph.create_png(), width=800))

gradient_map = train_net.AddGradientOperators([loss])
graph = net_drawer.GetPydotGraph(train_net.Proto().op, "train", rankdir="LR")
pictures.append(display.Image(graph.create_png(), width=800))

train_net.Iter(ITER, ITER)
LR = train_net.LearningRate(ITER, "LR", base_lr=-0.1, policy="step", stepsize=20, gamma=0.9)
train_net.WeightedSum([W, ONE, gradient_map[W], LR], W)
train_net.WeightedSum([B, ONE, gradient_map[B], LR], B)
graph = net_drawer.GetPydotGraph(train_net.Proto().op, "train", rankdir="LR")
pictures.append(display.Image(graph.create_png(), width=800))

workspace.RunNetOnce(init_net)
print(workspace.CreateNet(train_net))
print("Before training, W is: {}".format(workspace.FetchBlob("W")))
print("Before training, B is: {}".format(workspace.FetchBlob("B")))
W_before = workspace.FetchBlob("W")

for i in range(100):
    workspace.RunNet(train_net.Proto().name)

print("After training, W is: {}".format(workspace.FetchBlob("W")))
print("After training, B is: {}".format(workspace.FetchBlob("B")))
print("Ground truth W is: {}".format(workspace.FetchBlob("W_gt")))
print("Ground truth B is: {}".format(workspace.FetchBlob("B_gt")))
trained = {name: workspace.FetchBlob(name) for name in ["W", "B", "ITER", "LR"]}
blobs_after_training = workspace.Blobs()

# Re-initialise and watch the parameters move
workspace.RunNetOnce(init_net)
restarted = {name: workspace.FetchBlob(name) for name in ["W", "B", "ITER"]}
w_history = []
b_history = []
lr_history = []
for i in range(50):
    workspace.RunNet(train_net.Proto().name)
    w_history.append(workspace.FetchBlob("W"))
    b_history.append(workspace.FetchBlob("B"))
    lr_history.append(workspace.FetchBlob("LR"))
w_history = np.vstack(w_history)
b_history = np.vstack(b_history)
pyplot.plot(w_history[:, 0], w_history[:, 1], 'r')
pyplot.axis('equal')
pyplot.xlabel('w_0')
pyplot.ylabel('w_1')
pyplot.grid(True)
pyplot.figure()
pyplot.plot(b_history)
pyplot.xlabel('iter')
pyplot.ylabel('b')
pyplot.grid(True)
final_iter = workspace.FetchBlob("ITER")
'''


@pytest.fixture(scope="module")
def toy_2017() -> tuple[dict[str, Any], str]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    workspace.SwitchWorkspace("default")
    workspace.ResetWorkspace()
    workspace.SetRandomSeed(2017)
    yield run_program(TOY_2017, "toy_regression_2017")
    pyplot.close("all")


def test_toy_2017_trains_and_prints(toy_2017):
    ns, printed = toy_2017
    lines = printed.splitlines()
    assert lines[:2] == ["Created init net.", "True"]
    assert lines[2] == f"Before training, W is: {ns['W_before']}"
    assert lines[3] == "Before training, B is: [0.]"
    trained = ns["trained"]
    assert lines[4:6] == [f"After training, W is: {trained['W']}",
                          f"After training, B is: {trained['B']}"]
    assert lines[6:] == ["Ground truth W is: [[2.  1.5]]", "Ground truth B is: [0.5]"]
    np.testing.assert_allclose(trained["W"], [[2.0, 1.5]], atol=0.15)
    np.testing.assert_allclose(trained["B"], [0.5], atol=0.15)
    assert trained["ITER"].tolist() == [100]
    # step policy, counter read after Iter: 100 // 20 = 5 decays
    np.testing.assert_allclose(trained["LR"], -0.1 * 0.9**5, rtol=1e-6)
    assert trained["LR"].shape == () and trained["LR"].dtype == np.float32


def test_toy_2017_draws_the_three_stages(toy_2017):
    ns, _ = toy_2017
    assert len(ns["pictures"]) == 3
    assert all(p.data[:8] == b"\x89PNG\r\n\x1a\n" for p in ns["pictures"])
    labels = {n.get_label() for n in ns["graph"].get_nodes()}
    assert '"WeightedSum (op#15)"' in labels and '"Iter (op#12)"' in labels


def test_toy_2017_blobs_are_caffe2s_sorted_list(toy_2017):
    ns, _ = toy_2017
    assert ns["blobs_after_training"] == [
        "B", "B_grad", "B_gt", "ITER", "LR", "ONE", "W", "W_grad", "W_gt", "X", "X_grad",
        "Y_gt", "Y_noise", "Y_noise_grad", "Y_pred", "Y_pred_grad", "dist", "dist_grad",
        "loss", "loss_autogen_grad", "noise",
    ]
    assert sorted(str(k) for k in ns["gradient_map"]) == [
        "B", "W", "X", "Y_pred", "dist", "loss",
    ]


def test_toy_2017_reinitialising_restarts_parameters_counter_and_schedule(toy_2017):
    ns, _ = toy_2017
    restarted = ns["restarted"]
    assert restarted["ITER"].tolist() == [0] and restarted["ITER"].dtype == np.int32
    assert restarted["B"].tolist() == [0.0]
    assert not np.allclose(restarted["W"], ns["trained"]["W"])  # a new random start
    # the created net sees the re-filled blobs: the schedule starts again at iteration 1
    lrs = np.array(ns["lr_history"])
    expected = -0.1 * 0.9 ** (np.arange(1, 51) // 20)
    np.testing.assert_allclose(lrs, expected, rtol=1e-6)
    assert ns["final_iter"].tolist() == [50]
    w, b = ns["w_history"], ns["b_history"]
    assert w.shape == (50, 2) and b.shape == (50, 1)
    start = np.linalg.norm(restarted["W"][0] - [2.0, 1.5])
    assert np.linalg.norm(w[-1] - [2.0, 1.5]) < 0.25 * start  # it heads to (2, 1.5)
    assert abs(b[-1, 0] - 0.5) < 0.15 and b[0, 0] > 0  # and b rises toward 0.5


# ---- 4. idioms from Caffe2 user code ---------------------------------------------------------

IDIOMS = '''
import numpy as np
from caffe2.python import core, workspace, brew
from caffe2.python.model_helper import ModelHelper
from caffe2.proto import caffe2_pb2

workspace.GlobalInit(["caffe2", "--caffe2_log_level=0"])
gpu = workspace.has_gpu_support and workspace.NumCudaDevices() > 0
device = core.DeviceOption(caffe2_pb2.CUDA if gpu else caffe2_pb2.CPU, 0)

# ops made by hand and appended to the proto, as the Basics tutorial explains net.SomeOp
net = core.Net("idioms")
fill = core.CreateOperator("ConstantFill", [], ["ones"], shape=[2, 3], value=1.0,
                           device_option=device)
net.Proto().op.append(fill)
doubled = net.Scale("ones", "doubled", scale=2.0)
data = net.AddExternalInput("data")
total = net.Add([doubled, data], "total")
net.AddExternalOutput(total)
print("== net ==")
print(net.Proto())
print(net)

workspace.blobs["data"] = np.arange(6, dtype=np.float32).reshape(2, 3)
workspace.RunNetOnce(net)
has_total = workspace.HasBlob("total")
total_value = workspace.blobs["total"]
copy = net.Clone("idioms_copy")
on_gpu = core.CreateOperator("Relu", ["data"], ["relu_gpu"],
                             device_option=core.DeviceOption(caffe2_pb2.CUDA, 1))
workspace.RunOperatorOnce(on_gpu)
relu_gpu = workspace.FetchBlob("relu_gpu")

# a ModelHelper's two nets and a gradient map
model = ModelHelper(name="idioms_model")
pred = brew.fc(model, "x", "pred", dim_in=3, dim_out=1)
loss = model.net.AveragedLoss(model.net.SquaredL2Distance([pred, "target"], "dist"), "loss")
gradient_map = model.net.AddGradientOperators([loss])
W = model.params[0]
init_proto = model.param_init_net.Proto()
int_zero = model.param_init_net.ConstantFill([], "counter", shape=[1], value=0,
                                             dtype=core.DataType.INT32)

errors = {}
try:
    workspace.FetchBlob("not_there")
except RuntimeError as err:
    errors["FetchBlob"] = err
try:
    workspace.RunNet("never_created")
except RuntimeError as err:
    errors["RunNet"] = err
try:
    net.NotAnOperator([], "y")
except AttributeError as err:
    errors["Net.NotAnOperator"] = err
try:
    workspace.SwitchWorkspace("no_such_workspace")
except RuntimeError as err:
    errors["SwitchWorkspace"] = err
try:
    gradient_map[W].Scale([], "scaled")
except RuntimeError as err:
    errors["grad.Scale"] = err
try:
    fresh = core.Net("needs_inputs")
    fresh.FC(["x", "w_missing", "b_missing"], "y")
    workspace.CreateNet(fresh)
except RuntimeError as err:
    errors["CreateNet"] = err
'''

IDIOMS_NET = '''
    op {
      output: "ones"
      name: ""
      type: "ConstantFill"
      arg {
        name: "shape"
        ints: 2
        ints: 3
      }
      arg {
        name: "value"
        f: 1.0
      }
      device_option {
        device_type: 0
        device_id: 0
      }
    }
    op {
      input: "ones"
      output: "doubled"
      name: ""
      type: "Scale"
      arg {
        name: "scale"
        f: 2.0
      }
    }
    op {
      input: "doubled"
      input: "data"
      output: "total"
      name: ""
      type: "Add"
    }
    external_input: "data"
    external_output: "total"
'''


@pytest.fixture(scope="module")
def idioms() -> tuple[dict[str, Any], str]:
    workspace.SwitchWorkspace("default")
    workspace.ResetWorkspace()
    return run_program(IDIOMS, "idioms")


def test_idioms_hand_made_ops_and_external_blobs_print_like_caffe2(idioms):
    ns, printed = idioms
    name = ns["net"].Name()
    # "ones" comes from the appended op, so it is not an external input; "data" is
    expected = f'name: "{name}"\n' + proto_text(IDIOMS_NET) + "\n" + name + "\n"
    assert section(printed, "net") == expected
    assert ns["net"].Proto().external_input == ["data"]
    assert ns["has_total"]
    np.testing.assert_array_equal(ns["total_value"], 2 + np.arange(6).reshape(2, 3))
    assert str(ns["net"]) == name and ns["device"].device_type == 0
    # a CUDA device option is printed as given and the op runs on the CPU
    assert "device_option {\n  device_type: 1\n  device_id: 1\n}\n" in str(ns["on_gpu"])
    np.testing.assert_array_equal(ns["relu_gpu"], np.arange(6).reshape(2, 3))


def test_idioms_clone_data_types_and_model_protos(idioms):
    ns, _ = idioms
    copy = ns["copy"]
    assert copy.Name().startswith("idioms_copy") and copy.Proto() is not ns["net"].Proto()
    assert str(copy.Proto()).split("\n", 1)[1] == str(ns["net"].Proto()).split("\n", 1)[1]
    core, caffe2_pb2 = ns["core"], ns["caffe2_pb2"]
    assert core.DataType.INT32 == caffe2_pb2.TensorProto.INT32 == 2
    assert core.DataType.INT64 == 10 and core.DataType.FLOAT == 1
    assert isinstance(ns["fill"], caffe2_pb2.OperatorDef)
    assert [op.type for op in ns["init_proto"].op] == ["XavierFill", "ConstantFill",
                                                       "ConstantFill"]
    assert ns["init_proto"].op[-1].args() == {"shape": [1], "value": 0, "dtype": 2}


def test_idioms_gradient_map_takes_blob_references_and_names(idioms):
    ns, _ = idioms
    gradient_map, W = ns["gradient_map"], ns["W"]
    assert type(W).__name__ == "BlobReference" and W == "pred_w"
    assert gradient_map[W] == gradient_map["pred_w"] == "pred_w_grad"
    assert "pred_w" in gradient_map and W in gradient_map
    assert gradient_map["pred"] == "pred_grad" and gradient_map["loss"] == "loss_autogen_grad"


def test_idioms_errors_are_the_types_caffe2_users_catch(idioms):
    ns, _ = idioms
    errors = ns["errors"]
    assert list(errors) == ["FetchBlob", "RunNet", "Net.NotAnOperator", "SwitchWorkspace",
                            "grad.Scale", "CreateNet"]
    assert "not_there" in str(errors["FetchBlob"])
    assert "never_created" in str(errors["RunNet"])
    assert "NotAnOperator" in str(errors["Net.NotAnOperator"])
    assert "no_such_workspace" in str(errors["SwitchWorkspace"])
    assert "w_missing" in str(errors["CreateNet"]) and "b_missing" in str(errors["CreateNet"])
    assert not hasattr(ns["net"], "NotAnOperator")  # hasattr works on nets
