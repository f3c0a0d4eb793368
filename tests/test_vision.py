"""Vision ops beyond the generic cases: training-mode Dropout's randomness, errors that
name the problem, Summarize's file, Cast's gradient rule, and visualize.NCHW/NHWC grids."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from graphlab import brew, core, model_helper, visualize, workspace  # noqa: E402
from graphlab.errors import ArgumentError, GradientError, GraphlabError  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh():
    workspace.ResetWorkspace()
    yield
    workspace.ResetWorkspace()
    plt.close("all")


def _run(op_type: str, inputs: dict[str, np.ndarray], outputs: list[str], **args):
    for k, v in inputs.items():
        workspace.FeedBlob(k, v)
    workspace.RunOperatorOnce(core.CreateOperator(op_type, list(inputs), outputs, **args))
    return [workspace.FetchBlob(o) for o in outputs]


# ---- Dropout in training mode ------------------------------------------------------------


def test_dropout_training_drops_about_ratio_and_rescales_the_rest():
    workspace.SetRandomSeed(1)
    X = np.random.default_rng(0).uniform(1, 2, size=(200, 100)).astype(np.float32)
    Y, mask = _run("Dropout", {"X": X}, ["Y", "mask"], ratio=0.3, is_test=0)
    assert mask.dtype == bool and mask.shape == X.shape
    assert abs(1 - mask.mean() - 0.3) < 0.01  # 20000 draws: 0.3 ± a few standard errors
    np.testing.assert_allclose(Y, X * mask / np.float32(0.7), rtol=1e-6)
    dX = _run("DropoutGrad", {"dY": np.ones_like(X), "mask": mask}, ["dX"], ratio=0.3,
              is_test=0)[0]
    np.testing.assert_allclose(dX, mask / np.float32(0.7), rtol=1e-6)


def test_dropout_masks_differ_from_run_to_run_of_a_created_net():
    net = core.Net("drop")
    net.Dropout("X", ["Y", "mask"], ratio=0.5, is_test=0)
    workspace.FeedBlob("X", np.ones((50, 50), np.float32))
    workspace.CreateNet(net)
    workspace.RunNet(net.Proto().name)
    first = workspace.FetchBlob("mask")
    workspace.RunNet(net.Proto().name)
    assert (first != workspace.FetchBlob("mask")).any()


def test_dropout_training_without_a_mask_output_cannot_be_differentiated():
    net = core.Net("drop_grad")
    net.Dropout("X", "Y", ratio=0.5, is_test=0)
    with pytest.raises(GradientError, match="mask"):
        net.AddGradientOperators(["Y"])


# ---- errors that say what is wrong ---------------------------------------------------------


def test_conv_channel_mismatch_names_shapes_and_the_fix():
    X = np.zeros((2, 3, 8, 8), np.float32)
    W = np.zeros((4, 2, 3, 3), np.float32)
    with pytest.raises(GraphlabError) as info:
        _run("Conv", {"X": X, "W": W}, ["Y"], kernel=3)
    text = str(info.value)
    assert "3 input channels" in text and "float32[4, 2, 3, 3]" in text and "dim_in" in text


def test_kernel_argument_must_match_the_filter():
    X = np.zeros((1, 1, 8, 8), np.float32)
    W = np.zeros((2, 1, 3, 3), np.float32)
    with pytest.raises(GraphlabError, match=r"\[3, 3\] kernel but the op's kernel argument says"):
        _run("Conv", {"X": X, "W": W}, ["Y"], kernel=5)


def test_half_a_pair_of_window_arguments_is_refused_when_the_op_is_made():
    with pytest.raises(ArgumentError, match="give both stride_h and stride_w"):
        core.CreateOperator("MaxPool", ["X"], ["Y"], kernel=2, stride_h=2)
    with pytest.raises(ArgumentError, match="do not also give pad"):
        core.CreateOperator("Conv", ["X", "W"], ["Y"], kernel=3, pad=1, legacy_pad=2)


def test_pooling_window_larger_than_the_image_is_an_error():
    with pytest.raises(GraphlabError, match="too small"):
        _run("MaxPool", {"X": np.zeros((1, 1, 3, 3), np.float32)}, ["Y"], kernel=4)


def test_spatial_bn_needs_five_outputs_in_training():
    inputs = {"X": np.ones((2, 3, 2, 2), np.float32), "s": np.ones(3, np.float32),
              "b": np.zeros(3, np.float32), "m": np.zeros(3, np.float32),
              "v": np.ones(3, np.float32)}
    with pytest.raises(GraphlabError, match="needs 5 output"):
        _run("SpatialBN", inputs, ["Y"], is_test=0)
    with pytest.raises(ArgumentError, match="is_test"):
        core.CreateOperator("SpatialBN", list(inputs), ["Y"])


def test_spatial_bn_running_statistics_move_toward_the_batch():
    X = np.random.default_rng(0).normal(3.0, 2.0, size=(64, 2, 4, 4)).astype(np.float32)
    inputs = {"X": X, "s": np.ones(2, np.float32), "b": np.zeros(2, np.float32),
              "m": np.zeros(2, np.float32), "v": np.ones(2, np.float32)}
    for _ in range(40):
        _run("SpatialBN", inputs, ["Y", "m", "v", "sm", "siv"], is_test=0, momentum=0.8)
        inputs["m"], inputs["v"] = workspace.FetchBlob("m"), workspace.FetchBlob("v")
    np.testing.assert_allclose(inputs["m"], X.mean(axis=(0, 2, 3)), rtol=1e-3)
    np.testing.assert_allclose(inputs["v"], X.var(axis=(0, 2, 3)), rtol=1e-3)


def test_lrn_size_must_be_odd():
    with pytest.raises(GraphlabError, match="odd"):
        _run("LRN", {"X": np.ones((1, 4, 2, 2), np.float32)}, ["Y"], size=4)


# ---- Cast and Summarize --------------------------------------------------------------------


def test_cast_gradient_needs_from_type_and_casts_back():
    net = core.Net("cast")
    net.Cast("X", "Y", to=core.DataType.FLOAT)
    with pytest.raises(GradientError, match="from_type"):
        net.AddGradientOperators(["Y"])
    net = core.Net("cast2")
    net.Cast("X", "Y", to=core.DataType.FLOAT, from_type=core.DataType.DOUBLE)
    net.AddGradientOperators(["Y"])
    grad = net.Proto().op[-1]
    assert grad.type == "Cast" and list(grad.input) == ["Y_autogen_grad"]
    assert {a.name: a.value for a in grad.arg} == {"to": 13, "from_type": 1}
    with pytest.raises(ArgumentError, match="not a type Cast can make"):
        core.CreateOperator("Cast", ["X"], ["Y"], to=core.DataType.STRING)


def test_summarize_appends_to_a_file_in_the_root_folder(tmp_path):
    workspace.ResetWorkspace(str(tmp_path))
    X = np.array([[1.0, 2.0], [3.0, 6.0]], np.float32)
    workspace.FeedBlob("acts", X)
    op = core.CreateOperator("Summarize", ["acts"], [], to_file=1)
    workspace.RunOperatorOnce(op)
    workspace.RunOperatorOnce(op)
    lines = (tmp_path / "acts.summary").read_text().splitlines()
    assert len(lines) == 2
    np.testing.assert_allclose([float(v) for v in lines[0].split()],
                               [1.0, 6.0, 3.0, np.std([1, 2, 3, 6], ddof=1)], rtol=1e-5)


# ---- brew ----------------------------------------------------------------------------------


def test_brew_conv_refuses_unknown_keywords_with_a_suggestion():
    m = model_helper.ModelHelper(name="typo")
    with pytest.raises(ArgumentError, match="'strid'.*stride"):
        brew.conv(m, "data", "c", dim_in=1, dim_out=2, kernel=3, strid=2)
    with pytest.raises(ArgumentError, match="is_test"):
        brew.spatial_bn(m, "data", "bn", 3)


def test_brew_conv_nhwc_and_group_shapes():
    m = model_helper.ModelHelper(name="shapes")
    brew.conv(m, "data", "c", dim_in=4, dim_out=6, kernel=[3, 2], group=2, order="NHWC")
    fill = m.param_init_net.Proto().op[0]
    assert fill.output == ["c_w"] and {a.name: a.value for a in fill.arg}["shape"] == [6, 3, 2, 2]
    conv = m.net.Proto().op[0]
    assert {a.name: a.value for a in conv.arg} == {"kernel_h": 3, "kernel_w": 2,
                                                   "order": "NHWC", "group": 2}


# ---- visualize.NCHW / NHWC -------------------------------------------------------------------


def test_show_multiple_lays_images_out_in_a_grid():
    images = np.arange(5 * 1 * 2 * 3, dtype=np.float32).reshape(5, 1, 2, 3)  # NCHW
    grid = visualize.NCHW.ShowMultiple(images)
    # 5 images → ⌈√5⌉ = 3 columns, 2 rows; 2×3 tiles one cell apart
    assert grid.shape == (2 * 3 - 1, 3 * 4 - 1)
    np.testing.assert_array_equal(grid[0:2, 0:3], images[0, 0])
    np.testing.assert_array_equal(grid[0:2, 4:7], images[1, 0])
    np.testing.assert_array_equal(grid[3:5, 4:7], images[4, 0])
    assert grid[2, 0] == pytest.approx(images.mean())  # gaps and empty cells: the mean
    assert grid[3, 8] == pytest.approx(images.mean())
    drawn = plt.gca().images[-1].get_array()
    np.testing.assert_array_equal(np.asarray(drawn), grid)


def test_nchw_and_nhwc_show_the_same_grid_and_rgb_keeps_its_channels():
    rgb = np.random.default_rng(0).random((4, 3, 5, 5))
    nchw = visualize.NCHW.ShowMultiple(rgb, ncols=4)
    nhwc = visualize.NHWC.ShowMultiple(np.moveaxis(rgb, 1, -1), ncols=4)
    np.testing.assert_array_equal(nchw, nhwc)
    assert nchw.shape == (5, 4 * 6 - 1, 3)
    np.testing.assert_array_equal(nchw[:, 6:11], np.moveaxis(rgb[1], 0, -1))


def test_show_channels_and_images_and_bad_shapes():
    fmap = np.random.default_rng(1).random((6, 4, 4))  # one image's 6 feature maps, CHW
    grid = visualize.NCHW.ShowChannels(fmap)
    np.testing.assert_array_equal(grid[0:4, 5:9], fmap[1])
    scaled = visualize.NHWC.ShowImages(np.array([[[[2.0]], [[4.0]]]]).reshape(2, 1, 1, 1))
    assert scaled.min() == 0.0 and scaled.max() == 1.0
    with pytest.raises(ValueError, match="NCHW"):
        visualize.NHWC.ShowMultiple(np.zeros((2, 5, 4, 4)))


# ---- a small convolutional net learns --------------------------------------------------------


def test_small_lenet_learns_to_tell_stripes_apart():
    """Horizontal against vertical stripes: 40 SGD steps of conv → pool → fc must separate
    them (this fails if any vision kernel's gradient points the wrong way)."""
    from graphlab import optimizer

    rng = np.random.default_rng(0)
    n = 32
    labels = rng.integers(0, 2, size=n).astype(np.int32)
    images = rng.normal(0, 0.3, size=(n, 1, 10, 10)).astype(np.float32)
    images[labels == 0, 0, ::2, :] += 1.0  # horizontal stripes
    images[labels == 1, 0, :, ::2] += 1.0  # vertical stripes
    workspace.SetRandomSeed(0)
    m = model_helper.ModelHelper(name="stripes")
    c = brew.conv(m, "data", "conv", dim_in=1, dim_out=4, kernel=3)
    p = brew.max_pool(m, brew.relu(m, c, c), "pool", kernel=2, stride=2)
    fc = brew.fc(m, p, "fc", dim_in=4 * 4 * 4, dim_out=2)
    sm = brew.softmax(m, fc, "softmax")
    loss = m.net.AveragedLoss(m.net.LabelCrossEntropy([sm, "label"], "xent"), "loss")
    brew.accuracy(m, [sm, "label"], "accuracy")
    m.AddGradientOperators([loss])
    optimizer.build_sgd(m, base_learning_rate=0.1)
    workspace.FeedBlob("data", images)
    workspace.FeedBlob("label", labels)
    workspace.RunNetOnce(m.param_init_net)
    workspace.CreateNet(m.net)
    workspace.RunNet(m.net.Proto().name)
    first = float(workspace.FetchBlob("loss"))
    workspace.RunNet(m.net.Proto().name, 40)
    assert float(workspace.FetchBlob("loss")) < 0.1 * first
    assert float(workspace.FetchBlob("accuracy")) == 1.0
