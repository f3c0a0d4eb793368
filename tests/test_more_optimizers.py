"""optimizer.build_adagrad / build_rms_prop and ModelHelper.GetAllParams, without Caffe2.

The op lists are written out here from what real Caffe2 1.4 built (tests/fidelity/
test_more_ops.py compares them with Caffe2 directly); the trajectories are checked
against the update rules computed by hand in NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest

from graphlab import brew, model_helper, optimizer, workspace
from graphlab.model_helper import ParameterTags


def _model() -> model_helper.ModelHelper:
    workspace.ResetWorkspace()
    optimizer.reset_optimizer_instance_count()
    m = model_helper.ModelHelper(name="opt")
    fc = brew.fc(m, "data", "fc", dim_in=3, dim_out=2)
    dist = m.net.SquaredL2Distance([fc, "label"], "dist")
    m.AddGradientOperators([m.net.AveragedLoss(dist, "loss")])
    return m


def _ops(net, start: int) -> list[tuple]:
    return [(op.type, list(op.input), list(op.output)) for op in net.Proto().op[start:]]


def test_build_adagrad_adds_caffe2s_ops() -> None:
    m = _model()
    n_init, n_net = len(m.param_init_net.Proto().op), len(m.net.Proto().op)
    opt = optimizer.build_adagrad(m, base_learning_rate=0.1)
    assert isinstance(opt, optimizer.AdagradOptimizer)
    assert _ops(m.param_init_net, n_init) == [
        ("ConstantFill", [], ["optimizer_iteration"]),
        ("CreateMutex", [], ["iteration_mutex"]),
        ("ConstantFill", ["fc_w"], ["fc_w_squared_sum"]),
        ("ConstantFill", ["fc_b"], ["fc_b_squared_sum"]),
    ]
    lr = "AdagradOptimizer_0_lr_cpu"
    assert _ops(m.net, n_net) == [
        ("AtomicIter", ["iteration_mutex", "optimizer_iteration"], ["optimizer_iteration"]),
        ("LearningRate", ["optimizer_iteration"], [lr]),
        ("Adagrad", ["fc_w", "fc_w_squared_sum", "fc_w_grad", lr], ["fc_w", "fc_w_squared_sum"]),
        ("Adagrad", ["fc_b", "fc_b_squared_sum", "fc_b_grad", lr], ["fc_b", "fc_b_squared_sum"]),
    ]
    adagrad = m.net.Proto().op[-1].args()
    assert adagrad == {"epsilon": 1e-4, "decay": 1.0}
    assert m.net.Proto().op[n_net + 1].args()["base_lr"] == -0.1


def test_build_rms_prop_adds_caffe2s_ops() -> None:
    m = _model()
    n_init, n_net = len(m.param_init_net.Proto().op), len(m.net.Proto().op)
    optimizer.build_rms_prop(m, base_learning_rate=0.1, momentum=0.5)
    init = _ops(m.param_init_net, n_init)
    assert init[:3] == [("ConstantFill", [], ["ONE_0_0"]),
                        ("ConstantFill", [], ["optimizer_iteration"]),
                        ("CreateMutex", [], ["iteration_mutex"])]
    assert [o[2][0] for o in init[3:]] == ["fc_w_grad_o", "fc_w_mean_squares", "fc_w_momentum",
                                           "ONE_0_0", "fc_b_grad_o", "fc_b_mean_squares",
                                           "fc_b_momentum"]
    lr = "RmsPropOptimizer_0_lr_cpu"
    net = _ops(m.net, n_net)
    assert net[2:4] == [
        ("RmsProp", ["fc_w_grad", "fc_w_mean_squares", "fc_w_momentum", "ONE_0_0"],
         ["fc_w_grad_o", "fc_w_mean_squares", "fc_w_momentum"]),
        ("MomentumSGDUpdate", ["fc_w_grad_o", "fc_w_momentum", lr, "fc_w"],
         ["fc_w_grad_o", "fc_w_momentum", "fc_w"]),
    ]
    assert m.net.Proto().op[n_net + 1].args()["base_lr"] == 0.1  # MomentumSGDUpdate subtracts
    assert m.net.Proto().op[n_net + 2].args() == {"decay": 0.9, "momentum": 0.5,
                                                  "epsilon": 1e-5}


def _train(build, steps: int, **kwargs) -> tuple[list[np.ndarray], dict[str, np.ndarray]]:
    m = _model()
    build(m, base_learning_rate=0.1, **kwargs)
    rng = np.random.default_rng(0)
    data = {"data": rng.normal(size=(6, 3)), "label": rng.normal(size=(6, 2)),
            "fc_w": rng.normal(size=(2, 3)), "fc_b": rng.normal(size=(2,))}
    workspace.RunNetOnce(m.param_init_net)
    for k, v in data.items():
        workspace.FeedBlob(k, v.astype(np.float32))
    workspace.CreateNet(m.net)
    ws = []
    for _ in range(steps):
        workspace.RunNet(m.net)
        ws.append(workspace.FetchBlob("fc_w"))
    return ws, {k: v.astype(np.float32).astype(np.float64) for k, v in data.items()}


def _w_grad(d: dict[str, np.ndarray], w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Gradient of mean_i ½‖x_i W^T + b − y_i‖² with respect to W."""
    err = d["data"] @ w.T + b - d["label"]
    return err.T @ d["data"] / len(d["data"])


def _b_grad(d: dict[str, np.ndarray], w: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (d["data"] @ w.T + b - d["label"]).mean(axis=0)


def test_adagrad_trajectory_is_the_update_rule() -> None:
    ws, d = _train(optimizer.build_adagrad, 4, epsilon=1e-3, decay=0.9)
    w, b = d["fc_w"], d["fc_b"]
    hw, hb = np.zeros_like(w), np.zeros_like(b)
    for got in ws:
        gw, gb = _w_grad(d, w, b), _b_grad(d, w, b)
        hw, hb = 0.9 * hw + gw**2, 0.9 * hb + gb**2
        w = w - 0.1 * gw / (np.sqrt(hw) + 1e-3)
        b = b - 0.1 * gb / (np.sqrt(hb) + 1e-3)
        np.testing.assert_allclose(got, w, rtol=2e-4, atol=1e-5)


def test_rms_prop_trajectory_keeps_caffe2s_shared_momentum_buffer() -> None:
    ws, d = _train(optimizer.build_rms_prop, 4, momentum=0.5)
    w, b = d["fc_w"], d["fc_b"]
    ms = {"w": np.zeros_like(w), "b": np.zeros_like(b)}
    mom = {"w": np.zeros_like(w), "b": np.zeros_like(b)}
    for got in ws:
        grads = {"w": _w_grad(d, w, b), "b": _b_grad(d, w, b)}
        for k in ("w", "b"):
            g = grads[k]
            ms[k] = ms[k] + 0.1 * (g**2 - ms[k])
            step = 0.5 * mom[k] + g / np.sqrt(1e-5 + ms[k])
            mom[k] = 0.1 * step  # MomentumSGDUpdate (momentum 0) leaves lr·step in it
            if k == "w":
                w = w - 0.1 * step
            else:
                b = b - 0.1 * step
        np.testing.assert_allclose(got, w, rtol=2e-4, atol=1e-5)


def test_bad_learning_rates_and_unsupported_options_are_refused() -> None:
    m = _model()
    with pytest.raises(ValueError, match="positive"):
        optimizer.build_adagrad(m, base_learning_rate=-0.1)
    with pytest.raises(ValueError, match="positive alpha"):
        optimizer.build_rms_prop(m, base_learning_rate=0.0)
    with pytest.raises(TypeError, match="output_effective_lr"):
        optimizer.build_adagrad(m, base_learning_rate=0.1, output_effective_lr=True)
    with pytest.raises(TypeError, match="max_gradient_norm"):
        optimizer.build_rms_prop(m, base_learning_rate=0.1, max_gradient_norm=1.0)


def test_build_adagrad_only_for_the_listed_parameters() -> None:
    m = _model()
    n_net = len(m.net.Proto().op)
    optimizer.build_adagrad(m, base_learning_rate=0.1, parameters=["fc_b"])
    assert [op.input[0] for op in m.net.Proto().op[n_net:] if op.type == "Adagrad"] == ["fc_b"]


def test_get_all_params_lists_trained_then_computed_params() -> None:
    m = model_helper.ModelHelper(name="params")
    brew.fc(m, "data", "fc", dim_in=3, dim_out=2)
    running = m.create_param("bn_rm", shape=[2], initializer=("ConstantFill", {}),
                             tags=ParameterTags.COMPUTED_PARAM)
    assert m.GetParams() == ["fc_w", "fc_b"]
    assert m.GetComputedParams() == [running]
    assert m.GetAllParams() == ["fc_w", "fc_b", "bn_rm"]
    assert m.GetAllParams("bn") == []  # a name scope "bn/": nothing is scoped here
    m.AddGradientOperators([m.net.AveragedLoss("fc", "loss")])
    assert [str(i.blob) for i in m.GetOptimizationParamInfo()] == ["fc_w", "fc_b"]


@pytest.mark.parametrize("build", ["build_adagrad", "build_rms_prop"])
def test_per_parameter_ops_carry_caffe2s_empty_device_option(build):
    """As real Caffe2 prints them: ``device_option {}`` on every op added for a parameter
    (its fills, the LearningRate and the update ops), a CPU device on the counter's."""
    from graphlab import brew, model_helper, optimizer
    from graphlab.proto import DeviceOption

    model = model_helper.ModelHelper(name="devopt_" + build)
    pred = brew.fc(model, "data", "p", dim_in=2, dim_out=1)
    model.AveragedLoss(model.SquaredL2Distance(["label", pred], "d"), "loss")
    model.AddGradientOperators(["loss"])
    getattr(optimizer, build)(model, base_learning_rate=0.1)
    added = model.net.Proto().op[-4 if build == "build_adagrad" else -5:]
    init_fills = [op for op in model.param_init_net.Proto().op
                  if op.output[0] not in ("p_w", "p_b", "optimizer_iteration", "iteration_mutex")]
    for op in [*added, *init_fills]:
        if op.type == "AtomicIter":
            continue
        assert op.device_option == DeviceOption(), (op.type, op.output)
        assert "device_option {\n}" in str(op)
