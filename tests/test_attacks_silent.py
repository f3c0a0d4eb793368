"""Attacks on "no silent changes" (docs/errors.md): what graphlab cannot do as asked
it refuses (or, for dtype mixes and stale nets, warns about), and says how to fix it."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from graphlab import checkpoint, core, workspace
from graphlab.errors import ArgumentError, GraphlabError, GraphlabWarning


def _run(op_type: str, inputs, outputs, **kwargs) -> None:
    workspace.RunOperatorOnce(core.CreateOperator(op_type, inputs, outputs, **kwargs))


# ---- FeedBlob ------------------------------------------------------------------------------


def test_feed_blob_refuses_object_arrays():
    with pytest.raises(TypeError, match=r"Python objects.*astype"):
        workspace.FeedBlob("X", np.array([1, "a", None], dtype=object))
    assert not workspace.HasBlob("X")


def test_feed_blob_refuses_masked_arrays_instead_of_dropping_the_mask():
    masked = np.ma.masked_array([1.0, 2.0, 3.0], mask=[False, True, False])
    with pytest.raises(TypeError, match=r"mask would be lost.*filled"):
        workspace.FeedBlob("X", masked)
    assert not workspace.HasBlob("X")
    workspace.FeedBlob("X", masked.filled(0.0))  # the fix the message gives
    assert workspace.FetchBlob("X").tolist() == [1.0, 0.0, 3.0]


def test_feed_blob_refuses_an_empty_name():
    with pytest.raises(GraphlabError, match="non-empty name"):
        workspace.FeedBlob("", np.ones(2))
    assert workspace.Blobs() == []


def test_feed_blob_still_takes_every_plain_dtype_and_strings():
    """Held before; kept."""
    for value in (np.ones(2, np.float16), np.arange(3, dtype=np.uint64),
                  np.array(["a", "bc"]), np.array(True), np.float32(2.5), "text", b"bytes"):
        workspace.FeedBlob("v", value)
    with pytest.raises(TypeError, match="np.array"):
        workspace.FeedBlob("v", [1.0, 2.0])


# ---- integer data into float ops ---------------------------------------------------------------


@pytest.mark.parametrize(("op_type", "inputs"), [
    ("FC", {"X": np.ones((4, 2), np.int32), "W": np.ones((1, 2), np.float32),
            "b": np.zeros(1, np.float32)}),
    ("FC", {"X": np.ones((4, 2), np.float32), "W": np.ones((1, 2), np.int64),
            "b": np.zeros(1, np.float32)}),
    ("MatMul", {"A": np.ones((2, 2), np.int32), "B": np.ones((2, 2), np.float32)}),
    ("Relu", {"X": np.arange(4, dtype=np.int32)}),
    ("Sqr", {"X": np.arange(4, dtype=np.int32)}),
    ("Abs", {"X": np.arange(4, dtype=np.int32)}),
])
def test_integer_data_into_float_ops_is_an_error_with_the_fix(op_type, inputs):
    """Before: FC computed int32 · float32 in float64, and the seed net's W and B became
    float64 after one step. Caffe2 refused integers in these ops too."""
    for name, value in inputs.items():
        workspace.FeedBlob(name, value)
    with pytest.raises(GraphlabError, match=r"(?s)must be a float array.*astype\(np\.float32\)"):
        _run(op_type, list(inputs), ["out"])
    assert not workspace.HasBlob("out")


def test_integer_data_fed_to_the_seed_net_stops_at_fc_and_keeps_w_float32():
    init = core.Net("int_init")
    init.UniformFill([], "W", shape=[1, 2], min=-1.0, max=1.0)
    init.ConstantFill([], "B", shape=[1], value=0.0)
    workspace.RunNetOnce(init)
    workspace.FeedBlob("X", np.ones((8, 2), np.int32))
    workspace.FeedBlob("Y_gt", np.ones((8, 1), np.float32))
    train = core.Net("int_train")
    y = train.FC(["X", "W", "B"], "Y")
    dist = train.SquaredL2Distance([y, "Y_gt"], "dist")
    loss = train.AveragedLoss(dist, "loss")
    train.AddGradientOperators([loss])
    workspace.CreateNet(train)
    with pytest.raises(GraphlabError, match=r"(?s)FC \(op #0.*X: int32\[8, 2\]"):
        workspace.RunNet(train)
    assert workspace.FetchBlob("W").dtype == np.float32


# ---- Load(strip_prefix=...) collisions --------------------------------------------------------


def test_strip_prefix_mapping_two_names_to_one_is_an_error(tmp_path):
    """Before: the last one silently won."""
    path = tmp_path / "two_gpus.npz"
    checkpoint.write_checkpoint(path, {"gpu_0/W": np.zeros(2, np.float32),
                                       "gpu_1/W": np.ones(2, np.float32)})
    workspace.FeedBlob("W", np.full(2, 7.0, np.float32))
    with pytest.raises(GraphlabError, match=r"(?s)'gpu_0/W' and 'gpu_1/W' would both be loaded as "
                                            r"'W'.*Nothing was loaded") as info:
        _run("Load", [], [], db=str(path), absolute_path=1, load_all=1, strip_prefix="/")
    assert "two_gpus.npz" in str(info.value)
    assert workspace.FetchBlob("W").tolist() == [7.0, 7.0]
    _run("Load", [], [], db=str(path), absolute_path=1, load_all=1, strip_prefix="gpu_0/")
    assert workspace.FetchBlob("W").tolist() == [0.0, 0.0]  # no collision: loads


# ---- LearningRate validates its arguments per policy, at creation -----------------------------


@pytest.mark.parametrize(("args", "pattern"), [
    ({"base_lr": float("nan"), "policy": "fixed"}, "base_lr=nan is not a finite number"),
    ({"base_lr": float("-inf"), "policy": "step", "stepsize": 10, "gamma": 0.9},
     "base_lr=-inf is not a finite number"),
    ({"base_lr": -0.1, "policy": "step", "stepsize": 10, "gamma": float("inf")},
     "gamma=inf is not a finite number"),
    ({"base_lr": -0.1, "policy": "fixed", "stepsize": 20},
     r"policy 'fixed' does not read 'stepsize'.*use a policy that reads it: step, cyclical"),
    ({"base_lr": -0.1, "policy": "step", "stepsize": 10, "gamma": 0.9, "power": 2.0},
     r"policy 'step' does not read 'power'"),
    ({"base_lr": -0.1, "policy": "step", "stepsize": 10**30, "gamma": 0.9},
     "does not fit in 64 bits"),
    ({"base_lr": -0.1, "policy": "step", "stepsize": 10, "gamma": 0.9, "num_iter": -(2**70)},
     "does not fit in 64 bits"),
])
def test_learning_rate_arguments_are_checked_when_the_op_is_created(args, pattern):
    """Before: NaN base_lr ran (every step NaN), another policy's arguments were ignored,
    and stepsize=10**30 failed later with "Python int too large to convert to C long"."""
    net = core.Net("lr_args")
    with pytest.raises(ArgumentError, match=pattern):
        net.LearningRate("ITER", "LR", **args)
    assert len(net.Proto().op) == 0


def test_learning_rate_accepts_each_policys_own_arguments():
    """Held before; kept: the seed's step policy and a policy with a default override."""
    workspace.FeedBlob("ITER", np.array(20, np.int64))
    _run("LearningRate", ["ITER"], ["LR"], base_lr=-0.1, policy="step", stepsize=20,
         gamma=0.9)
    assert workspace.FetchBlob("LR") == np.float32(-0.09)
    _run("LearningRate", ["ITER"], ["LR"], base_lr=-0.1, policy="cosine", max_lr=0.6,
         stepsize=0)  # a default value of an argument the policy does not read is fine


def test_integer_arguments_beyond_int64_are_refused_for_every_op():
    with pytest.raises(ArgumentError, match="does not fit in 64 bits"):
        core.CreateOperator("GaussianFill", [], ["X"], shape=[2**64, 1])


# ---- a float dtype mix that would change a parameter's dtype warns, once per net ----------------


def _seed_nets(x_dtype) -> core.Net:
    init = core.Net("mix_init")
    init.UniformFill([], "W", shape=[1, 2], min=-1.0, max=1.0)
    init.ConstantFill([], "B", shape=[1], value=0.0)
    init.ConstantFill([], "ONE", shape=[1], value=1.0)
    init.ConstantFill([], "ITER", shape=[1], value=0, dtype=core.DataType.INT64)
    workspace.RunNetOnce(init)
    workspace.FeedBlob("X", np.ones((8, 2), x_dtype))
    workspace.FeedBlob("Y_gt", np.ones((8, 1), np.float32))
    train = core.Net("mix_train")
    y = train.FC(["X", "W", "B"], "Y")
    loss = train.AveragedLoss(train.SquaredL2Distance([y, "Y_gt"], "dist"), "loss")
    train.AddGradientOperators([loss])
    train.Iter("ITER", "ITER")
    lr = train.LearningRate("ITER", "LR", base_lr=-0.1, policy="fixed")
    train.WeightedSum(["W", "ONE", "W_grad", lr], "W")
    train.WeightedSum(["B", "ONE", "B_grad", lr], "B")
    return train


@pytest.mark.parametrize("how", ["RunNet", "RunNetOnce", "RunNet-guarded"])
def test_float64_data_beside_float32_parameters_warns_once_naming_the_blobs(how):
    """Before: W and B silently became float64 after one step."""
    train = _seed_nets(np.float64)
    if how != "RunNetOnce":
        workspace.CreateNet(train)
    run = {"RunNet": lambda: workspace.RunNet(train),
           "RunNetOnce": lambda: workspace.RunNetOnce(train),
           "RunNet-guarded": lambda: workspace.RunNet(train, check_finite=True)}[how]
    with pytest.warns(GraphlabWarning) as record:
        run()
    assert len(record) == 1
    message = str(record[0].message)
    assert "'W' from float32 to float64" in message and "'B' from float32 to float64" in message
    assert "WeightedSum (op #" in message and "'X' (float64)" in message
    assert "astype(np.float32)" in message
    assert record[0].filename == __file__  # points at the user's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run()  # once per net: no second warning
        run()


def test_matching_dtypes_give_no_warning():
    train = _seed_nets(np.float32)
    workspace.CreateNet(train)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        workspace.RunNet(train, num_iter=5)
        workspace.RunNetOnce(train)
    assert workspace.FetchBlob("W").dtype == np.float32


# ---- RunNet on a net changed since CreateNet warns -------------------------------------------


def test_run_net_after_ops_were_added_warns_and_says_how_to_recreate():
    """Before: RunNet ran the old snapshot without a word."""
    workspace.FeedBlob("X", np.ones(3, np.float32))
    net = core.Net("grows")
    net.Relu("X", "Y")
    workspace.CreateNet(net)
    workspace.RunNet(net)
    net.Sigmoid("Y", "Z")
    with pytest.warns(GraphlabWarning, match=r"has 2 ops now, but CreateNet saw 1.*"
                                             r"CreateNet\(net, overwrite=True\)") as record:
        workspace.RunNet(net.Name())
    assert record[0].filename == __file__
    assert not workspace.HasBlob("Z")  # it still ran the snapshot, as Caffe2 did
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        workspace.RunNet(net)  # warned once for this created net
        workspace.CreateNet(net, overwrite=True)
        workspace.RunNet(net)
    assert workspace.HasBlob("Z")
