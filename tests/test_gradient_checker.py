"""The numeric gradient checker: finite differences, result objects, and catching bugs."""

from __future__ import annotations

import numpy as np
import pytest

from graphlab import core, gradient_checker
from graphlab.gradient_checker import (
    check_gradient,
    check_op_gradient,
    directional_derivatives,
    numeric_gradient,
)
from graphlab.registry import GradientContext, register_op

# ---- test-only ops with deliberately broken gradients ----------------------------------


def _cube_grad(g: GradientContext):
    return [g.op("_GCCubeGradient", [g.I(0), g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("_GCCube", grad=_cube_grad)
def _gc_cube(X: np.ndarray, *, wrong: bool = False) -> np.ndarray:
    """Y = X³."""
    return X**3


@register_op("_GCCubeGradient")
def _gc_cube_gradient(X: np.ndarray, dY: np.ndarray, *, wrong: bool = False) -> np.ndarray:
    """dX = 3X²·dY (or 2X²·dY when ``wrong``, to see the checker fail)."""
    return (2.0 if wrong else 3.0) * X * X * dY


def _scale_both_grad(g: GradientContext):
    # Forgets the gradient of input 1 although the output depends on it.
    return [g.op("_GCAddGradient", [g.GO(0)], [g.GI(0)])], [g.GI(0), None]


@register_op("_GCAddForgetful", grad=_scale_both_grad)
def _gc_add_forgetful(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Y = A + B."""
    return A + B


@register_op("_GCAddGradient")
def _gc_add_gradient(dY: np.ndarray) -> np.ndarray:
    """dA = dY."""
    return dY.copy()


def _bad_shape_grad(g: GradientContext):
    return [g.op("_GCBadShapeGradient", [g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("_GCBadShape", grad=_bad_shape_grad)
def _gc_bad_shape(b: np.ndarray) -> np.ndarray:
    """Y[i, j] = b[j] for 3 rows: b [N] → Y [3, N]."""
    return np.tile(b, (3, 1))


@register_op("_GCBadShapeGradient")
def _gc_bad_shape_gradient(dY: np.ndarray) -> np.ndarray:
    """Returns dY's column sums *with keepdims* ([1, N] instead of [N]): a shape bug."""
    return dY.sum(axis=0, keepdims=True)


def _float32_grad(g: GradientContext):
    return [g.op("_GCFloat32Gradient", [g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("_GCFloat32", grad=_float32_grad)
def _gc_float32(X: np.ndarray) -> np.ndarray:
    """Y = X."""
    return X.copy()


@register_op("_GCFloat32Gradient")
def _gc_float32_gradient(dY: np.ndarray) -> np.ndarray:
    """dX = dY, but cast to float32 (a dtype bug)."""
    return dY.astype(np.float32)


# ---- finite differences --------------------------------------------------------------


def test_numeric_gradient_of_a_known_function():
    x = np.array([[0.5, -1.0], [2.0, 3.0]])
    g = numeric_gradient(lambda v: float(np.sum(v**3)), x)
    np.testing.assert_allclose(g, 3 * x**2, rtol=1e-8)
    assert g.shape == x.shape and g.dtype == np.float64


def test_directional_derivatives():
    x = np.array([1.0, 2.0, -0.5])
    dirs = [np.array([1.0, 0.0, 0.0]), np.array([0.6, 0.8, 0.0])]
    d = directional_derivatives(lambda v: float(np.sum(np.sin(v))), x, dirs)
    np.testing.assert_allclose(d, [np.cos(1.0), 0.6 * np.cos(1.0) + 0.8 * np.cos(2.0)],
                               atol=1e-9)


# ---- single ops ------------------------------------------------------------------------


def test_correct_op_gradient_passes_and_prints_a_table():
    rng = np.random.default_rng(1)
    result = check_op_gradient("_GCCube", [rng.normal(size=(3, 2))])
    assert result.ok and len(result) == 1
    assert result["X"].gradient_blob == "X_grad" and result["X"].method == "central"
    assert result.max_abs_error < 1e-6
    text = repr(result)
    assert text.startswith("GradientCheckResult: OK")
    assert "X_grad" in text and "central" in text
    result.assert_ok()


def test_wrong_op_gradient_fails():
    rng = np.random.default_rng(2)
    result = check_op_gradient("_GCCube", [rng.uniform(0.5, 1.0, size=4)], {"wrong": True})
    assert not result.ok
    assert result["X"].max_rel_error == pytest.approx(1 / 3, rel=1e-4)
    assert "FAILED" in repr(result) and "FAILED" in repr(result["X"])
    with pytest.raises(AssertionError, match="gradient check failed"):
        result.assert_ok()


def test_missing_gradient_is_taken_as_zero_and_fails():
    rng = np.random.default_rng(3)
    result = check_op_gradient("_GCAddForgetful", [rng.normal(size=3), rng.normal(size=3)])
    assert result["A"].ok
    assert not result["B"].ok
    assert result["B"].gradient_blob is None and "no gradient built" in result["B"].note


def test_gradient_with_wrong_shape_fails():
    result = check_op_gradient("_GCBadShape", [np.array([1.0, 2.0])])
    assert not result.ok and result["b"].note.startswith("shape: gradient [1, 2] vs blob [2]")


def test_gradient_with_wrong_dtype_fails():
    result = check_op_gradient("_GCFloat32", [np.array([1.0, 2.0])])
    assert not result.ok and "dtype: gradient float32 vs blob float64" in result["X"].note


def test_large_inputs_use_random_directions():
    rng = np.random.default_rng(4)
    result = check_op_gradient(
        "FC", [rng.normal(size=(30, 4)), rng.normal(size=(3, 4)), rng.normal(size=3)],
        max_elements=20, n_directions=5,
    )
    assert result.ok
    assert result["X"].method == "directional" and result["X"].numeric.shape == (5,)
    assert result["W"].method == "central"
    bad = check_op_gradient("_GCCube", [rng.uniform(0.5, 1, size=50)], {"wrong": True},
                            max_elements=10)
    assert bad["X"].method == "directional" and not bad.ok


def test_float32_inputs_are_checked_in_float64():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 3)).astype(np.float32)
    result = check_op_gradient("Relu", [np.where(np.abs(x) < 0.1, 0.5, x)])
    assert result.ok
    assert result["X"].analytic.dtype == np.float64


def test_only_chosen_inputs_and_outputs():
    rng = np.random.default_rng(6)
    result = check_op_gradient(
        "FC", [rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), rng.normal(size=2)],
        grad_inputs=[1],
    )
    assert [c.blob for c in result] == ["W"]
    with pytest.raises(KeyError, match="checked"):
        result["X"]


# ---- whole nets ------------------------------------------------------------------------


def test_net_with_random_filler_is_deterministic_and_correct():
    net = core.Net("regression_check")
    net.GaussianFill([], "noise", shape=[8, 1], mean=0.0, std=1.0)
    net.FC(["X", "W", "B"], "Y_pred")
    net.Add(["Y_pred", "noise"], "Y_noisy")
    net.SquaredL2Distance(["Y_noisy", "Y_gt"], "dist")
    net.AveragedLoss(["dist"], "loss")
    rng = np.random.default_rng(7)
    inputs = {
        "X": rng.normal(size=(8, 2)),
        "W": rng.normal(size=(1, 2)),
        "B": rng.normal(size=1),
        "Y_gt": rng.normal(size=(8, 1)),
    }
    result = check_gradient(net, ["loss"], inputs, wrt=["W", "B", "X"])
    assert result.ok, result
    assert [c.blob for c in result] == ["W", "B", "X"]
    assert len(net.Proto().op) == 5  # the net itself was not modified


def test_default_wrt_is_every_float_input_and_seeds_are_excluded():
    rng = np.random.default_rng(8)
    net = core.Net("wrt_default")
    net._GCCube(["X"], ["Y"])
    inputs = {"X": rng.normal(size=3), "seed": rng.normal(size=3), "idx": np.arange(3)}
    result = check_gradient(net, {"Y": "seed"}, inputs)
    assert [c.blob for c in result] == ["X"] and result.ok
    # L = Σ seed·X³, so dL/dX = 3X²·seed
    np.testing.assert_allclose(result["X"].analytic, 3 * inputs["X"] ** 2 * inputs["seed"])


def test_bad_requests_are_explained():
    net = core.Net("bad_requests")
    net._GCCube(["X"], ["Y"])
    with pytest.raises(ValueError, match="not among the given inputs"):
        check_gradient(net, ["Y"], {"X": np.ones(2)}, wrt=["Q"])
    with pytest.raises(ValueError, match="must be given in inputs"):
        check_gradient(net, {"Y": "Y_seed"}, {"X": np.ones(2)})
    net.AddGradientOperators({"Y": "Y_seed"})
    with pytest.raises(ValueError, match="forward net only"):
        check_gradient(net, ["Y"], {"X": np.ones(2)})


def test_module_exports():
    assert set(gradient_checker.__all__) >= {"check_gradient", "check_op_gradient",
                                             "numeric_gradient", "GradientCheckResult"}
