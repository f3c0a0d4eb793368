"""Tests for the NN activations (ops/nn.py) and the losses and metrics (ops/loss.py).

Besides the specific behaviours (errors, dtypes, ties, weights, stability), every case in
cases_nn.py and cases_loss.py is run here forward against its reference, and its gradient
maker + gradient kernel are checked against central finite differences. This does not go
through the net-level gradient builder, so it tests the ops on their own.
"""

from __future__ import annotations

import cases_loss
import cases_nn
import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings
from op_case import Case
from op_checks import case_params, check_forward, check_gradient_by_hand, differentiable, run_op

from graphlab import core, workspace
from graphlab.errors import OperatorError
from graphlab.registry import SHOULD_NOT_DO_GRADIENT, GradientContext, get_schema

ALL_CASES = case_params(cases_nn, cases_loss)


# ---- every case: forward ---------------------------------------------------------------


@pytest.mark.parametrize("op_type, case", ALL_CASES)
def test_forward_matches_reference(op_type: str, case: Case) -> None:
    check_forward(op_type, case)


# ---- every case: gradient maker + kernel against finite differences --------------------


@pytest.mark.parametrize("op_type, case", differentiable(ALL_CASES))
def test_gradient_matches_finite_differences(op_type: str, case: Case) -> None:
    check_gradient_by_hand(op_type, case)


# ---- meta: every op in the two families has cases, every gradient op is listed ----------


def test_every_op_has_cases_or_is_a_listed_gradient_op() -> None:
    from graphlab.registry import all_schemas

    cases = {**cases_nn.CASES, **cases_loss.CASES}
    grads = {**cases_nn.GRADIENT_OPS, **cases_loss.GRADIENT_OPS}
    for schema in all_schemas():
        if schema.family not in ("nn", "loss"):
            continue
        if schema.type in grads:
            assert grads[schema.type] in cases
        else:
            assert schema.type in cases, f"{schema.type} has no test case"


# ---- errors ------------------------------------------------------------------------------


def test_bad_label_names_value_and_number_of_classes() -> None:
    X = np.full((3, 4), 0.25, np.float32)
    with pytest.raises(OperatorError, match=r"label 7 \(sample 1\).*D=4"):
        run_op("LabelCrossEntropy", [X, np.array([0, 7, 1], np.int32)])
    with pytest.raises(OperatorError, match=r"label -1 \(sample 0\).*D=4"):
        run_op("SoftmaxWithLoss", [X, np.array([-1, 0, 1], np.int32)], 2)
    with pytest.raises(OperatorError, match=r"label 4 .*D=4"):
        run_op("Accuracy", [X, np.array([0, 1, 4], np.int32)])


def test_labels_must_be_integers_with_one_per_row() -> None:
    X = np.full((3, 4), 0.25, np.float32)
    with pytest.raises(OperatorError, match="integer array"):
        run_op("LabelCrossEntropy", [X, np.array([0.0, 1.0, 2.0], np.float32)])
    with pytest.raises(OperatorError, match=r"int32\[2\] do not match 3 sample"):
        run_op("LabelCrossEntropy", [X, np.array([0, 1], np.int32)])


def test_squared_l2_distance_shape_mismatch_names_both_shapes() -> None:
    with pytest.raises(OperatorError) as info:
        run_op("SquaredL2Distance", [np.zeros((4, 1), np.float32), np.zeros((4,), np.float32)])
    text = str(info.value)
    assert "float32[4, 1]" in text and "float32[4]" in text
    assert "row" in text and "hint:" in text


@pytest.mark.parametrize("op_type", ["Sigmoid", "Tanh", "LeakyRelu", "Softmax"])
def test_activations_reject_integer_input(op_type: str) -> None:
    with pytest.raises(OperatorError, match="must be a float array, got int32"):
        run_op(op_type, [np.arange(6, dtype=np.int32).reshape(2, 3)])


def test_softmax_axis_out_of_range() -> None:
    with pytest.raises(OperatorError, match=r"axis=2 is out of range"):
        run_op("Softmax", [np.zeros((2, 3))], axis=2)


def test_softmax_with_loss_checks_distributions_weights_and_scale() -> None:
    X = np.zeros((2, 3))
    with pytest.raises(OperatorError, match="probability"):
        run_op("SoftmaxWithLoss", [X, np.full((2, 3), 0.5)], 2, label_prob=1)
    with pytest.raises(OperatorError, match="one weight per sample"):
        run_op("SoftmaxWithLoss", [X, np.array([0, 1], np.int32), np.ones(3)], 2)
    with pytest.raises(OperatorError, match="must be ≥ 0"):
        run_op("SoftmaxWithLoss", [X, np.array([0, 1], np.int32)], 2, scale=-1.0)


def test_accuracy_top_k_must_fit_number_of_classes() -> None:
    with pytest.raises(OperatorError, match="top_k=4 .*D=3"):
        run_op("Accuracy", [np.zeros((2, 3), np.float32), np.array([0, 1], np.int32)], top_k=4)


def test_averaged_loss_of_empty_blob_is_zero_as_in_caffe2() -> None:
    (loss,) = run_op("AveragedLoss", [np.zeros((0, 3), np.float32)])
    assert loss.shape == () and loss.dtype == np.float32 and loss == 0.0


# ---- dtypes ------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op_type", ["Relu", "LeakyRelu", "Sigmoid", "Tanh", "Softmax"])
def test_activation_and_gradient_keep_dtype(op_type: str, dtype) -> None:
    X = np.random.default_rng(0).normal(size=(3, 4)).astype(dtype)
    (Y,) = run_op(op_type, [X])
    assert Y.dtype == dtype and Y.shape == X.shape
    (dX,) = run_op(f"{op_type}Gradient", [Y, np.ones_like(Y)])
    assert dX.dtype == dtype and dX.shape == X.shape


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_losses_keep_dtype(dtype) -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(0.1, 1, size=(4, 3)).astype(dtype)
    labels = np.array([0, 2, 1, 1], np.int32)
    assert run_op("SquaredL2Distance", [X, X[::-1].copy()])[0].dtype == dtype
    (loss,) = run_op("AveragedLoss", [X])
    assert loss.dtype == dtype and loss.shape == ()
    assert run_op("LabelCrossEntropy", [X, labels])[0].dtype == dtype
    assert run_op("CrossEntropy", [X, X / X.sum(axis=1, keepdims=True)])[0].dtype == dtype
    P, avg = run_op("SoftmaxWithLoss", [X, labels], 2)
    assert P.dtype == dtype and avg.dtype == dtype and avg.shape == ()
    (acc,) = run_op("Accuracy", [X, labels])
    assert acc.dtype == np.float32 and acc.shape == ()


def test_float32_loss_seed_promotes_float64_gradients() -> None:
    X = np.linspace(-1, 1, 6).reshape(3, 2)
    (dX,) = run_op("AveragedLossGradient", [X, np.asarray(1.0, np.float32)])
    assert dX.dtype == np.float64
    np.testing.assert_array_equal(dX, np.full((3, 2), 1 / 6))
    (dX32,) = run_op("AveragedLossGradient", [X.astype(np.float32), np.asarray(2.0, np.float32)])
    assert dX32.dtype == np.float32
    np.testing.assert_allclose(dX32, np.full((3, 2), 2 / 6, np.float32))


# ---- gradient op wiring (names and input order Caffe2 uses) ------------------------------


def _maker(op_type: str, inputs: list[str], outputs: list[str], g_out, **args):
    op = core.CreateOperator(op_type, inputs, outputs, **args)
    return get_schema(op_type).grad(GradientContext(op, g_out))


def test_squared_l2_distance_gradient_writes_both_input_gradients() -> None:
    ops, g_in = _maker("SquaredL2Distance", ["Y_noise", "Y_pred"], ["dist"], ["dist_grad"])
    assert [o.type for o in ops] == ["SquaredL2DistanceGradient"]
    assert ops[0].input == ["Y_noise", "Y_pred", "dist_grad"]
    assert ops[0].output == ["Y_noise_grad", "Y_pred_grad"]
    assert g_in == ["Y_noise_grad", "Y_pred_grad"]


def test_softmax_with_loss_gradient_inputs_with_and_without_weight() -> None:
    ops, g_in = _maker("SoftmaxWithLoss", ["X", "label"], ["P", "loss"], [None, "loss_grad"])
    assert ops[0].input == ["X", "label", "P", "loss_grad"] and ops[0].output == ["X_grad"]
    assert g_in == ["X_grad", None]
    ops, g_in = _maker("SoftmaxWithLoss", ["X", "label", "w"], ["P", "loss"],
                       [None, "loss_grad"], scale=2.0)
    assert ops[0].input == ["X", "label", "w", "P", "loss_grad"]
    assert g_in == ["X_grad", None, None]
    assert {a.name: a.value for a in ops[0].arg} == {"scale": 2.0}


def test_label_inputs_get_no_gradient_and_accuracy_refuses_one() -> None:
    _, g_in = _maker("LabelCrossEntropy", ["P", "label"], ["xent"], ["xent_grad"])
    assert g_in == ["P_grad", None]
    _, g_in = _maker("CrossEntropy", ["P", "T"], ["xent"], ["xent_grad"])
    assert g_in == ["P_grad", None]
    assert get_schema("Accuracy").grad == SHOULD_NOT_DO_GRADIENT


@pytest.mark.parametrize("op_type", ["Relu", "LeakyRelu", "Sigmoid", "Tanh", "Softmax"])
def test_activation_gradients_read_the_output(op_type: str) -> None:
    ops, g_in = _maker(op_type, ["X"], ["Y"], ["Y_grad"])
    assert [(o.type, o.input, o.output) for o in ops] == [
        (f"{op_type}Gradient", ["Y", "Y_grad"], ["X_grad"])
    ]
    assert g_in == ["X_grad"]


# ---- Accuracy ----------------------------------------------------------------------------


def test_accuracy_ties_go_to_the_smaller_index() -> None:
    scores = np.array([[1.0, 1.0, 0.0],
                       [1.0, 1.0, 0.0],
                       [0.5, 0.5, 0.5]], np.float32)
    # Row 0: label 0 wins the tie with class 1; row 1: label 1 loses it; row 2: label 2
    # is ranked behind both equal classes 0 and 1.
    (acc,) = run_op("Accuracy", [scores, np.array([0, 1, 2], np.int32)])
    assert acc == np.float32(1 / 3)
    (acc2,) = run_op("Accuracy", [scores, np.array([0, 1, 2], np.int32)], top_k=2)
    assert acc2 == np.float32(2 / 3)
    (acc3,) = run_op("Accuracy", [scores, np.array([0, 1, 2], np.int32)], top_k=3)
    assert acc3 == np.float32(1.0)


def test_accuracy_top_k_counts_label_among_best_k() -> None:
    scores = np.array([[0.1, 0.5, 0.3, 0.2],
                       [0.9, 0.05, 0.03, 0.02],
                       [0.2, 0.1, 0.3, 0.4]], np.float32)
    labels = np.array([2, 3, 0], np.int32)  # ranks: 2nd, 4th, 3rd
    expected = {1: 0.0, 2: 1 / 3, 3: 2 / 3, 4: 1.0}
    for k, value in expected.items():
        (acc,) = run_op("Accuracy", [scores, labels], top_k=k)
        assert acc == np.float32(value), k


# ---- SoftmaxWithLoss ---------------------------------------------------------------------


def test_softmax_with_loss_weights_are_a_weighted_mean() -> None:
    X = np.array([[2.0, 0.0, -1.0], [0.0, 1.0, 0.0], [1.0, 1.0, 3.0]])
    labels = np.array([0, 2, 2], np.int32)
    w = np.array([1.0, 0.0, 3.0])
    logp = X - np.log(np.exp(X).sum(axis=1, keepdims=True))
    per = -logp[[0, 1, 2], labels]
    _, loss = run_op("SoftmaxWithLoss", [X, labels, w], 2)
    np.testing.assert_allclose(loss, (per[0] + 3 * per[2]) / 4)
    _, zero = run_op("SoftmaxWithLoss", [X, labels, np.zeros(3)], 2)
    assert zero == 0.0
    P = np.exp(logp)
    (dX,) = run_op("SoftmaxWithLossGradient", [X, labels, np.zeros(3), P, np.asarray(1.0)])
    np.testing.assert_array_equal(dX, np.zeros_like(X))


def test_softmax_with_loss_label_prob_with_one_hot_equals_label_mode() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(5, 4))
    labels = np.array([3, 0, 1, 1, 2], np.int32)
    onehot = np.eye(4)[labels]
    P1, loss1 = run_op("SoftmaxWithLoss", [X, labels], 2, scale=0.7)
    P2, loss2 = run_op("SoftmaxWithLoss", [X, onehot], 2, scale=0.7, label_prob=1)
    np.testing.assert_allclose(P1, P2)
    np.testing.assert_allclose(loss1, loss2, rtol=1e-12)
    (d1,) = run_op("SoftmaxWithLossGradient", [X, labels, P1, np.asarray(1.0)], scale=0.7)
    (d2,) = run_op("SoftmaxWithLossGradient", [X, onehot, P2, np.asarray(1.0)], scale=0.7,
                 label_prob=1)
    np.testing.assert_allclose(d1, d2)
    np.testing.assert_allclose(d1, 0.7 * (P1 - onehot) / 5)


def test_softmax_with_loss_accepts_the_order_argument() -> None:
    X = np.zeros((2, 3), np.float32)
    _, loss = run_op("SoftmaxWithLoss", [X, np.array([0, 1], np.int32)], 2, order="NCHW")
    np.testing.assert_allclose(loss, np.log(3), rtol=1e-6)


# ---- numeric stability -------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_logits_stay_finite(dtype) -> None:
    X = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, 1000.0]], dtype)
    labels = np.array([1, 2], np.int32)
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow is fine
        (S,) = run_op("Softmax", [X])
        P, loss = run_op("SoftmaxWithLoss", [X, labels], 2)
        (sig,) = run_op("Sigmoid", [X])
    np.testing.assert_allclose(S, [[1, 0, 0], [0, 0, 1]])
    np.testing.assert_allclose(P, S)
    # row 0: -log softmax = 1000 exactly (a direct log(P) would give log(0) = -inf).
    np.testing.assert_allclose(loss, (1000.0 + 0.0) / 2, rtol=1e-6)
    np.testing.assert_array_equal(sig, [[1, 0.5, 0], [0, 0, 1]])
    assert np.isfinite(loss) and loss.dtype == dtype


def test_cross_entropies_clip_zero_probabilities() -> None:
    X = np.array([[0.0, 1.0]])
    (y,) = run_op("LabelCrossEntropy", [X, np.array([0], np.int32)])
    np.testing.assert_allclose(y, [-np.log(1e-20)])
    (y2,) = run_op("CrossEntropy", [X, np.array([[0.5, 0.5]])])
    np.testing.assert_allclose(y2, [-0.5 * np.log(1e-20)])


# ---- in place and inputs untouched -------------------------------------------------------


def test_kernels_do_not_mutate_their_inputs() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 3))
    labels = np.array([0, 1, 2, 1], np.int32)
    P = np.exp(X) / np.exp(X).sum(axis=1, keepdims=True)
    arrays = [X, labels, P]
    before = [a.copy() for a in arrays]
    get_schema("SoftmaxWithLossGradient").kernel(X, labels, P, np.asarray(1.0))
    get_schema("LabelCrossEntropyGradient").kernel(P, labels, np.ones(4))
    get_schema("SoftmaxGradient").kernel(P, X)
    for a, b in zip(arrays, before):
        np.testing.assert_array_equal(a, b)


def test_softmax_runs_in_place() -> None:
    X = np.array([[0.0, np.log(3.0)]])
    (Y,) = run_op("Softmax", [X], inplace=True)
    np.testing.assert_allclose(Y, [[0.25, 0.75]])
    np.testing.assert_allclose(workspace.FetchBlob("in0"), [[0.25, 0.75]])


# ---- through the net-level gradient builder ------------------------------------------------


def test_seed_loss_chain_gradient_ops_and_values() -> None:
    net = core.Net("seed_loss_chain")
    dist = net.SquaredL2Distance(["Y_noise", "Y_pred"], "dist")
    loss = net.AveragedLoss([dist], ["loss"])
    net.AddGradientOperators([loss])
    ops = [(o.type, o.input, o.output) for o in net.Proto().op[2:]]
    assert ops == [
        ("ConstantFill", ["loss"], ["loss_autogen_grad"]),
        ("AveragedLossGradient", ["dist", "loss_autogen_grad"], ["dist_grad"]),
        ("SquaredL2DistanceGradient", ["Y_noise", "Y_pred", "dist_grad"],
         ["Y_noise_grad", "Y_pred_grad"]),
    ]
    rng = np.random.default_rng(0)
    a = rng.normal(size=(8, 1)).astype(np.float32)
    b = rng.normal(size=(8, 1)).astype(np.float32)
    workspace.FeedBlob("Y_noise", a)
    workspace.FeedBlob("Y_pred", b)
    workspace.RunNetOnce(net)
    assert workspace.FetchBlob("loss").dtype == np.float32
    np.testing.assert_allclose(workspace.FetchBlob("loss"), np.mean(0.5 * (a - b)[:, 0] ** 2),
                               rtol=1e-6)
    grad = workspace.FetchBlob("Y_pred_grad")
    assert grad.dtype == np.float32 and grad.shape == (8, 1)
    np.testing.assert_allclose(grad, (b - a) / 8, rtol=1e-6)


def test_classifier_net_skips_accuracy_in_backward_pass() -> None:
    net = core.Net("classifier")
    h = net.Sigmoid(net.FC(["data", "W", "b"], "fc"), "h")
    prob, loss = net.SoftmaxWithLoss([h, "label"], ["prob", "loss"])
    net.Accuracy([prob, "label"], "accuracy")
    grad_map = net.AddGradientOperators([loss])
    types = [o.type for o in net.Proto().op]
    assert types[4:] == ["ConstantFill", "SoftmaxWithLossGradient", "SigmoidGradient",
                         "FCGradient"]
    assert "label" not in grad_map
    rng = np.random.default_rng(0)
    workspace.FeedBlob("data", rng.normal(size=(6, 4)))
    workspace.FeedBlob("label", rng.integers(0, 3, size=6).astype(np.int32))
    workspace.FeedBlob("W", rng.normal(size=(3, 4)))
    workspace.FeedBlob("b", np.zeros(3))
    workspace.RunNetOnce(net)
    assert workspace.FetchBlob("W_grad").shape == (3, 4)
    assert workspace.FetchBlob("accuracy").dtype == np.float32


# ---- properties --------------------------------------------------------------------------


def test_softmax_with_loss_equals_softmax_then_label_cross_entropy_then_mean() -> None:
    rng = np.random.default_rng(7)
    X = rng.normal(scale=3.0, size=(6, 5))
    labels = rng.integers(0, 5, size=6).astype(np.int32)
    (P,) = run_op("Softmax", [X])
    (xent,) = run_op("LabelCrossEntropy", [P, labels])
    (mean,) = run_op("AveragedLoss", [xent])
    P2, loss = run_op("SoftmaxWithLoss", [X, labels], 2)
    np.testing.assert_allclose(P2, P, rtol=1e-12)
    np.testing.assert_allclose(loss, mean, rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    scores=hnp.arrays(np.float32, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1,
                                                   max_side=6),
                      elements=st.integers(-2, 2).map(float)),
    data=st.data(),
)
def test_accuracy_matches_stable_sort_reference(scores, data) -> None:
    n, d = scores.shape
    labels = np.array(data.draw(st.lists(st.integers(0, d - 1), min_size=n, max_size=n)),
                      np.int32)
    top_k = data.draw(st.integers(1, d))
    workspace.ResetWorkspace()
    (acc,) = run_op("Accuracy", [scores, labels], top_k=top_k)
    assert acc == cases_loss.ref_accuracy(scores, labels, top_k=top_k)


@settings(max_examples=30, deadline=None)
@given(
    X=hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 5)),
                 elements=st.floats(-50, 50)),
    shift=st.floats(-1e3, 1e3),
)
def test_softmax_is_shift_invariant_and_normalised(X, shift) -> None:
    workspace.ResetWorkspace()
    (P,) = run_op("Softmax", [X])
    (Q,) = run_op("Softmax", [X + shift])
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(P, Q, atol=1e-9)
