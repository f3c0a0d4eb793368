"""optimizer.build_sgd / build_adam / add_sgd: the exact ops, and that they train."""

from __future__ import annotations

import numpy as np
import pytest
from seed_nets import seed_nets

from graphlab import brew, core, optimizer, schedules, workspace
from graphlab.model_helper import ModelHelper


@pytest.fixture(autouse=True)
def _fresh_counters():
    optimizer.reset_optimizer_instance_count()
    yield
    optimizer.reset_optimizer_instance_count()


def _regression_model(name: str = "reg") -> ModelHelper:
    model = ModelHelper(name=name)
    y_pred = brew.fc(model, "X", "y_pred", dim_in=2, dim_out=1)
    dist = model.SquaredL2Distance(["Y_gt", y_pred], "dist")
    model.AveragedLoss(dist, "loss")
    model.AddGradientOperators(["loss"])
    return model


def _ops(net: core.Net, start: int = 0) -> list[tuple]:
    """(type, inputs, outputs, args, device_type) of each op from ``start``."""
    out = []
    for op in net.Proto().op[start:]:
        dev = op.device_option.device_type if op.device_option is not None else None
        out.append((op.type, list(op.input), list(op.output), op.args(), dev))
    return out


def _arg_fields(op) -> dict[str, str]:
    return {a.name: a.field_name for a in op.arg}


def _feed_data(rng: np.random.Generator, n: int = 64) -> tuple[np.ndarray, np.ndarray]:
    X = rng.standard_normal((n, 2)).astype(np.float32)
    Y = (X @ np.array([[2.0], [1.5]], np.float32) + 0.5).astype(np.float32)
    workspace.FeedBlob("X", X)
    workspace.FeedBlob("Y_gt", Y)
    return X, Y


# ---- exact op lists -------------------------------------------------------------------------


def test_build_sgd_adds_exactly_caffe2s_ops():
    model = _regression_model()
    n_init, n_net = len(model.param_init_net), len(model.net)
    opt = optimizer.build_sgd(model, base_learning_rate=0.1, policy="step", stepsize=20,
                              gamma=0.9)
    assert isinstance(opt, optimizer.SgdOptimizer)
    assert opt.lr_blob_name() == "SgdOptimizer_0_lr_cpu"

    assert _ops(model.param_init_net, n_init) == [
        ("ConstantFill", [], ["optimizer_iteration"], {"shape": [1], "value": 0, "dtype": 10}, 0),
        ("CreateMutex", [], ["iteration_mutex"], {}, 0),
        ("ConstantFill", [], ["ONE_0_0"], {"shape": [1], "value": 1.0}, None),
        ("ConstantFill", [], ["ONE_0_0"], {"shape": [1], "value": 1.0}, None),
    ]
    lr_args = {"base_lr": -0.1, "policy": "step", "stepsize": 20, "gamma": 0.9}
    assert _ops(model.net, n_net) == [
        ("AtomicIter", ["iteration_mutex", "optimizer_iteration"], ["optimizer_iteration"], {}, 0),
        ("LearningRate", ["optimizer_iteration"], ["SgdOptimizer_0_lr_cpu"], lr_args, None),
        ("WeightedSum", ["y_pred_w", "ONE_0_0", "y_pred_w_grad", "SgdOptimizer_0_lr_cpu"],
         ["y_pred_w"], {}, None),
        ("WeightedSum", ["y_pred_b", "ONE_0_0", "y_pred_b_grad", "SgdOptimizer_0_lr_cpu"],
         ["y_pred_b"], {}, None),
    ]
    # The argument fields are Caffe2's: an int64 counter value, float learning rates.
    init = model.param_init_net.Proto().op
    assert _arg_fields(init[n_init]) == {"shape": "ints", "value": "i", "dtype": "i"}
    assert _arg_fields(init[n_init + 2])["value"] == "f"
    lr_op = model.net.Proto().op[n_net + 1]
    assert _arg_fields(lr_op) == {"base_lr": "f", "policy": "s", "stepsize": "i", "gamma": "f"}


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_learning_rate_args_match_the_op(momentum):
    model = _regression_model()
    opt = optimizer.build_sgd(model, 0.1, momentum=momentum, policy="exp", gamma=0.99)
    lr_op = next(op for op in model.net.Proto().op if op.type == "LearningRate")
    assert opt.learning_rate_args() == lr_op.args()
    assert opt.learning_rate_args()["base_lr"] == (0.1 if momentum else -0.1)
    adam = optimizer.build_adam(_regression_model("adam_args"), 0.01)
    assert adam.learning_rate_args() == {"base_lr": -0.01, "policy": "fixed"}


def test_optimizer_instances_are_numbered_per_class():
    a = optimizer.build_sgd(_regression_model("a"), 0.1)
    b = optimizer.build_sgd(_regression_model("b"), 0.1)
    c = optimizer.build_adam(_regression_model("c"), 0.1)
    assert [a.lr_blob_name(), b.lr_blob_name(), c.lr_blob_name()] == [
        "SgdOptimizer_0_lr_cpu", "SgdOptimizer_1_lr_cpu", "AdamOptimizer_0_lr_cpu"]


def test_zero_learning_rate_adds_nothing():
    model = _regression_model()
    n_init, n_net = len(model.param_init_net), len(model.net)
    optimizer.build_sgd(model, base_learning_rate=0.0)
    assert (len(model.param_init_net), len(model.net)) == (n_init, n_net)


@pytest.mark.parametrize("build", [optimizer.build_sgd, optimizer.build_adam])
def test_negative_learning_rate_is_explained(build):
    model = _regression_model()
    with pytest.raises(ValueError, match=r"Expect positive base learning rate, got -0\.1") as e:
        build(model, base_learning_rate=-0.1)
    assert "base_lr = -0.1" in str(e.value) and "WeightedSum" in str(e.value)


def test_build_before_gradients_needs_add_gradient_operators():
    model = ModelHelper(name="nograd")
    brew.fc(model, "X", "y", dim_in=2, dim_out=1)
    with pytest.raises(RuntimeError, match="Need to call AddGradientOperators first"):
        optimizer.build_sgd(model, 0.1)


def test_build_sgd_rejects_a_plain_net_and_unsupported_options():
    with pytest.raises(TypeError, match="add_sgd"):
        optimizer.build_sgd(core.Net("plain"), 0.1)
    with pytest.raises(TypeError, match="max_gradient_norm"):
        optimizer.build_sgd(_regression_model(), 0.1, max_gradient_norm=1.0)


def test_momentum_sgd_ops():
    model = _regression_model()
    n_init, n_net = len(model.param_init_net), len(model.net)
    optimizer.build_sgd(model, base_learning_rate=0.1, momentum=0.9)
    init_ops = _ops(model.param_init_net, n_init)
    assert [o[0] for o in init_ops] == ["ConstantFill", "CreateMutex", "ConstantFill",
                                        "ConstantFill", "ConstantFill", "ConstantFill"]
    assert init_ops[2:] == [
        ("ConstantFill", [], ["ONE_0_0"], {"shape": [1], "value": 1.0}, None),
        ("ConstantFill", ["y_pred_w"], ["y_pred_w_momentum"], {"value": 0.0}, None),
        ("ConstantFill", [], ["ONE_0_0"], {"shape": [1], "value": 1.0}, None),
        ("ConstantFill", ["y_pred_b"], ["y_pred_b_momentum"], {"value": 0.0}, None),
    ]
    net_ops = _ops(model.net, n_net)
    # Momentum flips the sign: MomentumSGDUpdate subtracts by itself.
    assert net_ops[1] == ("LearningRate", ["optimizer_iteration"], ["SgdOptimizer_0_lr_cpu"],
                          {"base_lr": 0.1, "policy": "fixed"}, None)
    assert net_ops[2:] == [
        ("MomentumSGDUpdate",
         ["y_pred_w_grad", "y_pred_w_momentum", "SgdOptimizer_0_lr_cpu", "y_pred_w"],
         ["y_pred_w_grad", "y_pred_w_momentum", "y_pred_w"], {"momentum": 0.9, "nesterov": 1},
         None),
        ("MomentumSGDUpdate",
         ["y_pred_b_grad", "y_pred_b_momentum", "SgdOptimizer_0_lr_cpu", "y_pred_b"],
         ["y_pred_b_grad", "y_pred_b_momentum", "y_pred_b"], {"momentum": 0.9, "nesterov": 1},
         None),
    ]


def test_adam_ops():
    model = _regression_model()
    n_init, n_net = len(model.param_init_net), len(model.net)
    optimizer.build_adam(model, base_learning_rate=0.01)
    assert _ops(model.param_init_net, n_init)[2:] == [
        ("ConstantFill", ["y_pred_w"], ["y_pred_w_first_moment"], {"value": 0.0}, None),
        ("ConstantFill", ["y_pred_w"], ["y_pred_w_second_moment"], {"value": 0.0}, None),
        ("ConstantFill", ["y_pred_b"], ["y_pred_b_first_moment"], {"value": 0.0}, None),
        ("ConstantFill", ["y_pred_b"], ["y_pred_b_second_moment"], {"value": 0.0}, None),
    ]
    net_ops = _ops(model.net, n_net)
    assert net_ops[0][0] == "AtomicIter"
    assert net_ops[1] == ("LearningRate", ["optimizer_iteration"], ["AdamOptimizer_0_lr_cpu"],
                          {"base_lr": -0.01, "policy": "fixed"}, None)
    adam_args = {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}
    assert net_ops[2] == (
        "Adam",
        ["y_pred_w", "y_pred_w_first_moment", "y_pred_w_second_moment", "y_pred_w_grad",
         "AdamOptimizer_0_lr_cpu", "optimizer_iteration"],
        ["y_pred_w", "y_pred_w_first_moment", "y_pred_w_second_moment"], adam_args, None)
    assert net_ops[3][1][0] == "y_pred_b" and len(net_ops) == 4


# ---- what the ops compute -----------------------------------------------------------------


def _one_step(model: ModelHelper, rng: np.random.Generator):
    X, Y = _feed_data(rng)
    workspace.SetRandomSeed(0)  # the same initial W every run
    workspace.RunNetOnce(model.param_init_net)
    W0, b0 = workspace.FetchBlob("y_pred_w"), workspace.FetchBlob("y_pred_b")
    workspace.CreateNet(model.net)
    workspace.RunNet(model.net)
    # loss = mean_i ½‖y_i − ŷ_i‖² → dŷ = (ŷ − y)/N; dW = dŷᵀX; db = Σ dŷ
    pred = X.astype(np.float64) @ W0.T.astype(np.float64) + b0
    d = (pred - Y) / len(X)
    return W0, b0, d.T @ X, d.sum(axis=0)


def test_one_sgd_step_is_param_minus_lr_grad(rng):
    model = _regression_model()
    optimizer.build_sgd(model, base_learning_rate=0.1)
    W0, b0, gW, gb = _one_step(model, rng)
    np.testing.assert_allclose(workspace.FetchBlob("y_pred_w"), W0 - 0.1 * gW, rtol=1e-5)
    np.testing.assert_allclose(workspace.FetchBlob("y_pred_b"), b0 - 0.1 * gb, rtol=1e-5)
    assert float(workspace.FetchBlob("SgdOptimizer_0_lr_cpu")) == pytest.approx(-0.1)
    assert workspace.FetchBlob("optimizer_iteration").tolist() == [1]


@pytest.mark.parametrize("nesterov, factor", [(0, 1.0), (1, 1.9)])
def test_first_momentum_step(rng, nesterov, factor):
    # From zero momentum: plain step lr·g; Nesterov looks ahead: (1 + μ)·lr·g.
    model = _regression_model()
    optimizer.build_sgd(model, base_learning_rate=0.1, momentum=0.9, nesterov=nesterov)
    W0, _, gW, _ = _one_step(model, rng)
    # float32 update against a float64 reference: an entry near 0 is a difference of terms
    # of size ~0.05, so it carries their absolute rounding (~1e-8), not a relative one
    np.testing.assert_allclose(workspace.FetchBlob("y_pred_w"), W0 - factor * 0.1 * gW,
                               rtol=1e-5, atol=1e-7)


def test_first_adam_step(rng):
    model = _regression_model()
    optimizer.build_adam(model, base_learning_rate=0.01)
    W0, _, gW, _ = _one_step(model, rng)
    # AtomicIter runs first, so the op sees iter = 1 and uses t = iter + 1 = 2.
    t, b1, b2 = 2, 0.9, 0.999
    m, v = (1 - b1) * gW, (1 - b2) * gW**2
    corr = np.sqrt(1 - b2**t) / (1 - b1**t)
    expected = W0 - 0.01 * corr * m / (np.sqrt(v) + 1e-8)
    np.testing.assert_allclose(workspace.FetchBlob("y_pred_w"), expected, rtol=1e-4)


def test_learning_rate_blob_follows_the_policy(rng):
    model = _regression_model()
    optimizer.build_sgd(model, base_learning_rate=0.1, policy="step", stepsize=5, gamma=0.5)
    _feed_data(rng)
    workspace.RunNetOnce(model.param_init_net)
    workspace.CreateNet(model.net)
    seen = []
    for _ in range(12):
        workspace.RunNet(model.net)
        seen.append(float(workspace.FetchBlob("SgdOptimizer_0_lr_cpu")))
    expected = schedules.learning_rate(np.arange(1, 13), -0.1, "step", stepsize=5, gamma=0.5)
    np.testing.assert_allclose(seen, expected, rtol=1e-6)


# ---- plain nets -----------------------------------------------------------------------------


def _seed_nets():
    """The seed's nets up to the gradients, without its ONE and ITER: the optimizer adds its own."""
    nets = seed_nets("gradients", update_blobs=False)
    return nets.init_net, nets.train_net, nets.gradient_map


def test_add_sgd_on_plain_nets_trains_the_seed_model():
    workspace.SetRandomSeed(7)
    init_net, train_net, grad_map = _seed_nets()
    n_net = len(train_net)
    optimizer.add_sgd(train_net, init_net, ["W", "B"], grad_map, base_learning_rate=0.1,
                      policy="step", stepsize=20, gamma=0.9)
    assert [op.type for op in train_net.Proto().op[n_net:]] == [
        "AtomicIter", "LearningRate", "WeightedSum", "WeightedSum"]
    assert train_net.Proto().op[-2].input == ["W", "ONE_0_0", "W_grad", "SgdOptimizer_0_lr_cpu"]
    workspace.RunNetOnce(init_net)
    workspace.CreateNet(train_net)
    workspace.RunNet(train_net.Proto().name, 200)
    np.testing.assert_allclose(workspace.FetchBlob("W"), [[2.0, 1.5]], atol=0.15)
    np.testing.assert_allclose(workspace.FetchBlob("B"), [0.5], atol=0.15)


def test_add_sgd_needs_every_gradient():
    init_net, train_net, grad_map = _seed_nets()
    with pytest.raises(KeyError, match="W_gt"):
        optimizer.add_sgd(train_net, init_net, ["W", "W_gt"], grad_map, base_learning_rate=0.1)


def test_optimizer_instance_can_be_called_per_parameter():
    init_net, train_net, grad_map = _seed_nets()
    opt = optimizer.SgdOptimizer(0.05)
    opt(train_net, init_net, "W", grad_map["W"])
    opt(train_net, init_net, "B", grad_map["B"])
    types = [op.type for op in train_net.Proto().op]
    assert types.count("LearningRate") == 1 and types.count("AtomicIter") == 1
    assert types[-2:] == ["WeightedSum", "WeightedSum"]
    with pytest.raises(ValueError, match="no gradient"):
        opt(train_net, init_net, "W")
