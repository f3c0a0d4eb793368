"""Tests for the math and shape operators (ops/math.py, ops/shape.py).

Every case in cases_math.py and cases_shape.py is run forward against its NumPy
reference, and its gradient maker + gradient kernels are checked against central finite
differences of the reference (without the net-level gradient builder, so the ops are
tested on their own). Then: error messages, in-place use, dtypes, gradient makers.
"""

from __future__ import annotations

import cases_math
import cases_shape
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes
from op_case import Case
from op_checks import (
    as_tuple,
    case_params,
    check_forward,
    check_gradient_by_hand,
    differentiable,
    run_op,
)

from graphlab import core, workspace
from graphlab.errors import ArgumentError, GradientError, OperatorError
from graphlab.gradient_checker import check_gradient
from graphlab.registry import (
    NO_GRADIENT,
    SHOULD_NOT_DO_GRADIENT,
    GradientContext,
    all_schemas,
    get_schema,
)

MODULES = (cases_math, cases_shape)
ALL_CASES = case_params(*MODULES)


def _grad(op: core.OperatorDef, g_out: list[str | None]):
    return get_schema(op.type).grad(GradientContext(op, g_out))


# ---- every case: forward -----------------------------------------------------------------


@pytest.mark.parametrize("op_type, case", ALL_CASES)
def test_forward_matches_reference(op_type: str, case: Case) -> None:
    check_forward(op_type, case)


def test_inputs_are_not_modified() -> None:
    for op_type, case in [(p.values[0], p.values[1]) for p in ALL_CASES]:
        inputs = [np.asarray(a) for a in case.make_inputs(np.random.default_rng(0))]
        before = [a.copy() for a in inputs]
        workspace.ResetWorkspace()
        n_out = case.n_outputs
        if n_out is None:
            n_out = len(as_tuple(case.reference(*[a.copy() for a in inputs], **case.args)))
        names = [f"in{i}" for i in range(len(inputs))]
        for name, value in zip(names, inputs):
            workspace.FeedBlob(name, value)
        op = core.CreateOperator(op_type, names, [f"o{i}" for i in range(n_out)], **case.args)
        workspace.RunOperatorOnce(op)
        blobs = workspace.CurrentWorkspaceObject().store
        for name, b in zip(names, before):
            np.testing.assert_array_equal(blobs[name], b, err_msg=f"{op_type} changed {name}")


# ---- every case: gradient maker + kernels against finite differences ------------------------


@pytest.mark.parametrize("op_type, case", differentiable(ALL_CASES))
def test_gradient_matches_finite_differences(op_type: str, case: Case) -> None:
    check_gradient_by_hand(op_type, case)


def test_every_op_has_cases_or_is_a_listed_gradient_op() -> None:
    cases = {**cases_math.CASES, **cases_shape.CASES}
    grads = {**cases_math.GRADIENT_OPS, **cases_shape.GRADIENT_OPS}
    for schema in all_schemas():
        if schema.family not in ("math", "shape"):
            continue
        if schema.type in grads:
            assert grads[schema.type] in cases
            assert not schema.differentiable or schema.type in cases
        else:
            assert schema.type in cases, f"{schema.type} has no test case"
    for grad_type, fwd in grads.items():
        assert get_schema(grad_type).family in ("math", "shape")
        assert get_schema(fwd).differentiable


def test_every_gradient_op_is_emitted_by_its_forward_op() -> None:
    grads = {**cases_math.GRADIENT_OPS, **cases_shape.GRADIENT_OPS}
    cases = {**cases_math.CASES, **cases_shape.CASES}
    for grad_type, fwd in grads.items():
        case = cases[fwd][0]
        n_in = len(case.make_inputs(np.random.default_rng(0)))
        op = core.CreateOperator(fwd, [f"x{i}" for i in range(n_in)], ["y"], **case.args)
        ops, _ = _grad(op, ["y_grad"])
        assert grad_type in [o.type for o in ops]


# ---- gradient makers ---------------------------------------------------------------------


def test_sum_gradient_passes_the_output_gradient_through() -> None:
    op = core.CreateOperator("Sum", ["a", "b", "c"], ["Y"])
    ops, g_in = get_schema("Sum").grad(GradientContext(op, ["Y_grad"]))
    assert ops == []
    assert g_in == ["Y_grad", "Y_grad", "Y_grad"]


def test_copy_gradient_is_copy_on_device_like_as_in_caffe2() -> None:
    op = core.CreateOperator("Copy", ["X"], ["Y"])
    ops, g_in = get_schema("Copy").grad(GradientContext(op, ["Y_grad"]))
    assert [(o.type, o.input, o.output) for o in ops] == [
        ("CopyOnDeviceLike", ["Y_grad", "X"], ["X_grad"])]
    assert g_in == ["X_grad"]


def test_no_gradient_markers() -> None:
    assert get_schema("StopGradient").grad == NO_GRADIENT
    assert get_schema("Print").grad == SHOULD_NOT_DO_GRADIENT
    assert get_schema("SumReduceLike").grad is None


def test_binary_gradient_ops_have_caffe2_io_and_copy_args() -> None:
    op = core.CreateOperator("Add", ["A", "B"], ["C"], broadcast=1, axis=1)
    ops, g_in = _grad(op, ["C_grad"])
    assert [(o.type, o.input, o.output) for o in ops] == [
        ("AddGradient", ["C_grad", "A", "B"], ["A_grad", "B_grad"])]
    assert ops[0].args() == {"broadcast": 1, "axis": 1}
    assert g_in == ["A_grad", "B_grad"]


def test_scale_gradient_is_scale_with_same_argument() -> None:
    op = core.CreateOperator("Scale", ["X"], ["Y"], scale=0.25)
    (gop,), g_in = _grad(op, ["Y_grad"])
    assert (gop.type, gop.input, gop.output, gop.args()) == (
        "Scale", ["Y_grad"], ["X_grad"], {"scale": 0.25})
    assert g_in == ["X_grad"]


def test_transpose_gradient_uses_the_inverse_permutation() -> None:
    op = core.CreateOperator("Transpose", ["X"], ["Y"], axes=[2, 0, 1])
    (gop,), _ = _grad(op, ["Y_grad"])
    assert gop.args()["axes"] == [1, 2, 0]


def test_reshape_gradient_reads_old_shape_and_has_no_shape_argument() -> None:
    op = core.CreateOperator("Reshape", ["X"], ["Y", "X_shape"], shape=[-1])
    (gop,), g_in = _grad(op, ["Y_grad", None])
    assert (gop.type, gop.input, gop.output) == (
        "Reshape", ["Y_grad", "X_shape"], ["X_grad", "_X_grad_dims"])
    assert gop.args() == {}
    assert g_in == ["X_grad"]


def test_inplace_add_gradient_reads_the_overwritten_input_only_for_its_shape() -> None:
    A = np.arange(6.0).reshape(2, 3)
    B = np.array([1.0, 2.0, 3.0])
    workspace.FeedBlob("A", A)
    workspace.FeedBlob("B", B)
    op = core.CreateOperator("Add", ["A", "B"], ["A"])
    workspace.RunOperatorOnce(op)
    np.testing.assert_array_equal(workspace.FetchBlob("A"), A + B)
    workspace.FeedBlob("A_grad_in", np.ones((2, 3)))
    ops, g_in = _grad(op, ["A_grad_in"])
    assert ops[0].input == ["A_grad_in", "A", "B"]  # as in Caffe2: A now holds C
    for o in ops:
        workspace.RunOperatorOnce(o)
    np.testing.assert_array_equal(workspace.FetchBlob(g_in[0]), np.ones((2, 3)))
    np.testing.assert_array_equal(workspace.FetchBlob(g_in[1]), [2.0, 2.0, 2.0])


def test_inplace_mul_gradient_is_an_error() -> None:
    op = core.CreateOperator("Mul", ["A", "B"], ["A"])
    with pytest.raises(GradientError, match="cannot be carried out if Mul uses in-place"):
        _grad(op, ["A_grad"])


def test_inplace_div_gradient_reads_the_output_as_caffe2_does() -> None:
    A, B = np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 5.0])
    workspace.FeedBlob("A", A)
    workspace.FeedBlob("B", B)
    op = core.CreateOperator("Div", ["A", "B"], ["A"])
    workspace.RunOperatorOnce(op)
    ops, g_in = _grad(op, ["A_grad"])
    assert [(o.type, o.input) for o in ops] == [("DivGradient", ["A_grad", "A", "B", "A"])]
    workspace.FeedBlob("A_grad", np.ones(3))
    workspace.RunOperatorOnce(ops[0])
    np.testing.assert_allclose(workspace.FetchBlob("A_grad"), 1 / B)
    np.testing.assert_allclose(workspace.FetchBlob("B_grad"), -A / B**2)


def test_pow_in_place_gradient_recovers_x_from_y() -> None:
    op = core.CreateOperator("Pow", ["X"], ["X"], exponent=3.0)
    ops, _ = _grad(op, ["X_grad"])
    assert [(o.type, o.input, o.output, o.args()) for o in ops] == [
        ("Pow", ["X"], ["X_grad"], {"exponent": 2.0 / 3.0}),
        ("Mul", ["X_grad", "X_grad"], ["X_grad"], {}),
        ("Scale", ["X_grad"], ["X_grad"], {"scale": 3.0}),
    ]
    with pytest.raises(GradientError, match="exponent=0"):
        _grad(core.CreateOperator("Pow", ["X"], ["X"], exponent=0.0), ["X_grad"])


@pytest.mark.parametrize("op_type", ["Log", "Sqr", "Abs"])
def test_inplace_unary_gradient_needing_input_is_an_error(op_type: str) -> None:
    args = {"exponent": 2.0} if op_type == "Pow" else {}
    op = core.CreateOperator(op_type, ["X"], ["X"], **args)
    with pytest.raises(GradientError, match="new blob"):
        _grad(op, ["X_grad"])


def test_inplace_unary_gradient_from_output_is_fine() -> None:
    (gop,), _ = _grad(core.CreateOperator("Exp", ["X"], ["X"]), ["X_grad"])
    assert (gop.type, gop.input) == ("Mul", ["X", "X_grad"])
    scale, div = _grad(core.CreateOperator("Sqrt", ["X"], ["X"]), ["X_grad"])[0]
    assert (div.type, div.input) == ("Div", ["X_grad", "X"])


@pytest.mark.parametrize("op_type", ["Add", "Sub", "Mul", "Div", "MatMul"])
def test_same_blob_twice_gets_one_partial_gradient_per_slot(op_type: str) -> None:
    op = core.CreateOperator(op_type, ["X", "X"], ["Y"])
    ops, g_in = _grad(op, ["Y_grad"])
    assert [name for o in ops for name in o.output] == g_in == ["X_grad", "X_grad_from_B"]


def _builder_check(build, inputs: dict[str, np.ndarray]) -> None:
    net = core.Net("check")
    loss = build(net)
    check_gradient(net, [loss], inputs).assert_ok()


@pytest.mark.parametrize("op_type", ["Add", "Sub", "Mul", "Div", "MatMul"])
def test_same_blob_twice_through_the_gradient_builder(op_type: str) -> None:
    def build(net):
        net.Sqr(["x0"], "x")
        net.__getattr__(op_type)(["x", "x"], "y")
        return net.ReduceSum(["y"], "loss", keepdims=0)

    x0 = np.array([[1.2, -0.7], [0.4, 1.5]])
    _builder_check(build, {"x0": x0})
    net = core.Net("names")
    build(net)
    net.AddGradientOperators(["loss"])
    sums = [(o.input, o.output) for o in net.Proto().op if o.type == "Sum"]
    assert sums == [(["x_grad", "_x_grad_autosplit_0"], ["x_grad"])]


def test_a_small_net_of_math_and_shape_ops_through_the_gradient_builder() -> None:
    def build(net):
        net.Reshape(["x"], ["r", "x_shape"], shape=[3, -1])
        net.Transpose(["r"], "rt")
        net.MatMul(["rt", "w"], "m", trans_b=1)
        net.Add(["m", "b"], "mb", broadcast=1, axis=1)
        net.Div(["mb", "d"], "q")
        net.Exp(["q"], "e")
        net.Sum(["e", "e", "q"], "s")
        net.Scale(["s"], "s2", scale=0.5)
        net.ReduceMean(["s2"], "rm", axes=[0])
        net.Pow(["rm"], "p", exponent=2.0)
        return net.ReduceSum(["p"], "loss", keepdims=0)

    rng = np.random.default_rng(3)
    _builder_check(build, {
        "x": rng.normal(size=(2, 3, 2)) * 0.3, "w": rng.normal(size=(5, 3)) * 0.3,
        "b": rng.normal(size=(5,)), "d": rng.uniform(1.0, 2.0, size=(4, 1))})


def test_inplace_add_through_the_gradient_builder() -> None:
    rng = np.random.default_rng(4)
    h0, b = rng.normal(size=(2, 3)), rng.normal(size=(3,))
    net = core.Net("inplace_add")
    net.Copy(["h0"], "h")
    net.Add(["h", "b"], "h")
    net.Sqr(["h"], "s")
    net.ReduceSum(["s"], "loss", keepdims=0)
    grads = net.AddGradientOperators(["loss"])
    workspace.FeedBlob("h0", h0)
    workspace.FeedBlob("b", b)
    workspace.RunNetOnce(net)
    np.testing.assert_allclose(workspace.FetchBlob(grads["b"]), (2 * (h0 + b)).sum(axis=0))
    np.testing.assert_allclose(workspace.FetchBlob(grads["h0"]), 2 * (h0 + b))


def test_legacy_broadcast_gradient_has_b_shape() -> None:
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(2, 3, 4)), rng.normal(size=(3, 1))
    workspace.FeedBlob("A", A)
    workspace.FeedBlob("B", B)
    op = core.CreateOperator("Mul", ["A", "B"], ["C"], broadcast=1, axis=1)
    workspace.RunOperatorOnce(op)
    np.testing.assert_allclose(workspace.FetchBlob("C"), A * B.reshape(1, 3, 1))
    dC = rng.normal(size=(2, 3, 4))
    workspace.FeedBlob("C_grad", dC)
    for o in _grad(op, ["C_grad"])[0]:
        workspace.RunOperatorOnce(o)
    dB = workspace.FetchBlob("B_grad")
    assert dB.shape == (3, 1)
    np.testing.assert_allclose(dB[:, 0], (dC * A).sum(axis=(0, 2)))


# ---- errors ------------------------------------------------------------------------------


def test_broadcast_mismatch_names_both_shapes_and_hint() -> None:
    with pytest.raises(OperatorError) as info:
        run_op("Add", [np.zeros((2, 3), np.float32), np.zeros((4,), np.float32)])
    text = str(info.value)
    assert "float32[2, 3]" in text and "float32[4]" in text
    assert "cannot be broadcast" in text and "hint:" in text


def test_legacy_broadcast_dimension_mismatch() -> None:
    with pytest.raises(OperatorError) as info:
        run_op("Mul", [np.zeros((2, 3, 4)), np.zeros((5,))], broadcast=1, axis=1)
    text = str(info.value)
    assert "Broadcast dimension mismatch" in text
    assert "[2, 3, 4]" in text and "[5]" in text and "hint:" in text


def test_legacy_broadcast_axis_out_of_range() -> None:
    with pytest.raises(OperatorError, match=r"Broadcast axis should be in the range.*\[0, 1\]"
                                            r".*axis = 2"):
        run_op("Sub", [np.zeros((2, 3, 4)), np.zeros((3, 4))], broadcast=1, axis=2)


def test_legacy_broadcast_b_bigger_than_a() -> None:
    with pytest.raises(OperatorError, match="more dimensions than A"):
        run_op("Add", [np.zeros((3,)), np.zeros((2, 3))], broadcast=1)


def test_axis_without_broadcast_is_an_error() -> None:
    with pytest.raises(OperatorError, match="Do not specify axis"):
        run_op("Add", [np.zeros((2, 3)), np.zeros((3,))], axis=1)


def test_sum_shape_mismatch_names_every_input() -> None:
    with pytest.raises(OperatorError) as info:
        run_op("Sum", [np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((3,))])
    text = str(info.value)
    assert "input #0 float64[2, 3]" in text and "input #2 float64[3]" in text
    assert "Add" in text


def test_matmul_mismatch_names_shapes() -> None:
    with pytest.raises(OperatorError, match=r"float64\[4, 3\].*float64\[4, 5\].*3 and 4"):
        run_op("MatMul", [np.zeros((4, 3)), np.zeros((4, 5))])


def test_reshape_errors() -> None:
    X = np.zeros((4, 6))
    with pytest.raises(OperatorError, match="has 10 elements but data has 24"):
        run_op("Reshape", [X], 2, shape=[2, 5])
    with pytest.raises(OperatorError, match="more than one -1"):
        run_op("Reshape", [X], 2, shape=[-1, -1])
    with pytest.raises(OperatorError, match="cannot be split"):
        run_op("Reshape", [X], 2, shape=[5, -1])
    with pytest.raises(OperatorError, match="both"):
        run_op("Reshape", [X, np.array([24], np.int64)], 2, shape=[24])
    with pytest.raises(OperatorError, match="no new shape"):
        run_op("Reshape", [X], 2)


def test_transpose_and_reduce_axis_errors() -> None:
    with pytest.raises(OperatorError, match="not a permutation"):
        run_op("Transpose", [np.zeros((2, 3))], axes=[0, 0])
    with pytest.raises(OperatorError, match="axis 3 is out of range"):
        run_op("ReduceSum", [np.zeros((2, 3))], axes=[3])


def test_float_only_ops_reject_ints() -> None:
    for op_type, args in [("Exp", {}), ("Log", {}), ("Sqrt", {}), ("Scale", {"scale": 2.0}),
                          ("Pow", {"exponent": 2.0}), ("ReduceMean", {})]:
        with pytest.raises(OperatorError, match="must be a float array"):
            run_op(op_type, [np.arange(3, dtype=np.int32)], **args)


def test_pow_needs_exponent_and_sum_forbids_other_inplace() -> None:
    with pytest.raises(ArgumentError, match="exponent"):
        core.CreateOperator("Pow", ["X"], ["Y"])
    with pytest.raises(ArgumentError, match="in place"):
        core.CreateOperator("Sum", ["a", "b"], ["b"])
    with pytest.raises(ArgumentError, match="in place"):
        core.CreateOperator("SumReduceLike", ["a", "b"], ["a"])


def test_integer_division_by_zero_is_an_error() -> None:
    with pytest.raises(OperatorError, match="division by zero"):
        run_op("Div", [np.array([1, 2], np.int32), np.array([1, 0], np.int32)])


# ---- in-place and dtypes --------------------------------------------------------------------


def test_inplace_into_second_input() -> None:
    A = np.array([[1.0, 2.0]])
    B = np.array([[3.0, 5.0]])
    workspace.FeedBlob("A", A)
    workspace.FeedBlob("B", B)
    workspace.RunOperatorOnce(core.CreateOperator("Sub", ["A", "B"], ["B"]))
    np.testing.assert_array_equal(workspace.FetchBlob("B"), A - B)


def test_stop_gradient_inplace_keeps_values() -> None:
    X = np.arange(4.0)
    workspace.FeedBlob("X", X)
    workspace.RunOperatorOnce(core.CreateOperator("StopGradient", ["X"], ["X"]))
    np.testing.assert_array_equal(workspace.FetchBlob("X"), X)


@pytest.mark.parametrize("op_type, n_in, args", [
    ("Add", 2, {}), ("Sub", 2, {}), ("Mul", 2, {}), ("Div", 2, {}), ("Sum", 3, {}),
    ("Scale", 1, {"scale": 3.0}), ("Negative", 1, {}), ("Exp", 1, {}), ("Log", 1, {}),
    ("Sqr", 1, {}), ("Sqrt", 1, {}), ("Pow", 1, {"exponent": 1.5}), ("Abs", 1, {}),
    ("MatMul", 2, {}), ("Copy", 1, {}), ("StopGradient", 1, {}), ("Transpose", 1, {}),
    ("ReduceSum", 1, {}), ("ReduceMean", 1, {"axes": [0]})])
def test_float32_stays_float32(op_type: str, n_in: int, args: dict) -> None:
    xs = [np.full((3, 3), 1.5, np.float32) for _ in range(n_in)]
    (out,) = run_op(op_type, xs, **args)
    assert out.dtype == np.float32


def _binary_gradient_inputs(op_type: str, dC, A, B) -> list:
    """The inputs of ``<Op>Gradient``: DivGradient also reads the forward output C."""
    return [dC, A, B, A / B] if op_type == "DivGradient" else [dC, A, B]


@pytest.mark.parametrize("op_type", ["AddGradient", "SubGradient", "MulGradient", "DivGradient"])
def test_binary_gradients_float32_and_promotion(op_type: str) -> None:
    A = np.full((2, 3), 2.0, np.float32)
    B = np.full((3,), 4.0, np.float32)
    dA, dB = run_op(op_type, _binary_gradient_inputs(op_type, np.ones((2, 3), np.float32),
                                                     A, B), 2)
    assert dA.dtype == dB.dtype == np.float32
    assert dA.shape == (2, 3) and dB.shape == (3,)
    # a float32 seed beside float64 inputs gives float64 gradients
    dA, dB = run_op(op_type, _binary_gradient_inputs(op_type, np.ones((2, 3), np.float32),
                                                     A.astype(np.float64),
                                                     B.astype(np.float64)), 2)
    assert dA.dtype == dB.dtype == np.float64


def test_mixed_int_and_float_computes_in_the_float_dtype() -> None:
    (out,) = run_op("Add", [np.ones((2, 2), np.float32), np.arange(2, dtype=np.int64)])
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[1.0, 2.0], [1.0, 2.0]])


def test_reshape_old_shape_is_int64_and_gradient_roundtrip() -> None:
    reshaped, old = run_op("Reshape", [np.zeros((4, 6), np.float32)], 2, shape=[0, 3, -1])
    assert reshaped.shape == (4, 3, 2) and reshaped.dtype == np.float32
    assert old.dtype == np.int64 and old.tolist() == [4, 6]


def test_reduce_gradients_promote_and_spread() -> None:
    X = np.zeros((2, 3), np.float64)
    Y = np.zeros((1, 3), np.float64)
    (dX,) = run_op("ReduceMeanGradient", [np.array([[3.0, 6.0, 9.0]], np.float32), X, Y],
                 axes=[0])
    assert dX.dtype == np.float64
    np.testing.assert_allclose(dX, [[1.5, 3.0, 4.5], [1.5, 3.0, 4.5]])
    (dX,) = run_op("ReduceSumGradient", [np.array([1.0, 2.0]), X, np.zeros(2)], axes=[1],
                   keepdims=0)
    np.testing.assert_array_equal(dX, [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])


# ---- Print --------------------------------------------------------------------------------


def test_print_shows_name_shape_and_values(capsys) -> None:
    workspace.FeedBlob("weights", np.array([[1.5, -2.0]], np.float32))
    workspace.RunOperatorOnce(core.CreateOperator("Print", ["weights"], []))
    out = capsys.readouterr().out
    assert "weights float32[1, 2]" in out and "1.5" in out and "-2." in out


def test_print_every_n_in_a_created_net(capsys) -> None:
    workspace.FeedBlob("x", np.array([7.0]))
    net = core.Net("print_every")
    net.Print(["x"], [], every_n=2)
    workspace.CreateNet(net)
    workspace.RunNet(net.Proto().name, num_iter=5)
    assert capsys.readouterr().out.count("x float64[1]") == 3


def test_print_to_file_writes_in_root_folder(tmp_path, capsys) -> None:
    workspace.ResetWorkspace(str(tmp_path))
    workspace.FeedBlob("loss", np.array(0.25))
    workspace.RunOperatorOnce(core.CreateOperator("Print", ["loss"], [], to_file=1))
    assert capsys.readouterr().out == ""
    assert "0.25" in (tmp_path / "loss.log").read_text()


def test_print_limit(capsys) -> None:
    workspace.FeedBlob("v", np.arange(100.0))
    workspace.RunOperatorOnce(core.CreateOperator("Print", ["v"], [], limit=3))
    out = capsys.readouterr().out
    assert "float64[100]" in out and "2." in out and "3." not in out


# ---- property: broadcasting gradients always come back in the input's shape ----------------


@settings(max_examples=40, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
       op_type=st.sampled_from(["AddGradient", "SubGradient", "MulGradient", "DivGradient"]))
def test_binary_gradients_reduce_to_each_input_shape(shapes, op_type: str) -> None:
    (a_shape, b_shape), c_shape = shapes.input_shapes, shapes.result_shape
    rng = np.random.default_rng(0)
    A = rng.uniform(0.5, 2.0, size=a_shape)
    B = rng.uniform(0.5, 2.0, size=b_shape)
    dC = rng.normal(size=c_shape)
    dA, dB = run_op(op_type, _binary_gradient_inputs(op_type, dC, A, B), 2)
    assert dA.shape == A.shape and dB.shape == B.shape
    # Σ over the broadcast of each partial derivative equals the total of the reduction
    local_b = {"AddGradient": np.ones_like(B), "SubGradient": -np.ones_like(B),
               "MulGradient": A * np.ones_like(B), "DivGradient": -A / (B * B)}[op_type]
    np.testing.assert_allclose(dB.sum(), (dC * np.broadcast_to(local_b, c_shape)).sum(),
                               rtol=1e-9, atol=1e-9)
