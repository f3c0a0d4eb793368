"""workspace: the flow of Caffe2's Basics tutorial, and the workspace's guarantees."""

from __future__ import annotations

import numpy as np
import pytest

from graphlab import core, workspace
from graphlab.errors import GraphlabError, GraphlabWarning, OperatorError
from graphlab.workspace import Workspace


def test_feed_fetch_round_trip_keeps_dtype_and_copies():
    x = np.arange(6, dtype=np.float64).reshape(2, 3)
    assert workspace.FeedBlob("X", x) is True
    x[0, 0] = 100.0  # feeding copied the data
    got = workspace.FetchBlob("X")
    assert got.dtype == np.float64 and got[0, 0] == 0.0
    got[0, 1] = -1.0  # fetching copied it too
    assert workspace.FetchBlob("X")[0, 1] == 1.0


def test_blobs_are_sorted_ascii_and_has_blob():
    for name in ["b", "W", "X", "Y"]:
        workspace.FeedBlob(name, np.zeros(1, np.float32))
    assert workspace.Blobs() == ["W", "X", "Y", "b"]
    assert workspace.HasBlob("W") and not workspace.HasBlob("w")


def test_fetch_missing_blob_is_runtime_error_with_suggestion():
    workspace.FeedBlob("weights", np.zeros(1, np.float32))
    with pytest.raises(RuntimeError, match="Can't find blob: 'weight'.*Did you mean 'weights'"):
        workspace.FetchBlob("weight")


def test_feed_a_list_explains_the_fix():
    with pytest.raises(TypeError, match="np.array"):
        workspace.FeedBlob("X", [1.0, 2.0])


def test_switch_reset_and_current_workspace():
    assert workspace.CurrentWorkspace() == "default"
    workspace.FeedBlob("X", np.ones(2, np.float32))
    workspace.SwitchWorkspace("gutentag", True)
    assert workspace.CurrentWorkspace() == "gutentag"
    assert workspace.Blobs() == []
    workspace.FeedBlob("Z", np.ones(2, np.float32))
    workspace.SwitchWorkspace("default")
    assert workspace.Blobs() == ["X"]
    workspace.ResetWorkspace()
    assert workspace.Blobs() == []
    with pytest.raises(RuntimeError, match="does not exist.*SwitchWorkspace\\('nowhere', True\\)"):
        workspace.SwitchWorkspace("nowhere")


def test_blobs_view_is_dict_like():
    workspace.blobs["A"] = np.ones(3, np.float32)
    assert "A" in workspace.blobs and len(workspace.blobs) == 1
    np.testing.assert_array_equal(workspace.blobs["A"], np.ones(3, np.float32))


def test_run_one_operator():
    op = core.CreateOperator("Relu", ["X"], ["Y"])
    workspace.FeedBlob("X", np.array([[-1.0, 2.0]], np.float32))
    assert workspace.RunOperatorOnce(op) is True
    np.testing.assert_array_equal(workspace.FetchBlob("Y"), [[0.0, 2.0]])


def _basics_net():
    net = core.Net("basics")
    X = net.GaussianFill([], ["X"], mean=0.0, std=1.0, shape=[2, 3], run_once=0)
    W = net.GaussianFill([], ["W"], mean=0.0, std=1.0, shape=[5, 3], run_once=0)
    b = net.ConstantFill([], ["b"], shape=[5], value=1.0, run_once=0)
    X.FC([W, b], ["Y"])
    return net


def test_basics_net_run_once_then_create_and_run():
    net = _basics_net()
    assert workspace.RunNetOnce(net)
    assert workspace.Blobs() == ["W", "X", "Y", "b"]
    assert workspace.FetchBlob("Y").shape == (2, 5)
    X, W, b, Y = (workspace.FetchBlob(n) for n in ["X", "W", "b", "Y"])
    np.testing.assert_allclose(Y, X @ W.T + b, rtol=1e-5)
    assert workspace.CreateNet(net)
    assert workspace.RunNet(net.Proto().name, num_iter=3)
    assert workspace.RunNet(net)  # a Net object works as well as its name
    Y2 = workspace.FetchBlob("Y")
    assert not np.array_equal(Y, Y2)  # the fillers drew new numbers


def test_create_net_fails_naming_missing_inputs_and_the_fix():
    net = core.Net("needs_init")
    net.FC(["X", "W", "b"], "Y")
    workspace.FeedBlob("X", np.ones((2, 3), np.float32))
    with pytest.raises(OperatorError) as e:
        workspace.CreateNet(net)
    msg = str(e.value)
    assert "'W'" in msg and "'b'" in msg and "FC (op #0)" in msg
    assert "RunNetOnce(init_net)" in msg and "FeedBlob" in msg
    assert workspace.Blobs() == ["X"]


def test_create_net_identical_is_noop_and_changed_needs_overwrite():
    workspace.FeedBlob("X", np.ones((2, 3), np.float32))
    net = core.Net("recreate")
    net.Relu(["X"], "Y")
    assert workspace.CreateNet(net)
    assert workspace.CreateNet(net)  # re-running the cell is fine
    net.Relu(["Y"], "Z")
    with pytest.raises(GraphlabError, match="overwrite=True"):
        workspace.CreateNet(net)
    assert workspace.CreateNet(net, overwrite=True)
    workspace.RunNet(net.Name())
    assert workspace.HasBlob("Z")


def test_created_net_is_a_snapshot():
    workspace.FeedBlob("X", np.ones((2, 3), np.float32))
    net = core.Net("snapshot")
    net.Relu(["X"], "Y")
    workspace.CreateNet(net)
    net.Relu(["Y"], "Z")  # added after CreateNet: not seen without overwrite
    with pytest.warns(GraphlabWarning, match="CreateNet saw 1"):
        workspace.RunNet(net.Name())
    assert workspace.HasBlob("Y") and not workspace.HasBlob("Z")


def test_run_net_never_created_names_it():
    with pytest.raises(RuntimeError, match="Can't find net 'ghost'.*CreateNet"):
        workspace.RunNet("ghost")
    assert workspace.RunNet("ghost", allow_fail=True) is False


def test_reset_deletes_created_nets():
    workspace.FeedBlob("X", np.ones((2, 3), np.float32))
    net = core.Net("reset_nets")
    net.Relu(["X"], "Y")
    workspace.CreateNet(net)
    workspace.ResetWorkspace()
    with pytest.raises(RuntimeError, match="Can't find net"):
        workspace.RunNet(net.Name())


def test_failing_op_names_everything_and_keeps_blobs():
    workspace.FeedBlob("X", np.ones((4, 3), np.float32))
    workspace.FeedBlob("W", np.ones((2, 5), np.float32))
    workspace.FeedBlob("b", np.ones(2, np.float32))
    workspace.FeedBlob("Y", np.full((4, 2), 7.0, np.float32))
    net = core.Net("bad_shapes")
    net.Relu(["X"], "X_relu")
    net.FC(["X_relu", "W", "b"], "Y")
    with pytest.raises(OperatorError) as e:
        workspace.RunNetOnce(net)
    msg = str(e.value)
    assert "FC (op #1 of net 'bad_shapes')" in msg
    assert "X_relu: float32[4, 3]" in msg and "W: float32[2, 5]" in msg
    assert "test_workspace.py" in msg and "hint:" in msg
    np.testing.assert_array_equal(workspace.FetchBlob("Y"), np.full((4, 2), 7.0))  # untouched
    assert workspace.Blobs() == ["W", "X", "X_relu", "Y", "b"]


def test_workspace_class_can_be_used_directly():
    ws = Workspace()
    ws.feed_blob("X", np.array([-1.0, 1.0], np.float32))
    net = core.Net("direct")
    net.Relu(["X"], "Y")
    ws.run_net_once(net)
    np.testing.assert_array_equal(ws.fetch_blob("Y"), [0.0, 1.0])
    assert not workspace.HasBlob("Y")  # the module-level workspace is separate
