"""The exercise checks say ✔ to a right answer and name what is wrong in a wrong one."""

from __future__ import annotations

import numpy as np
import pytest

from graphlab import brew, check, core, model_helper, optimizer, schedules


@pytest.fixture
def said(capsys: pytest.CaptureFixture[str]):
    """``said()`` is the verdict just printed: (True for ✔ / False for ✘, the line)."""
    def last() -> tuple[bool, str]:
        lines = capsys.readouterr().out.strip().splitlines()
        assert lines and lines[-1][0] in "✔✘", lines
        return lines[-1].startswith("✔"), lines[-1]
    return last


def test_relu_layer(said) -> None:
    rng = np.random.default_rng(0)
    X, W, b = rng.normal(size=(2, 3)), rng.normal(size=(5, 3)), rng.normal(size=5)
    check.relu_layer({"X": X, "W": W, "b": b, "Z": np.maximum(0, X @ W.T + b)})
    assert said()[0]
    check.relu_layer({"X": X, "W": W, "b": b, "Z": X @ W.T + b})
    ok, line = said()
    assert not ok and "add a Relu" in line
    check.relu_layer({"X": X})
    assert not said()[0]


def test_fed_input_net(said) -> None:
    net = core.Net("fed")
    net.GaussianFill([], "W", shape=[5, 3])
    net.ConstantFill([], "b", shape=[5], value=1.0)
    net.FC(["X", "W", "b"], "Y")
    check.fed_input_net(net)
    assert said()[0]
    filled = core.Net("filled")
    filled.GaussianFill([], "X", shape=[2, 3])
    check.fed_input_net(filled)
    ok, line = said()
    assert not ok and "op #0 still writes X" in line


def test_learning_rate_and_policy(said) -> None:
    check.learning_rate(-0.1 * 0.9**5, 100, -0.1, "step", stepsize=20, gamma=0.9)
    assert said()[0]
    check.learning_rate(0.1 * 0.9**5, 100, -0.1, "step", stepsize=20, gamma=0.9)
    ok, line = said()
    assert not ok and "the sign" in line
    it = np.arange(1, 101)
    check.lr_policy(np.where(it <= 20, 0.1 + 0.9 * it / 20, 0.98**it))
    assert said()[0]
    check.lr_policy(np.ones(100))
    assert not said()[0]
    check.lr_policy(np.ones(5))
    assert not said()[0]
    composite = schedules.learning_rate(
        it, 1.0, "composite", sub_policy_num_iters=[20, 1000],
        sub_policy_0_policy="linearWarmup", sub_policy_0_start_multiplier=0.1,
        sub_policy_0_num_iter=20, sub_policy_1_policy="exp", sub_policy_1_gamma=0.98)
    check.lr_policy(composite)  # the exercise's solution
    assert said()[0]
    check.lr_policy(np.where(it <= 10, 0.1 + 0.9 * it / 10, 0.98**it))
    ok, line = said()
    assert not ok and "iteration 1 (during the warm-up)" in line


def test_largest_stable_lr(said) -> None:
    def train(policy: str, base_lr: float) -> np.ndarray:  # converges iff |lr| < 1
        return np.array([0.5 if abs(base_lr) < 1.0 else np.inf])

    check.largest_stable_lr(0.9, train)
    assert said()[0]
    check.largest_stable_lr(0.5, train)
    assert not said()[0]
    check.largest_stable_lr(1.2, train)
    assert not said()[0]


def test_op_gradient_catches_a_wrong_reference(said) -> None:
    check.op_gradient("Tanh", np.tanh, [(2, 3)])
    assert said()[0]
    check.op_gradient("Tanh", np.sin, [(2, 3)])
    assert not said()[0]


def test_momentum_blobs_and_gradient_map(said) -> None:
    model = model_helper.ModelHelper(name="mom")
    pred = brew.fc(model, "data", "pred", dim_in=2, dim_out=1)
    model.AveragedLoss(model.SquaredL2Distance(["label", pred], "dist"), "loss")
    model.AddGradientOperators(["loss"])
    optimizer.build_sgd(model, base_learning_rate=0.1, momentum=0.9)
    momenta = [op.input[1] for op in model.net.Proto().op if op.type == "MomentumSGDUpdate"]
    check.momentum_blobs(momenta, model.net)
    assert said()[0]
    check.momentum_blobs(["pred_w"], model.net)
    assert not said()[0]
    everything = ["loss", "dist", "Y_noise", "Y_pred", "Y_gt", "noise", "X", "W", "B",
                  "W_gt", "B_gt"]
    check.gradients_without_stop_gradient(everything)
    assert said()[0]
    check.gradients_without_stop_gradient(everything[:-2])
    ok, line = said()
    assert not ok and "'W_gt'" in line


def test_layer_shape(said) -> None:
    check.layer_shape([32, 20, 24, 24], "Conv", [32, 1, 28, 28], dim_out=20, kernel=5)
    assert said()[0]
    check.layer_shape([32, 20, 28, 28], "Conv", [32, 1, 28, 28], dim_out=20, kernel=5, pad=2)
    assert said()[0]
    check.layer_shape([32, 20, 28, 28], "Conv", [32, 1, 28, 28], dim_out=20, kernel=5)
    ok, line = said()
    assert not ok and "H (height) should be 24, not 28" in line
    check.layer_shape([32, 1, 24, 24], "Conv", [32, 1, 28, 28], dim_out=20, kernel=5)
    ok, line = said()
    assert not ok and "one output channel per filter" in line
    check.layer_shape([8, 50, 4, 4], "MaxPool", [8, 50, 8, 8], kernel=2, stride=2)
    assert said()[0]
    check.layer_shape([8, 50, 3, 3], "AveragePool", [8, 50, 8, 8], kernel=3, stride=2)
    assert said()[0]  # ⌊(8 − 3) / 2⌋ + 1 = 3
    check.layer_shape([8, 50, 4], "MaxPool", [8, 50, 8, 8], kernel=2, stride=2)
    ok, line = said()
    assert not ok and "4 dimensions" in line
    check.layer_shape([1, 1, 1, 1], "MaxPool", [1, 1, 2, 2], kernel=5)
    ok, line = said()
    assert not ok and "fails" in line
    with pytest.raises(ValueError, match="dim_out"):
        check.layer_shape([1], "Conv", [1, 1, 5, 5], kernel=3)
    with pytest.raises(ValueError, match="op_type"):
        check.layer_shape([1], "FC", [1, 4])
