"""The gradient builder: exact op lists, names, versions, accumulation and errors.

Most nets here use small test-only operators registered below (names start with "_",
so the generic op tests ignore them); a few use the real FC/Relu/StopGradient/Add/Sum.
"""

from __future__ import annotations

import numpy as np
import pytest

from graphlab import core, workspace
from graphlab.errors import GradientError
from graphlab.gradients import StopGradientOrphanError, build_backward
from graphlab.registry import (
    NO_GRADIENT,
    SHOULD_NOT_DO_GRADIENT,
    GradientContext,
    register_op,
)

# ---- test-only operators ---------------------------------------------------------------


def _direct_grad(g: GradientContext):
    return [g.op("_GTDirectGradient", [g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("_GTDirect", inplace=[(0, 0)], grad=_direct_grad)
def _gt_direct(X: np.ndarray) -> np.ndarray:
    """Y = 2·X."""
    return 2.0 * X


@register_op("_GTDirectGradient", inplace=[(0, 0)])
def _gt_direct_gradient(dY: np.ndarray) -> np.ndarray:
    """dX = 2·dY."""
    return 2.0 * dY


def _use_input_grad(g: GradientContext):
    return [g.op("_GTUseInputGradient", [g.I(0), g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("_GTUseInput", grad=_use_input_grad)
def _gt_use_input(X: np.ndarray) -> np.ndarray:
    """Y = X²."""
    return X * X


@register_op("_GTUseInputGradient")
def _gt_use_input_gradient(X: np.ndarray, dY: np.ndarray) -> np.ndarray:
    """dX = 2·X·dY."""
    return 2.0 * X * dY


def _use_output_grad(g: GradientContext):
    return [g.op("_GTUseOutputGradient", [g.O(0), g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("_GTUseOutput", inplace=[(0, 0)], grad=_use_output_grad)
def _gt_use_output(X: np.ndarray) -> np.ndarray:
    """Y = exp(X)."""
    return np.exp(X)


@register_op("_GTUseOutputGradient", inplace=[(1, 0)])
def _gt_use_output_gradient(Y: np.ndarray, dY: np.ndarray) -> np.ndarray:
    """dX = Y·dY."""
    return Y * dY


def _pass_grad(g: GradientContext):
    return [], [g.GO(0), g.GO(0)]


@register_op("_GTPass", grad=_pass_grad)
def _gt_pass(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Y = A + B (both gradients are the output gradient, passed straight through)."""
    return A + B


@register_op("_GTNoGrad", grad=NO_GRADIENT)
def _gt_no_grad(X: np.ndarray) -> np.ndarray:
    """Y = X, no gradient."""
    return X.copy()


@register_op("_GTShouldNot", grad=SHOULD_NOT_DO_GRADIENT)
def _gt_should_not(X: np.ndarray) -> np.ndarray:
    """Y = X, must not be differentiated."""
    return X.copy()


@register_op("_GTNoMaker")
def _gt_no_maker(X: np.ndarray) -> np.ndarray:
    """Y = X, no gradient registered."""
    return X.copy()


def _broken_grad(g: GradientContext):
    raise KeyError("boom")


@register_op("_GTBrokenMaker", grad=_broken_grad)
def _gt_broken(X: np.ndarray) -> np.ndarray:
    """Y = X with a gradient maker that fails."""
    return X.copy()


def _bad_type_grad(g: GradientContext):
    return [g.op("_GTNoSuchGradient", [g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("_GTBadGradType", grad=_bad_type_grad)
def _gt_bad_type(X: np.ndarray) -> np.ndarray:
    """Y = X with a maker naming an unregistered gradient op."""
    return X.copy()


def _wrong_count_grad(g: GradientContext):
    return [g.op("_GTDirectGradient", [g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("_GTWrongCount", grad=_wrong_count_grad)
def _gt_wrong_count(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Y = A + B with a maker that forgets B's entry."""
    return A + B


def _out_of_scope_grad(g: GradientContext):
    return [g.op("_GTUseInputGradient", ["mystery", g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("_GTOutOfScope", grad=_out_of_scope_grad)
def _gt_out_of_scope(X: np.ndarray) -> np.ndarray:
    """Y = X with a maker reading an unrelated blob."""
    return X.copy()


def listing(ops) -> list[tuple[str, list[str], list[str]]]:
    return [(op.type, list(op.input), list(op.output)) for op in ops]


def grad_listing(net: core.Net, n_forward: int):
    return listing(net.Proto().op[n_forward:])


# ---- simple chains --------------------------------------------------------------------


def test_chain_with_given_gradient():
    net = core.Net("chain")
    net._GTDirect(["X"], ["Y"])
    net._GTDirect(["Y"], ["Z"])
    gmap = net.AddGradientOperators({"Z": "Z_g"})
    assert grad_listing(net, 2) == [
        ("_GTDirectGradient", ["Z_g"], ["Y_grad"]),
        ("_GTDirectGradient", ["Y_grad"], ["X_grad"]),
    ]
    assert list(gmap.items()) == [("Z", "Z_g"), ("Y", "Y_grad"), ("X", "X_grad")]
    assert all(isinstance(k, core.BlobReference) and k.Net() is None for k in gmap)
    assert all(isinstance(v, core.BlobReference) and v.Net() is None for v in gmap.values())
    assert all(op.is_gradient_op for op in net.Proto().op[2:])
    assert net.Proto().external_input == ["X"]
    assert net.BlobIsDefined("X_grad")


def test_list_seeds_with_constant_fill():
    net = core.Net("seeded")
    net._GTUseInput(["X"], ["Y"])
    loss = net._GTUseOutput(["Y"], ["loss"])
    gmap = net.AddGradientOperators([loss])
    ops = net.Proto().op[2:]
    assert listing(ops) == [
        ("ConstantFill", ["loss"], ["loss_autogen_grad"]),
        ("_GTUseOutputGradient", ["loss", "loss_autogen_grad"], ["Y_grad"]),
        ("_GTUseInputGradient", ["X", "Y_grad"], ["X_grad"]),
    ]
    assert ops[0].args() == {"value": 1.0}
    assert ops[0].arg[0].f == 1.0
    assert not ops[0].is_gradient_op
    assert dict(gmap) == {"loss": "loss_autogen_grad", "Y": "Y_grad", "X": "X_grad"}


def test_bare_blob_and_string_are_accepted():
    for ys in ("loss", core.BlobReference("loss")):
        net = core.Net("bare")
        net._GTDirect(["X"], ["loss"])
        gmap = net.AddGradientOperators(ys)
        assert dict(gmap) == {"loss": "loss_autogen_grad", "X": "X_grad"}


def test_dict_none_means_seed_and_bad_types_raise():
    net = core.Net("badys")
    net._GTDirect(["X"], ["Y"])
    with pytest.raises(TypeError, match="list of blobs, a dict"):
        net.AddGradientOperators(42)
    with pytest.raises(GradientError, match="no op of the net reads or writes it"):
        net.AddGradientOperators({"Q": "Q_g"})
    assert len(net.Proto().op) == 1  # nothing appended on failure


def test_gradient_ops_copy_forward_arguments_and_origin():
    net = core.Net("fcargs")
    net.FC(["X", "W", "b"], "Y", axis=1)
    gmap = net.AddGradientOperators({"Y": "Y_g"})
    fwd, grad = net.Proto().op
    assert listing([grad]) == [("FCGradient", ["X", "W", "Y_g"], ["W_grad", "b_grad", "X_grad"])]
    assert grad.args() == {"axis": 1}
    assert grad.origin == fwd.origin and fwd.origin.endswith(".py:" + fwd.origin.split(":")[-1])
    assert list(gmap) == ["Y", "X", "W", "b"]


def test_skip_ignores_leading_ops():
    net = core.Net("skip")
    net._GTDirect(["A"], ["X"])
    net._GTDirect(["X"], ["Y"])
    gmap = net.AddGradientOperators({"Y": "Y_g"}, skip=1)
    assert grad_listing(net, 2) == [("_GTDirectGradient", ["Y_g"], ["X_grad"])]
    assert "A" not in gmap


# ---- accumulation ---------------------------------------------------------------------


def test_blob_used_twice_is_summed_with_autosplit_names():
    net = core.Net("twice")
    net._GTDirect(["X"], ["Y1"])
    net._GTUseInput(["X"], ["Y2"])
    net._GTPass(["Y1", "Y2"], ["Z"])
    gmap = net.AddGradientOperators({"Z": "Z_g"})
    assert grad_listing(net, 3) == [
        ("_GTUseInputGradient", ["X", "Z_g"], ["X_grad"]),
        ("_GTDirectGradient", ["Z_g"], ["_X_grad_autosplit_0"]),
        ("Sum", ["X_grad", "_X_grad_autosplit_0"], ["X_grad"]),
    ]
    assert list(gmap.items()) == [("Z", "Z_g"), ("Y1", "Z_g"), ("Y2", "Z_g"), ("X", "X_grad")]
    assert not net.Proto().op[-1].is_gradient_op


def test_three_consumers_number_the_autosplits():
    net = core.Net("three")
    net._GTDirect(["X"], ["A"])
    net._GTDirect(["X"], ["B"])
    net._GTDirect(["X"], ["C"])
    net._GTPass(["A", "B"], ["AB"])
    net._GTPass(["AB", "C"], ["Z"])
    net.AddGradientOperators({"Z": "Z_g"})
    assert grad_listing(net, 5) == [
        ("_GTDirectGradient", ["Z_g"], ["X_grad"]),
        ("_GTDirectGradient", ["Z_g"], ["_X_grad_autosplit_0"]),
        ("_GTDirectGradient", ["Z_g"], ["_X_grad_autosplit_1"]),
        ("Sum", ["X_grad", "_X_grad_autosplit_0", "_X_grad_autosplit_1"], ["X_grad"]),
    ]


def test_pass_through_generators_contribute_their_names():
    # X feeds a pass-through op twice: both partial gradients are the output gradient.
    net = core.Net("passpass")
    net._GTPass(["X", "X"], ["Y"])
    gmap = net.AddGradientOperators({"Y": "Y_g"})
    assert grad_listing(net, 1) == [("Sum", ["Y_g", "Y_g"], ["X_grad"])]
    assert dict(gmap) == {"Y": "Y_g", "X": "X_grad"}


def test_pass_through_and_op_generator_mix():
    net = core.Net("mix")
    net._GTDirect(["X"], ["A"])
    net._GTPass(["A", "X"], ["Z"])
    net.AddGradientOperators({"Z": "Z_g"})
    # Pass contributes Z_g for X; Direct's gradient op is the first real generator and
    # keeps X_grad, which the Sum then overwrites in place (moved to position 0).
    assert grad_listing(net, 2) == [
        ("_GTDirectGradient", ["Z_g"], ["X_grad"]),
        ("Sum", ["X_grad", "Z_g"], ["X_grad"]),
    ]


def test_same_op_reading_blob_twice_accumulates():
    net = core.Net("square")
    net._GTPass(["X", "X"], ["Y"])
    net._GTUseInput(["Y"], ["Z"])
    gmap = net.AddGradientOperators({"Z": "Z_g"})
    assert grad_listing(net, 2) == [
        ("_GTUseInputGradient", ["Y", "Z_g"], ["Y_grad"]),
        ("Sum", ["Y_grad", "Y_grad"], ["X_grad"]),
    ]
    assert gmap["X"] == "X_grad"


def test_no_sum_when_only_one_consumer_gives_a_gradient():
    net = core.Net("onegrad")
    net._GTDirect(["X"], ["A"])
    net._GTNoGrad(["X"], ["B"])
    net._GTPass(["A", "B"], ["Z"])
    net.AddGradientOperators({"Z": "Z_g"})
    assert grad_listing(net, 3) == [("_GTDirectGradient", ["Z_g"], ["X_grad"])]


def test_sum_passes_its_output_gradient_through():
    net = core.Net("sumpass")
    net._GTDirect(["X"], ["A"])
    net.Sum(["A", "B"], ["C"])
    gmap = net.AddGradientOperators({"C": "C_g"})
    assert grad_listing(net, 2) == [("_GTDirectGradient", ["C_g"], ["X_grad"])]
    assert dict(gmap) == {"C": "C_g", "A": "C_g", "B": "C_g", "X": "X_grad"}


def test_two_seeds_where_one_feeds_the_other_accumulate():
    net = core.Net("nested")
    net._GTDirect(["X"], ["Y"])
    net._GTDirect(["Y"], ["Z"])
    gmap = net.AddGradientOperators(["Y", "Z"])
    assert grad_listing(net, 2) == [
        ("ConstantFill", ["Y"], ["Y_autogen_grad"]),
        ("ConstantFill", ["Z"], ["Z_autogen_grad"]),
        ("_GTDirectGradient", ["Z_autogen_grad"], ["_Y_grad_autosplit_0"]),
        ("Sum", ["Y_autogen_grad", "_Y_grad_autosplit_0"], ["Y_autogen_grad"]),
        ("_GTDirectGradient", ["Y_autogen_grad"], ["X_grad"]),
    ]
    assert dict(gmap) == {"Y": "Y_autogen_grad", "Z": "Z_autogen_grad", "X": "X_grad"}


def test_given_seed_takes_part_in_accumulation():
    net = core.Net("given_nested")
    net._GTDirect(["Y"], ["Z"])
    gmap = net.AddGradientOperators({"Y": "Y_g", "Z": "Z_g"})
    assert grad_listing(net, 1) == [
        ("_GTDirectGradient", ["Z_g"], ["Y_grad"]),
        ("Sum", ["Y_grad", "Y_g"], ["Y_grad"]),
    ]
    assert gmap["Y"] == "Y_grad"


# ---- in-place ops and versions --------------------------------------------------------


def test_in_place_op_uses_the_right_versions():
    net = core.Net("inplace")
    net._GTDirect(["X"], ["Y"])
    net._GTUseOutput(["Y"], ["Y"])
    net._GTDirect(["Y"], ["Z"])
    gmap = net.AddGradientOperators({"Z": "Z_g"})
    assert grad_listing(net, 3) == [
        ("_GTDirectGradient", ["Z_g"], ["Y_grad"]),
        ("_GTUseOutputGradient", ["Y", "Y_grad"], ["Y_grad"]),
        ("_GTDirectGradient", ["Y_grad"], ["X_grad"]),
    ]
    assert dict(gmap) == {"Z": "Z_g", "Y": "Y_grad", "X": "X_grad"}


def test_overwritten_input_is_a_version_error():
    net = core.Net("overwrite")
    net._GTUseInput(["X"], ["Y"])
    net._GTDirect(["X"], ["X"])  # overwrites X after _GTUseInput read it
    with pytest.raises(GradientError) as info:
        net.AddGradientOperators({"Y": "Y_g"})
    msg = str(info.value)
    assert "needs input 'X'" in msg and "version 0" in msg and "version 1" in msg
    assert "_GTUseInput (op #0" in msg and "_GTDirect (op #1" in msg
    assert "test_gradients.py:" in msg
    assert "after* net.AddGradientOperators" in msg


def test_update_ops_before_gradients_are_rejected_with_fix():
    net = core.Net("early_update")
    net.FC(["X", "W", "b"], "Y")
    net.FC(["X", "W2", "b2"], "Y2")  # stands for any op reading X afterwards
    net._GTDirect(["W"], ["W"])  # an in-place "update" of W added too early
    with pytest.raises(GradientError, match=r"needs input 'W' of FC \(op #0") as info:
        net.AddGradientOperators({"Y": "Y_g"})
    assert "overwritten afterwards by _GTDirect (op #2" in str(info.value)
    assert "version history of 'W'" in str(info.value)


def test_second_backward_pass_for_the_same_loss_is_refused():
    net = core.Net("twice")
    net.FC(["X", "W", "b"], "Y")
    loss = net.AveragedLoss("Y", "loss")
    net.AddGradientOperators([loss])
    n_ops = len(net.Proto().op)
    with pytest.raises(GradientError, match="already has the backward pass for 'loss'") as info:
        net.AddGradientOperators([loss])  # a notebook cell run a second time
    msg = str(info.value)
    assert "ConstantFill (op #2: ConstantFill(loss) -> loss_autogen_grad" in msg
    assert "rebuild the net from scratch" in msg
    assert len(net.Proto().op) == n_ops  # nothing was appended
    net.AddGradientOperators({"Y": "Y_given_grad"})  # another seed is still allowed


def test_duplicated_output_is_a_gradient_version_error():
    net = core.Net("dup")
    net._GTDirect(["X"], ["Y"])
    net._GTDirect(["X2"], ["Y"])  # a second op writes Y (e.g. a cell run twice)
    net._GTDirect(["Y"], ["Z"])
    with pytest.raises(GradientError) as info:
        net.AddGradientOperators({"Z": "Z_g"})
    msg = str(info.value)
    assert "Gradient name 'Y_grad' is expected to correspond to version 0 of 'Y'" in msg
    assert "currently we have version 1" in msg
    assert "version 0 written by _GTDirect (op #0" in msg
    assert "version 1 written by _GTDirect (op #1" in msg


# ---- stopping gradients ---------------------------------------------------------------


def test_no_gradient_op_stops_the_walk():
    net = core.Net("stop")
    net._GTDirect(["X"], ["A"])
    net._GTNoGrad(["A"], ["B"])
    net._GTDirect(["B"], ["Z"])
    gmap = net.AddGradientOperators({"Z": "Z_g"})
    assert grad_listing(net, 3) == [("_GTDirectGradient", ["Z_g"], ["B_grad"])]
    assert dict(gmap) == {"Z": "Z_g", "B": "B_grad"}


def test_in_place_stop_gradient_erases_the_blob_from_the_map():
    net = core.Net("sg_inplace")
    net._GTDirect(["X"], ["Y"])
    net.StopGradient(["Y"], ["Y"])
    net._GTDirect(["Y"], ["Z"])
    gmap = net.AddGradientOperators({"Z": "Z_g"})
    assert grad_listing(net, 3) == [("_GTDirectGradient", ["Z_g"], ["Y_grad"])]
    assert dict(gmap) == {"Z": "Z_g"}


def test_stop_gradient_to_a_new_blob_keeps_its_output():
    net = core.Net("sg_copy")
    net._GTDirect(["X"], ["Y"])
    net.StopGradient(["Y"], ["Ys"])
    net._GTDirect(["Ys"], ["Z"])
    gmap = net.AddGradientOperators({"Z": "Z_g"})
    assert dict(gmap) == {"Z": "Z_g", "Ys": "Ys_grad"}


def test_orphan_stop_gradient_is_an_error():
    net = core.Net("sg_orphan")
    net._GTDirect(["X"], ["Y"])
    net.StopGradient(["Y"], ["Y_stopped"])
    net._GTDirect(["Y"], ["Z"])
    with pytest.raises(StopGradientOrphanError, match="'Y_stopped' is never read") as info:
        net.AddGradientOperators({"Z": "Z_g"})
    assert isinstance(info.value, ValueError)
    assert "StopGradient(['Y'], ['Y'])" in str(info.value)


def test_should_not_do_gradient_names_op_and_remedy():
    net = core.Net("shouldnot")
    net._GTShouldNot(["X"], ["A"])
    net._GTDirect(["A"], ["Z"])
    with pytest.raises(GradientError) as info:
        net.AddGradientOperators({"Z": "Z_g"})
    msg = str(info.value)
    assert "One should not call gradient for operator _GTShouldNot" in msg
    assert "(op #0: _GTShouldNot(X) -> A, created at " in msg and "test_gradients.py:" in msg
    assert "net.StopGradient(['A'], ['A'])" in msg


def test_missing_gradient_names_op_and_both_remedies():
    net = core.Net("nomaker")
    net._GTDirect(["X"], ["A"])
    net._GTNoMaker(["A"], ["B"])
    net._GTDirect(["B"], ["Z"])
    with pytest.raises(GradientError) as info:
        net.AddGradientOperators({"Z": "Z_g"})
    msg = str(info.value)
    assert "No gradient is registered for operator _GTNoMaker" in msg
    assert "op #1" in msg
    assert "net.StopGradient(['B'], ['B'])" in msg and "register_op('_GTNoMaker'" in msg


def test_failing_maker_and_invalid_gradient_op_are_reported():
    net = core.Net("broken")
    net._GTBrokenMaker(["X"], ["Z"])
    with pytest.raises(GradientError, match=r"_GTBrokenMaker \(op #0.*KeyError"):
        net.AddGradientOperators({"Z": "Z_g"})
    net = core.Net("badtype")
    net._GTBadGradType(["X"], ["Z"])
    with pytest.raises(GradientError, match="invalid _GTNoSuchGradient op"):
        net.AddGradientOperators({"Z": "Z_g"})


def test_maker_contract_violations_are_reported():
    net = core.Net("wrongcount")
    net._GTWrongCount(["A", "B"], ["Z"])
    with pytest.raises(GradientError, match="returned 1 input gradient.*for 2 input"):
        net.AddGradientOperators({"Z": "Z_g"})
    net = core.Net("scope")
    net._GTOutOfScope(["X"], ["Z"])
    with pytest.raises(GradientError, match="reads 'mystery', which is neither"):
        net.AddGradientOperators({"Z": "Z_g"})


def test_off_path_ops_produce_nothing():
    net = core.Net("offpath")
    net._GTDirect(["X"], ["Z"])
    net._GTShouldNot(["X"], ["unrelated"])  # never reached: its output has no gradient
    net.AddGradientOperators({"Z": "Z_g"})
    assert grad_listing(net, 2) == [("_GTDirectGradient", ["Z_g"], ["X_grad"])]


# ---- scale and determinism ------------------------------------------------------------


def test_3000_op_chain_is_iterative():
    ops = [core.CreateOperator("_GTDirect", [f"b{i}"], [f"b{i + 1}"]) for i in range(3000)]
    grad_ops, gmap = build_backward(ops, {"b3000": "seed"})
    assert len(grad_ops) == 3000
    assert listing(grad_ops[:2]) == [
        ("_GTDirectGradient", ["seed"], ["b2999_grad"]),
        ("_GTDirectGradient", ["b2999_grad"], ["b2998_grad"]),
    ]
    assert gmap["b0"] == "b0_grad" and len(gmap) == 3001


def test_in_place_chain_of_3000_ops():
    ops = [core.CreateOperator("_GTDirect", ["x"], ["x"]) for _ in range(3000)]
    grad_ops, gmap = build_backward(ops, {"x": "seed"})
    assert len(grad_ops) == 3000
    assert listing(grad_ops[:2]) == [
        ("_GTDirectGradient", ["seed"], ["x_grad"]),
        ("_GTDirectGradient", ["x_grad"], ["x_grad"]),
    ]
    assert dict(gmap) == {"x": "x_grad"}


def test_in_place_chain_needing_old_outputs_fails_with_short_history():
    # Each gradient needs its op's output, but 3000 in-place writes leave only the last.
    ops = [core.CreateOperator("_GTUseOutput", ["x"], ["x"]) for _ in range(3000)]
    with pytest.raises(GradientError, match="needs output 'x'") as info:
        build_backward(ops, {"x": "seed"})
    msg = str(info.value)
    assert "version 3000 written by" in msg and "earlier versions" in msg
    assert len(msg.splitlines()) < 30


def test_same_net_gives_identical_ops():
    def build():
        net = core.Net("det")
        for k in range(4):
            net._GTDirect(["X"], [f"A{k}"])
        net._GTPass(["A0", "A1"], ["B"])
        net._GTPass(["A2", "A3"], ["C"])
        net._GTPass(["B", "C"], ["Z"])
        net.AddGradientOperators({"Z": "Z_g"})
        return [str(op) for op in net.Proto().op]

    assert build() == build()


# ---- running the result ---------------------------------------------------------------


def test_running_a_created_train_net_twice_gives_the_same_gradients():
    rng = np.random.default_rng(0)
    net = core.Net("run")
    net.FC(["X", "W", "b"], "H")
    net.Relu(["H"], ["H"])
    net._GTUseInput(["H"], ["Z"])
    gmap = net.AddGradientOperators({"Z": "Z_g"})
    workspace.FeedBlob("X", rng.normal(size=(4, 3)))
    workspace.FeedBlob("W", rng.normal(size=(2, 3)))
    workspace.FeedBlob("b", rng.normal(size=2))
    workspace.FeedBlob("Z_g", rng.normal(size=(4, 2)))
    workspace.CreateNet(net)
    workspace.RunNet(net.Name())
    first = {k: workspace.FetchBlob(v) for k, v in gmap.items()}
    workspace.RunNet(net.Name())
    second = {k: workspace.FetchBlob(v) for k, v in gmap.items()}
    assert list(first) == ["Z", "H", "X", "W", "b"]
    for k in first:
        np.testing.assert_array_equal(first[k], second[k])
    # and the values are right: d/dW of Σ Z_g·relu(XWᵀ+b)²
    X, W, b, Zg = (workspace.FetchBlob(n) for n in ("X", "W", "b", "Z_g"))
    pre = X @ W.T + b
    dpre = 2 * np.maximum(pre, 0) * Zg * (pre > 0)
    np.testing.assert_allclose(second["W"], dpre.T @ X, rtol=1e-12)
    np.testing.assert_allclose(second["b"], dpre.sum(0), rtol=1e-12)
    np.testing.assert_allclose(second["X"], dpre @ W, rtol=1e-12)


def test_accumulated_gradient_runs_correctly():
    net = core.Net("accrun")
    net._GTDirect(["X"], ["Y1"])
    net._GTUseInput(["X"], ["Y2"])
    net._GTPass(["Y1", "Y2"], ["Z"])
    gmap = net.AddGradientOperators({"Z": "Z_g"})
    x = np.array([0.5, -1.0, 2.0])
    workspace.FeedBlob("X", x)
    workspace.FeedBlob("Z_g", np.ones(3))
    workspace.RunNetOnce(net)
    np.testing.assert_allclose(workspace.FetchBlob(gmap["X"]), 2.0 + 2.0 * x)


def test_accumulation_through_real_ops_matches_finite_differences():
    # H is read by Mul (twice), Tanh and FC, and W by both FCs: several Sums are needed.
    from graphlab.gradient_checker import check_gradient

    net = core.Net("diamond")
    net.FC(["X", "W", "b"], "H")
    net.Mul(["H", "H"], "H2")
    net.Tanh(["H"], "T")
    net.Add(["H2", "T"], "S")
    net.FC(["H", "W", "b"], "U")
    net.Sum(["S", "U"], "V")
    net.SquaredL2Distance(["V", "target"], "dist")
    net.AveragedLoss(["dist"], "loss")
    grad_ops, _ = build_backward(net.Proto().op, ["loss"])
    sums = [op for op in grad_ops if op.type == "Sum"]
    assert [op.output[0] for op in sums] == ["H_grad", "W_grad", "b_grad"]
    assert any("_H_grad_autosplit_" in name for op in sums for name in op.input)
    rng = np.random.default_rng(3)
    inputs = {
        "X": rng.normal(size=(5, 3)),
        "W": rng.normal(size=(3, 3)) * 0.5,
        "b": rng.normal(size=3),
        "target": rng.normal(size=(5, 3)),
    }
    check_gradient(net, ["loss"], inputs, wrt=["X", "W", "b"]).assert_ok()


def test_asking_for_the_gradient_of_a_metric_says_to_differentiate_the_loss():
    net = core.Net("metric_grad")
    net.Accuracy(["p", "label"], "acc")
    with pytest.raises(GradientError) as e:
        net.AddGradientOperators(["acc"])
    msg = str(e.value)
    assert "Accuracy (op #0" in msg
    assert "gradient of 'acc'" in msg and "Differentiate the loss" in msg
