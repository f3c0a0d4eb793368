"""Filler operators (ops/fill.py): dtypes, shapes, ranges, statistics, run_once, errors."""

from __future__ import annotations

import cases_fill
import numpy as np
import pytest
from op_case import Case
from op_checks import run_op
from seed_nets import seed_nets

from graphlab import core, workspace
from graphlab.errors import ArgumentError, OperatorError
from graphlab.proto import DeviceOption
from graphlab.registry import NO_GRADIENT, all_schemas, get_schema

DT = core.DataType
RANDOM = ["UniformFill", "UniformIntFill", "GaussianFill", "XavierFill", "MSRAFill"]


def _fill(op_type: str, inputs=(), **args) -> np.ndarray:
    return run_op(op_type, list(inputs), **args)[0]


# ---- the deterministic cases (until the generic op tests run them) ---------------------------


@pytest.mark.parametrize(
    "op_type, case",
    [pytest.param(op, c, id=f"{op}-{c.id or i}")
     for op, cs in cases_fill.CASES.items() for i, c in enumerate(cs)],
)
def test_cases_forward(op_type: str, case: Case) -> None:
    inputs = [np.asarray(a) for a in case.make_inputs(np.random.default_rng(0))]
    expected = np.asarray(case.reference(*[a.copy() for a in inputs], **case.args))
    got = _fill(op_type, inputs, **case.args)
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def test_every_filler_is_covered_and_has_no_gradient() -> None:
    fill_ops = [s.type for s in all_schemas() if s.family == "fill"]
    covered = list(cases_fill.CASES) + list(cases_fill.TESTED_ELSEWHERE)
    assert sorted(fill_ops) == sorted(covered)
    for op in fill_ops:
        schema = get_schema(op)
        assert schema.grad == NO_GRADIENT
        assert schema.n_inputs == (0, 1)
        assert "run_once" in schema.args and schema.args["run_once"].default == 0


# ---- ConstantFill dtype rules ----------------------------------------------------------------


@pytest.mark.parametrize(
    "args, dtype",
    [
        ({}, np.float32),
        ({"value": 1.0}, np.float32),
        ({"value": 1}, np.int64),
        ({"value": "x"}, np.dtype("<U1")),
        ({"value": 1, "dtype": DT.FLOAT}, np.float32),
        ({"value": 0, "dtype": DT.INT32}, np.int32),
        ({"dtype": DT.DOUBLE}, np.float64),
        ({"dtype": DT.INT16}, np.int16),
        ({"dtype": DT.UINT16}, np.uint16),
        ({"value": 1, "dtype": DT.BOOL}, np.bool_),
    ],
)
def test_constant_fill_dtype(args, dtype) -> None:
    out = _fill("ConstantFill", shape=[2], **args)
    assert out.dtype == dtype
    assert out.shape == (2,)


@pytest.mark.parametrize(
    "args, match",
    [
        ({"value": 0.5, "dtype": DT.INT32}, "float but dtype is int32"),
        ({"value": 0.0, "dtype": DT.INT64}, r"e\.g\. value=0"),
        ({"value": 300, "dtype": DT.INT8}, "does not fit int8"),
        ({"value": 2, "dtype": DT.BOOL}, "not a bool"),
        ({"value": "a", "dtype": DT.FLOAT}, "is a string"),
        ({"value": 1.0, "dtype": DT.STRING}, "STRING"),
        ({"dtype": DT.UNDEFINED}, "not supported by ConstantFill"),
        ({"dtype": 99}, "not supported"),
        ({"value": [1.0, 2.0]}, "one number, bool or string"),
    ],
)
def test_constant_fill_bad_value_or_dtype_fails_at_creation(args, match) -> None:
    with pytest.raises(ArgumentError, match=match):
        core.CreateOperator("ConstantFill", [], ["out"], shape=[1], **args)


def test_loss_seed_is_float32_ones_shaped_like_the_loss_whatever_its_dtype() -> None:
    out = _fill("ConstantFill", [np.array(3.5, np.float64)], value=1.0)
    assert out.shape == () and out.dtype == np.float32 and out == 1.0
    out = _fill("ConstantFill", [np.zeros((2, 3), np.int32)], value=1.0)
    np.testing.assert_array_equal(out, np.ones((2, 3), np.float32))


# ---- shape rules shared by all fillers -------------------------------------------------------


@pytest.mark.parametrize("op_type", ["ConstantFill", "UniformFill", "GaussianFill",
                                     "RangeFill", "MSRAFill"])
def test_shape_rules(op_type: str) -> None:
    assert _fill(op_type, shape=[4, 3]).shape == (4, 3)
    assert _fill(op_type, [np.zeros((2, 5))]).shape == (2, 5)
    assert _fill(op_type, [np.zeros((2,))], extra_shape=[3, 4]).shape == (2, 3, 4)
    assert _fill(op_type, [np.array([3, 2], np.int64)], input_as_shape=1).shape == (3, 2)


def test_missing_shape_gives_a_0d_scalar() -> None:
    out = _fill("GaussianFill")
    assert out.shape == () and out.dtype == np.float32


@pytest.mark.parametrize(
    "inputs, args, match",
    [
        ([np.zeros(2)], {"shape": [2]}, "cannot set the shape argument .* and pass in an input"),
        ([], {"extra_shape": [2]}, "cannot set extra_shape when there is no input"),
        ([], {"input_as_shape": 1}, "needs an input holding the shape"),
        ([np.array([2.0, 3.0])], {"input_as_shape": 1}, "1-D integer array"),
        ([np.array([[2, 3]])], {"input_as_shape": 1}, "1-D integer array"),
        ([np.array([2, -3])], {"input_as_shape": 1}, "negative dimension"),
    ],
)
def test_shape_errors_at_run_time(inputs, args, match) -> None:
    with pytest.raises(OperatorError, match=match):
        _fill("UniformFill", inputs, **args)


def test_scalar_shape_is_rejected_with_a_list_hint() -> None:
    with pytest.raises(ArgumentError, match=r"shape.*list.*\[3\]"):
        core.CreateOperator("ConstantFill", [], ["x"], shape=3, value=1.0)


def test_negative_shape_is_rejected_at_creation() -> None:
    with pytest.raises(ArgumentError, match="negative dimension"):
        core.CreateOperator("GaussianFill", [], ["x"], shape=[2, -1])


# ---- GivenTensor*Fill ------------------------------------------------------------------------


def test_given_tensor_count_mismatch_names_both_numbers() -> None:
    with pytest.raises(ArgumentError, match=r"got 3 values for shape \[2, 2\], which holds 4"):
        core.CreateOperator("GivenTensorFill", [], ["x"], shape=[2, 2], values=[1.0, 2.0, 3.0])
    with pytest.raises(OperatorError, match=r"got 3 values for shape \[2, 2\]"):
        _fill("GivenTensorIntFill", [np.zeros((2, 2))], values=[1, 2, 3])


def test_given_tensor_int_fill_rejects_float_values() -> None:
    with pytest.raises(ArgumentError, match="values"):
        core.CreateOperator("GivenTensorIntFill", [], ["x"], shape=[1], values=[1.5])


def test_given_tensor_fill_dtype_is_checked() -> None:
    with pytest.raises(ArgumentError, match="not supported by GivenTensorFill"):
        core.CreateOperator("GivenTensorFill", [], ["x"], shape=[1], values=[1.0],
                            dtype=DT.STRING)


# ---- random fillers: ranges and statistics ---------------------------------------------------


def test_uniform_fill_range_and_mean() -> None:
    workspace.SetRandomSeed(0)
    x = _fill("UniformFill", shape=[200, 100], min=-1.0, max=3.0)
    assert x.dtype == np.float32
    assert x.min() >= -1.0 and x.max() < 3.0
    assert abs(x.mean() - 1.0) < 0.03
    assert abs(x.std() - 4 / np.sqrt(12)) < 0.03


def test_uniform_fill_half_open_even_for_a_tiny_interval() -> None:
    workspace.SetRandomSeed(1)
    lo = np.float32(1.0)
    hi = float(np.nextafter(np.nextafter(lo, np.float32(2)), np.float32(2)))
    x = _fill("UniformFill", shape=[10000], min=1.0, max=hi)
    assert x.min() >= 1.0 and x.max() < np.float32(hi)


def test_uniform_fill_needs_min_below_max_at_creation() -> None:
    with pytest.raises(ArgumentError, match="max value should be bigger than min value"):
        core.CreateOperator("UniformFill", [], ["W"], shape=[1], min=1.0, max=1.0)
    with pytest.raises(ArgumentError, match="min=2"):
        core.CreateOperator("UniformIntFill", [], ["W"], shape=[1], min=2, max=1)


def test_uniform_int_fill_is_inclusive_int32() -> None:
    workspace.SetRandomSeed(0)
    x = _fill("UniformIntFill", shape=[5000], min=-2, max=2)
    assert x.dtype == np.int32
    assert sorted(np.unique(x).tolist()) == [-2, -1, 0, 1, 2]


def test_gaussian_fill_statistics() -> None:
    workspace.SetRandomSeed(0)
    x = _fill("GaussianFill", shape=[100, 200], mean=2.0, std=0.5)
    assert x.dtype == np.float32
    assert abs(x.mean() - 2.0) < 0.01
    assert abs(x.std() - 0.5) < 0.01


def test_gaussian_fill_std_must_be_positive() -> None:
    with pytest.raises(ArgumentError, match="std must be > 0"):
        core.CreateOperator("GaussianFill", [], ["x"], shape=[1], std=0.0)


def test_xavier_fill_scale_uses_fan_in() -> None:
    workspace.SetRandomSeed(0)
    x = _fill("XavierFill", shape=[300, 12])  # fan_in = 12
    scale = np.sqrt(3.0 / 12)
    assert x.dtype == np.float32
    assert x.min() >= -scale and x.max() < scale
    assert x.max() > 0.95 * scale and x.min() < -0.95 * scale
    assert abs(x.std() - scale / np.sqrt(3)) < 0.01


def test_msra_fill_std_uses_fan_out() -> None:
    workspace.SetRandomSeed(0)
    x = _fill("MSRAFill", shape=[8, 50, 5, 5])  # fan_out = 8*5*5 = 200
    assert abs(x.std() - np.sqrt(2.0 / 200)) < 0.003
    assert abs(x.mean()) < 0.003


def test_msra_needs_2d_and_xavier_needs_1d() -> None:
    with pytest.raises(OperatorError, match="at least 2 dimensions"):
        _fill("MSRAFill", shape=[5])
    with pytest.raises(OperatorError, match="at least 1 dimension"):
        _fill("XavierFill")


def test_empty_random_fill() -> None:
    assert _fill("XavierFill", shape=[0, 3]).shape == (0, 3)
    assert _fill("MSRAFill", shape=[3, 0]).shape == (3, 0)


# ---- seeds and streams -----------------------------------------------------------------------


@pytest.mark.parametrize("op_type", RANDOM)
def test_same_seed_same_numbers(op_type: str) -> None:
    args = {"shape": [4, 3]}
    workspace.SetRandomSeed(7)
    a = _fill(op_type, **args)
    workspace.ResetWorkspace()
    workspace.SetRandomSeed(7)
    b = _fill(op_type, **args)
    np.testing.assert_array_equal(a, b)


def test_random_seed_in_device_option_fixes_the_op() -> None:
    op = core.CreateOperator("GaussianFill", [], ["x"], shape=[5], random_seed=3)
    workspace.RunOperatorOnce(op)
    a = workspace.FetchBlob("x")
    workspace.RunOperatorOnce(op)
    np.testing.assert_array_equal(a, workspace.FetchBlob("x"))


def test_created_net_continues_its_stream_and_run_net_once_restarts() -> None:
    net = core.Net("fill_stream")
    net.GaussianFill([], "X", shape=[3], run_once=0)
    net.Proto().op[0].device_option = DeviceOption(random_seed=11)
    workspace.RunNetOnce(net)
    once_1 = workspace.FetchBlob("X")
    workspace.RunNetOnce(net)
    once_2 = workspace.FetchBlob("X")
    np.testing.assert_array_equal(once_1, once_2)  # fresh op, same seed, same numbers
    workspace.CreateNet(net)
    workspace.RunNet(net.Name())
    first = workspace.FetchBlob("X")
    workspace.RunNet(net.Name())
    second = workspace.FetchBlob("X")
    np.testing.assert_array_equal(first, once_1)
    assert not np.array_equal(first, second)  # the stream continued


# ---- run_once --------------------------------------------------------------------------------


def _counter_net(run_once: int) -> core.Net:
    net = core.Net("run_once")
    net.GaussianFill([], "X", shape=[4], run_once=run_once)
    net.ConstantFill([], "C", shape=[2], value=1.0, run_once=run_once)
    net.Add(["C", "C"], "C2")
    return net


def test_run_once_0_fills_every_run() -> None:
    workspace.SetRandomSeed(0)
    net = _counter_net(0)
    workspace.CreateNet(net)
    workspace.RunNet(net.Name())
    a = workspace.FetchBlob("X")
    workspace.RunNet(net.Name())
    assert not np.array_equal(a, workspace.FetchBlob("X"))


def test_run_once_1_fills_only_on_the_first_run_net() -> None:
    workspace.SetRandomSeed(0)
    net = _counter_net(1)
    workspace.CreateNet(net)
    workspace.RunNet(net.Name())
    a = workspace.FetchBlob("X")
    workspace.FeedBlob("C", np.array([5.0, 6.0], np.float32))  # someone changes the blob
    workspace.RunNet(net.Name(), 3)
    np.testing.assert_array_equal(workspace.FetchBlob("X"), a)
    np.testing.assert_array_equal(workspace.FetchBlob("C"), [5.0, 6.0])  # left alone
    np.testing.assert_array_equal(workspace.FetchBlob("C2"), [10.0, 12.0])


def test_run_once_1_under_run_net_once_fills_every_time() -> None:
    workspace.SetRandomSeed(0)
    net = _counter_net(1)
    workspace.RunNetOnce(net)
    a = workspace.FetchBlob("X")
    workspace.FeedBlob("C", np.zeros(2, np.float32))
    workspace.RunNetOnce(net)
    assert not np.array_equal(a, workspace.FetchBlob("X"))
    np.testing.assert_array_equal(workspace.FetchBlob("C"), [1.0, 1.0])


def test_run_once_1_refills_after_the_blob_was_removed() -> None:
    net = core.Net("run_once_removed")
    net.ConstantFill([], "K", shape=[1], value=2.0, run_once=1)
    workspace.CreateNet(net)
    workspace.RunNet(net.Name())
    workspace.CurrentWorkspaceObject().remove_blob("K")
    workspace.RunNet(net.Name())
    np.testing.assert_array_equal(workspace.FetchBlob("K"), [2.0])


def test_the_seed_init_net() -> None:
    workspace.RunNetOnce(seed_nets("forward").init_net)
    assert workspace.FetchBlob("ITER").dtype == np.int32
    assert workspace.FetchBlob("ONE").dtype == np.float32
    w = workspace.FetchBlob("W")
    assert w.shape == (1, 2) and np.all((w >= -1) & (w < 1))
    np.testing.assert_array_equal(workspace.FetchBlob("W_gt"), [[2.0, 1.5]])


def test_compiled_fillers_match_plain_kernels() -> None:
    net = core.Net("compiled_fill")
    net.GaussianFill([], "X", shape=[5, 2], mean=1.5, std=0.25)
    net.ConstantFill(["X"], "ones", value=1.0)
    net.ConstantFill(["L"], "seed", value=1.0)
    net.Proto().op[0].device_option = DeviceOption(random_seed=5)
    workspace.FeedBlob("L", np.array(2.0, np.float64))
    workspace.RunNetOnce(net)
    plain = {b: workspace.FetchBlob(b) for b in ("X", "ones", "seed")}
    workspace.CreateNet(net)
    workspace.RunNet(net.Name())
    for b, want in plain.items():
        got = workspace.FetchBlob(b)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    workspace.FeedBlob("L", np.zeros((2, 3)))  # the seed follows a new loss shape
    workspace.RunNet(net.Name())
    np.testing.assert_array_equal(workspace.FetchBlob("seed"), np.ones((2, 3), np.float32))
