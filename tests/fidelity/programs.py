"""Caffe2 programs that the fidelity tests run twice: in real Caffe2, and in graphlab with only
the import lines changed (``caffe2_programs.port``). Each runs in a fresh process of its
own system (``caffe2_oracle.run_caffe2`` / ``run_graphlab``), all programs in one process
per system and in the same order, so net names (``train_1``) and optimizer counters agree.

A program reports what it saw through the helpers of :data:`HELPERS`, into ``RESULT``:

* ``record_net(key, net)``: the net's text as protobuf's Python ``text_format`` prints it
  (``text:``), as ``str()`` prints it (``str:``; C++ protobuf in Caffe2) and its op list;
* ``record_graph(key, graph)``: a pydot graph's nodes (id, label, shape, colours, style)
  and edges;
* ``call(key, fn)``: what ``fn()`` returned (type and value) or raised (the exception's
  class and base classes);
* anything else JSON can carry, under its own key.
"""

from __future__ import annotations

import json

from graphlab import brew

#: Helpers every program can call; ``text_of`` is defined per system (see below).
HELPERS = '''
import numpy as _np

def _arg_value(a):
    for scalar in ("f", "i", "s"):
        if a.HasField(scalar) if hasattr(a, "HasField") else getattr(a, scalar) is not None:
            v = getattr(a, scalar)
            if scalar == "f":
                return float(_np.float32(v))
            return v.decode("utf-8") if isinstance(v, bytes) else v
    if len(a.floats):
        return [float(_np.float32(v)) for v in a.floats]
    if len(a.strings):
        return [s.decode("utf-8") if isinstance(s, bytes) else s for s in a.strings]
    return [int(v) for v in a.ints]

def op_list(proto):
    return [[op.type, list(op.input), list(op.output),
             [[a.name, _arg_value(a)] for a in op.arg]] for op in proto.op]

def record_net(key, net):
    proto = net.Proto() if hasattr(net, "Proto") else net
    RESULT["text:" + key] = text_of(proto)
    RESULT["str:" + key] = str(proto)
    RESULT["ops:" + key] = op_list(proto)

def _attr(obj, name):
    value = obj.get(name)
    return None if value is None else str(value)

def record_graph(key, graph):
    # A node without a label shows its id, so the label compared is the one drawn.
    nodes = sorted([n.get_name(), _attr(n, "label") or n.get_name(), _attr(n, "shape"),
                    _attr(n, "color"), _attr(n, "fillcolor"), _attr(n, "style"),
                    _attr(n, "fontcolor")]
                   for n in graph.get_nodes())
    edges = sorted([str(e.get_source()), str(e.get_destination())]
                   for e in graph.get_edges())
    # pydot may keep a graph's name quoted or not; DOT reads both the same
    RESULT["graph:" + key] = {"name": graph.get_name().strip('"'),
                              "rankdir": _attr(graph, "rankdir"),
                              "nodes": nodes, "edges": edges}

def _plain(value):
    if isinstance(value, _np.ndarray):
        return {"ndarray": [str(value.dtype), list(value.shape), value.ravel().tolist()]}
    if isinstance(value, _np.generic):
        return {"numpy scalar": [str(value.dtype), value.item()]}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if type(value).__name__ == "BlobReference":
        return str(value)
    return repr(value)

def call(key, fn):
    try:
        value = fn()
    except Exception as exc:
        RESULT["call:" + key] = {"raises": [c.__name__ for c in type(exc).__mro__]}
        return None
    RESULT["call:" + key] = {"returns": [type(value).__name__, _plain(value)]}
    return value
'''

CAFFE2_TEXT = '''
from google.protobuf import text_format as _text_format

def text_of(proto):
    return _text_format.MessageToString(proto)
'''

GRAPHLAB_TEXT = '''
def text_of(proto):
    return str(proto)
'''

#: Runs every program of ``PARAMS`` in order and returns ``{program: RESULT}``.
RUNNER = '''
import traceback
for _name, _source in PARAMS:
    RESULT = {}
    try:
        exec(compile(_source, "<" + _name + ">", "exec"), {"RESULT": RESULT, **{
            k: v for k, v in globals().items()
            if k in ("record_net", "record_graph", "call", "op_list", "text_of")}})
    except Exception:
        RESULT["program failed"] = traceback.format_exc()[-1500:]
    OUTPUTS[_name] = RESULT
'''

SEED = '''
from caffe2.python import core, net_drawer, workspace
import numpy as np

init_net = core.Net("init")
W_gt = init_net.GivenTensorFill([], "W_gt", shape=[1, 2], values=[2.0, 1.5])
B_gt = init_net.GivenTensorFill([], "B_gt", shape=[1], values=[0.5])
ONE = init_net.ConstantFill([], "ONE", shape=[1], value=1.)
ITER = init_net.ConstantFill([], "ITER", shape=[1], value=0, dtype=core.DataType.INT32)
W = init_net.UniformFill([], "W", shape=[1, 2], min=-1., max=1.)
B = init_net.ConstantFill([], "B", shape=[1], value=0.0)
record_net("init", init_net)

train_net = core.Net("train")
X = train_net.GaussianFill([], "X", shape=[64, 2], mean=0.0, std=1.0, run_once=0)
Y_gt = X.FC([W_gt, B_gt], "Y_gt")
noise = train_net.GaussianFill([], "noise", shape=[64, 1], mean=0.0, std=1.0, run_once=0)
Y_noise = Y_gt.Add(noise, "Y_noise")
Y_noise = Y_noise.StopGradient([], "Y_noise")
Y_pred = X.FC([W, B], "Y_pred")
dist = train_net.SquaredL2Distance([Y_noise, Y_pred], "dist")
loss = dist.AveragedLoss([], ["loss"])
record_net("train-forward", train_net)
record_graph("train-forward", net_drawer.GetPydotGraph(train_net.Proto().op, "train",
                                                       rankdir="LR"))

gradient_map = train_net.AddGradientOperators([loss])
RESULT["gradient_map"] = sorted([str(k), str(v)] for k, v in gradient_map.items())
record_net("train-gradients", train_net)
record_graph("train-gradients", net_drawer.GetPydotGraph(train_net.Proto().op, "train",
                                                         rankdir="LR"))

train_net.Iter(ITER, ITER)
LR = train_net.LearningRate(ITER, "LR", base_lr=-0.1, policy="step", stepsize=20, gamma=0.9)
train_net.WeightedSum([W, ONE, gradient_map[W], LR], W)
train_net.WeightedSum([B, ONE, gradient_map[B], LR], B)
record_net("train-updates", train_net)
record_graph("train-updates", net_drawer.GetPydotGraph(train_net.Proto().op, "train",
                                                       rankdir="LR"))
record_graph("train-updates-net-TB", net_drawer.GetPydotGraph(train_net, rankdir="TB"))
record_graph("train-updates-minimal", net_drawer.GetPydotGraphMinimal(
    train_net.Proto().op, "train", rankdir="LR", minimal_dependency=True))
record_graph("init", net_drawer.GetPydotGraph(init_net.Proto().op, "init", rankdir="LR"))
record_graph("train-append-output", net_drawer.GetPydotGraph(
    train_net.Proto().op, "train", rankdir="LR",
    op_node_producer=net_drawer.GetOpNodeProducer(True, **net_drawer.OP_STYLE)))
record_graph("train-net-LR", net_drawer.GetPydotGraph(train_net, rankdir="LR"))
RESULT["op-str:LearningRate"] = str(train_net.Proto().op[-3])
'''

#: The seed's training with fixed data (X, noise and W given, not drawn) and an int64 ITER
#: (the seed's int32 one is the documented Caffe2 bug), so the trajectories can be compared.
SEED_TRAINING = '''
from caffe2.python import core, workspace
import numpy as np

X_values = np.cos(np.arange(128) * 0.37).tolist()
noise_values = (0.1 * np.sin(np.arange(64) * 1.3)).tolist()
init_net = core.Net("init_fixed")
W_gt = init_net.GivenTensorFill([], "W_gt", shape=[1, 2], values=[2.0, 1.5])
B_gt = init_net.GivenTensorFill([], "B_gt", shape=[1], values=[0.5])
ONE = init_net.ConstantFill([], "ONE", shape=[1], value=1.)
ITER = init_net.ConstantFill([], "ITER", shape=[1], value=0, dtype=core.DataType.INT64)
W = init_net.GivenTensorFill([], "W", shape=[1, 2], values=[-0.3, 0.8])
B = init_net.ConstantFill([], "B", shape=[1], value=0.0)
init_net.GivenTensorFill([], "X", shape=[64, 2], values=X_values)
init_net.GivenTensorFill([], "noise", shape=[64, 1], values=noise_values)

train_net = core.Net("train_fixed")
train_net.AddExternalInput("X", "noise")
Y_gt = train_net.FC(["X", W_gt, B_gt], "Y_gt")
Y_noise = train_net.Add([Y_gt, "noise"], "Y_noise")
Y_noise = Y_noise.StopGradient([], "Y_noise")
Y_pred = train_net.FC(["X", W, B], "Y_pred")
dist = train_net.SquaredL2Distance([Y_noise, Y_pred], "dist")
loss = dist.AveragedLoss([], ["loss"])
gradient_map = train_net.AddGradientOperators([loss])
train_net.Iter(ITER, ITER)
LR = train_net.LearningRate(ITER, "LR", base_lr=-0.1, policy="step", stepsize=20, gamma=0.9)
train_net.WeightedSum([W, ONE, gradient_map[W], LR], W)
train_net.WeightedSum([B, ONE, gradient_map[B], LR], B)

workspace.RunNetOnce(init_net)
workspace.CreateNet(train_net)
trajectory = []
for _ in range(100):
    workspace.RunNet(train_net.Proto().name)
    trajectory.append(workspace.FetchBlob("W").ravel().tolist()
                      + workspace.FetchBlob("B").ravel().tolist()
                      + [float(workspace.FetchBlob("loss")), float(workspace.FetchBlob("LR"))])
RESULT["trained:seed W, B, loss, LR per step"] = trajectory
RESULT["trained:seed ITER"] = workspace.FetchBlob("ITER").tolist()
'''

RUN_ONCE = '''
from caffe2.python import core, workspace
import numpy as np

# A filler with run_once=1 in a net made by CreateNet: does the second run fill again?
net = core.Net("run_once_check")
net.UniformFill([], "U", shape=[4], min=0.0, max=1.0, run_once=1)
workspace.CreateNet(net)
workspace.RunNet(net.Proto().name)
first = workspace.FetchBlob("U")
workspace.RunNet(net.Proto().name)
RESULT["refilled on the second run"] = bool(not np.array_equal(first, workspace.FetchBlob("U")))
'''

MODELS = f"HELPERS_TO_CHECK = {brew.helpers()!r}\n" + '''
from caffe2.python import brew, core, model_helper, optimizer, workspace
import copy
import numpy as np

def regression(name):
    model = model_helper.ModelHelper(name=name)
    fc1 = brew.fc(model, "data", "fc1", dim_in=2, dim_out=3)
    r1 = brew.relu(model, fc1, "r1")
    pred = brew.fc(model, r1, "pred", dim_in=3, dim_out=1)
    dist = model.net.SquaredL2Distance([pred, "label"], "dist")
    loss = model.net.AveragedLoss(dist, "loss")
    model.AddGradientOperators([loss])
    return model

GPU_SCOPE_ARGS = ("order", "use_cudnn", "cudnn_exhaustive_search")

def without_gpu_scope(net):
    """A copy of the net without the arguments and engine ModelHelper's default arg scope
    adds for GPU kernels (graphlab does not add them: a documented departure)."""
    proto = copy.deepcopy(net.Proto())
    for op in proto.op:
        keep = [copy.deepcopy(a) for a in op.arg if a.name not in GPU_SCOPE_ARGS]
        del op.arg[:]
        op.arg.extend(keep)
        if op.engine == "CUDNN":
            if hasattr(op, "ClearField"):
                op.ClearField("engine")
            else:
                op.engine = None
    return proto

def classifier(name):
    model = model_helper.ModelHelper(name=name)
    h = brew.fc(model, "data", "h", dim_in=2, dim_out=4)
    h = brew.tanh(model, h, "h_tanh")
    h = brew.fc(model, h, "h2", dim_in=4, dim_out=4)
    h = model.net.Sigmoid(h, "h2_sig")
    logits = brew.fc(model, h, "logits", dim_in=4, dim_out=3)
    prob = brew.softmax(model, logits, "prob")
    xent = model.net.LabelCrossEntropy([prob, "label"], "xent")
    loss = model.net.AveragedLoss(xent, "loss")
    model.net.Accuracy([prob, "label"], "accuracy")
    model.AddGradientOperators([loss])
    return model

def record_model(key, model, steps=30, label=None):
    record_net(key + "/init", model.param_init_net)
    record_net(key + "/train", model.net)
    record_net(key + "/train-without-gpu-scope", without_gpu_scope(model.net))
    RESULT["params:" + key] = [str(p) for p in model.params]
    RESULT["get-params:" + key] = [str(p) for p in model.GetParams()]
    workspace.ResetWorkspace()
    workspace.RunNetOnce(model.param_init_net)
    for k, p in enumerate(model.params):
        shape = workspace.FetchBlob(str(p)).shape
        n = int(np.prod(shape))
        workspace.FeedBlob(str(p), (0.5 * np.cos(np.arange(n) + k)).reshape(shape)
                           .astype(np.float32))
    workspace.FeedBlob("data", np.linspace(-1, 1, 16).reshape(8, 2).astype(np.float32))
    workspace.FeedBlob("label", np.linspace(0, 1, 8).reshape(8, 1).astype(np.float32)
                       if label is None else label)
    workspace.CreateNet(model.net)
    losses = []
    for _ in range(steps):
        workspace.RunNet(model.net.Proto().name)
        losses.append(float(workspace.FetchBlob("loss")))
    RESULT["losses:" + key] = losses
    RESULT["trained:" + key] = {str(p): workspace.FetchBlob(str(p)).ravel().tolist()
                                for p in model.params}

for helper in HELPERS_TO_CHECK:
    call("brew." + helper, lambda: callable(getattr(brew, helper)))

model = regression("sgd")
optimizer.build_sgd(model, 0.1, policy="step", stepsize=10, gamma=0.9)
record_model("sgd", model)

model = regression("momentum")
optimizer.build_sgd(model, 0.1, momentum=0.9, nesterov=0)
record_model("momentum", model)

model = regression("nesterov")
optimizer.build_sgd(model, 0.05, momentum=0.9, nesterov=1)
record_model("nesterov", model)

model = regression("adam")
optimizer.build_adam(model, 0.01)
record_model("adam", model)

model = classifier("classifier")
optimizer.build_sgd(model, 0.5, policy="inv", gamma=0.01, power=0.5, momentum=0.5)
record_model("classifier", model, label=np.array([0, 1, 2, 1, 0, 2, 2, 1], np.int32))
RESULT["accuracy:classifier"] = float(workspace.FetchBlob("accuracy"))
'''

WORKSPACE = '''
from caffe2.python import core, workspace
import numpy as np

call("FeedBlob", lambda: workspace.FeedBlob("a", np.array([-1.0, 2.0], np.float32)))
call("FetchBlob", lambda: workspace.FetchBlob("a"))
call("FetchBlob missing", lambda: workspace.FetchBlob("nope"))
call("FeedBlob 0-d", lambda: workspace.FeedBlob("s", np.array(3.0)))
call("FetchBlob 0-d", lambda: workspace.FetchBlob("s"))
call("HasBlob", lambda: workspace.HasBlob("a"))
call("HasBlob missing", lambda: workspace.HasBlob("nope"))
call("Blobs", lambda: sorted(workspace.Blobs()))
call("RunOperatorOnce", lambda: workspace.RunOperatorOnce(
    core.CreateOperator("Relu", ["a"], ["b"])))
call("RunOperatorOnce missing input", lambda: workspace.RunOperatorOnce(
    core.CreateOperator("Relu", ["zz"], ["b"])))
call("RunOperatorOnce shape mismatch", lambda: workspace.RunOperatorOnce(
    core.CreateOperator("Sum", ["a", "s"], ["b"])))
net = core.Net("ws_net")
net.Relu(["a"], ["c"])
call("RunNetOnce", lambda: workspace.RunNetOnce(net))
call("CreateNet", lambda: workspace.CreateNet(net))
call("RunNet", lambda: workspace.RunNet(net.Proto().name))
call("RunNet num_iter", lambda: workspace.RunNet(net.Proto().name, 3))
call("RunNet by net", lambda: workspace.RunNet(net))
call("RunNet unknown", lambda: workspace.RunNet("no_such_net"))
bad = core.Net("ws_bad")
bad.Relu(["missing"], ["d"])
call("CreateNet missing input", lambda: workspace.CreateNet(bad))
undeclared = core.Net("ws_undeclared")
undeclared.AddExternalInput("a")
undeclared.Relu(["a"], ["e"])
undeclared.Relu(["b"], ["f"])  # b exists in the workspace but the net never declares it
call("RunNetOnce undeclared input", lambda: workspace.RunNetOnce(undeclared))
call("CreateNet again", lambda: workspace.CreateNet(net))
fresh = core.Net("ws_fresh")
fresh.Relu(["a"], ["fresh_out"])
workspace.CreateNet(fresh)
call("Blobs after CreateNet", lambda: sorted(workspace.Blobs()))
call("misspelt argument", lambda: workspace.RunOperatorOnce(
    core.CreateOperator("LeakyRelu", ["a"], ["b"], alpah=0.5)))
call("int where float is read", lambda: workspace.RunOperatorOnce(
    core.CreateOperator("GaussianFill", [], ["g"], shape=[2], mean=0, std=1)))
call("unknown op", lambda: workspace.RunOperatorOnce(core.CreateOperator("NoSuchOp", [], ["x"])))
call("unknown op on a net", lambda: getattr(core.Net("ws_attr"), "NoSuchOp"))
call("unknown LR policy", lambda: workspace.RunOperatorOnce(core.CreateOperator(
    "LearningRate", ["it64"], ["lr"], base_lr=0.1, policy="nope")) if workspace.FeedBlob(
    "it64", np.array([1], np.int64)) else None)
call("wrong input count", lambda: workspace.RunOperatorOnce(
    core.CreateOperator("Relu", ["a", "a"], ["b"])))
single = core.Net("ws_single")
single.AveragedLoss(["a"], ["single_loss"])
call("AddGradientOperators one blob", lambda: sorted(
    str(k) for k in single.AddGradientOperators("single_loss")))
call("AddExternalOutput not made here", lambda: core.Net("ws_out").AddExternalOutput(
    core.BlobReference("not_made_here")))
call("CurrentWorkspace", lambda: workspace.CurrentWorkspace())
call("SwitchWorkspace create", lambda: workspace.SwitchWorkspace("other", True))
call("Blobs in new workspace", lambda: workspace.Blobs())
call("SwitchWorkspace missing", lambda: workspace.SwitchWorkspace("nowhere"))
call("SwitchWorkspace back", lambda: workspace.SwitchWorkspace("default"))
call("ResetWorkspace", lambda: workspace.ResetWorkspace())
call("Blobs after reset", lambda: workspace.Blobs())
g = core.Net("ws_grad")
g.Sub(["x0", "y0"], "d0")
g.AddGradientOperators({"d0": "d0_grad"})
g.AddExternalInput("d0_grad")
workspace.FeedBlob("x0", np.full((2, 3), 2.0, np.float32))
workspace.FeedBlob("y0", np.array(0.5, np.float32))
workspace.FeedBlob("d0_grad", np.full((2, 3), 1.5, np.float32))
call("RunNetOnce gradient of 0-d", lambda: workspace.RunNetOnce(g))
call("FetchBlob 0-d gradient", lambda: workspace.FetchBlob("y0_grad"))
'''

BUILDER = '''
from caffe2.python import core, workspace
import numpy as np

def feed(names):
    """Feed each blob deterministic values; a name may be ``(name, shape)`` (default [2, 3])."""
    for k, item in enumerate(names):
        name, shape = item if isinstance(item, tuple) else (item, (2, 3))
        n = int(np.prod(shape))
        workspace.FeedBlob(name, (np.cos(np.arange(n) * 0.9 + k) + 0.1 * k)
                           .reshape(shape).astype(np.float32))

def check(key, net, ys, inputs):
    workspace.ResetWorkspace()
    gmap = call("AddGradientOperators " + key, lambda: net.AddGradientOperators(ys))
    if gmap is None:
        return
    RESULT["gradient_map:" + key] = sorted([str(k), str(v)] for k, v in gmap.items())
    record_net(key, net)
    feed(inputs)
    workspace.RunNetOnce(net)
    RESULT["values:" + key] = {str(v): workspace.FetchBlob(str(v)).ravel().tolist()
                               for v in gmap.values() if workspace.HasBlob(str(v))}

net = core.Net("read_twice")
net.Relu("x", "y1")
net.Sigmoid("x", "y2")
net.Add(["y1", "y2"], "s")
net.AveragedLoss("s", "loss")
check("read-twice", net, ["loss"], ["x"])

net = core.Net("same_input_twice")
net.Mul(["x", "x"], "sq")
net.AveragedLoss("sq", "loss")
check("same-input-twice", net, ["loss"], ["x"])

net = core.Net("sum_same")
net.Sum(["x", "x"], "twice")
net.AveragedLoss("twice", "loss")
check("sum-same-input", net, ["loss"], ["x"])

net = core.Net("in_place_chain")
net.Copy("x", "h")
net.Relu("h", "h")
net.Scale("h", "h", scale=3.0)
net.Tanh("h", "h")
net.AveragedLoss("h", "loss")
check("in-place-chain", net, ["loss"], ["x"])

net = core.Net("stop")
net.Tanh("x", "t")
net.StopGradient("t", "t_stopped")
net.Mul(["t_stopped", "w"], "p")
net.Add(["p", "t"], "q")
net.AveragedLoss("q", "loss")
check("stop-gradient", net, ["loss"], ["x", "w"])

net = core.Net("two_losses")
net.Tanh("x", "t")
net.AveragedLoss("t", "loss1")
net.Sigmoid("t", "u")
net.AveragedLoss("u", "loss2")
check("two-losses", net, ["loss1", "loss2"], ["x"])

net = core.Net("w_used_then_updated")
net.FC(["x", "w", "b"], "h")
net.AveragedLoss("h", "loss")
check("fc", net, ["loss"], ["x", ("w", (4, 3)), ("b", (4,))])

net = core.Net("shared_weight")
net.FC(["x", "w", "b"], "h1")
net.FC(["h1", "w", "b"], "h2")
net.AveragedLoss("h2", "loss")
check("shared-weight", net, ["loss"], ["x", ("w", (3, 3)), ("b", (3,))])

net = core.Net("given_seed")
net.Exp("x", "e")
net.ReduceSum("e", "r", axes=[1], keepdims=0)
net.AddExternalInput("r_seed")
check("given-seed", net, {"r": "r_seed"}, ["x", ("r_seed", (2,))])
'''

#: Every LearningRate policy with arguments that exercise it (iterations 1..300).
POLICIES: list[tuple[str, dict]] = [
    ("fixed", {}),
    ("step", {"stepsize": 20, "gamma": 0.9}),
    ("exp", {"gamma": 0.99}),
    ("inv", {"gamma": 0.01, "power": 0.75}),
    ("poly", {"max_iter": 400, "power": 2.0}),
    ("linearWarmup", {"start_multiplier": 0.1, "num_iter": 100}),
    ("constantWarmup", {"multiplier": 0.3, "num_iter": 50}),
    ("alter", {"active_first": 1, "active_period": 7, "inactive_period": 3}),
    ("alter", {"active_first": 0, "active_period": 5, "inactive_period": 4}),
    ("hill", {"num_iter": 50, "start_multiplier": 0.1, "gamma": 0.05, "power": 0.5,
              "end_multiplier": 0.2}),
    ("gate", {"multiplier_1": 0.5, "multiplier_2": 2.0, "num_iter": 100}),
    ("pieceWarmup", {"m1": 0.2, "n1": 50, "m2": 0.6, "n2": 150, "m3": 1.0}),
    ("slope", {"num_iter_1": 100, "multiplier_1": 1.0, "num_iter_2": 200,
               "multiplier_2": 0.1}),
    ("cyclical", {"max_lr": 0.5, "stepsize": 25, "decay": 1}),
    ("cyclical", {"max_lr": 0.5, "stepsize": 25, "decay": 0.9}),
    ("cosine", {"max_lr": 0.5, "min_lr": 0.1, "period": 50, "t_mult": 2.0,
                "lr_shrink": 0.9}),
    ("constantThenLinearWarmup", {"start_warmup_multiplier": 0.1,
                                  "constant_warmup_num_iter": 30,
                                  "linear_warmup_num_iter": 60}),
    ("compositeCyclical", {"start_warmup_multiplier": 0.1, "constant_warmup_num_iter": 30,
                           "linear_warmup_num_iter": 60, "cyclical_max_lr": 0.5,
                           "cyclical_step_size": 20, "cyclical_decay": 0.95}),
    ("compositeCosine", {"start_warmup_multiplier": 0.1, "constant_warmup_num_iter": 30,
                         "linear_warmup_num_iter": 60, "cosine_max_lr": 0.5,
                         "cosine_min_lr": 0.1, "cosine_period": 40, "cosine_t_mult": 1.5,
                         "cosine_lr_shrink": 0.95}),
    ("composite", {"sub_policy_num_iters": [50, 100, 1000],
                   "sub_policy_0_policy": "fixed", "sub_policy_0_lr_scale": 2.0,
                   "sub_policy_1_policy": "step", "sub_policy_1_stepsize": 10,
                   "sub_policy_1_gamma": 0.8,
                   "sub_policy_2_policy": "exp", "sub_policy_2_gamma": 0.99}),
]

SCHEDULES = f'''
from caffe2.python import core, workspace
import numpy as np

for k, (policy, args) in enumerate({json.dumps(POLICIES)}):
    workspace.ResetWorkspace()
    workspace.FeedBlob("it", np.array([0], np.int64))
    net = core.Net("lr_%d" % k)
    net.Iter("it", "it")
    net.LearningRate("it", "lr", base_lr=-0.1, policy=policy, **args)
    try:
        workspace.CreateNet(net)
    except Exception as exc:
        RESULT["lr-error:%s#%d" % (policy, k)] = type(exc).__name__
        continue
    values = []
    for _ in range(300):
        workspace.RunNet(net.Proto().name)
        lr = workspace.FetchBlob("lr")
        values.append(float(lr.ravel()[0]))
    RESULT["lr:%s#%d" % (policy, k)] = values
    RESULT["lr-dtype:%s#%d" % (policy, k)] = [str(lr.dtype), list(lr.shape)]
'''

PROGRAMS: list[tuple[str, str]] = [
    ("seed", SEED),
    ("seed_training", SEED_TRAINING),
    ("run_once", RUN_ONCE),
    ("models", MODELS),
    ("workspace", WORKSPACE),
    ("schedules", SCHEDULES),
    ("builder", BUILDER),
]
