"""Training ops (ops/train.py): Iter, AtomicIter, CreateMutex, WeightedSum, MomentumSGDUpdate,
Adam — dtypes, in-place rules, errors, and multi-step runs against hand computations."""

from __future__ import annotations

import math

import cases_train
import numpy as np
import pytest
from op_case import Case
from op_checks import run_op

from graphlab import core, workspace
from graphlab.errors import ArgumentError, GradientError, OperatorError
from graphlab.registry import NO_GRADIENT, SHOULD_NOT_DO_GRADIENT, GradientContext, get_schema


@pytest.mark.parametrize(
    "op_type, case",
    [pytest.param(op, c, id=f"{op}-{c.id or i}")
     for op, cs in cases_train.CASES.items() for i, c in enumerate(cs)],
)
def test_cases_forward(op_type: str, case: Case) -> None:
    inputs = [np.asarray(a) for a in case.make_inputs(np.random.default_rng(0))]
    expected = case.reference(*[a.copy() for a in inputs], **case.args)
    expected = list(expected) if isinstance(expected, tuple) else [expected]
    got = run_op(op_type, inputs, len(expected), case.inplace, **case.args)
    for g, e in zip(got, expected):
        e = np.asarray(e)
        assert g.shape == e.shape and g.dtype == e.dtype
        np.testing.assert_allclose(g, e, rtol=1e-5 if g.dtype == np.float32 else 1e-12,
                                   atol=1e-7)


def test_no_gradient_ops() -> None:
    for op in ("Iter", "AtomicIter", "LearningRate"):
        assert get_schema(op).grad == NO_GRADIENT
    # as in Caffe2, reaching these in a backward pass is an error
    for op in ("CreateMutex", "MomentumSGDUpdate", "Adam"):
        assert get_schema(op).grad == SHOULD_NOT_DO_GRADIENT
    assert get_schema("WeightedSum").differentiable


def test_backward_pass_reaching_an_update_op_is_an_error() -> None:
    net = core.Net("reach")
    net.MomentumSGDUpdate(["g", "m", "lr", "p"], ["g", "m", "p"])
    net.FC(["p", "W", "b"], "y")
    net.AveragedLoss("y", "loss")
    with pytest.raises(GradientError, match="MomentumSGDUpdate"):
        net.AddGradientOperators(["loss"])
    unrelated = core.Net("unrelated")
    unrelated.MomentumSGDUpdate(["g", "m", "lr", "p"], ["g", "m", "p"])
    unrelated.FC(["X", "W", "b"], "y")
    unrelated.AveragedLoss("y", "loss")
    unrelated.AddGradientOperators(["loss"])  # not reached: fine


# ---- Iter ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_iter_counts_and_keeps_dtype(dtype) -> None:
    workspace.FeedBlob("ITER", np.zeros((1,), dtype))
    net = core.Net("iter_count")
    net.Iter("ITER", "ITER")
    workspace.CreateNet(net)
    workspace.RunNet(net.Name(), 5)
    out = workspace.FetchBlob("ITER")
    assert out.dtype == dtype and out.shape == (1,) and out[0] == 5


def test_iter_must_run_in_place() -> None:
    expected = r"Iter must run in place.*Iter\(\['ITER'\], \['ITER'\]\)"
    with pytest.raises(ArgumentError, match=expected):
        core.CreateOperator("Iter", ["ITER"], ["ITER2"])
    with pytest.raises(ArgumentError, match="AtomicIter must run in place"):
        core.CreateOperator("AtomicIter", ["mutex", "ITER"], ["ITER2"])


@pytest.mark.parametrize(
    "value, match",
    [
        (np.zeros((1,), np.float32), "int32 or int64"),
        (np.zeros((2,), np.int64), "exactly one number"),
        (np.array([-1], np.int64), "negative"),
        (np.array([np.iinfo(np.int32).max], np.int32), "overflow"),
    ],
)
def test_iter_errors(value, match) -> None:
    workspace.FeedBlob("ITER", value)
    with pytest.raises(OperatorError, match=match):
        workspace.RunOperatorOnce(core.CreateOperator("Iter", ["ITER"], ["ITER"]))


def test_iter_without_input_starts_an_int64_counter() -> None:
    op = core.CreateOperator("Iter", [], ["it"])
    workspace.RunOperatorOnce(op)
    workspace.RunOperatorOnce(op)
    out = workspace.FetchBlob("it")
    assert out.dtype == np.int64 and out.tolist() == [2]


def test_atomic_iter_with_mutex() -> None:
    init = core.Net("atomic_init")
    init.ConstantFill([], "optimizer_iteration", shape=[1], value=0, dtype=core.DataType.INT64)
    init.CreateMutex([], ["iteration_mutex"])
    workspace.RunNetOnce(init)
    assert workspace.FetchBlob("iteration_mutex").shape == ()
    net = core.Net("atomic")
    net.AtomicIter(["iteration_mutex", "optimizer_iteration"], ["optimizer_iteration"])
    workspace.CreateNet(net)
    workspace.RunNet(net.Name(), 3)
    assert workspace.FetchBlob("optimizer_iteration").tolist() == [3]


# ---- WeightedSum -----------------------------------------------------------------------------


def test_weighted_sum_seed_update_mixes_1_and_0d_weights() -> None:
    W = np.array([[1.0, 2.0]], np.float32)
    G = np.array([[0.5, -1.0]], np.float32)
    (out,) = run_op("WeightedSum", [W, np.ones(1, np.float32), G, np.array(-0.1, np.float32)])
    assert out.dtype == np.float32 and out.shape == (1, 2)
    np.testing.assert_allclose(out, W - 0.1 * G, rtol=1e-6)


def test_weighted_sum_arity_and_inplace_rules() -> None:
    with pytest.raises(ArgumentError, match="even number of inputs, got 3"):
        core.CreateOperator("WeightedSum", ["X0", "w0", "X1"], ["Y"])
    with pytest.raises(ArgumentError, match="takes at least 2"):
        core.CreateOperator("WeightedSum", [], ["Y"])
    with pytest.raises(ArgumentError, match=r"cannot write its output #0 into its input #2"):
        core.CreateOperator("WeightedSum", ["W", "ONE", "G", "LR"], ["G"])
    core.CreateOperator("WeightedSum", ["W", "ONE", "G", "LR"], ["W"])  # X0 -> Y is fine


@pytest.mark.parametrize(
    "inputs, match",
    [
        ([np.ones(3), np.ones(2), np.ones(3), np.ones(1)], "w0 must hold exactly one number"),
        ([np.ones(3), np.ones(1), np.ones(4), np.ones(1)], r"X1 float64\[4\] has 4 elements"),
        ([np.ones(3), np.ones(1, np.int32)], "w0 must be a float array"),
        ([np.ones(3, np.int64), np.ones(1)], "X0 must be a float array"),
    ],
)
def test_weighted_sum_errors(inputs, match) -> None:
    with pytest.raises(OperatorError, match=match):
        run_op("WeightedSum", inputs)


def test_weighted_sum_gradient_maker() -> None:
    op = core.CreateOperator("WeightedSum", ["W", "ONE", "W_grad", "LR"], ["Y"])
    ops, g_in = get_schema("WeightedSum").grad(GradientContext(op, ["Y_grad"]))
    assert [o.type for o in ops] == ["WeightedSumGradient"]
    assert ops[0].input == ["Y_grad", "W", "ONE", "W_grad", "LR"]
    assert ops[0].output == ["W_grad", "W_grad_grad"]
    assert g_in == ["W_grad", None, "W_grad_grad", None]
    op = core.CreateOperator("WeightedSum", ["A", "a", "B", "b"], ["Y"], grad_on_w=1)
    ops, g_in = get_schema("WeightedSum").grad(GradientContext(op, ["Y_grad"]))
    assert ops[0].output == ["A_grad", "B_grad", "a_grad", "b_grad"]
    assert g_in == ["A_grad", "a_grad", "B_grad", "b_grad"]


def test_weighted_sum_gradient_values_and_shapes() -> None:
    dY = np.arange(6.0).reshape(2, 3)
    X0, X1 = np.ones((2, 3)), np.arange(6.0).reshape(3, 2)
    w0, w1 = np.array([2.0]), np.array(-1.0)
    outs = run_op("WeightedSumGradient", [dY, X0, w0, X1, w1], 4, grad_on_w=1)
    np.testing.assert_allclose(outs[0], 2 * dY)
    np.testing.assert_allclose(outs[1], (-dY).reshape(3, 2))
    assert outs[2].shape == (1,) and outs[2][0] == pytest.approx(dY.sum())
    assert outs[3].shape == () and outs[3] == pytest.approx((dY.ravel() * X1.ravel()).sum())


# ---- MomentumSGDUpdate -----------------------------------------------------------------------


def test_momentum_sgd_must_run_in_place() -> None:
    with pytest.raises(ArgumentError, match="must run in place: input #3"):
        core.CreateOperator("MomentumSGDUpdate", ["g", "m", "lr", "p"], ["g", "m", "p_new"])


@pytest.mark.parametrize("nesterov", [0, 1])
def test_momentum_sgd_several_steps_by_hand(nesterov: int) -> None:
    mu, lr = 0.9, 0.1
    p, m = 1.0, 0.0
    workspace.FeedBlob("p", np.array([p], np.float64))
    workspace.FeedBlob("m", np.array([m], np.float64))
    workspace.FeedBlob("lr", np.array([lr], np.float64))
    net = core.Net("momentum")
    # loss = p² / 2 → gradient p
    net.Copy("p", "g")
    net.MomentumSGDUpdate(["g", "m", "lr", "p"], ["g", "m", "p"], momentum=mu,
                          nesterov=nesterov)
    workspace.CreateNet(net)
    for _ in range(4):
        workspace.RunNet(net.Name())
        g = p
        if nesterov:
            m_new = mu * m + lr * g
            step = (1 + mu) * m_new - mu * m
        else:
            m_new = step = lr * g + mu * m
        m, p = m_new, p - step
        assert workspace.FetchBlob("p")[0] == pytest.approx(p, rel=1e-12)
        assert workspace.FetchBlob("m")[0] == pytest.approx(m, rel=1e-12)
        assert workspace.FetchBlob("g")[0] == pytest.approx(step, rel=1e-12)


def test_momentum_sgd_checks_sizes_and_lr() -> None:
    f = np.float32
    with pytest.raises(OperatorError, match="same number of elements"):
        run_op("MomentumSGDUpdate", [np.ones(3, f), np.ones(2, f), np.ones(1, f), np.ones(3, f)], 3)
    with pytest.raises(OperatorError, match="lr must hold exactly one number"):
        run_op("MomentumSGDUpdate", [np.ones(3, f), np.ones(3, f), np.ones(2, f), np.ones(3, f)], 3)


# ---- Adam ------------------------------------------------------------------------------------


def test_adam_several_steps_by_hand() -> None:
    b1, b2, eps, lr = 0.9, 0.999, 1e-5, -0.01
    grads = [0.5, -0.2, 0.3]
    workspace.FeedBlob("p", np.array([1.0]))
    workspace.FeedBlob("m1", np.array([0.0]))
    workspace.FeedBlob("m2", np.array([0.0]))
    workspace.FeedBlob("lr", np.array(lr))
    workspace.FeedBlob("ITER", np.array([0], np.int64))
    net = core.Net("adam")
    net.Iter("ITER", "ITER")
    net.Adam(["p", "m1", "m2", "g", "lr", "ITER"], ["p", "m1", "m2"])
    p, m, v = 1.0, 0.0, 0.0
    for k, g in enumerate(grads, start=1):
        workspace.FeedBlob("g", np.array([g]))
        workspace.RunNetOnce(net)
        t = k + 1  # Iter ran first: iter = k, t = iter + 1
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        p = p + lr * math.sqrt(1 - b2**t) / (1 - b1**t) * m / (math.sqrt(v) + eps)
        assert workspace.FetchBlob("p")[0] == pytest.approx(p, rel=1e-12)
        assert workspace.FetchBlob("m1")[0] == pytest.approx(m, rel=1e-12)
        assert workspace.FetchBlob("m2")[0] == pytest.approx(v, rel=1e-12)


def test_adam_keeps_float32_and_accepts_int32_counter() -> None:
    f = np.float32
    outs = run_op("Adam", [np.ones(3, f), np.zeros(3, f), np.zeros(3, f), np.ones(3, f),
                         np.array([-0.1], f), np.array([4], np.int32)], 3)
    assert [o.dtype for o in outs] == [f, f, f]


def test_adam_in_place_and_counter_errors() -> None:
    with pytest.raises(ArgumentError, match="Adam must run in place"):
        core.CreateOperator("Adam", ["p", "m1", "m2", "g", "lr", "it"], ["p", "m1", "v"])
    f = np.float32
    with pytest.raises(OperatorError, match="int32 or int64"):
        run_op("Adam", [np.ones(3, f), np.zeros(3, f), np.zeros(3, f), np.ones(3, f),
                      np.array([-0.1], f), np.array([4.0], f)], 3)


# ---- the seed's update, end to end -----------------------------------------------------------


def test_seed_update_ops_in_a_created_net() -> None:
    workspace.FeedBlob("W", np.array([[1.0, -1.0]], np.float32))
    workspace.FeedBlob("W_grad", np.array([[0.5, 0.25]], np.float32))
    workspace.FeedBlob("ONE", np.ones(1, np.float32))
    workspace.FeedBlob("ITER", np.zeros(1, np.int32))
    net = core.Net("seed_update")
    net.Iter("ITER", "ITER")
    net.LearningRate("ITER", "LR", base_lr=-0.1, policy="step", stepsize=20, gamma=0.9)
    net.WeightedSum(["W", "ONE", "W_grad", "LR"], "W")
    workspace.CreateNet(net)
    w = np.array([[1.0, -1.0]], np.float32)
    for k in range(1, 41):
        workspace.RunNet(net.Name())
        lr = np.float32(-0.1 * 0.9 ** (k // 20))
        w = (w + lr * np.array([[0.5, 0.25]], np.float32)).astype(np.float32)
    np.testing.assert_allclose(workspace.FetchBlob("W"), w, rtol=1e-5)
    assert workspace.FetchBlob("W").dtype == np.float32


# ---- compiled forms (CreateNet) give the plain kernels' results -------------------------------


def _created_and_plain(net: core.Net, feeds: dict, steps: int, fetch: list[str]):
    """Run ``net`` ``steps`` times through CreateNet/RunNet and through RunNetOnce."""
    results = []
    for created in (True, False):
        workspace.ResetWorkspace()
        for k, v in feeds.items():
            workspace.FeedBlob(k, v)
        if created:
            workspace.CreateNet(net, overwrite=True)
        trace = []
        for _ in range(steps):
            if created:
                workspace.RunNet(net.Name())
            else:
                workspace.RunNetOnce(net)
            trace.append([workspace.FetchBlob(b) for b in fetch])
        results.append(trace)
    return results


def test_compiled_update_matches_plain_kernels_bit_for_bit() -> None:
    net = core.Net("compiled_update")
    net.Iter("ITER", "ITER")
    net.LearningRate("ITER", "LR", base_lr=-0.05, policy="inv", gamma=0.01, power=0.5)
    net.WeightedSum(["W", "ONE", "G", "LR"], "W")
    net.WeightedSum(["B", "ONE", "G2", "LR", "B", "LR"], "B2")
    rng = np.random.default_rng(0)
    feeds = {"ITER": np.zeros(1, np.int32), "ONE": np.ones(1, np.float32),
             "W": rng.normal(size=(3, 2)).astype(np.float32),
             "G": rng.normal(size=(3, 2)).astype(np.float32),
             "B": rng.normal(size=(4,)).astype(np.float32),
             "G2": rng.normal(size=(2, 2)).astype(np.float32)}
    created, plain = _created_and_plain(net, feeds, 30, ["ITER", "LR", "W", "B2"])
    for a, b in zip(created, plain):
        for x, y in zip(a, b):
            assert x.dtype == y.dtype and x.shape == y.shape
            np.testing.assert_array_equal(x, y)


def test_compiled_learning_rate_across_blocks_and_counter_resets() -> None:
    workspace.FeedBlob("ITER", np.array([1020], np.int64))
    net = core.Net("lr_blocks")
    net.Iter("ITER", "ITER")
    net.LearningRate("ITER", "LR", base_lr=0.1, policy="exp", gamma=0.999)
    workspace.CreateNet(net)
    for k in list(range(1021, 1031)) + [1, 2, 3]:
        if k == 1:
            workspace.FeedBlob("ITER", np.array([0], np.int64))  # re-run of an init net
        workspace.RunNet(net.Name())
        assert float(workspace.FetchBlob("LR")) == pytest.approx(0.1 * 0.999**k, rel=1e-6)


def test_compiled_iter_still_checks_the_counter() -> None:
    workspace.FeedBlob("ITER", np.zeros(1, np.int32))
    net = core.Net("iter_checks")
    net.Iter("ITER", "ITER")
    workspace.CreateNet(net)
    workspace.RunNet(net.Name())
    workspace.FeedBlob("ITER", np.array([-4], np.int32))
    with pytest.raises(OperatorError, match="negative"):
        workspace.RunNet(net.Name())
    workspace.FeedBlob("ITER", np.array([np.iinfo(np.int32).max], np.int32))
    with pytest.raises(OperatorError, match="overflow"):
        workspace.RunNet(net.Name())
    workspace.FeedBlob("ITER", np.array([1.0], np.float32))
    with pytest.raises(OperatorError, match="int32 or int64"):
        workspace.RunNet(net.Name())


def test_compiled_weighted_sum_rechecks_new_layouts() -> None:
    workspace.FeedBlob("X", np.ones(3, np.float32))
    workspace.FeedBlob("w", np.ones(1, np.float32))
    net = core.Net("ws_layout")
    net.WeightedSum(["X", "w", "X", "w"], "Y")
    workspace.CreateNet(net)
    workspace.RunNet(net.Name())
    np.testing.assert_array_equal(workspace.FetchBlob("Y"), [2, 2, 2])
    workspace.FeedBlob("w", np.ones(2, np.float32))
    with pytest.raises(OperatorError, match="exactly one number"):
        workspace.RunNet(net.Name())
    workspace.FeedBlob("w", np.array(0.5, np.float64))  # mixed dtypes: NumPy promotion
    workspace.RunNet(net.Name())
    y = workspace.FetchBlob("Y")
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, [1, 1, 1])
