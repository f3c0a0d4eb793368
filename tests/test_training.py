"""training.train: recording, History, progress, live plot, and keeping data on errors."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from graphlab import brew, core, optimizer, training, workspace
from graphlab.diagnostics import DivergenceError
from graphlab.errors import GraphlabError, OperatorError, ShapeError
from graphlab.model_helper import ModelHelper
from graphlab.registry import OpContext, register_op
from graphlab.workspace import Workspace


@register_op("_TRFailOnRun")
def _fail_on_run(X: np.ndarray, *, fail_at: int = 3, ctx: OpContext) -> np.ndarray:
    """Test-only: copies X, but fails on its ``fail_at``-th run."""
    ctx.state["runs"] = ctx.state.get("runs", 0) + 1
    if ctx.state["runs"] == fail_at:
        raise ShapeError("deliberate failure for the test")
    return X.copy()


@register_op("_TRInterruptOnRun")
def _interrupt_on_run(X: np.ndarray, *, at: int = 2, ctx: OpContext) -> np.ndarray:
    """Test-only: copies X, but raises KeyboardInterrupt (as Jupyter's stop button does)."""
    ctx.state["runs"] = ctx.state.get("runs", 0) + 1
    if ctx.state["runs"] == at:
        raise KeyboardInterrupt
    return X.copy()


@pytest.fixture(autouse=True)
def _fresh_counters():
    optimizer.reset_optimizer_instance_count()
    yield
    plt.close("all")


def _regression(name: str, lr: float = 0.05, ws: Workspace | None = None) -> ModelHelper:
    rng = np.random.default_rng(0)
    x = rng.uniform(-2.0, 2.0, size=(100, 1))
    X = np.hstack([x, x**2]).astype(np.float32)
    Y = (0.5 + 1.5 * x + 2.0 * x**2).astype(np.float32)
    model = ModelHelper(name=name)
    y = brew.fc(model, "X", "y_pred", dim_in=2, dim_out=1)
    model.AveragedLoss(model.SquaredL2Distance(["Y_gt", y], "dist"), "loss")
    model.AddGradientOperators(["loss"])
    optimizer.build_sgd(model, base_learning_rate=lr)
    w = ws if ws is not None else workspace.CurrentWorkspaceObject()
    w.feed_blob("X", X)
    w.feed_blob("Y_gt", Y)
    w.run_net_once(model.param_init_net)
    w.create_net(model.net)
    return model


def test_records_one_value_per_iteration_matching_fetchblob():
    model = _regression("tr_basic")
    history = training.train(model.net, 20, record=["loss", "y_pred_w"], progress=False)
    assert list(history) == ["loss", "y_pred_w"] and len(history) == 2
    assert history.iterations.tolist() == list(range(1, 21))
    loss = history["loss"]
    assert loss.shape == (20,) and loss.dtype == np.float64
    assert loss[-1] == pytest.approx(float(workspace.FetchBlob("loss")))
    w = history["y_pred_w"]
    assert w.shape == (20, 1, 2) and w.dtype == np.float32
    np.testing.assert_array_equal(w[-1], workspace.FetchBlob("y_pred_w"))
    assert loss[-1] < loss[0]
    assert workspace.FetchBlob("optimizer_iteration").tolist() == [20]


def test_history_rows_are_copies_taken_after_each_run():
    model = _regression("tr_copies")
    w0 = np.array([[0.3, -0.2]], np.float32)
    workspace.FeedBlob("y_pred_w", w0)
    expected = []
    for _ in range(3):
        workspace.RunNet(model.net)
        expected.append(workspace.FetchBlob("y_pred_b"))
    # Same start again: re-init, re-run through train, compare step by step.
    workspace.RunNetOnce(model.param_init_net)
    workspace.FeedBlob("y_pred_w", w0)
    history = training.train(model, 3, record="y_pred_b", progress=False)
    np.testing.assert_allclose(history["y_pred_b"], [e[0] for e in expected], rtol=1e-6)
    assert len({float(v) for v in history["y_pred_b"]}) == 3


def test_every_records_sparsely_and_always_the_last():
    model = _regression("tr_every")
    history = training.train(model.net.Proto().name, 10, record=("loss",), every=3,
                             progress=False)
    assert history.iterations.tolist() == [3, 6, 9, 10]
    assert history.num_records == 4 and history["loss"].shape == (4,)
    assert workspace.FetchBlob("optimizer_iteration").tolist() == [10]


def test_explicit_workspace_is_used():
    ws = Workspace(seed=0)
    model = _regression("tr_ws", ws=ws)
    history = training.train(model.net, 5, workspace=ws, progress=False)
    assert history["loss"].shape == (5,)
    assert not workspace.HasBlob("loss")  # the current workspace was not touched


def test_net_must_be_created_first():
    model = ModelHelper(name="tr_uncreated")
    with pytest.raises(GraphlabError, match="has not been created.*CreateNet"):
        training.train(model.net, 3, progress=False)


def test_missing_record_blob_names_it_and_keeps_history():
    model = _regression("tr_missing")
    with pytest.raises(GraphlabError, match="'los'.*Did you mean 'loss'") as e:
        training.train(model.net, 3, record=["loss", "los"], progress=False)
    assert e.value.history.num_records == 0


def test_error_mid_way_keeps_the_history_so_far():
    net = core.Net("tr_fail")
    net.Iter("it", "it")
    net._TRFailOnRun("it", "copy", fail_at=4)
    workspace.FeedBlob("it", np.zeros(1, np.int64))
    workspace.CreateNet(net)
    with pytest.raises(OperatorError, match="deliberate failure") as e:
        training.train(net, 10, record="copy", progress=False)
    history = e.value.history
    assert history.iterations.tolist() == [1, 2, 3]
    assert history["copy"].tolist() == [1.0, 2.0, 3.0]
    assert training.last_history() is history
    if hasattr(e.value, "__notes__"):
        assert "stopped at iteration 4 of 10" in e.value.__notes__[0]


def test_interrupting_the_kernel_keeps_the_history():
    net = core.Net("tr_interrupt")
    net._TRInterruptOnRun("x", "y", at=3)
    workspace.FeedBlob("x", np.ones(2, np.float32))
    workspace.CreateNet(net)
    with pytest.raises(KeyboardInterrupt) as e:
        training.train(net, 10, record="y", progress=False)
    assert e.value.history.iterations.tolist() == [1, 2]
    assert training.last_history() is e.value.history


def test_check_finite_stops_a_diverging_run():
    model = _regression("tr_diverge", lr=5.0)
    with np.errstate(all="ignore"), pytest.raises(DivergenceError, match="smaller") as e:
        training.train(model.net, 200, check_finite=True, progress=False)
    losses = e.value.history["loss"]
    assert 0 < len(losses) < 200 and np.all(np.isfinite(losses))
    assert losses[-1] > losses[0]  # it was diverging


def test_check_finite_also_checks_recorded_values():
    net = core.Net("tr_nan_record")
    net.Copy("a", "b")
    workspace.FeedBlob("a", np.ones(1, np.float32))
    workspace.FeedBlob("x", np.array([1.0, np.nan], np.float32))  # no op writes it
    workspace.CreateNet(net)
    with pytest.raises(FloatingPointError, match="'x' has NaN/inf entries at iteration 1") as e:
        training.train(net, 3, record=["b", "x"], check_finite=True, progress=False)
    assert e.value.history.num_records == 1


def test_progress_bar_and_live_plot_work_headless(capsys):
    model = _regression("tr_progress")
    history = training.train(model.net, 5, progress=True, live_plot=True)
    err = capsys.readouterr().err
    assert "tr_progress" in err and "5/5" in err
    assert history.num_records == 5


def test_history_plot_and_helpers():
    model = _regression("tr_plot")
    history = training.train(model.net, 8, record=["loss", "y_pred_w"], progress=False)
    ax = history.plot()
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), history["loss"])
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), history.iterations)
    ax2 = history.plot("y_pred_w")
    assert [ln.get_label() for ln in ax2.lines] == ["y_pred_w[0, 0]", "y_pred_w[0, 1]"]
    d = history.to_dict()
    assert list(d) == ["iterations", "loss", "y_pred_w"]
    assert "8 records" in repr(history)
    with pytest.raises(KeyError, match="was not recorded"):
        history["dist"]
    with pytest.raises(ValueError, match="every"):
        training.train(model.net, 3, every=0, progress=False)
