"""The mistakes a learner makes, one by one: each error must name the culprit and the fix.

Every test also checks that the failure left the workspace alone: all blobs that existed
before are still there with the same values, and no half-written blob appeared.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from graphlab import core, workspace
from graphlab.errors import ArgumentError, GradientError, GraphlabError, OperatorError

HERE = __file__


def _line() -> int:
    """The caller's line number (so tests can check ``created at <file>:<line>``)."""
    return sys._getframe(1).f_lineno


def _snapshot() -> dict[str, bytes]:
    return {n: workspace.FetchBlob(n).tobytes() for n in workspace.Blobs()}


@pytest.fixture
def learner_blobs() -> dict[str, bytes]:
    """A few blobs a learner already has; every failure must leave them untouched."""
    workspace.FeedBlob("data", np.arange(6, dtype=np.float32).reshape(3, 2))
    workspace.FeedBlob("label", np.array([1, 0, 1], np.int32))
    return _snapshot()


def _toy_nets() -> tuple[core.Net, core.Net, int]:
    """The seed's init and train nets (forward part); returns the FC line too."""
    init_net = core.Net("init")
    init_net.UniformFill([], "W", shape=[1, 2], min=-1.0, max=1.0)
    init_net.ConstantFill([], "B", shape=[1], value=0.0)
    train_net = core.Net("train")
    X = train_net.GaussianFill([], "X", shape=[64, 2], mean=0.0, std=1.0, run_once=0)
    fc_line = _line() + 1
    Y_pred = X.FC(["W", "B"], "Y_pred")
    train_net.AveragedLoss(Y_pred, "loss")
    return init_net, train_net, fc_line


# ---- order of things ---------------------------------------------------------------------------


def test_train_net_before_init_net(learner_blobs):
    _, train_net, fc_line = _toy_nets()
    with pytest.raises(OperatorError) as info:
        workspace.CreateNet(train_net)
    msg = str(info.value)
    assert "Cannot create net 'train" in msg
    assert "'W'" in msg and "'B'" in msg  # every missing blob, by name
    assert f"{HERE}:{fc_line}" in msg  # the line that made the op needing them
    assert "RunNetOnce(init_net)" in msg and "FeedBlob" in msg  # both fixes
    assert _snapshot() == learner_blobs
    assert train_net.Name() not in workspace.Nets()


def test_run_net_that_was_never_created(learner_blobs):
    init_net, train_net, _ = _toy_nets()
    workspace.RunNetOnce(init_net)
    with pytest.raises(GraphlabError) as info:
        workspace.RunNet(train_net.Name())
    msg = str(info.value)
    assert repr(train_net.Name()) in msg and "never created" in msg
    assert "CreateNet" in msg
    assert isinstance(info.value, RuntimeError)
    for name, value in learner_blobs.items():
        assert workspace.FetchBlob(name).tobytes() == value


def test_run_net_by_its_unsuffixed_name():
    # Re-running a notebook cell makes a second Net("train"), called train_1.
    core.Net("train")
    second = core.Net("train")
    second.ConstantFill([], "c", shape=[1], value=1.0)
    workspace.CreateNet(second)
    with pytest.raises(GraphlabError) as info:
        workspace.RunNet("train")
    msg = str(info.value)
    assert "Can't find net 'train'" in msg
    assert f"Did you mean {second.Name()!r}" in msg


def test_changed_net_needs_overwrite(learner_blobs):
    net = core.Net("grows")
    net.ConstantFill([], "c", shape=[1], value=1.0)
    workspace.CreateNet(net)
    net.Scale("c", "d", scale=2.0)
    with pytest.raises(GraphlabError, match=r"overwrite=True"):
        workspace.CreateNet(net)
    workspace.CreateNet(net, overwrite=True)
    workspace.RunNet(net.Name())
    assert workspace.FetchBlob("d").tolist() == [2.0]


# ---- names ---------------------------------------------------------------------------------------


def test_misspelt_operator(learner_blobs):
    net = core.Net("typo")
    with pytest.raises(AttributeError) as info:
        net.GausianFill([], "X", shape=[2])
    assert "GausianFill" in str(info.value)
    assert "Did you mean 'GaussianFill'" in str(info.value)
    with pytest.raises(AttributeError, match="Did you mean 'Relu'"):
        core.CreateOperator("Rleu", ["X"], ["Y"])
    assert len(net.Proto().op) == 0
    assert _snapshot() == learner_blobs


def test_misspelt_argument():
    net = core.Net("typo_arg")
    line = _line() + 2
    with pytest.raises(ArgumentError) as info:
        net.GaussianFill([], "X", shape=[2], mean=0.0, sdt=1.0)
    msg = str(info.value)
    assert "'sdt'" in msg and "Did you mean 'std'" in msg
    assert "mean, std, shape" in msg  # the arguments it does have
    assert f"{HERE}:{line}" in msg
    assert len(net.Proto().op) == 0  # the bad op was not added


def test_missing_required_argument():
    with pytest.raises(ArgumentError, match=r"needs the argument 'base_lr' \(float\), e\.g\. "
                                            r"LearningRate\(\.\.\., base_lr=\.\.\.\)"):
        core.Net("lr").LearningRate("ITER", "LR", policy="fixed")


def test_wrong_number_of_inputs():
    with pytest.raises(ArgumentError) as info:
        core.Net("fc2").FC(["X", "W"], "Y")
    msg = str(info.value)
    assert "FC takes 3 input(s)" in msg and "got 2" in msg
    assert "usage: FC(X, W, b" in msg


def test_fetching_a_missing_blob(learner_blobs):
    with pytest.raises(RuntimeError) as info:
        workspace.FetchBlob("dta")
    msg = str(info.value)
    assert "Can't find blob: 'dta'" in msg and "Did you mean 'data'" in msg
    assert "FeedBlob" in msg
    assert _snapshot() == learner_blobs


def test_misspelt_loss_in_add_gradient_operators():
    _, train_net, _ = _toy_nets()
    with pytest.raises(GradientError) as info:
        train_net.AddGradientOperators(["los"])
    msg = str(info.value)
    assert "'los'" in msg and "Did you mean 'loss'" in msg


def test_switching_to_a_missing_workspace(learner_blobs):
    workspace.SwitchWorkspace("train_ws", True)
    workspace.SwitchWorkspace("default")
    with pytest.raises(GraphlabError) as info:
        workspace.SwitchWorkspace("trian_ws")
    msg = str(info.value)
    assert "'trian_ws' does not exist" in msg and "Did you mean 'train_ws'" in msg
    assert "SwitchWorkspace('trian_ws', True)" in msg
    assert workspace.CurrentWorkspace() == "default"
    assert _snapshot() == learner_blobs


# ---- shapes and types ----------------------------------------------------------------------------


def test_wrong_shapes_name_op_index_shapes_and_line(learner_blobs):
    init_net, train_net, fc_line = _toy_nets()
    workspace.RunNetOnce(init_net)
    workspace.FeedBlob("W", np.ones((3, 3), np.float32))  # should be [1, 2]
    workspace.CreateNet(train_net)
    before = _snapshot()
    with pytest.raises(OperatorError) as info:
        workspace.RunNet(train_net.Name())
    msg = str(info.value)
    assert msg.startswith(f"FC (op #1 of net {train_net.Name()!r}")
    assert "X: float32[64, 2]" in msg and "W: float32[3, 3]" in msg and "B: float32[1]" in msg
    assert f"created at {HERE}:{fc_line}" in msg
    assert "X float32[64, 2] has K=2 features per row" in msg
    assert "but W float32[3, 3] has K=3" in msg
    assert "hint:" in msg and "W must be [out, in]" in msg
    assert "here W [1, 2]" in msg  # out taken from B's length, in from X
    after = _snapshot()
    assert "Y_pred" not in after  # the failing op wrote nothing
    assert {k: v for k, v in after.items() if k != "X"} == {
        k: v for k, v in before.items() if k != "X"}


def test_fc_bias_of_wrong_length_names_n(learner_blobs):
    workspace.FeedBlob("X", np.ones((4, 3), np.float32))
    workspace.FeedBlob("W", np.ones((5, 3), np.float32))
    workspace.FeedBlob("b", np.ones(3, np.float32))
    net = core.Net("fc_bias")
    net.FC(["X", "W", "b"], "Y")
    with pytest.raises(OperatorError) as info:
        workspace.RunNetOnce(net)
    msg = str(info.value)
    assert "b float32[3] must be 1-D of length N=5" in msg
    assert "hint: give b one value per output: shape [5]." in msg


def test_integer_data_where_floats_are_needed(learner_blobs):
    net = core.Net("ints")
    net.Sigmoid("label", "p")
    with pytest.raises(OperatorError) as info:
        workspace.RunNetOnce(net)
    msg = str(info.value)
    assert "Sigmoid" in msg and "label: int32[3]" in msg
    assert "float" in msg and "astype(np.float32)" in msg
    assert _snapshot() == learner_blobs


def test_feeding_a_python_list(learner_blobs):
    with pytest.raises(TypeError) as info:
        workspace.FeedBlob("x", [1.0, 2.0, 3.0])
    msg = str(info.value)
    assert "'x'" in msg and "list" in msg and "np.array(" in msg
    assert not workspace.HasBlob("x")
    assert _snapshot() == learner_blobs


def test_illegal_in_place_use():
    with pytest.raises(ArgumentError) as info:
        core.Net("inplace").FC(["X", "W", "b"], "X")
    msg = str(info.value)
    assert "FC cannot write its output #0 into its input #0 ('X') in place" in msg
    assert "new name" in msg


# ---- gradients and optimizers ----------------------------------------------------------------


def test_update_ops_added_before_gradients():
    _, train_net, _ = _toy_nets()
    ONE = train_net.ConstantFill([], "ONE", shape=[1], value=1.0)
    LR = train_net.ConstantFill([], "LR", shape=[1], value=-0.1)
    update_line = _line() + 1
    train_net.WeightedSum(["W", ONE, "W_grad", LR], "W")  # too early!
    with pytest.raises(GradientError) as info:
        train_net.AddGradientOperators(["loss"])
    msg = str(info.value)
    assert "'W'" in msg and "overwritten" in msg
    assert f"{HERE}:{update_line}" in msg  # the op that overwrote it
    assert "after* net.AddGradientOperators" in msg  # the fix


def test_unknown_learning_rate_policy():
    line = _line() + 2
    with pytest.raises(ArgumentError) as info:
        core.Net("lr").LearningRate("ITER", "LR", base_lr=-0.1, policy="stpe")
    msg = str(info.value)
    assert "'stpe'" in msg and "Did you mean 'step'" in msg
    for policy in ("fixed", "step", "exp", "inv", "poly"):
        assert policy in msg
    assert f"{HERE}:{line}" in msg


def test_gradient_through_an_op_without_one():
    net = core.Net("acc")
    net.Accuracy(["pred", "label"], "acc")
    with pytest.raises(GradientError) as info:
        net.AddGradientOperators(["acc"])
    msg = str(info.value)
    assert "Accuracy" in msg and "hint:" in msg


@pytest.mark.filterwarnings("ignore:divide by zero")
def test_divergence_guard_names_the_first_bad_op(learner_blobs):
    net = core.Net("diverge")
    net.Log("data", "logs")  # log(0) = -inf for the first element
    with pytest.raises(OperatorError) as info:
        workspace.CurrentWorkspaceObject().run_net_once(net, check_finite=True)
    msg = str(info.value)
    assert "Log (op #0" in msg and "'logs'" in msg
    assert "created at" in msg
    assert not workspace.HasBlob("logs")
    assert _snapshot() == learner_blobs


# ---- awkward blob names --------------------------------------------------------------------------


def test_awkward_blob_names_work_and_are_quoted_in_errors(learner_blobs):
    odd = "layer 1/W:0 (copy) \"q\""
    workspace.FeedBlob(odd, np.ones((2, 2), np.float32))
    net = core.Net("odd names")
    net.Relu([odd], "out/relu:0")
    workspace.RunNetOnce(net)
    assert workspace.FetchBlob("out/relu:0").tolist() == [[1.0, 1.0], [1.0, 1.0]]
    bad = core.Net("odd names fail")
    bad.FC(["data", odd, odd], "y")
    with pytest.raises(OperatorError) as info:
        workspace.RunNetOnce(bad)
    msg = str(info.value)
    assert f"{odd}: float32[2, 2]" in msg
    with pytest.raises(RuntimeError, match=r"Did you mean 'out/relu:0'"):
        workspace.FetchBlob("out/relu:1")
    assert workspace.FetchBlob("data").tobytes() == learner_blobs["data"]


# ---- files ---------------------------------------------------------------------------------------


def test_loading_a_checkpoint_that_is_not_there(tmp_path, learner_blobs):
    net = core.Net("load")
    net.Load([], ["W"], db=str(tmp_path / "model.npz"), absolute_path=1)
    with pytest.raises(OperatorError) as info:
        workspace.RunNetOnce(net)
    msg = str(info.value)
    assert "Load (op #0" in msg and str(tmp_path / "model.npz") in msg
    assert "does not exist" in msg
    assert _snapshot() == learner_blobs


def test_notebook_origin_names_the_cell_that_defined_the_code(monkeypatch):
    # IPython compiles each cell to a file like /tmp/ipykernel_1/123.py and remembers which
    # cell it was; a helper defined in cell 4 and called from cell 9 is reported as cell 4.
    import types

    from graphlab.errors import _cell_name

    shell = types.SimpleNamespace(
        execution_count=9,
        compile=types.SimpleNamespace(_filename_map={"/tmp/ipykernel_1/123.py": 4}),
    )
    fake = types.SimpleNamespace(get_ipython=lambda: shell)
    monkeypatch.setitem(__import__("sys").modules, "IPython", fake)
    assert _cell_name("/tmp/ipykernel_1/123.py", 3) == "Cell In[4], line 3"
    assert _cell_name("/tmp/ipykernel_1/456.py", 2) == "Cell In[9], line 2"
    assert _cell_name("/home/me/train.py", 7) == "/home/me/train.py:7"
