"""Errors and edge cases of the ops added for issue 15 item 5 (their values and gradients
are checked by the generic op tests from tests/cases_*.py, and against real Caffe2 in
tests/fidelity/test_more_ops.py)."""

from __future__ import annotations

import numpy as np
import pytest

from graphlab import core, workspace
from graphlab.errors import ArgumentError, GradientError, GraphlabError


def _run(op_type: str, inputs: list[np.ndarray], n_out: int = 1, **args) -> None:
    names = [f"x{i}" for i in range(len(inputs))]
    for n, v in zip(names, inputs):
        workspace.FeedBlob(n, v)
    outs = [f"y{j}" for j in range(n_out)]
    workspace.RunOperatorOnce(core.CreateOperator(op_type, names, outs, **args))


@pytest.mark.parametrize(("op_type", "inputs", "n_out", "args", "message"), [
    ("Concat", [np.ones((2, 3)), np.ones((3, 3))], 2, {"axis": 1}, "does not match input #0"),
    ("Split", [np.ones((2, 5))], 2, {}, "does not divide into 2 equal parts"),
    ("Split", [np.ones((2, 5))], 2, {"split": [2, 2]}, "do not cut axis 1"),
    ("Slice", [np.ones((3, 4))], 1, {"starts": [1, 1], "ends": [2, 3]},
     "one dimension at a time"),
    ("Slice", [np.ones((3, 4))], 1, {"starts": [0, 5], "ends": [-1, -1]}, "cannot be sliced"),
    ("Squeeze", [np.ones((2, 3))], 1, {"dims": [1]}, "must be 1"),
    ("ExpandDims", [np.ones((2, 3))], 1, {"dims": [-1]}, "non-negative"),
    ("Gather", [np.ones((3, 2)), np.array([0, 3])], 1, {}, "outside \\[0, 3\\)"),
    ("Max", [np.ones((2, 3)), np.ones(3)], 1, {}, "must have the same shape"),
    ("BatchMatMul", [np.ones((2, 3, 4)), np.ones((2, 3, 4))], 1, {}, "inner dimensions"),
    ("BatchMatMul", [np.ones((2, 3, 4)), np.ones((3, 4, 5))], 1, {}, "batch dimensions"),
    ("PRelu", [np.ones((2, 3)), np.ones(2)], 1, {}, "one entry per channel"),
    ("MakeTwoClass", [np.array([0.5, 1.5])], 1, {}, "outside \\[0, 1\\]"),
    ("OneHot", [np.array([0, 4]), np.array(3)], 1, {}, "outside \\[0, 3\\)"),
    ("L1Distance", [np.ones((2, 3)), np.ones((3, 2))], 1, {}, "identical shapes"),
    ("ResizeLike", [np.ones(6), np.ones((2, 2))], 1, {}, "same number of elements"),
])
def test_bad_inputs_are_explained_and_change_nothing(op_type, inputs, n_out, args, message):
    workspace.ResetWorkspace()
    with pytest.raises(GraphlabError, match=message) as info:
        _run(op_type, inputs, n_out, **args)
    assert op_type in str(info.value)
    assert not workspace.HasBlob("y0")


def test_layer_norm_affine_needs_gamma_and_beta_of_the_row_size() -> None:
    workspace.ResetWorkspace()
    with pytest.raises(GraphlabError, match="gamma and beta are missing"):
        _run("LayerNorm", [np.ones((2, 3))], 3, elementwise_affine=1)
    with pytest.raises(GraphlabError, match="one entry per normalised element"):
        _run("LayerNorm", [np.ones((2, 3)), np.ones(2), np.ones(2)], 3, elementwise_affine=1)
    with pytest.raises(ArgumentError, match="X alone, or X, gamma and beta"):
        core.CreateOperator("LayerNorm", ["X", "g"], ["Y", "m", "s"])
    assert not workspace.HasBlob("y0")


@pytest.mark.parametrize(("op_type", "inputs", "outputs", "message"), [
    ("SumSqrElements", ["x"], ["y"], "No gradient is registered for operator SumSqrElements"),
    ("ArgMax", ["x"], ["y"], "One should not call gradient for operator ArgMax"),
    ("ResizeLike", ["x", "z"], ["y"], "One should not call gradient for operator ResizeLike"),
])
def test_ops_caffe2_could_not_differentiate_refuse_too(op_type, inputs, outputs, message):
    net = core.Net(f"no_grad_{op_type}")
    getattr(net, op_type)(inputs, outputs)
    with pytest.raises(GradientError, match=message):
        net.AddGradientOperators(outputs)


def test_one_hot_has_no_gradient_and_stops_quietly() -> None:
    net = core.Net("one_hot_grad")
    net.OneHot(["i", "k"], ["y"])
    grads = net.AddGradientOperators(["y"])
    assert [op.type for op in net.Proto().op] == ["OneHot", "ConstantFill"]
    assert "i" not in grads


def test_split_with_a_part_that_gets_no_gradient_is_refused() -> None:
    net = core.Net("split_grad")
    net.Split(["x"], ["a", "b"], axis=0)
    with pytest.raises(GradientError, match=r"outputs \['b'\] have no gradient"):
        net.AddGradientOperators(["a"])


def test_concat_split_round_trip_uses_split_info() -> None:
    workspace.ResetWorkspace()
    workspace.FeedBlob("a", np.ones((2, 3), np.float32))
    workspace.FeedBlob("b", np.zeros((2, 1), np.float32))
    net = core.Net("round_trip")
    joined, info = net.Concat(["a", "b"], ["ab", "info"], axis=1)
    net.Split([joined, info], ["a2", "b2"], axis=1)
    workspace.RunNetOnce(net)
    assert workspace.FetchBlob("info").tolist() == [3, 1]
    np.testing.assert_array_equal(workspace.FetchBlob("a2"), np.ones((2, 3)))
    np.testing.assert_array_equal(workspace.FetchBlob("b2"), np.zeros((2, 1)))


def test_gather_gradient_adds_rows_picked_twice() -> None:
    workspace.ResetWorkspace()
    workspace.FeedBlob("data", np.arange(6, dtype=np.float32).reshape(3, 2))
    workspace.FeedBlob("idx", np.array([2, 0, 2], np.int64))
    net = core.Net("gather_grad")
    net.Gather(["data", "idx"], "rows")
    grads = net.AddGradientOperators(["rows"])
    assert net.Proto().op[-1].type == "SparseToDense"
    assert list(net.Proto().op[-1].input) == ["idx", "rows_autogen_grad", "data"]
    workspace.RunNetOnce(net)
    np.testing.assert_array_equal(workspace.FetchBlob(str(grads["data"])),
                                  [[1, 1], [0, 0], [2, 2]])
