"""brew's vision helpers against Caffe2's: the same calls make the same parameters (names,
shapes, fillers, arguments), the same ops (types, inputs, outputs, arguments) and the same
parameter list.

Caffe2's ModelHelper pre-filled ``use_cudnn``/``cudnn_exhaustive_search`` (GPU settings
that reach the ops as ``use_cudnn``, ``cudnn_exhaustive_search``, ``exhaustive_search`` and
``engine: "CUDNN"``) and put a CPU device option on brew.iter's filler; graphlab's default
arg scope is empty (a documented teaching simplification), so those are left out of the
comparison.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from caffe2_oracle import requires_caffe2, run_caffe2

from graphlab import brew, core, model_helper

GPU_ARGS = ("use_cudnn", "cudnn_exhaustive_search", "exhaustive_search", "ws_nbytes_limit")

# One program, run by both: `brew` and `model_helper` are whichever system runs it.
BUILD = """
m = model_helper.ModelHelper(name="vision")
c1 = brew.conv(m, "data", "conv1", dim_in=1, dim_out=20, kernel=5)
p1 = brew.max_pool(m, c1, "pool1", kernel=2, stride=2)
c2 = brew.conv(m, p1, "conv2", dim_in=20, dim_out=8, kernel=3, group=2, no_bias=1, stride=2,
               pad=1)
c3 = brew.conv(m, c2, "conv3", 8, 4, [3, 2], order="NHWC",
               weight_init=("GaussianFill", {"std": 0.1}),
               bias_init=("ConstantFill", {"value": 0.2}))
ap = brew.average_pool(m, c2, "ap", kernel=2, stride=1)
ct = brew.conv_transpose(m, ap, "ct", dim_in=8, dim_out=3, kernel=2, stride=2)
bn = brew.spatial_bn(m, ct, "bn", 3, epsilon=1e-3, momentum=0.8, is_test=False)
bn2 = brew.spatial_bn(m, ct, "bn2", 3, is_test=True, order="NHWC", init_scale=2.0,
                      init_bias=0.5)
dr = brew.dropout(m, bn, "dr", ratio=0.3, is_test=False)
dr2 = brew.dropout(m, bn, "dr2", is_test=True)
brew.accuracy(m, ["sm", "label"], "acc", top_k=2)
it = brew.iter(m, "iter")
RETURNED = [str(x) for x in (c1, p1, c2, c3, ap, ct, bn, bn2, dr, dr2, it)]
"""

DESCRIBE = """
def arg_value(a):
    for field in ("f", "i", "s"):
        if a.HasField(field):
            v = getattr(a, field)
            return v.decode() if isinstance(v, bytes) else v
    return list(a.ints) or list(a.floats) or [s.decode() for s in a.strings]

def describe(net):
    return [{"type": op.type, "input": list(op.input), "output": list(op.output),
             "arg": {a.name: arg_value(a) for a in op.arg}} for op in net.Proto().op]
"""


def _graphlab_side() -> dict[str, Any]:
    scope: dict[str, Any] = {"brew": brew, "model_helper": model_helper}
    exec(BUILD, scope)  # noqa: S102 - the same program text Caffe2 runs
    m = scope["m"]

    def describe(net: core.Net) -> list[dict[str, Any]]:
        return [{"type": op.type, "input": list(op.input), "output": list(op.output),
                 "arg": {a.name: (list(a.value) if isinstance(a.value, (list, tuple))
                                  else a.value) for a in op.arg}} for op in net.Proto().op]

    return {"init": describe(m.param_init_net), "net": describe(m.net),
            "params": [str(p) for p in m.params], "returned": scope["RETURNED"]}


def _clean(ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for op in ops:
        args = {k: (round(v, 6) if isinstance(v, float) else v)
                for k, v in op["arg"].items() if k not in GPU_ARGS}
        if op["type"] == "ConstantFill":  # brew.iter's filler: from Caffe2's arg scope
            args.pop("order", None)
        out.append({**op, "arg": args})
    return out


@requires_caffe2
def test_brew_vision_helpers_match_caffe2() -> None:
    theirs = run_caffe2(
        "from caffe2.python import brew, model_helper\n" + DESCRIBE + BUILD + """
OUTPUTS["init"] = describe(m.param_init_net)
OUTPUTS["net"] = describe(m.net)
OUTPUTS["params"] = [str(p) for p in m.params]
OUTPUTS["returned"] = RETURNED
""")
    ours = _graphlab_side()
    assert ours["params"] == theirs["params"]
    assert ours["returned"] == theirs["returned"]
    assert _clean(ours["init"]) == _clean(theirs["init"])
    their_net = _clean(theirs["net"])
    our_net = _clean(ours["net"])
    for op in our_net:  # Caffe2's brew.accuracy dropped top_k (documented departure)
        if op["type"] == "Accuracy":
            assert op["arg"].pop("top_k") == 2
    for op in their_net:  # Caffe2 wrote order on Iter from its pre-filled arg scope
        if op["type"] in ("Iter", "Dropout"):
            op["arg"].pop("order", None)
    assert our_net == their_net


def test_brew_vision_model_runs_forward_and_backward() -> None:
    from graphlab import workspace

    ours = _graphlab_side()
    assert ours["params"][:2] == ["conv1_w", "conv1_b"]
    m = model_helper.ModelHelper(name="lenet_small")
    c1 = brew.conv(m, "data", "c1", dim_in=1, dim_out=4, kernel=5)
    p1 = brew.max_pool(m, c1, "p1", kernel=2, stride=2)
    bn = brew.spatial_bn(m, p1, "bn", 4, is_test=False)
    fc = brew.fc(m, bn, "fc", dim_in=4 * 4 * 4, dim_out=3)
    sm = brew.softmax(m, fc, "sm")
    xent = m.net.LabelCrossEntropy([sm, "label"], "xent")
    loss = m.net.AveragedLoss(xent, "loss")
    brew.accuracy(m, [sm, "label"], "acc")
    m.AddGradientOperators([loss])
    workspace.ResetWorkspace()
    rng = np.random.default_rng(0)
    workspace.FeedBlob("data", rng.normal(size=(5, 1, 12, 12)).astype(np.float32))
    workspace.FeedBlob("label", rng.integers(0, 3, size=5).astype(np.int32))
    workspace.RunNetOnce(m.param_init_net)
    workspace.RunNetOnce(m.net)
    assert workspace.FetchBlob("c1_w_grad").shape == (4, 1, 5, 5)
    assert workspace.FetchBlob("bn_s_grad").shape == (4,)
    assert "bn_rm" not in [str(p) for p in m.params]
    workspace.ResetWorkspace()


# Caffe2's MNIST tutorial model (AddLeNetModel + the loss of AddTrainingOperators), and
# the backward pass AddGradientOperators appends to it.
LENET = """
m = model_helper.ModelHelper(name="mnist_train")
data = m.StopGradient("data_uint8_scaled", "data")
conv1 = brew.conv(m, data, "conv1", dim_in=1, dim_out=20, kernel=5)
pool1 = brew.max_pool(m, conv1, "pool1", kernel=2, stride=2)
conv2 = brew.conv(m, pool1, "conv2", dim_in=20, dim_out=50, kernel=5)
pool2 = brew.max_pool(m, conv2, "pool2", kernel=2, stride=2)
fc3 = brew.fc(m, pool2, "fc3", dim_in=50 * 4 * 4, dim_out=500)
relu = brew.relu(m, fc3, fc3)
pred = brew.fc(m, relu, "pred", 500, 10)
softmax = brew.softmax(m, pred, "softmax")
xent = m.LabelCrossEntropy([softmax, "label"], "xent")
loss = m.AveragedLoss(xent, "loss")
brew.accuracy(m, [softmax, "label"], "accuracy")
m.AddGradientOperators([loss])
"""


@requires_caffe2
def test_lenet_backward_pass_matches_caffe2() -> None:
    theirs = run_caffe2(
        "from caffe2.python import brew, model_helper\n" + DESCRIBE + LENET + """
OUTPUTS["net"] = describe(m.net)
""")
    scope: dict[str, Any] = {"brew": brew, "model_helper": model_helper}
    exec(LENET, scope)  # noqa: S102 - the same program text Caffe2 runs
    ours = [{"type": op.type, "input": list(op.input), "output": list(op.output)}
            for op in scope["m"].net.Proto().op]
    assert ours == [{k: op[k] for k in ("type", "input", "output")} for op in theirs["net"]]


# Caffe2's 2017 tutorials built the same layers with CNNModelHelper's methods.
CNN = """
m = cnn.CNNModelHelper(order="NHWC", name="cnn_vision")
m.Conv("data", "c1", 3, 8, 3, stride=2)
m.MaxPool("c1", "p1", kernel=2)
m.AveragePool("c1", "a1", kernel=2, stride=2)
m.SpatialBN("p1", "bn", 8, is_test=False)
m.LRN("p1", "lrn", size=3, alpha=1e-4, beta=0.75)
m.Dropout("bn", "dr", ratio=0.3, is_test=False)
m.ConvTranspose("p1", "ct", 8, 4, 2, stride=2)
m.Accuracy(["dr", "label"], "acc")
m.Iter("it")
"""


@requires_caffe2
def test_cnn_model_helper_vision_layers_match_caffe2() -> None:
    from graphlab import cnn

    theirs = run_caffe2(
        "from caffe2.python import cnn\n" + DESCRIBE + CNN + """
OUTPUTS["init"] = describe(m.param_init_net)
OUTPUTS["net"] = describe(m.net)
OUTPUTS["params"] = [str(p) for p in m.params]
""")
    scope: dict[str, Any] = {"cnn": cnn}
    exec(CNN, scope)  # noqa: S102 - the same program text Caffe2 runs
    m = scope["m"]

    def describe(net: core.Net) -> list[dict[str, Any]]:
        return [{"type": op.type, "input": list(op.input), "output": list(op.output),
                 "arg": {a.name: (list(a.value) if isinstance(a.value, (list, tuple))
                                  else a.value) for a in op.arg}} for op in net.Proto().op]

    their_init, their_net = _clean(theirs["init"]), _clean(theirs["net"])
    for op in their_net:  # order from Caffe2's pre-filled arg scope, on ops without one
        if op["type"] in ("Iter", "Dropout"):
            op["arg"].pop("order", None)
    assert [str(p) for p in m.params] == theirs["params"]
    assert _clean(describe(m.param_init_net)) == their_init
    assert _clean(describe(m.net)) == their_net
