"""ModelHelper, brew and cnn: parameters, forwarding, errors, and the 2018 tutorial's fit."""

from __future__ import annotations

import numpy as np
import pytest

from graphlab import brew, cnn, optimizer, workspace
from graphlab.errors import RepeatedOpWarning
from graphlab.model_helper import ModelHelper, ParameterInfo


@pytest.fixture(autouse=True)
def _fresh_counters():
    optimizer.reset_optimizer_instance_count()
    yield


def _op_rows(net, start=0):
    return [(op.type, list(op.input), list(op.output), op.args()) for op in net.Proto().op[start:]]


# ---- construction ---------------------------------------------------------------------------


def test_model_owns_a_net_and_an_init_net():
    model = ModelHelper(name="mh_names")
    assert model.net.Name() == "mh_names"
    assert model.param_init_net.Name() == "mh_names_init"
    assert model.Proto() is model.net.Proto()
    assert model.InitProto() is model.param_init_net.Proto()
    assert model.params == [] and model.GetParams() == []
    again = ModelHelper(name="mh_names")  # names are unique in the process, like Net
    assert again.net.Name() == "mh_names_1"


def test_brew_fc_adds_fillers_params_and_the_fc_op():
    model = ModelHelper(name="mh_fc")
    out = brew.fc(model, "X", "y_pred", dim_in=2, dim_out=3)
    assert out == "y_pred" and out.Net() is model.net
    assert _op_rows(model.param_init_net) == [
        ("XavierFill", [], ["y_pred_w"], {"shape": [3, 2]}),
        ("ConstantFill", [], ["y_pred_b"], {"shape": [3]}),
    ]
    assert _op_rows(model.net) == [("FC", ["X", "y_pred_w", "y_pred_b"], ["y_pred"], {})]
    assert model.params == ["y_pred_w", "y_pred_b"]
    assert model.weights == ["y_pred_w"] and model.biases == ["y_pred_b"]
    assert model.net.Proto().external_input == ["X", "y_pred_w", "y_pred_b"]

    workspace.RunNetOnce(model.param_init_net)
    w, b = workspace.FetchBlob("y_pred_w"), workspace.FetchBlob("y_pred_b")
    assert w.shape == (3, 2) and w.dtype == np.float32
    assert np.all(np.abs(w) <= np.sqrt(3 / 2))  # Xavier: uniform on ±sqrt(3 / fan_in)
    assert b.dtype == np.float32 and b.tolist() == [0.0, 0.0, 0.0]


def test_brew_fc_custom_initializers_and_extra_args():
    model = ModelHelper(name="mh_init")
    brew.fc(model, "X", "h", dim_in=4, dim_out=2, weight_init=("ConstantFill", {"value": 0.5}),
            bias_init=("ConstantFill", {"value": 1.0}), axis=1)
    assert _op_rows(model.param_init_net) == [
        ("ConstantFill", [], ["h_w"], {"shape": [2, 4], "value": 0.5}),
        ("ConstantFill", [], ["h_b"], {"shape": [2], "value": 1.0}),
    ]
    assert model.net.Proto().op[0].args() == {"axis": 1}


@pytest.mark.parametrize("dims", [(0, 1), (2, -1), (2.0, 1), (True, 1)])
def test_brew_fc_checks_its_dimensions(dims):
    model = ModelHelper(name="mh_dims")
    with pytest.raises(ValueError, match="must be a positive int"):
        brew.fc(model, "X", "y", *dims)
    assert model.params == [] and len(model.param_init_net) == 0


def test_brew_fc_misspelt_keyword_is_named_before_anything_is_added():
    from graphlab.errors import ArgumentError

    model = ModelHelper(name="mh_typo")
    with pytest.raises(ArgumentError, match="no argument 'weight_inti'. Did you mean 'weight_in"):
        brew.fc(model, "X", "y", dim_in=2, dim_out=1, weight_inti=("XavierFill", {}))
    assert model.params == [] and len(model.param_init_net) == 0 and len(model.net) == 0


def test_init_params_false_registers_params_without_fillers():
    model = ModelHelper(name="mh_noinit", init_params=False)
    brew.fc(model, "X", "y", dim_in=2, dim_out=1)
    assert len(model.param_init_net) == 0
    assert model.params == ["y_w", "y_b"]
    assert model.get_param_info("y_w").shape == [1, 2]


def test_arg_scope_from_model_and_with_block():
    model = ModelHelper(name="mh_scope", arg_scope={"axis": 1})
    brew.fc(model, "X", "a", dim_in=2, dim_out=1)
    assert model.net.Proto().op[-1].args() == {"axis": 1}
    with brew.arg_scope(brew.fc, weight_init=("ConstantFill", {"value": 0.25})):
        brew.fc(model, "a", "b", dim_in=1, dim_out=1)
        brew.fc(model, "b", "c", dim_in=1, dim_out=1, weight_init=("XavierFill", {}))
    brew.fc(model, "c", "d", dim_in=1, dim_out=1)
    types = [op.type for op in model.param_init_net.Proto().op if op.output[0].endswith("_w")]
    assert types == ["XavierFill", "ConstantFill", "XavierFill", "XavierFill"]
    with pytest.raises(ValueError, match="no helper 'fcc'"):
        with brew.arg_scope("fcc", axis=1):
            pass


def test_activation_helpers_add_their_ops():
    model = ModelHelper(name="mh_act")
    h = brew.fc(model, "X", "h", dim_in=2, dim_out=3)
    brew.relu(model, h, h)
    brew.sigmoid(model, h, "s")
    brew.tanh(model, "s", "t")
    brew.softmax(model, "t", "p")
    assert [(op.type, op.input, op.output) for op in model.net.Proto().op[1:]] == [
        ("Relu", ["h"], ["h"]), ("Sigmoid", ["h"], ["s"]), ("Tanh", ["s"], ["t"]),
        ("Softmax", ["t"], ["p"])]
    with pytest.raises(TypeError, match="first argument must be a ModelHelper"):
        brew.relu(model.net, "h", "h")


def test_register_a_helper():
    @brew.Register
    def scaled_fc_for_test(model, blob_in, blob_out, dim_in, dim_out, scale=1.0):
        w = model.create_param(blob_out + "_w", [dim_out, dim_in])
        b = model.create_param(blob_out + "_b", [dim_out], ("ConstantFill", {}))
        y = model.net.FC([blob_in, w, b], blob_out + "_pre")
        return model.net.Scale(y, blob_out, scale=scale)

    assert brew.has_helper("scaled_fc_for_test")
    model = ModelHelper(name="mh_reg", arg_scope={"scale": 3.0, "unrelated": 1})
    brew.scaled_fc_for_test(model, "X", "out", 2, 1)
    assert model.net.Proto().op[-1].args() == {"scale": 3.0}  # "unrelated" is filtered out
    assert model.params == ["out_w", "out_b"]
    with brew.arg_scope([brew.scaled_fc_for_test], scale=5.0):
        brew.scaled_fc_for_test(model, "out", "out2", 1, 1)
    assert model.net.Proto().op[-1].args() == {"scale": 5.0}
    with pytest.raises(ValueError, match="already"):
        brew.Register(scaled_fc_for_test)
    with pytest.raises(AttributeError, match="Did you mean 'fc'"):
        brew.fcc  # noqa: B018


# ---- forwarding and errors -------------------------------------------------------------------


def test_known_ops_are_forwarded_to_the_net():
    model = ModelHelper(name="mh_fwd")
    dist = model.SquaredL2Distance(["Y_gt", "y"], "dist")
    loss = model.AveragedLoss(dist, "loss")
    assert [op.type for op in model.net.Proto().op] == ["SquaredL2Distance", "AveragedLoss"]
    assert loss.Net() is model.net
    assert "SquaredL2Distance" in dir(model)


def test_unknown_attribute_suggests_names():
    model = ModelHelper(name="mh_typo")
    with pytest.raises(AttributeError, match="Did you mean 'SquaredL2Distance'"):
        model.SquaredL2Distanse  # noqa: B018
    with pytest.raises(AttributeError, match="Did you mean 'params'"):
        model.parms  # noqa: B018


def test_not_known_ops_can_be_refused():
    model = ModelHelper(name="mh_strict", allow_not_known_ops=False)
    model.SquaredL2Distance(["a", "b"], "d")
    with pytest.raises(AttributeError, match="not known to be safe.*model.net.Relu"):
        model.Relu("d", "r")
    assert ModelHelper(name="mh_lax").Relu("x", "y") == "y"


def _loss_model(name):
    model = ModelHelper(name=name)
    y = brew.fc(model, "X", "y", dim_in=2, dim_out=1)
    model.AveragedLoss(model.SquaredL2Distance(["Y_gt", y], "dist"), "loss")
    return model


def test_add_gradient_operators_records_the_map_once():
    model = _loss_model("mh_grad")
    with pytest.raises(RuntimeError, match="Need to call AddGradientOperators first"):
        model.GetOptimizationParamInfo()
    grad_map = model.AddGradientOperators(["loss"])
    assert grad_map["y_w"] == "y_w_grad" and grad_map["y_b"] == "y_b_grad"
    assert model.param_to_grad == {"y_w": "y_w_grad", "y_b": "y_b_grad"}
    infos = model.GetOptimizationParamInfo()
    assert all(isinstance(i, ParameterInfo) for i in infos)
    assert [(i.name, str(i.grad)) for i in infos] == [("y_w", "y_w_grad"), ("y_b", "y_b_grad")]
    with pytest.raises(RuntimeError, match="You cannot run AddGradientOperators twice."):
        model.AddGradientOperators(["loss"])


def test_params_without_gradient_are_not_optimized():
    model = _loss_model("mh_unused")
    brew.fc(model, "X", "unused", dim_in=2, dim_out=1)
    model.AddGradientOperators(["loss"])
    assert [i.name for i in model.GetOptimizationParamInfo()] == ["y_w", "y_b"]
    assert model.GetParams() == ["y_w", "y_b", "unused_w", "unused_b"]


def test_duplicate_params_are_explained():
    model = _loss_model("mh_dup")
    with pytest.warns(RepeatedOpWarning, match="Did this cell run twice"):
        brew.fc(model, "X", "y", dim_in=2, dim_out=1)  # e.g. a re-run notebook cell
    with pytest.raises(ValueError, match=r"Duplicate entries in params: \['y_w', 'y_b'\]"):
        model.AddGradientOperators(["loss"])
    assert not model.gradient_ops_added


# ---- the 2018 tutorial: fit a quadratic from [x, x²] ----------------------------------------


def test_model_helper_brew_and_build_sgd_fit_a_quadratic():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2.0, 2.0, size=(200, 1))
    X = np.hstack([x, x**2]).astype(np.float32)
    Y = (0.5 + 1.5 * x + 2.0 * x**2 + 0.05 * rng.standard_normal((200, 1))).astype(np.float32)

    model = ModelHelper(name="regression_model")
    y_pred = brew.fc(model, "X", "y_pred", dim_in=2, dim_out=1)
    dist = model.SquaredL2Distance(["Y_gt", y_pred], "dist")
    loss = model.AveragedLoss(dist, "loss")
    model.AddGradientOperators([loss])
    optimizer.build_sgd(model, base_learning_rate=0.05)

    workspace.FeedBlob("Y_gt", Y)
    workspace.FeedBlob("X", X)
    workspace.RunNetOnce(model.param_init_net)
    workspace.CreateNet(model.net)
    workspace.FeedBlob("y_pred_w", np.zeros((1, 2), np.float32))
    workspace.FeedBlob("y_pred_b", np.zeros((1,), np.float32))
    workspace.RunNet(model.net, 400)

    coef = workspace.FetchBlob("y_pred_w")[0]
    intercept = workspace.FetchBlob("y_pred_b")[0]
    np.testing.assert_allclose(coef, [1.5, 2.0], atol=0.05)
    assert intercept == pytest.approx(0.5, abs=0.05)
    assert float(workspace.FetchBlob("loss")) < 0.01
    assert workspace.FetchBlob("optimizer_iteration").tolist() == [400]


def test_two_layer_relu_model_learns_xor_like_data():
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, size=(128, 2)).astype(np.float32)
    Y = (X[:, :1] * X[:, 1:]).astype(np.float32)  # not linear in X
    workspace.SetRandomSeed(3)
    model = ModelHelper(name="mlp")
    h = brew.fc(model, "X", "h", dim_in=2, dim_out=16)
    h = brew.relu(model, h, h)
    y = brew.fc(model, h, "y", dim_in=16, dim_out=1)
    model.AveragedLoss(model.SquaredL2Distance(["Y_gt", y], "dist"), "loss")
    model.AddGradientOperators(["loss"])
    optimizer.build_adam(model, base_learning_rate=0.02)
    workspace.FeedBlob("X", X)
    workspace.FeedBlob("Y_gt", Y)
    workspace.RunNetOnce(model.param_init_net)
    workspace.CreateNet(model.net)
    workspace.RunNet(model.net)
    first = float(workspace.FetchBlob("loss"))
    workspace.RunNet(model.net, 300)
    assert float(workspace.FetchBlob("loss")) < 0.3 * first


# ---- cnn ------------------------------------------------------------------------------------


def test_cnn_model_helper_is_a_model_helper_with_layer_methods():
    model = cnn.CNNModelHelper(order="NCHW", name="cnn_test")
    assert isinstance(model, ModelHelper)
    y = model.FC("X", "fc1", 2, 3)
    model.Relu(y, y)
    assert [op.type for op in model.net.Proto().op] == ["FC", "Relu"]
    assert model.params == ["fc1_w", "fc1_b"]
    assert cnn.CNNModelHelper().net.Name().startswith("CNN")
    with pytest.raises(ValueError, match="NCHW"):
        cnn.CNNModelHelper(order="CHWN")
