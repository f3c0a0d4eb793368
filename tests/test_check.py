"""The exercise checks say ✔ to a right answer and name what is wrong in a wrong one."""

from __future__ import annotations

import numpy as np
import pytest

from graphlab import brew, check, core, model_helper, optimizer, schedules


def test_relu_layer(capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(0)
    X, W, b = rng.normal(size=(2, 3)), rng.normal(size=(5, 3)), rng.normal(size=5)
    assert check.relu_layer({"X": X, "W": W, "b": b, "Z": np.maximum(0, X @ W.T + b)})
    assert not check.relu_layer({"X": X, "W": W, "b": b, "Z": X @ W.T + b})
    assert "add a Relu" in capsys.readouterr().out
    assert not check.relu_layer({"X": X})


def test_fed_input_net(capsys: pytest.CaptureFixture[str]) -> None:
    net = core.Net("fed")
    net.GaussianFill([], "W", shape=[5, 3])
    net.ConstantFill([], "b", shape=[5], value=1.0)
    net.FC(["X", "W", "b"], "Y")
    assert check.fed_input_net(net)
    filled = core.Net("filled")
    filled.GaussianFill([], "X", shape=[2, 3])
    assert not check.fed_input_net(filled)
    assert "op #0 still writes X" in capsys.readouterr().out


def test_learning_rate_and_policy(capsys: pytest.CaptureFixture[str]) -> None:
    assert check.learning_rate(-0.1 * 0.9**5, 100, -0.1, "step", stepsize=20, gamma=0.9)
    assert not check.learning_rate(0.1 * 0.9**5, 100, -0.1, "step", stepsize=20, gamma=0.9)
    assert "the sign" in capsys.readouterr().out
    it = np.arange(1, 101)
    good = np.where(it <= 20, 0.1 + 0.9 * it / 20, 0.98**it)
    assert check.lr_policy(good)
    assert not check.lr_policy(np.ones(100))
    assert not check.lr_policy(good[:5])
    composite = schedules.learning_rate(
        it, 1.0, "composite", sub_policy_num_iters=[20, 1000],
        sub_policy_0_policy="linearWarmup", sub_policy_0_start_multiplier=0.1,
        sub_policy_0_num_iter=20, sub_policy_1_policy="exp", sub_policy_1_gamma=0.98)
    assert check.lr_policy(composite)  # the exercise's solution
    capsys.readouterr()
    assert not check.lr_policy(np.where(it <= 10, 0.1 + 0.9 * it / 10, 0.98**it))
    assert "iteration 1 (during the warm-up)" in capsys.readouterr().out


def test_largest_stable_lr() -> None:
    def train(policy: str, base_lr: float) -> np.ndarray:  # converges iff |lr| < 1
        return np.array([0.5 if abs(base_lr) < 1.0 else np.inf])

    assert check.largest_stable_lr(0.9, train)
    assert not check.largest_stable_lr(0.5, train)
    assert not check.largest_stable_lr(1.2, train)


def test_op_gradient_catches_a_wrong_reference() -> None:
    assert check.op_gradient("Tanh", np.tanh, [(2, 3)])
    assert not check.op_gradient("Tanh", np.sin, [(2, 3)])


def test_momentum_blobs_and_gradient_map() -> None:
    model = model_helper.ModelHelper(name="mom")
    pred = brew.fc(model, "data", "pred", dim_in=2, dim_out=1)
    model.AveragedLoss(model.SquaredL2Distance(["label", pred], "dist"), "loss")
    model.AddGradientOperators(["loss"])
    optimizer.build_sgd(model, base_learning_rate=0.1, momentum=0.9)
    momenta = [op.input[1] for op in model.net.Proto().op if op.type == "MomentumSGDUpdate"]
    assert check.momentum_blobs(momenta, model.net)
    assert not check.momentum_blobs(["pred_w"], model.net)
    assert check.gradient_map_keys(["a", "b"], lambda: {"a": "a_grad", "b": "b_grad"})
    assert not check.gradient_map_keys(["a"], lambda: {"a": "a_grad", "b": "b_grad"})
