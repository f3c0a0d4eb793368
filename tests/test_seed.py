"""The seed program (Caffe2's toy regression) runs with only its import line changed.

``seed_nets`` (tests/seed_nets.py) builds the seed's nets (``/work/shared/seed``) with the
seed's calls; the checks compare them with caffe2-semantics.md §5.7 and train them end to
end. tests/test_seed_program.py runs the seed's text itself.
"""

from __future__ import annotations

import numpy as np
import pytest
from seed_nets import TRAIN_OPS as SEED_TRAIN_OPS
from seed_nets import seed_nets

# The seed's import line, with caffe2.python turned into graphlab: every name must exist.
from graphlab import cnn, core, net_drawer, visualize, workspace  # noqa: F401


def _listing(net: core.Net):
    return [(op.type, list(op.input), list(op.output)) for op in net.Proto().op]


def test_train_net_has_caffe2s_ops_at_each_stage():
    assert _listing(seed_nets("forward").train_net) == SEED_TRAIN_OPS[:8]
    assert _listing(seed_nets("gradients").train_net) == SEED_TRAIN_OPS[:12]
    seed = seed_nets()
    ops = seed.train_net.Proto().op
    assert _listing(seed.train_net) == SEED_TRAIN_OPS
    assert ops[8].args() == {"value": 1.0} and not ops[8].is_gradient_op
    assert all(op.is_gradient_op for op in ops[9:12])
    assert not any(op.is_gradient_op for op in ops[12:])
    assert ops[13].args() == {"base_lr": -0.1, "policy": "step", "stepsize": 20, "gamma": 0.9}
    assert seed.train_net.Proto().external_input == ["W_gt", "B_gt", "W", "B", "ITER", "ONE"]
    assert seed.init_net.Proto().external_input == []
    assert [op.type for op in seed.init_net.Proto().op] == [
        "GivenTensorFill", "GivenTensorFill", "ConstantFill", "ConstantFill", "UniformFill",
        "ConstantFill",
    ]


def test_gradient_map_is_exactly_caffe2s():
    gmap = seed_nets().gradient_map
    assert list(gmap.items()) == [
        ("loss", "loss_autogen_grad"),
        ("dist", "dist_grad"),
        ("Y_pred", "Y_pred_grad"),
        ("X", "X_grad"),
        ("W", "W_grad"),
        ("B", "B_grad"),
    ]
    for name in ("Y_noise", "Y_gt", "noise"):
        assert name not in gmap
    assert all(isinstance(v, core.BlobReference) and v.Net() is None for v in gmap.values())


def test_net_names_are_unique_so_the_seed_runs_by_proto_name():
    first, second = seed_nets("forward"), seed_nets("forward")
    assert first.train_net.Proto().name != second.train_net.Proto().name
    assert second.train_net.Proto().name.startswith("train_")


def test_blob_shapes_and_dtypes():
    seed = seed_nets()
    workspace.SetRandomSeed(3)
    workspace.RunNetOnce(seed.init_net)
    f32 = np.float32
    expect_init = {
        "W_gt": ((1, 2), f32), "B_gt": ((1,), f32), "ONE": ((1,), f32),
        "ITER": ((1,), np.int32), "W": ((1, 2), f32), "B": ((1,), f32),
    }
    for name, (shape, dtype) in expect_init.items():
        value = workspace.FetchBlob(name)
        assert value.shape == shape and value.dtype == dtype, name
    np.testing.assert_array_equal(workspace.FetchBlob("W_gt"), [[2.0, 1.5]])
    np.testing.assert_array_equal(workspace.FetchBlob("B_gt"), [0.5])
    np.testing.assert_array_equal(workspace.FetchBlob("ONE"), [1.0])
    np.testing.assert_array_equal(workspace.FetchBlob("ITER"), [0])
    np.testing.assert_array_equal(workspace.FetchBlob("B"), [0.0])
    w = workspace.FetchBlob("W")
    assert np.all((w >= -1) & (w < 1)) and w[0, 0] != w[0, 1]

    workspace.CreateNet(seed.train_net)
    workspace.RunNet(seed.train_net.Proto().name)
    expect_train = {
        "X": (64, 2), "Y_gt": (64, 1), "noise": (64, 1), "Y_noise": (64, 1),
        "Y_pred": (64, 1), "dist": (64,), "loss": (), "loss_autogen_grad": (),
        "dist_grad": (64,), "Y_noise_grad": (64, 1), "Y_pred_grad": (64, 1),
        "W_grad": (1, 2), "B_grad": (1,), "X_grad": (64, 2), "LR": (),
    }
    for name, shape in expect_train.items():
        value = workspace.FetchBlob(name)
        assert value.shape == shape and value.dtype == f32, (name, value.shape, value.dtype)
    assert workspace.FetchBlob("LR") == pytest.approx(-0.1)
    assert workspace.FetchBlob("ITER").reshape(-1).tolist() == [1]
    np.testing.assert_allclose(workspace.FetchBlob("loss_autogen_grad"), 1.0)
    # the forward values obey the seed's formulas
    X, Y_gt = workspace.FetchBlob("X"), workspace.FetchBlob("Y_gt")
    np.testing.assert_allclose(Y_gt, X @ np.array([[2.0], [1.5]], f32) + 0.5, rtol=1e-5)
    dist, loss = workspace.FetchBlob("dist"), workspace.FetchBlob("loss")
    assert loss == pytest.approx(dist.mean(), rel=1e-5)


def _train(seed_value: int, iterations: int = 100):
    seed = seed_nets()
    workspace.ResetWorkspace()
    workspace.SetRandomSeed(seed_value)
    workspace.RunNetOnce(seed.init_net)
    workspace.CreateNet(seed.train_net)
    history_w, history_b, losses = [], [], []
    for _ in range(iterations):
        workspace.RunNet(seed.train_net.Proto().name)
        history_w.append(workspace.FetchBlob("W"))
        history_b.append(workspace.FetchBlob("B"))
        losses.append(float(workspace.FetchBlob("loss")))
    return history_w, history_b, losses


def test_training_recovers_the_ground_truth():
    history_w, history_b, losses = _train(seed_value=2017)
    W, B = history_w[-1], history_b[-1]
    assert np.all(np.abs(W - np.array([[2.0, 1.5]])) < 0.3), W
    assert np.all(np.abs(B - np.array([0.5])) < 0.3), B
    # FetchBlob returned copies: each recorded step is its own value.
    for before, after in zip(history_w, history_w[1:]):
        assert not np.array_equal(before, after)
    for before, after in zip(history_b, history_b[1:]):
        assert not np.array_equal(before, after)
    assert np.mean(losses[-10:]) < np.mean(losses[:10])
    assert workspace.FetchBlob("ITER").reshape(-1).tolist() == [100]
    # the step schedule: lr = -0.1·0.9^floor(100/20)
    assert workspace.FetchBlob("LR") == pytest.approx(-0.1 * 0.9**5, rel=1e-6)


def test_training_is_deterministic_with_a_seed():
    w1, b1, _ = _train(seed_value=5, iterations=10)
    w2, b2, _ = _train(seed_value=5, iterations=10)
    w3, _, _ = _train(seed_value=6, iterations=10)
    np.testing.assert_array_equal(w1[-1], w2[-1])
    np.testing.assert_array_equal(b1[-1], b2[-1])
    assert not np.array_equal(w1[-1], w3[-1])


def test_first_update_equals_hand_computed_sgd_step():
    seed = seed_nets()
    workspace.SetRandomSeed(11)
    workspace.RunNetOnce(seed.init_net)
    W0, B0 = workspace.FetchBlob("W"), workspace.FetchBlob("B")
    workspace.CreateNet(seed.train_net)
    workspace.RunNet(seed.train_net.Proto().name)
    X, Y_noise = workspace.FetchBlob("X"), workspace.FetchBlob("Y_noise")
    residual = (X @ W0.T + B0) - Y_noise  # [64, 1]
    dW = residual.T @ X / 64
    dB = residual.sum(axis=0) / 64
    np.testing.assert_allclose(workspace.FetchBlob("W_grad"), dW, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(workspace.FetchBlob("B_grad"), dB, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(workspace.FetchBlob("W"), W0 - 0.1 * dW, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(workspace.FetchBlob("B"), B0 - 0.1 * dB, rtol=1e-4, atol=1e-6)


def test_seed_graph_can_be_drawn():
    seed = seed_nets()
    graph = net_drawer.GetPydotGraph(seed.train_net.Proto().op, "train", rankdir="LR")
    dot = graph.to_string()
    assert "FCGradient (op#11)" in dot and "WeightedSum (op#15)" in dot
