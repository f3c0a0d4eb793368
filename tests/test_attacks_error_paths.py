"""Attacks on "a failing call changes nothing and says what happened truthfully"
(docs/errors.md): CreateNet, the divergence guard with Load, and the guard's hints."""

from __future__ import annotations

import numpy as np
import pytest

from graphlab import checkpoint, core, workspace
from graphlab.diagnostics import DivergenceError
from graphlab.errors import GraphlabError
from graphlab.proto import make_argument


def _snapshot() -> dict[str, bytes]:
    return {n: workspace.FetchBlob(n).tobytes() for n in workspace.Blobs()}


# ---- CreateNet -------------------------------------------------------------------------------


def test_failing_create_net_makes_no_input_blobs():
    """Before: CreateNet(net, input_blobs=[...]) that failed still created the blobs."""
    net = core.Net("needs_w")
    net.FC(["X", "W", "b"], "Y")
    with pytest.raises(GraphlabError, match=r"'W' is needed by FC"):
        workspace.CreateNet(net, input_blobs=["X", "b"])
    assert workspace.Blobs() == []
    assert workspace.Nets() == []


def test_succeeding_create_net_makes_missing_input_blobs_only():
    workspace.FeedBlob("X", np.ones((2, 3), np.float32))
    net = core.Net("relu_in")
    net.Relu("X", "Y")
    net.Relu("Z", "Q")
    workspace.CreateNet(net, input_blobs=["X", "Z"])
    assert workspace.FetchBlob("X").shape == (2, 3)  # an existing blob is not replaced
    assert workspace.FetchBlob("Z").shape == (0,)


def test_create_net_with_bad_arguments_changes_nothing():
    workspace.FeedBlob("X", np.ones(2, np.float32))
    net = core.Net("bad_args")
    net.Relu("X", "Y")
    net.Proto().op[0].arg.append(make_argument("alpha", 0.5))  # past CreateOperator's check
    before = _snapshot()
    with pytest.raises(GraphlabError, match="no argument 'alpha'"):
        workspace.CreateNet(net, input_blobs=["fresh"])
    assert _snapshot() == before and workspace.Nets() == []


# ---- the divergence guard and Load --------------------------------------------------------------


@pytest.fixture
def nan_checkpoint(tmp_path) -> str:
    path = str(tmp_path / "diverged.npz")
    checkpoint.write_checkpoint(path, {"W": np.array([np.nan, 1.0], np.float32),
                                       "B": np.zeros(1, np.float32)})
    return path


@pytest.mark.parametrize("outputs", [[], ["W"], ["B"]], ids=["load_all", "W", "B-and-all"])
@pytest.mark.parametrize("how", ["workspace-guard", "created-net", "run-once"])
def test_guard_checks_what_load_would_write_before_writing_it(nan_checkpoint, outputs, how):
    """Before: Load(load_all=1) wrote the NaN into the workspace, then said "the op's
    outputs were not written", with a hint about learning rates."""
    workspace.FeedBlob("W", np.ones(2, np.float32))
    workspace.FeedBlob("B", np.ones(1, np.float32))
    net = core.Net("resume")
    net.Load([], outputs, db=nan_checkpoint, absolute_path=1, load_all=1)
    before = _snapshot()
    with pytest.raises(DivergenceError) as info:
        if how == "workspace-guard":
            workspace.SetDivergenceGuard(True)
            workspace.RunNetOnce(net)
        elif how == "created-net":
            workspace.CreateNet(net)
            workspace.RunNet(net, check_finite=True)
        else:
            workspace.SetDivergenceGuard(True)
            workspace.RunOperatorOnce(net.Proto().op[0])
    message = str(info.value)
    assert "diverged.npz" in message and "'W' float32[2] (1 of 2 not finite)" in message
    assert "Nothing was loaded" in message and "earlier checkpoint" in message
    assert "learning rate" not in message
    assert _snapshot() == before


def test_guard_off_again_loads_the_same_file(nan_checkpoint):
    workspace.FeedBlob("W", np.ones(2, np.float32))
    net = core.Net("resume_again")
    net.Load([], [], db=nan_checkpoint, absolute_path=1, load_all=1)
    workspace.CreateNet(net)
    with pytest.raises(DivergenceError):
        workspace.RunNet(net, check_finite=True)
    workspace.RunNet(net)  # the guard is per run: off, the file loads
    assert np.isnan(workspace.FetchBlob("W")[0])


def test_guard_hint_for_an_op_without_inputs_names_its_arguments():
    """A filler has no inputs: "all inputs were finite ... learning rate" did not fit."""
    workspace.SetDivergenceGuard(True)
    op = core.CreateOperator("ConstantFill", [], ["X"], shape=[2], value=float("inf"))
    with pytest.raises(DivergenceError) as info:
        workspace.RunOperatorOnce(op)
    message = str(info.value)
    assert "value=inf" in message and "learning rate cannot cause this" in message
    assert "X was not created" in message and not workspace.HasBlob("X")


def test_guard_hint_for_an_op_that_blew_up_still_suggests_the_learning_rate():
    """Held before; kept."""
    workspace.SetDivergenceGuard(True)
    workspace.FeedBlob("X", np.array([1e30, 1.0], np.float32))
    workspace.FeedBlob("Y", np.zeros(2, np.float32))
    with pytest.raises(DivergenceError, match=r"(?s)Y keeps its previous value.*all inputs "
                                              r"were finite.*base_lr"), \
            np.errstate(over="ignore"):
        workspace.RunOperatorOnce(core.CreateOperator("Sqr", ["X"], ["Y"]))
    assert workspace.FetchBlob("Y").tolist() == [0.0, 0.0]
