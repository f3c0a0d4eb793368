"""ONNX export: the checker accepts the models and onnxruntime computes what RunNet computes.

Each model is trained (or filled) in graphlab, exported with :func:`graphlab.onnx.export`,
checked with ``onnx.checker`` and run in onnxruntime on inputs it has not seen; the outputs
must equal graphlab's ``RunNet`` outputs within float32 tolerance, and the initializers must be
exactly the trained parameters.
"""

from __future__ import annotations

import numpy as np
import pytest
from seed_nets import seed_nets

from graphlab import brew, core, optimizer, workspace
from graphlab import onnx as glonnx
from graphlab.model_helper import ModelHelper

onnx = pytest.importorskip("onnx", reason="pip install onnx onnxruntime")
ort = pytest.importorskip("onnxruntime", reason="pip install onnx onnxruntime")


def _run_onnx(model, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, feeds)))


def _run_graphlab(net: core.Net, feeds: dict[str, np.ndarray], outputs: list[str]):
    for name, value in feeds.items():
        workspace.FeedBlob(name, value)
    workspace.CreateNet(net, overwrite=True)
    workspace.RunNet(net.Proto().name)
    return {name: workspace.FetchBlob(name) for name in outputs}


def _check_same(net: core.Net, export_feeds, test_feeds, source=workspace, outputs=None):
    """Export with ``export_feeds`` as examples, then compare on ``test_feeds``."""
    model = glonnx.export(net, source, inputs=export_feeds, outputs=outputs)
    onnx.checker.check_model(model, full_check=True)
    got = _run_onnx(model, test_feeds)
    want = _run_graphlab(net, test_feeds, list(got))
    assert list(got) == list(want)
    for name in got:
        assert got[name].dtype == want[name].dtype, name
        assert got[name].shape == want[name].shape, name
        # float32 tolerance, absolute part scaled to the values' size (sums of ~10s cancel)
        scale = max(1.0, float(np.abs(want[name]).max(initial=0)))
        np.testing.assert_allclose(got[name], want[name], rtol=1e-5, atol=1e-5 * scale,
                                   err_msg=name)
    return model


def _initializers(model) -> dict[str, np.ndarray]:
    return {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}


def test_the_seed_predictor_runs_in_onnxruntime_with_its_trained_parameters(tmp_path):
    nets = seed_nets("updates")
    workspace.RunNetOnce(nets.init_net)
    workspace.CreateNet(nets.train_net)
    workspace.RunNet(nets.train_net.Proto().name, 100)
    W, B = workspace.FetchBlob("W"), workspace.FetchBlob("B")
    np.testing.assert_allclose(W, [[2.0, 1.5]], atol=0.2)  # it did learn

    predict = core.Net("predict")
    predict.FC(["X", "W", "B"], "Y_pred")  # Y = X·Wᵀ + B
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 2)).astype(np.float32)
    path = tmp_path / "seed.onnx"
    model = glonnx.export(predict, workspace.CurrentWorkspaceObject(), inputs={"X": x},
                          path=path)
    assert path.read_bytes() == model.SerializeToString()
    assert [n.op_type for n in model.graph.node] == ["Gemm"]
    params = _initializers(model)
    assert list(params) == ["W", "B"]
    assert np.array_equal(params["W"], W) and params["W"].dtype == W.dtype
    assert np.array_equal(params["B"], B)
    assert [i.name for i in model.graph.input] == ["X"]
    assert [o.name for o in model.graph.output] == ["Y_pred"]
    _check_same(predict, {"X": x}, {"X": x + 1})


def _mlp_models(seed: int = 0):
    """A 2-16-16-3 MLP trained a few steps with brew/optimizer, and its prediction net."""
    rng = np.random.default_rng(seed)
    train = ModelHelper(name="mlp_train")
    h = brew.fc(train, "data", "h1", dim_in=2, dim_out=16)
    h = brew.relu(train, h, "h1r")
    h = brew.fc(train, h, "h2", dim_in=16, dim_out=16)
    h = brew.tanh(train, h, "h2t")
    logits = brew.fc(train, h, "logits", dim_in=16, dim_out=3)
    prob, loss = train.net.SoftmaxWithLoss([logits, "label"], ["prob", "loss"])
    train.AddGradientOperators([loss])
    optimizer.build_sgd(train, base_learning_rate=0.1)
    workspace.FeedBlob("data", rng.standard_normal((32, 2)).astype(np.float32))
    workspace.FeedBlob("label", rng.integers(0, 3, 32).astype(np.int32))
    workspace.RunNetOnce(train.param_init_net)
    workspace.CreateNet(train.net)
    workspace.RunNet(train.net.Proto().name, 20)

    predict = ModelHelper(name="mlp_predict", init_params=False)
    h = brew.fc(predict, "data", "h1", dim_in=2, dim_out=16)
    h = brew.relu(predict, h, "h1r")
    h = brew.fc(predict, h, "h2", dim_in=16, dim_out=16)
    h = brew.tanh(predict, h, "h2t")
    logits = brew.fc(predict, h, "logits", dim_in=16, dim_out=3)
    brew.softmax(predict, logits, "prob")
    return train, predict


def test_a_trained_mlp_matches_onnxruntime():
    train, predict = _mlp_models()
    x = np.random.default_rng(5).standard_normal((32, 2)).astype(np.float32)
    model = _check_same(predict.net, {"data": x}, {"data": x[::-1].copy()})
    params = _initializers(model)
    assert list(params) == ["h1_w", "h1_b", "h2_w", "h2_b", "logits_w", "logits_b"]
    for name, value in params.items():
        assert np.array_equal(value, workspace.FetchBlob(name)), name
    assert [o.name for o in model.graph.output] == ["prob"]


def test_the_parameters_may_come_from_an_init_net_or_a_dict():
    init = core.Net("mlp_init")
    init.GaussianFill([], "W", shape=[4, 3], std=1.0)
    init.ConstantFill([], "b", shape=[4], value=0.5)
    net = core.Net("from_init")
    net.FC(["X", "W", "b"], "Y")
    x = np.ones((2, 3), np.float32)
    model = glonnx.export(net, init, inputs={"X": x})
    assert _initializers(model)["b"].tolist() == [0.5] * 4
    w = np.arange(12, dtype=np.float32).reshape(4, 3)
    model = glonnx.export(net, {"W": w, "b": np.zeros(4, np.float32)}, inputs={"X": x})
    np.testing.assert_array_equal(_run_onnx(model, {"X": x})["Y"], x @ w.T)


def test_every_exportable_op_matches_graphlab():
    """Sigmoid, Sub, Mul, legacy broadcasting, Reshape (argument, 0/-1, old_shape read
    later, shape from a blob), Transpose, FC on 3-D data (axis=2), Softmax over several
    dimensions, and an in-place Relu."""
    rng = np.random.default_rng(2)
    params = {
        "W": rng.standard_normal((5, 4)).astype(np.float32),
        "b": rng.standard_normal(5).astype(np.float32),
        "scale": rng.standard_normal(5).astype(np.float32),
        "col": rng.standard_normal(3).astype(np.float32),
        "shape2": np.array([0, -1], dtype=np.int64),
    }
    for name, value in params.items():
        workspace.FeedBlob(name, value)
    net = core.Net("zoo")
    h = net.FC(["X", "W", "b"], "h", axis=2)                     # [2, 3, 5]
    net.Relu(h, h)                                               # in place: h__1, then h
    s = net.Sigmoid(h, "s")
    m = net.Mul([s, "scale"], "m")                               # NumPy-style broadcast
    d = net.Sub([m, "col"], "d", broadcast=1, axis=1)            # legacy: col along dim 1
    t = net.Transpose(d, "t", axes=[0, 2, 1])                    # [2, 5, 3]
    r, old = net.Reshape(t, ["r", "old"], shape=[0, -1])         # [2, 15]
    back, _ = net.Reshape([r, old], ["back", "old2"])            # [2, 5, 3] from a blob
    sm = net.Softmax(back, "sm", axis=1)                         # over 5·3 values per row
    a = net.Add([sm, back], "a")
    flat, _ = net.Reshape([a, "shape2"], ["flat", "old3"])  # a parameter as the shape
    net.Tanh(flat, "out")
    net.AddExternalOutputs("out", "sm")
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    model = _check_same(net, {"X": x}, {"X": x * 2}, source=workspace.CurrentWorkspaceObject())
    assert [o.name for o in model.graph.output] == ["out", "sm"]
    assert sorted(_initializers(model)) == sorted(params)  # shape constants are nodes, not params


def test_a_training_net_is_refused_naming_the_op():
    nets = seed_nets("updates", random_data=False)
    workspace.RunNetOnce(nets.init_net)
    with pytest.raises(glonnx.ExportError) as e:
        glonnx.export(nets.train_net, workspace, inputs={"X": np.zeros((64, 2), np.float32)})
    text = str(e.value)
    assert "op #2 StopGradient" in text and "training" in text
    assert "seed_nets.py" in text  # the line that created it


def test_gradient_ops_and_unknown_converters_are_refused():
    net = core.Net("grad")
    net.ReluGradient(["Y", "dY"], "dX")
    with pytest.raises(glonnx.ExportError, match=r"op #0 ReluGradient .*backward pass"):
        glonnx.export(net, {}, inputs={"Y": np.ones(2, np.float32),
                                       "dY": np.ones(2, np.float32)})
    net = core.Net("leaky")
    net.LeakyRelu("X", "Y")
    with pytest.raises(glonnx.ExportError, match=r"op #0 LeakyRelu .*no ONNX converter"):
        glonnx.export(net, {}, inputs={"X": np.ones(2, np.float32)})


def test_missing_parameters_and_impossible_outputs_are_refused():
    net = core.Net("fc")
    net.FC(["X", "W", "b"], "Y")
    with pytest.raises(glonnx.ExportError, match=r"op #0 FC reads 'W'"):
        glonnx.export(net, {}, inputs={"X": np.ones((1, 2), np.float32)})
    net = core.Net("inplace_input")
    net.Relu("X", "X")
    with pytest.raises(glonnx.ExportError, match=r"output 'X' is also an input"):
        glonnx.export(net, {}, inputs={"X": np.ones(2, np.float32)})
    net = core.Net("mixed")
    net.Add(["A", "B"], "C")
    with pytest.raises(glonnx.ExportError, match=r"op #0 Add .*different dtypes"):
        glonnx.export(net, {}, inputs={"A": np.ones(2, np.float32), "B": np.ones(2)})


# ---- vision ops: Conv, pooling, SpatialBN, Dropout ---------------------------------------------


def _lenet(model: ModelHelper, is_test: bool) -> str:
    """Caffe2's MNIST LeNet: conv 5x5 (20) - max pool - conv 5x5 (50) - max pool - FC 500 -
    ReLU - FC 10 - softmax, with a dropout before the last FC."""
    h = brew.conv(model, "data", "conv1", dim_in=1, dim_out=20, kernel=5)
    h = brew.max_pool(model, h, "pool1", kernel=2, stride=2)
    h = brew.conv(model, h, "conv2", dim_in=20, dim_out=50, kernel=5)
    h = brew.max_pool(model, h, "pool2", kernel=2, stride=2)
    h = brew.fc(model, h, "fc3", dim_in=50 * 4 * 4, dim_out=500)
    h = brew.relu(model, h, "fc3r")
    h = brew.dropout(model, h, "drop", ratio=0.5, is_test=is_test)
    h = brew.fc(model, h, "pred", dim_in=500, dim_out=10)
    return brew.softmax(model, h, "softmax")


def test_a_trained_lenet_matches_onnxruntime():
    rng = np.random.default_rng(3)
    train = ModelHelper(name="lenet_train")
    softmax = _lenet(train, is_test=False)
    xent = train.net.LabelCrossEntropy([softmax, "label"], "xent")
    loss = train.net.AveragedLoss(xent, "loss")
    train.AddGradientOperators([loss])
    optimizer.build_sgd(train, base_learning_rate=0.05)
    workspace.FeedBlob("data", rng.standard_normal((8, 1, 28, 28)).astype(np.float32))
    workspace.FeedBlob("label", rng.integers(0, 10, 8).astype(np.int32))
    workspace.RunNetOnce(train.param_init_net)
    workspace.CreateNet(train.net)
    workspace.RunNet(train.net.Proto().name, 2)

    predict = ModelHelper(name="lenet_predict", init_params=False)
    _lenet(predict, is_test=True)
    x = rng.standard_normal((4, 1, 28, 28)).astype(np.float32)
    model = _check_same(predict.net, {"data": x}, {"data": x * 0.5})
    assert [o.name for o in model.graph.output] == ["softmax"]  # not the dropout mask
    assert [n.op_type for n in model.graph.node if n.op_type != "Constant"] == [
        "Conv", "MaxPool", "Conv", "MaxPool", "Flatten", "Gemm", "Relu", "Dropout", "Gemm",
        "Softmax"]
    for name, value in _initializers(model).items():
        assert np.array_equal(value, workspace.FetchBlob(name)), name


def test_window_ops_and_batch_norm_match_graphlab():
    """Conv with groups, stride and uneven pads; pooling with padding, legacy
    CAFFE_LEGACY_POOLING rounding, count_include_pad and global pooling; SpatialBN with
    running statistics; Dropout whose mask is read."""
    rng = np.random.default_rng(4)
    params = {
        "w": rng.standard_normal((6, 2, 3, 3)).astype(np.float32),  # 4 -> 6 channels
        "b": rng.standard_normal(6).astype(np.float32),
        "w2": rng.standard_normal((4, 3, 3, 3)).astype(np.float32),  # 6 -> 4, 2 groups
        "s": rng.uniform(0.5, 2, 6).astype(np.float32),
        "bias": rng.standard_normal(6).astype(np.float32),
        "rm": rng.standard_normal(6).astype(np.float32),
        "rv": rng.uniform(0.5, 2, 6).astype(np.float32),
    }
    for name, value in params.items():
        workspace.FeedBlob(name, value)
    net = core.Net("windows")
    c = net.Conv(["X", "w", "b"], "c", kernel=3, stride=2, pads=[1, 0, 2, 1], group=2)
    bn = net.SpatialBN([c, "s", "bias", "rm", "rv"], "bn", is_test=1, epsilon=1e-3)
    d, mask = net.Dropout(bn, ["d", "d_mask"], ratio=0.3, is_test=1)
    mp = net.MaxPool(d, "mp", kernel=3, stride=2, pad=1, legacy_pad=3)  # rounds up: 7x6
    ap = net.AveragePool(d, "ap", kernel=2, stride=1, pad=1)
    api = net.AveragePool(d, "api", kernel=3, stride=2, pad=1, count_include_pad=1)
    gp = net.AveragePool(d, "gp", global_pooling=1)
    gm = net.MaxPool(d, "gm", global_pooling=1)
    dil = net.Conv([d, "w2"], "dil", kernel=3, dilation=2, stride_h=1, stride_w=2, group=2)
    net.AddExternalOutputs(mp, ap, api, gp, gm, dil, mask)
    x = rng.standard_normal((2, 4, 22, 21)).astype(np.float32)  # c: [2, 6, 12, 10]
    model = _check_same(net, {"X": x}, {"X": x + 0.25}, source=workspace.CurrentWorkspaceObject())
    assert sorted(_initializers(model)) == sorted(params)


def test_training_mode_vision_ops_are_refused():
    net = core.Net("bn_train")
    net.SpatialBN(["X", "s", "b", "rm", "rv"], ["Y", "rm", "rv", "sm", "siv"], is_test=0)
    ones = {n: np.ones(3, np.float32) for n in ("s", "b", "rm", "rv")}
    with pytest.raises(glonnx.ExportError, match=r"op #0 SpatialBN .*is_test=0"):
        glonnx.export(net, ones, inputs={"X": np.ones((2, 3, 4, 4), np.float32)})
    net = core.Net("dropout_train")
    net.Dropout("X", "Y", ratio=0.5, is_test=0)
    with pytest.raises(glonnx.ExportError, match=r"op #0 Dropout .*is_test=0"):
        glonnx.export(net, {}, inputs={"X": np.ones((2, 3), np.float32)})
    net = core.Net("nhwc")
    net.MaxPool("X", "Y", kernel=2, order="NHWC")
    with pytest.raises(glonnx.ExportError, match=r"op #0 MaxPool .*channels-first"):
        glonnx.export(net, {}, inputs={"X": np.ones((1, 4, 4, 3), np.float32)})


def test_flatten_and_concat_match_graphlab():
    """Flatten at an inner axis; Concat along the channels (order="NCHW") and stacking on
    a new last axis (add_axis=1, axis=-1), both split_info outputs read."""
    rng = np.random.default_rng(6)
    feeds = {"X": rng.standard_normal((2, 3, 4, 5)).astype(np.float32),
             "Z": rng.standard_normal((2, 2, 4, 5)).astype(np.float32),
             "X2": rng.standard_normal((2, 3, 4, 5)).astype(np.float32)}
    net = core.Net("joins")
    f = net.Flatten("X", "f", axis=2)                                  # [6, 20]
    both, info = net.Concat(["X", "Z"], ["both", "info"], order="NCHW")  # [2, 5, 4, 5]
    stacked, info2 = net.Concat(["X", "X2"], ["stacked", "info2"], axis=-1, add_axis=1)
    net.AddExternalOutputs(f, both, info, stacked, info2)
    model = _check_same(net, feeds, {k: v * 3 for k, v in feeds.items()}, source={})
    assert [o.name for o in model.graph.output] == ["f", "both", "info", "stacked", "info2"]
