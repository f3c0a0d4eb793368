"""visualize: each plot holds exactly the data it claims to show."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from graphlab import core, schedules, visualize, workspace  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_ema_formula():
    x = [4.0, 0.0, 2.0]
    # s0 = x0; s1 = 0.5·4 + 0.5·0 = 2; s2 = 0.5·2 + 0.5·2 = 2
    np.testing.assert_allclose(visualize.ema(x, 0.5), [4.0, 2.0, 2.0])
    np.testing.assert_allclose(visualize.ema(x, 0.0), x)
    assert visualize.ema([], 0.9).shape == (0,)
    with pytest.raises(ValueError, match="beta"):
        visualize.ema(x, 1.0)


def test_plot_loss_draws_raw_and_smoothed_curves():
    losses = np.array([5.0, 3.0, 4.0, 1.0, 0.5])
    ax = visualize.plot_loss(losses, smooth=0.8)
    raw, smooth = ax.lines
    np.testing.assert_array_equal(raw.get_xdata(), [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(raw.get_ydata(), losses)
    np.testing.assert_allclose(smooth.get_ydata(), visualize.ema(losses, 0.8))
    assert raw.get_color() == smooth.get_color()
    assert ax.get_yscale() == "linear" and ax.get_xlabel() == "iteration"


def test_plot_loss_options():
    fig, ax = plt.subplots()
    out = visualize.plot_loss([1.0, 0.1, 0.01], iterations=[10, 20, 30], ax=ax, smooth=None,
                              log=True, label="dist")
    assert out is ax and len(ax.lines) == 1
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [10, 20, 30])
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "dist"
    with pytest.raises(ValueError, match="log axis"):
        visualize.plot_loss([1.0, -1.0], log=True)
    with pytest.raises(ValueError, match="3 values but 2 iterations"):
        visualize.plot_loss([1.0, 2.0, 3.0], iterations=[1, 2])


def test_plot_lr_schedule_matches_the_schedules_module():
    ax = visualize.plot_lr_schedule("step", base_lr=-0.1, num_iter=60, stepsize=20, gamma=0.9)
    line = ax.lines[-1]
    iters = np.arange(1, 61)
    np.testing.assert_array_equal(line.get_xdata(), iters)
    np.testing.assert_allclose(
        line.get_ydata(), schedules.learning_rate(iters, -0.1, "step", stepsize=20, gamma=0.9))
    assert line.get_ydata()[0] == pytest.approx(-0.1)
    assert line.get_ydata()[-1] == pytest.approx(-0.1 * 0.9**3)  # iter 60 → floor(60/20) = 3
    assert "stepsize=20" in line.get_label()


def test_plot_lr_policies_on_one_axes():
    ax = visualize.plot_lr_policies(
        {"fixed": {"policy": "fixed"}, "exp 0.95": {"policy": "exp", "gamma": 0.95}},
        base_lr=0.5, num_iter=30)
    assert [ln.get_label() for ln in ax.lines] == ["fixed", "exp 0.95"]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.full(30, 0.5))
    np.testing.assert_allclose(ax.lines[1].get_ydata(), 0.5 * 0.95 ** np.arange(1, 31))
    ax2 = visualize.plot_lr_policies(["fixed", ("inv", {"gamma": 0.1, "power": 1.0})],
                                     num_iter=10)
    assert ax2.lines[1].get_label() == "inv (gamma=0.1, power=1.0)"
    np.testing.assert_allclose(ax2.lines[1].get_ydata(), 0.1 / (1 + 0.1 * np.arange(1, 11)))
    with pytest.raises(ValueError, match="Unknown learning rate policy"):
        visualize.plot_lr_policies(["multistep"])


def test_plot_all_lr_policies_covers_every_policy():
    fig = visualize.plot_all_lr_policies()
    assert [ax.get_title() for ax in fig.axes] == list(visualize.EXAMPLE_POLICY_ARGS)
    assert set(visualize.EXAMPLE_POLICY_ARGS) == set(schedules.POLICIES)
    for ax in fig.axes:
        y = ax.lines[0].get_ydata()
        assert len(y) == 200 and np.all(np.isfinite(y))
    # The examples actually vary (else the picture teaches nothing), except "fixed".
    varying = [ax.get_title() for ax in fig.axes if np.ptp(ax.lines[0].get_ydata()) > 0]
    assert set(varying) == set(visualize.EXAMPLE_POLICY_ARGS) - {"fixed"}


def test_plot_trajectory_marks_start_end_and_target():
    path = np.array([[[0.0, 0.0]], [[1.0, 0.5]], [[1.8, 1.4]]], np.float32)  # like W [1, 2]
    ax = visualize.plot_trajectory(path, target=[2.0, 1.5], label="w")
    line, start, end, target = ax.lines
    np.testing.assert_allclose(line.get_xdata(), [0.0, 1.0, 1.8])
    np.testing.assert_allclose(line.get_ydata(), [0.0, 0.5, 1.4])
    assert (start.get_xdata()[0], start.get_ydata()[0]) == (0.0, 0.0)
    assert (end.get_xdata()[0], end.get_ydata()[0]) == pytest.approx((1.8, 1.4))
    assert (target.get_xdata()[0], target.get_ydata()[0]) == (2.0, 1.5)
    assert ax.get_xlabel() == "w_0" and ax.get_ylabel() == "w_1"
    with pytest.raises(ValueError, match="1 component"):
        visualize.plot_trajectory(np.zeros((3, 1)))


def test_plot_values_one_line_per_component():
    b = np.array([[0.0], [0.2], [0.4]])
    ax = visualize.plot_values(b, label="b")
    assert [ln.get_label() for ln in ax.lines] == ["b"]
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [0.0, 0.2, 0.4])
    W = np.arange(12.0).reshape(3, 2, 2)
    ax = visualize.plot_values(W, iterations=[5, 10, 15], label="W")
    assert [ln.get_label() for ln in ax.lines] == ["W[0, 0]", "W[0, 1]", "W[1, 0]", "W[1, 1]"]
    np.testing.assert_array_equal(ax.lines[3].get_ydata(), W[:, 1, 1])
    np.testing.assert_array_equal(ax.lines[3].get_xdata(), [5, 10, 15])


def test_plot_histogram_from_workspace_blobs_and_arrays():
    workspace.FeedBlob("w", np.array([0.0, 1.0, 1.0, 3.0], np.float32))
    ax = visualize.plot_histogram("w", bins=3)
    heights = [p.get_height() for p in ax.patches]
    assert heights == [1.0, 2.0, 1.0]  # bins [0,1), [1,2), [2,3]
    assert "w [4]" in ax.get_legend().get_texts()[0].get_text()
    ax = visualize.plot_histogram(["w", np.zeros((2, 2))], bins=4, labels=["a", "b"])
    assert len(ax.patches) == 8
    assert sum(p.get_height() for p in ax.patches) == 8
    with pytest.raises(RuntimeError, match="Did you mean 'w'"):
        visualize.plot_histogram("ww")


def test_decision_grid_of_a_function():
    X = np.array([[-1.0, -1.0], [1.0, 1.0]])
    xx, yy, cls = visualize.decision_grid(lambda p: p[:, 0] + p[:, 1], X, resolution=11,
                                          padding=0.0, threshold=0.0)
    assert xx.shape == yy.shape == cls.shape == (11, 11)
    np.testing.assert_array_equal(cls, (xx + yy > 0).astype(int))
    with pytest.raises(ValueError, match=r"\[N, 2\]"):
        visualize.decision_grid(lambda p: p, np.zeros((3, 3)))


def test_plot_decision_boundary_with_a_net_leaves_the_workspace_alone():
    net = core.Net("vis_classifier")
    net.FC(["data", "w", "b"], "logits")
    net.Softmax("logits", "prob")
    # Class 1 wherever x_0 > 0.
    workspace.FeedBlob("w", np.array([[-5.0, 0.0], [5.0, 0.0]], np.float32))
    workspace.FeedBlob("b", np.zeros(2, np.float32))
    workspace.FeedBlob("data", np.ones((4, 2), np.float32))
    before = {n: workspace.FetchBlob(n) for n in workspace.Blobs()}

    X = np.array([[-1.0, 0.0], [1.0, 0.5], [-0.5, -1.0], [0.7, 1.0]])
    y = np.array([0, 1, 0, 1])
    ax = visualize.plot_decision_boundary(net, X, y, input_blob="data", output_blob="prob",
                                          resolution=21)
    assert workspace.Blobs() == sorted(before)  # logits/prob removed again
    for n, v in before.items():
        np.testing.assert_array_equal(workspace.FetchBlob(n), v)
    scatter = ax.collections[-1]
    np.testing.assert_array_equal(scatter.get_offsets(), X)
    np.testing.assert_array_equal(scatter.get_array(), y)

    predict = visualize.net_predictor(net, "data", "prob")
    probs = predict(np.array([[-1.0, 0.0], [1.0, 0.0]]))
    assert probs.dtype == np.float32 and np.argmax(probs, axis=1).tolist() == [0, 1]
    with pytest.raises(ValueError, match="input_blob"):
        visualize.plot_decision_boundary(net, X)


def test_plot_loss_twice_on_one_axes_keeps_the_first_labels():
    fig, ax = plt.subplots()
    visualize.plot_loss([3.0, 2.0, 1.0], ax=ax, smooth=None, label="SGD")
    visualize.plot_loss([3.0, 1.5, 0.5], ax=ax, smooth=None, label="Adam")
    assert ax.get_ylabel() == "SGD" and ax.get_title() == "SGD"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["SGD", "Adam"]
    plt.close(fig)
