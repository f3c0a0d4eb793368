"""graphlab.schedules: every policy against its closed form, and the LearningRate op."""

from __future__ import annotations

import math

import numpy as np
import pytest

from graphlab import core, schedules, workspace
from graphlab.errors import ArgumentError, OperatorError

ITERS = np.arange(0, 1001)


# ---- closed forms, written per iteration in plain Python --------------------------------------


def _linear(k, start, n):
    return 1.0 if k >= n else start + (1 - start) * k / n


def _inv(k, gamma, power):
    return (1 + gamma * k) ** (-power)


def _cyc(k, base_lr, max_lr, stepsize, decay):
    cycle = k // (2 * stepsize) + 1
    x = abs(k / stepsize - 2 * cycle + 1)
    return 1 + (abs(max_lr) / abs(base_lr) - 1) * max(0.0, 1 - x) * decay ** (k // (2 * stepsize))


def _cos(k, max_lr, min_lr, period, t_mult, lr_shrink):
    if t_mult != 1:
        i = math.floor(math.log(1 - k / period * (1 - t_mult)) / math.log(t_mult))
        t_i = t_mult**i * period
        t_cur = k - (1 - t_mult**i) / (1 - t_mult) * period
    else:
        i = k // period
        t_i = period
        t_cur = k - i * period
    s = lr_shrink**i
    return min_lr * s + 0.5 * (max_lr - min_lr) * s * (1 + math.cos(math.pi * t_cur / t_i))


def _ctlw(k, m, c, n):
    if k < c:
        return m
    if k < c + n:
        return _linear(k - c, m, n)
    return 1.0


CLOSED = [
    ("fixed", {}, lambda k: 1.0),
    ("step", {"stepsize": 20, "gamma": 0.9}, lambda k: 0.9 ** (k // 20)),
    ("step", {"stepsize": 7, "gamma": 0.5}, lambda k: 0.5 ** (k // 7)),
    ("exp", {"gamma": 0.999}, lambda k: 0.999**k),
    ("inv", {"gamma": 0.01, "power": 0.75}, lambda k: _inv(k, 0.01, 0.75)),
    ("poly", {"max_iter": 1000, "power": 2.0}, lambda k: (1 - k / 1000) ** 2),
    ("linearWarmup", {"start_multiplier": 0.2, "num_iter": 300},
     lambda k: _linear(k, 0.2, 300)),
    ("constantWarmup", {"multiplier": 0.3, "num_iter": 100},
     lambda k: 0.3 if k < 100 else 1.0),
    ("alter", {"active_period": 30, "inactive_period": 20},
     lambda k: 1.0 if k % 50 < 30 else 0.0),
    ("alter", {"active_first": False, "active_period": 30, "inactive_period": 20},
     lambda k: 0.0 if k % 50 < 20 else 1.0),
    ("hill", {"num_iter": 100, "start_multiplier": 0.1, "gamma": 0.05, "power": 0.5,
              "end_multiplier": 0.3},
     lambda k: _linear(k, 0.1, 100) if k < 100 else max(0.3, _inv(k - 100, 0.05, 0.5))),
    ("gate", {"multiplier_1": 2.0, "multiplier_2": 0.5, "num_iter": 400},
     lambda k: 2.0 if k < 400 else 0.5),
    ("pieceWarmup", {"m1": 0.1, "n1": 100, "m2": 0.5, "n2": 600, "m3": 1.0},
     lambda k: 0.1 if k < 100 else (0.5 if k < 600 else 1.0)),
    ("slope", {"num_iter_1": 200, "multiplier_1": 1.0, "num_iter_2": 700, "multiplier_2": 0.1},
     lambda k: 1.0 if k < 200 else max(0.1, 1.0 + (k - 200) * (0.1 - 1.0) / 500)),
    ("cyclical", {"max_lr": 0.05, "stepsize": 50, "decay": 0.9},
     lambda k: _cyc(k, 0.01, 0.05, 50, 0.9)),
    ("cosine", {}, lambda k: _cos(k, 0.5, 0.1, 50, 1.0, 0.99)),
    ("cosine", {"max_lr": 1.0, "min_lr": 0.0, "period": 40, "t_mult": 2.0, "lr_shrink": 0.9},
     lambda k: _cos(k, 1.0, 0.0, 40, 2.0, 0.9)),
    ("constantThenLinearWarmup", {"start_warmup_multiplier": 0.05,
                                  "constant_warmup_num_iter": 100,
                                  "linear_warmup_num_iter": 400},
     lambda k: _ctlw(k, 0.05, 100, 400)),
    ("compositeCyclical", {"start_warmup_multiplier": 0.05, "constant_warmup_num_iter": 100,
                           "linear_warmup_num_iter": 200, "cyclical_max_lr": 0.03,
                           "cyclical_step_size": 60, "cyclical_decay": 0.8},
     lambda k: _ctlw(k, 0.05, 100, 200) if k < 300 else _cyc(k - 300, 0.01, 0.03, 60, 0.8)),
    ("compositeCosine", {"start_warmup_multiplier": 0.05, "constant_warmup_num_iter": 50,
                         "linear_warmup_num_iter": 50, "cosine_max_lr": 0.9,
                         "cosine_min_lr": 0.2, "cosine_period": 100, "cosine_t_mult": 1.5,
                         "cosine_lr_shrink": 0.95},
     lambda k: _ctlw(k, 0.05, 50, 50) if k < 100 else _cos(k - 100, 0.9, 0.2, 100, 1.5, 0.95)),
    ("composite", {"sub_policy_num_iters": [100, 300, 50],
                   "sub_policy_0_policy": "linearWarmup", "sub_policy_0_num_iter": 100,
                   "sub_policy_1_policy": "fixed", "sub_policy_1_lr_scale": 0.5,
                   "sub_policy_2_policy": "step", "sub_policy_2_stepsize": 100,
                   "sub_policy_2_gamma": 0.5},
     # global iters: [1, 101) warm-up, [101, 401) fixed × 0.5, then step (global iter)
     lambda k: _linear(k, 0.0, 100) if k < 101 else (0.5 if k < 401 else 0.5 ** (k // 100))),
]


@pytest.mark.parametrize(
    "policy, args, closed",
    [pytest.param(p, a, f, id=f"{p}-{k}") for k, (p, a, f) in enumerate(CLOSED)],
)
def test_policy_matches_closed_form(policy, args, closed) -> None:
    base_lr = 0.01
    expected = np.array([base_lr * closed(int(k)) for k in ITERS])
    got = schedules.learning_rate(ITERS, base_lr, policy, **args)
    assert isinstance(got, np.ndarray) and got.shape == ITERS.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    # scalars give floats with the same values
    for k in (1, 17, 500):
        value = schedules.learning_rate(k, base_lr, policy, **args)
        assert isinstance(value, float)
        assert value == pytest.approx(base_lr * closed(k), rel=1e-12, abs=1e-15)


def test_every_policy_is_tested_and_documented() -> None:
    tested = {p for p, _, _ in CLOSED}
    assert tested == set(schedules.POLICIES)
    for name, (fn, defaults) in schedules.POLICIES.items():
        assert fn.__doc__, name
        assert schedules.policy_args(name) == defaults
        assert schedules.policy_args(name) is not defaults  # a fresh copy


def test_caffe2_defaults() -> None:
    assert schedules.policy_args("step") == {"stepsize": 0, "gamma": 0.0}
    assert schedules.policy_args("constantWarmup") == {"multiplier": 0.5, "num_iter": 0}
    assert schedules.policy_args("cyclical")["max_lr"] == 0.005
    assert schedules.policy_args("cosine") == {"max_lr": 0.5, "min_lr": 0.1, "period": 50,
                                               "t_mult": 1.0, "lr_shrink": 0.99}
    assert schedules.policy_args("alter") == {"active_first": True, "active_period": -1,
                                              "inactive_period": -1}
    assert schedules.policy_args("compositeCyclical")["cyclical_step_size"] == 1_000_000


def test_seed_schedule() -> None:
    lr = schedules.learning_rate(np.arange(1, 60), -0.1, "step", stepsize=20, gamma=0.9)
    np.testing.assert_allclose(lr[:19], -0.1)
    np.testing.assert_allclose(lr[19:39], -0.09)
    np.testing.assert_allclose(lr[39:], -0.081)


def test_multiplier_without_base_lr() -> None:
    assert schedules.multiplier(40, "step", stepsize=20, gamma=0.5) == 0.25


# ---- errors -----------------------------------------------------------------------------------


def test_unknown_policy_lists_known_ones_with_did_you_mean() -> None:
    with pytest.raises(ValueError, match=r"'stpe'.*Did you mean 'step'.*Known policies: fixed"):
        schedules.learning_rate(1, 0.1, "stpe")


def test_multistep_is_explained_as_caffe1() -> None:
    with pytest.raises(ValueError, match="Caffe-1 policy"):
        schedules.policy_args("multistep")


@pytest.mark.parametrize(
    "policy, args, match",
    [
        ("step", {"stepsze": 10}, "no argument 'stepsze'. Did you mean 'stepsize'"),
        ("step", {"gamma": 0.9}, "stepsize must be > 0"),
        ("poly", {"power": 1.0}, "max_iter must be > 0"),
        ("alter", {}, "active_period and inactive_period"),
        ("slope", {"num_iter_1": 5, "num_iter_2": 5}, "num_iter_2 must differ"),
        ("cyclical", {"stepsize": 0}, "stepsize must be > 0"),
        ("cosine", {"period": 0}, "period must be > 0"),
        ("step", {"stepsize": 2.5}, "must be int"),
        ("composite", {}, "needs sub_policy_num_iters"),
        ("composite", {"sub_policy_num_iters": [0]}, "must be > 0"),
        ("composite", {"sub_policy_num_iters": [5]}, "needs sub_policy_0_policy"),
        ("composite", {"sub_policy_num_iters": [5], "sub_policy_0_policy": "composite"},
         "cannot itself be 'composite'"),
        ("composite", {"sub_policy_num_iters": [5], "sub_policy_0_policy": "exp",
                       "sub_policy_0_gama": 0.9}, "Did you mean 'gamma'"),
        ("composite", {"sub_policy_num_iters": [5], "sub_policy_0_policy": "fixed",
                       "sub_policy_1_policy": "fixed"}, "lists only 1"),
        ("composite", {"sub_policy_num_iters": [5], "sub_policy_0_policy": "stp"},
         "sub-policy 0.*Did you mean 'step'"),
    ],
)
def test_bad_arguments_raise_value_errors(policy, args, match) -> None:
    with pytest.raises(ValueError, match=match):
        schedules.learning_rate(3, 0.1, policy, **args)


def test_cyclical_needs_nonzero_base_lr() -> None:
    with pytest.raises(ValueError, match="base_lr must not be 0"):
        schedules.learning_rate(3, 0.0, "cyclical", stepsize=5)


# ---- the LearningRate operator ------------------------------------------------------------------


def _lr_net(name: str, dtype=np.int64, **lr_args) -> core.Net:
    workspace.FeedBlob("ITER", np.zeros((1,), dtype))
    net = core.Net(name)
    net.Iter("ITER", "ITER")
    net.LearningRate("ITER", "LR", **lr_args)
    workspace.CreateNet(net)
    return net


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_op_reproduces_the_seed_schedule(dtype) -> None:
    net = _lr_net("lr_seed", dtype, base_lr=-0.1, policy="step", stepsize=20, gamma=0.9)
    got = []
    for _ in range(45):
        workspace.RunNet(net.Name())
        lr = workspace.FetchBlob("LR")
        assert lr.shape == () and lr.dtype == np.float32
        got.append(float(lr))
    assert got[:19] == [pytest.approx(-0.1)] * 19
    assert got[19:39] == [pytest.approx(-0.09)] * 20
    assert got[39] == pytest.approx(-0.081)
    assert workspace.FetchBlob("ITER").dtype == dtype


@pytest.mark.parametrize(
    "policy, args, closed",
    [pytest.param(p, a, f, id=f"{p}-{k}") for k, (p, a, f) in enumerate(CLOSED)],
)
def test_op_matches_schedules(policy, args, closed) -> None:
    net = _lr_net(f"lr_{policy}", base_lr=0.01, policy=policy, **args)
    got = []
    for _ in range(120):
        workspace.RunNet(net.Name())
        got.append(workspace.FetchBlob("LR"))
    want = schedules.learning_rate(np.arange(1, 121), 0.01, policy, **args)
    np.testing.assert_array_equal(np.array(got), want.astype(np.float32))


def test_op_unknown_policy_fails_at_creation() -> None:
    with pytest.raises(ArgumentError, match=r"Unknown learning rate policy: 'multistep'.*Caffe-1"):
        core.Net("lr_bad").LearningRate("ITER", "LR", base_lr=0.1, policy="multistep")


def test_op_misspelt_policy_argument_fails_at_creation() -> None:
    with pytest.raises(ArgumentError, match="Did you mean 'stepsize'"):
        core.CreateOperator("LearningRate", ["ITER"], ["LR"], base_lr=0.1, policy="step",
                            step_size=20)
    with pytest.raises(ArgumentError, match="base_lr"):
        core.CreateOperator("LearningRate", ["ITER"], ["LR"], policy="fixed")
    with pytest.raises(ArgumentError, match="stepsize must be > 0"):
        core.CreateOperator("LearningRate", ["ITER"], ["LR"], base_lr=0.1, policy="step")


def test_op_sub_policy_args_only_for_composite() -> None:
    with pytest.raises(ArgumentError, match="only policy='composite'"):
        core.CreateOperator("LearningRate", ["ITER"], ["LR"], base_lr=0.1, policy="fixed",
                            sub_policy_0_policy="fixed")
    with pytest.raises(ArgumentError, match="Did you mean 'gamma'"):
        core.CreateOperator("LearningRate", ["ITER"], ["LR"], base_lr=0.1, policy="composite",
                            sub_policy_num_iters=[3], sub_policy_0_policy="exp",
                            sub_policy_0_gama=0.5)


def test_op_rejects_a_float_counter() -> None:
    workspace.FeedBlob("ITER", np.zeros((1,), np.float32))
    op = core.CreateOperator("LearningRate", ["ITER"], ["LR"], base_lr=0.1, policy="fixed")
    with pytest.raises(OperatorError, match="int32 or int64"):
        workspace.RunOperatorOnce(op)


def test_op_max_lr_default_depends_on_policy() -> None:
    workspace.FeedBlob("ITER", np.array([3], np.int64))
    workspace.RunOperatorOnce(core.CreateOperator(
        "LearningRate", ["ITER"], ["LR"], base_lr=0.001, policy="cyclical", stepsize=10))
    assert float(workspace.FetchBlob("LR")) == pytest.approx(
        0.001 * _cyc(3, 0.001, 0.005, 10, 1.0), rel=1e-6)
    workspace.RunOperatorOnce(core.CreateOperator(
        "LearningRate", ["ITER"], ["LR"], base_lr=1.0, policy="cosine"))
    assert float(workspace.FetchBlob("LR")) == pytest.approx(_cos(3, 0.5, 0.1, 50, 1, 0.99),
                                                             rel=1e-6)


@pytest.mark.parametrize(
    "policy, args",
    [pytest.param(p, a, id=f"{p}-{k}") for k, (p, a, _) in enumerate(CLOSED)],
)
def test_array_and_scalar_evaluation_agree_exactly(policy, args) -> None:
    # The compiled LearningRate tabulates rates with one array call; it must give the
    # very same float as evaluating one iteration at a time.
    ks = np.array([0, 1, 2, 19, 20, 99, 100, 101, 299, 300, 401, 777, 1023, 5000])
    table = schedules.learning_rate(ks, -0.3, policy, **args)
    one_by_one = [schedules.learning_rate(int(k), -0.3, policy, **args) for k in ks]
    np.testing.assert_array_equal(table, one_by_one)
