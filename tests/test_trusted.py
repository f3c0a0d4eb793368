"""Trusted runs: a created net skips its ops' layout checks only when that cannot change
anything. Every test compares against the same program with ``trust_layouts=False``
(every op checked on every run), bit for bit, or checks that a changed blob brings the
checks back with graphlab's own error message."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from seed_nets import seed_nets

from graphlab import core, workspace
from graphlab.errors import OperatorError
from graphlab.fast import Plan


def _ws() -> workspace.Workspace:
    return workspace.CurrentWorkspaceObject()


def _seed_in(ws_name: str, trust: bool, random_data: bool = True, seed: int = 5) -> str:
    """The seed's nets in workspace ``ws_name`` (init net run); returns the train net name."""
    workspace.SwitchWorkspace(ws_name, True)
    workspace.ResetWorkspace()
    workspace.SetRandomSeed(seed)
    nets = seed_nets(random_data=random_data)
    workspace.RunNetOnce(nets.init_net)
    _ws().create_net(nets.train_net, trust_layouts=trust)
    return nets.train_net.Proto().name


def _plan(name: str) -> Plan:
    return _ws().plan(name)


def _all_blobs() -> dict[str, np.ndarray]:
    return {b: workspace.FetchBlob(b) for b in workspace.Blobs()}


def _assert_same_blobs(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert sorted(a) == sorted(b)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], strict=True, err_msg=name)


def _side_by_side(program: Any, random_data: bool = True) -> None:
    """Run ``program(name)`` in a trusting and a checking workspace; compare all blobs."""
    results = []
    for trust in (True, False):
        name = _seed_in(f"trust_{trust}", trust, random_data)
        program(name)
        results.append(_all_blobs())
    _assert_same_blobs(*results)


# ---- when a plan trusts -------------------------------------------------------------------


def test_seed_net_trusts_after_two_settled_runs_and_matches_checked_runs_bit_for_bit():
    name = _seed_in("t", True)
    plan = _plan(name)
    assert plan.trust_layouts and not plan.trusted
    assert plan.carried == ["W_gt", "B_gt", "W", "B", "ITER", "ONE"]
    workspace.RunNet(name)  # ops take their plain roads: checked
    assert not plan.trusted
    workspace.RunNet(name)  # their fast roads, laying blobs out the same: trusted from now
    assert plan.trusted

    def program(name: str) -> None:
        for _ in range(60):  # past the LearningRate steps at 20 and 40
            workspace.RunNet(name)

    _side_by_side(program)


def test_num_iter_runs_one_checked_iteration_then_trusted_ones():
    def program(name: str) -> None:
        workspace.RunNet(name, num_iter=25)
        assert _plan(name).trusted == _plan(name).trust_layouts
        workspace.RunNet(name, num_iter=7)

    _side_by_side(program)


def test_trust_layouts_false_never_trusts():
    name = _seed_in("t", False)
    workspace.RunNet(name, num_iter=3)
    assert not _plan(name).trust_layouts and not _plan(name).trusted


def test_a_net_whose_blobs_change_layout_every_run_stays_checked():
    workspace.FeedBlob("M", np.arange(6, dtype=np.float32).reshape(2, 3))
    net = core.Net("flip")
    net.Transpose("M", "T")
    net.Copy("T", "M")  # M: [2, 3] -> [3, 2] -> [2, 3] ...: never the same twice in a row
    net.Scale("M", "S", scale=2.0)
    workspace.CreateNet(net)
    plan = _plan(net.Proto().name)
    for k in range(1, 5):
        workspace.RunNet(net)
        assert not plan.trusted
        want = np.arange(6, dtype=np.float32).reshape(2, 3)
        want = want.T if k % 2 else want
        np.testing.assert_array_equal(workspace.FetchBlob("S"), 2 * want)


@pytest.mark.parametrize(
    "build",
    [
        lambda net: net.Reshape(["M", "shape"], ["R", "old"]),  # the shape is a blob's value
        lambda net: net.ConstantFill(["shape"], "F", input_as_shape=1, value=1.0),
        lambda net: net.GaussianFill([], "G", shape=[2], run_once=1),  # reads its output
    ],
    ids=["Reshape-from-blob", "input_as_shape", "run_once"],
)
def test_ops_whose_output_layout_follows_values_keep_the_net_checked(build: Any):
    workspace.FeedBlob("M", np.ones((2, 3), np.float32))
    workspace.FeedBlob("shape", np.array([3, 2], np.int64))
    net = core.Net("values")
    build(net)
    net.Scale("M", "S", scale=2.0)
    workspace.CreateNet(net)
    workspace.RunNet(net, num_iter=3)
    assert not _plan(net.Proto().name).trust_layouts and not _plan(net.Proto().name).trusted


# ---- what takes trust away ------------------------------------------------------------------


def test_feeding_a_carried_blob_with_another_shape_gives_the_checked_error():
    name = _seed_in("t", True)
    workspace.RunNet(name, num_iter=2)
    assert _plan(name).trusted
    workspace.FeedBlob("W", np.ones((1, 3), np.float32))  # X has 2 features
    with pytest.raises(OperatorError) as info:
        workspace.RunNet(name)
    text = str(info.value)
    assert "FC" in text and "op #5" in text and "[1, 3]" in text and "dimension mismatch" in text
    assert not _plan(name).trusted


def test_feeding_new_data_of_another_size_is_checked_then_trusted_again():
    def program(name: str) -> None:
        workspace.RunNet(name, num_iter=3)
        rng = np.random.default_rng(1)
        workspace.FeedBlob("X", rng.standard_normal((10, 2)).astype(np.float32))
        workspace.FeedBlob("noise", rng.standard_normal((10, 1)).astype(np.float32))
        workspace.RunNet(name)
        assert not _plan(name).trusted
        workspace.RunNet(name)
        assert _plan(name).trusted == _plan(name).trust_layouts
        workspace.RunNet(name, num_iter=3)
        assert workspace.FetchBlob("dist").shape == (10,)

    _side_by_side(program, random_data=False)


def test_feeding_the_same_layout_keeps_results_exact():
    def program(name: str) -> None:
        for k in range(6):
            workspace.RunNet(name)
            workspace.FeedBlob("B", np.array([0.25 * k], np.float32))

    _side_by_side(program)


def test_another_net_writing_a_carried_blob_is_noticed():
    def program(name: str) -> None:
        shrink = core.Net("shrink")
        shrink.Scale("W", "W", scale=0.5)
        workspace.CreateNet(shrink)
        for _ in range(5):
            workspace.RunNet(name)
            workspace.RunNet(shrink)
            workspace.RunOperatorOnce(core.CreateOperator("Scale", ["B"], ["B"], scale=0.5))

    _side_by_side(program)


def test_guarded_runs_check_every_op_and_trust_returns_after():
    def program(name: str) -> None:
        workspace.RunNet(name, num_iter=2)
        workspace.RunNet(name, check_finite=True)
        assert not _plan(name).trusted
        workspace.RunNet(name, num_iter=2)

    _side_by_side(program)


def test_an_error_in_a_trusted_run_is_reported_like_a_checked_one():
    name = _seed_in("t", True)
    top = np.iinfo(np.int32).max
    workspace.FeedBlob("ITER", np.array([top - 3], np.int32))
    workspace.RunNet(name, num_iter=2)  # checked: ITER -> top - 1
    assert _plan(name).trusted
    workspace.RunNet(name)  # trusted: ITER -> top
    W = workspace.FetchBlob("W")
    with pytest.raises(OperatorError) as info:
        workspace.RunNet(name)  # trusted: Iter cannot go past top
    text = str(info.value)
    assert "Iter" in text and "op #12" in text
    assert not _plan(name).trusted
    assert workspace.FetchBlob("ITER")[0] == top  # the failing op wrote nothing
    np.testing.assert_array_equal(workspace.FetchBlob("W"), W)  # nor did the ops after it


def test_deferred_x_grad_after_trusted_runs_is_the_formula():
    name = _seed_in("t", True)
    workspace.RunNet(name, num_iter=4)
    assert _plan(name).trusted
    W = workspace.FetchBlob("W")
    workspace.RunNet(name)
    dY = workspace.FetchBlob("Y_pred_grad")
    np.testing.assert_allclose(workspace.FetchBlob("X_grad"), dY @ W, rtol=1e-6)


def test_fetching_and_feeding_in_any_order_matches_checked_runs():
    rng = np.random.default_rng(3)
    actions = rng.integers(0, 7, size=80).tolist()

    def program(name: str) -> None:
        for a in actions:
            if a == 0:
                workspace.RunNet(name)
            elif a == 1:
                workspace.RunNet(name, num_iter=3)
            elif a == 2:
                workspace.FetchBlob("X_grad")  # computes a deferred blob
            elif a == 3:
                workspace.FeedBlob("B", np.array([0.1], np.float32))
            elif a == 4:
                workspace.RunNet(name, check_finite=True)
            elif a == 5:  # another dtype: every op after FC promotes to float64
                workspace.FeedBlob("B", np.array([0.1], np.float64))
            else:
                workspace.FeedBlob("ONE", np.array([1.0], np.float32))

    _side_by_side(program)


def test_trusted_source_keeps_blobs_in_locals_and_still_stores_every_output():
    name = _seed_in("t", True)
    src = _plan(name).source(trusted=True)
    assert "b_W = _get(blobs, 'W')" in src
    assert "b_Y_pred = _f5(b_X, b_W, b_B)" in src
    assert "blobs['Y_pred'] = b_Y_pred" in src
    assert "keep[:] = [b_W_gt, b_B_gt, b_W, b_B, b_ITER, b_ONE]" in src


def test_an_op_with_several_unread_outputs_stores_each_under_its_own_name():
    def program(name: str) -> None:
        rng = np.random.default_rng(2)
        workspace.FeedBlob("Xg", rng.standard_normal((3, 2)).astype(np.float32))
        workspace.FeedBlob("Wg", rng.standard_normal((4, 2)).astype(np.float32))
        workspace.FeedBlob("dYg", rng.standard_normal((3, 4)).astype(np.float32))
        net = core.Net("grads")
        net.FCGradient(["Xg", "Wg", "dYg"], ["Wg_grad", "bg_grad", "Xg_grad"])
        net.AddExternalOutput("Xg_grad")  # read; the other two are unread (deferrable)
        workspace.FeedBlob("P", rng.standard_normal((3, 1)).astype(np.float32))
        workspace.FeedBlob("Q", rng.standard_normal((3, 1)).astype(np.float32))
        workspace.FeedBlob("dd", rng.standard_normal(3).astype(np.float32))
        net.SquaredL2DistanceGradient(["P", "Q", "dd"], ["dP", "dQ"])  # both unread
        workspace.CreateNet(net)
        for _ in range(3):
            workspace.RunNet(net)
        assert _plan(net.Proto().name).trusted
        assert workspace.FetchBlob("Wg_grad").shape == (4, 2)

    _side_by_side(program)


def test_creating_the_same_net_again_takes_the_new_trust_setting():
    name = _seed_in("t", True)
    nets_plan = _plan(name)
    workspace.RunNet(name, num_iter=2)
    assert nets_plan.trusted
    ws = _ws()
    ws.create_net(nets_plan.netdef, trust_layouts=False)
    assert _plan(name) is nets_plan and not nets_plan.trusted
    workspace.RunNet(name)
    assert not nets_plan.trusted
    ws.create_net(nets_plan.netdef)  # back on: trusted again after two checked runs
    workspace.RunNet(name, num_iter=2)
    assert nets_plan.trusted


def test_a_carried_object_that_is_not_an_array_must_stay_the_same_object():
    class Token:  # any Python object a blob may hold; no layout, only identity
        pass

    workspace.FeedBlob("M", np.ones((2, 2), np.float32))
    _ws().store["tok"] = Token()
    net = core.Net("objects")
    net.Scale("M", "S", scale=3.0)
    net.Print("tok", [], to_file=0)
    workspace.CreateNet(net)
    plan = _plan(net.Proto().name)
    assert "tok" in plan.carried
    workspace.RunNet(net, num_iter=2)
    assert plan.trusted
    _ws().store["tok"] = Token()  # replaced by an object of the same type
    workspace.RunNet(net)  # checked again (not the same object), then trusted
    np.testing.assert_array_equal(workspace.FetchBlob("S"), np.full((2, 2), 3, np.float32))
