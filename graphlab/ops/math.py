"""Elementwise and matrix arithmetic: Add, Sub, Mul, Div, Sum, Scale, Negative, Exp, Log,
Sqr, Sqrt, Pow, Abs, MatMul, plus the plumbing ops Copy (and its gradient
CopyOnDeviceLike), StopGradient, Print and SumReduceLike.

Each operator keeps its forward kernel, its gradient maker, its gradient kernel, its
schema (through ``register_op``) and its documentation together.

Broadcasting (a graphlab decision, documented on each op):

* By default the binary ops broadcast the NumPy way (two-way, shapes aligned on the
  right), as later Caffe2 did.
* ``broadcast=1`` switches to Caffe2's *legacy* one-way rule: B, with its leading and
  trailing 1s stripped, must equal a contiguous run of A's dimensions starting at
  ``axis`` (default: the last ``B.ndim`` dimensions); a B with one element always fits.
  graphlab implements it by reshaping B so that NumPy broadcasting lines it up.
* Every gradient is reduced back to its input's exact shape by one shared helper
  (:func:`graphlab.ops._util.reduce_to_shape`), so ``b_grad`` has ``b``'s shape.
"""

from __future__ import annotations

import inspect
import os

import numpy as np

from ..errors import GradientError, ShapeError
from ..proto import OperatorDef
from ..registry import (
    NO_GRADIENT,
    SECOND_SLOT_SUFFIX,
    SHOULD_NOT_DO_GRADIENT,
    GradientContext,
    OpContext,
    register_op,
)
from ._util import reduce_to_shape, require_float, shape_str

# ---- shared helpers --------------------------------------------------------------------


def legacy_broadcast_shape(
    op: str, a_shape: tuple[int, ...], b_shape: tuple[int, ...], axis: int
) -> tuple[int, ...]:
    """The shape B must be viewed as so NumPy broadcasting applies Caffe2's legacy rule.

    B (leading/trailing 1s stripped) is placed at A's dimensions ``axis, axis+1, ...``;
    every other dimension of the view is 1. ``axis=-1`` means "suffix": ``A.ndim - B.ndim``.
    Returns a shape with ``len(a_shape)`` entries.

    Raises:
        ShapeError: B has more dimensions than A, ``axis`` is out of range, or B's
            dimensions differ from A's ("Broadcast dimension mismatch").
    """
    a_shape, b_shape = tuple(a_shape), tuple(b_shape)
    a_nd, b_nd = len(a_shape), len(b_shape)
    if int(np.prod(b_shape, dtype=np.int64)) == 1:
        return (1,) * a_nd
    a_txt, b_txt = list(a_shape), list(b_shape)
    if b_nd > a_nd:
        raise ShapeError(
            f"{op}: with broadcast=1, B {b_txt} may not have more dimensions than A {a_txt}.",
            hint="swap A and B (legacy broadcasting only stretches B), or drop broadcast=1 "
            "to use NumPy two-way broadcasting.",
        )
    start = a_nd - b_nd if axis == -1 else axis
    if not 0 <= start <= a_nd - b_nd:
        raise ShapeError(
            f"{op}: Broadcast axis should be in the range of [0, A.ndim - B.ndim] = "
            f"[0, {a_nd - b_nd}], but axis = {axis} (A {a_txt}, B {b_txt}).",
            hint=f"pick the first dimension of A that B lines up with, between 0 and "
            f"{a_nd - b_nd}, or leave axis unset to match B with A's last {b_nd} dimension(s).",
        )
    lo = 0
    while lo < b_nd and b_shape[lo] == 1:
        lo += 1
    hi = b_nd - 1
    while hi >= lo and b_shape[hi] == 1:
        hi -= 1
    view = [1] * a_nd
    for i in range(lo, hi + 1):
        if a_shape[start + i] != b_shape[i]:
            raise ShapeError(
                f"{op}: Broadcast dimension mismatch: A {a_txt}, B {b_txt}, axis = {start}: "
                f"B's dimension {i} ({b_shape[i]}) must equal A's dimension {start + i} "
                f"({a_shape[start + i]}).",
                hint=f"B must equal a run of A's dimensions, e.g. "
                f"{list(a_shape[start:start + b_nd])} at axis={start}; set axis= to where B "
                "starts in A, or reshape B.",
            )
        view[start + i] = b_shape[i]
    return tuple(view)


def _check_axis_without_broadcast(op: str, broadcast: int, axis: int) -> None:
    if not broadcast and axis != -1:
        raise ShapeError(
            f"{op}: Do not specify axis if broadcast is not enabled (axis = {axis}, "
            "broadcast = 0).",
            hint="add broadcast=1 to line B up with A's dimensions starting at axis, or "
            "drop axis: by default graphlab broadcasts the NumPy way.",
        )


def _align_dtypes(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Int beside float: cast the int operand to the float's dtype (float32 stays float32)."""
    a_float = np.issubdtype(A.dtype, np.floating)
    b_float = np.issubdtype(B.dtype, np.floating)
    if a_float and not b_float:
        return A, B.astype(A.dtype)
    if b_float and not a_float:
        return A.astype(B.dtype), B
    return A, B


def _broadcastable(a_shape: tuple[int, ...], b_shape: tuple[int, ...]) -> bool:
    """True if NumPy can broadcast the two shapes together (aligned from the right)."""
    for m, n in zip(reversed(a_shape), reversed(b_shape)):
        if m != n and m != 1 and n != 1:
            return False
    return True


def _operands(
    op: str, A: np.ndarray, B: np.ndarray, broadcast: int, axis: int
) -> tuple[np.ndarray, np.ndarray]:
    """A and B, with B reshaped for legacy broadcasting, after checking the shapes fit."""
    da, db = A.dtype, B.dtype
    if da is not db and da != db:
        A, B = _align_dtypes(A, B)
    if broadcast:
        return A, B.reshape(legacy_broadcast_shape(op, A.shape, B.shape, axis))
    if axis != -1:
        _check_axis_without_broadcast(op, broadcast, axis)
    if A.shape != B.shape and not _broadcastable(A.shape, B.shape):
        raise ShapeError(
            f"{op}: A {shape_str(A)} and B {shape_str(B)} cannot be broadcast together "
            "(NumPy rule: aligned from the right, each pair of dimensions must be equal or "
            "one of them 1).",
            hint=f"reshape B so its trailing dimensions match A's, e.g. B of shape "
            f"{list(A.shape[-B.ndim:]) if B.ndim else []}; or use broadcast=1, axis=k to "
            "line B up with A's dimensions starting at k.",
        )
    return A, B


def _grad_dtype(dC: np.ndarray, X: np.ndarray) -> np.dtype:
    """dtype of a gradient for input X: dC's dtype promoted with X's when X is float."""
    if np.issubdtype(X.dtype, np.floating):
        return np.result_type(dC.dtype, X.dtype)
    return dC.dtype


def _reduce_a(g: np.ndarray, A: np.ndarray) -> np.ndarray:
    return reduce_to_shape(g, A.shape).astype(_grad_dtype(g, A), copy=False)


def _reduce_b(
    op: str, g: np.ndarray, A: np.ndarray, B: np.ndarray, broadcast: int, axis: int
) -> np.ndarray:
    """Sum ``g`` down to B's shape (through B's legacy view when ``broadcast=1``)."""
    if broadcast:
        view = legacy_broadcast_shape(op, A.shape, B.shape, axis)
        out = reduce_to_shape(g, view).reshape(B.shape)
    else:
        out = reduce_to_shape(g, B.shape)
    return out.astype(_grad_dtype(g, B), copy=False)


def _binary_grad(grad_type: str, needs_values: bool):
    """Gradient maker for Add/Sub/Mul/Div, Caffe2's signatures: ``<Op>Gradient(dC, A, B)
    -> (dA, dB)``, and ``DivGradient(dC, A, B, C)`` (Div's gradients need only B and C).

    In place (C written over A or B): Add, Sub and Div read the overwritten input only
    for its shape (which C has), so they work as in Caffe2. MulGradient needs the values
    of both inputs, which are gone: Caffe2 would silently compute a wrong dB there, so
    graphlab raises instead. ``Op(X, X)`` gives one partial gradient per input slot (see
    :func:`_input_grad_names`).
    """
    fwd = grad_type.removesuffix("Gradient")

    def maker(g: GradientContext):
        a, b, c, dc = g.I(0), g.I(1), g.O(0), g.GO(0)
        if needs_values and c in (a, b):
            raise GradientError(
                f"Gradient computation cannot be carried out if {fwd} uses in-place "
                f"computation: {grad_type} needs the original {c!r}, which {fwd} overwrote. "
                f"Write {fwd}'s output to a new blob, e.g. {c + '_out'!r}."
            )
        inputs = [dc, a, b, c] if fwd == "Div" else [dc, a, b]
        names = _input_grad_names(g)
        return [g.op(grad_type, inputs, names)], names

    return maker


def _input_grad_names(g: GradientContext) -> list[str]:
    """``[A_grad, B_grad]``; for ``Op(X, X)``: ``[X_grad, X_grad_from_B]``.

    An op's outputs must be distinct blobs, so when both inputs are the same blob the
    second slot's partial gradient gets its own name. The gradient builder sees X read
    twice and adds the two partials with a ``Sum`` into ``X_grad`` (renaming the second
    ``_X_grad_autosplit_0``, Caffe2's name), exactly as for a blob read by two ops.
    """
    if g.I(0) != g.I(1):
        return [g.GI(0), g.GI(1)]
    return [g.GI(0), g.GI(1) + SECOND_SLOT_SUFFIX]


_BINARY_ARGS_DOC = """
    Broadcasting: NumPy two-way by default. ``broadcast=1`` selects Caffe2's legacy rule:
    B (leading/trailing 1s stripped) must equal A's dimensions starting at ``axis``
    (default ``-1``: B lines up with A's last dimensions); C then has A's shape. Giving
    ``axis`` without ``broadcast=1`` is an error. Int beside float computes in the float
    dtype; float dtypes promote as in NumPy; ints stay ints.

    In place: C may overwrite A (input 0) or B (input 1).
"""


# ---- Add / Sub / Mul / Div ---------------------------------------------------------------


@register_op("Add", inplace=[(0, 0), (1, 0)], grad=_binary_grad("AddGradient", False))
def add(A: np.ndarray, B: np.ndarray, *, broadcast: int = 0, axis: int = -1) -> np.ndarray:
    """Elementwise sum ``C = A + B``.

    A, B: broadcastable shapes → C: the broadcast shape.
    Gradient: ``AddGradient(dC, A, B) -> (dA, dB)`` with ``dA = reduce(dC)`` and
    ``dB = reduce(dC)``, each summed down to its input's exact shape. (Caffe2 in 2018
    passed dC straight through because A and B had to have equal shapes; graphlab
    broadcasts, so like later Caffe2 it emits a reducing gradient op.) In place, the
    overwritten input's gradient takes C's shape.
    """
    if broadcast or axis != -1 or A.shape != B.shape or A.dtype is not B.dtype:
        A, B = _operands("Add", A, B, broadcast, axis)
    return np.add(A, B)


# In place (see _binary_grad) dC stands in for the overwritten input, so the gradient
# kernels of Add and Sub may write over it; they never modify their inputs.
_GRAD_INPLACE = [(0, 0), (1, 0), (0, 1), (2, 1)]


@register_op("AddGradient", outputs=2, inplace=_GRAD_INPLACE)
def add_gradient(dC: np.ndarray, A: np.ndarray, B: np.ndarray, *, broadcast: int = 0,
                 axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of Add: ``dA = reduce_to_shape(dC, A)``, ``dB = reduce_to_shape(dC, B)``.

    Inputs dC (the broadcast shape), A, B (read only for their shapes); outputs dA
    shaped like A and dB shaped like B. With ``broadcast=1``, dB is reduced through B's
    legacy view and reshaped to B's shape.
    """
    return _reduce_a(dC, A), _reduce_b("AddGradient", dC, A, B, broadcast, axis)


@register_op("Sub", inplace=[(0, 0), (1, 0)], grad=_binary_grad("SubGradient", False))
def sub(A: np.ndarray, B: np.ndarray, *, broadcast: int = 0, axis: int = -1) -> np.ndarray:
    """Elementwise difference ``C = A - B``.

    A, B: broadcastable shapes → C: the broadcast shape.
    Gradient: ``SubGradient(dC, A, B) -> (dA, dB)`` with ``dA = reduce(dC)`` and
    ``dB = -reduce(dC)`` (each to its input's exact shape).
    """
    if broadcast or axis != -1 or A.shape != B.shape or A.dtype is not B.dtype:
        A, B = _operands("Sub", A, B, broadcast, axis)
    return np.subtract(A, B)


@register_op("SubGradient", outputs=2, inplace=_GRAD_INPLACE)
def sub_gradient(dC: np.ndarray, A: np.ndarray, B: np.ndarray, *, broadcast: int = 0,
                 axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of Sub: ``dA = reduce_to_shape(dC, A)``, ``dB = -reduce_to_shape(dC, B)``.

    A and B are read only for their shapes; dA is shaped like A, dB like B.
    """
    return _reduce_a(dC, A), -_reduce_b("SubGradient", dC, A, B, broadcast, axis)


@register_op("Mul", inplace=[(0, 0), (1, 0)], grad=_binary_grad("MulGradient", True))
def mul(A: np.ndarray, B: np.ndarray, *, broadcast: int = 0, axis: int = -1) -> np.ndarray:
    """Elementwise product ``C = A · B``.

    A, B: broadcastable shapes → C: the broadcast shape.
    Gradient: ``MulGradient(dC, A, B) -> (dA, dB)`` with ``dA = reduce(dC · B)`` and
    ``dB = reduce(dC · A)``. The gradient needs A and B, so it cannot be built if Mul
    ran in place (an error says so, as in Caffe2).
    """
    if broadcast or axis != -1 or A.shape != B.shape or A.dtype is not B.dtype:
        A, B = _operands("Mul", A, B, broadcast, axis)
    return np.multiply(A, B)


@register_op("MulGradient", outputs=2)
def mul_gradient(dC: np.ndarray, A: np.ndarray, B: np.ndarray, *, broadcast: int = 0,
                 axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of Mul: ``dA = reduce_to_shape(dC · B, A)``, ``dB = reduce_to_shape(dC · A, B)``.

    Inputs dC (broadcast shape), A, B; outputs dA shaped like A, dB shaped like B.
    """
    A2, B2 = _operands("MulGradient", A, B, broadcast, axis)
    dA = _reduce_a(dC * B2, A)
    dB = _reduce_b("MulGradient", dC * A2, A, B, broadcast, axis)
    return dA, dB


@register_op("Div", inplace=[(0, 0), (1, 0)], grad=_binary_grad("DivGradient", False))
def div(A: np.ndarray, B: np.ndarray, *, broadcast: int = 0, axis: int = -1) -> np.ndarray:
    """Elementwise quotient ``C = A / B``.

    A, B: broadcastable shapes → C: the broadcast shape. Integer inputs divide as C
    does (truncating toward zero) and stay integers; an integer division by zero is an
    error.
    Gradient: ``DivGradient(dC, A, B, C) -> (dA, dB)`` with ``dA = reduce(dC / B)`` and
    ``dB = reduce(-dC · C / B)`` (= ``-dC · A / B²``); A is read only for its shape, so
    the gradient also works after Div ran in place.
    """
    if broadcast or axis != -1 or A.shape != B.shape or A.dtype is not B.dtype:
        A, B = _operands("Div", A, B, broadcast, axis)
    if np.issubdtype(A.dtype, np.floating):
        return np.divide(A, B)
    if np.any(B == 0):
        raise ZeroDivisionError("Div: integer division by zero (B contains 0).")
    q = np.abs(A) // np.abs(B)
    return np.where((A < 0) != (B < 0), -q, q).astype(np.result_type(A, B), copy=False)


@register_op("DivGradient", inputs=4, outputs=2, inplace=_GRAD_INPLACE)
def div_gradient(dC: np.ndarray, A: np.ndarray, B: np.ndarray, C: np.ndarray, *,
                 broadcast: int = 0, axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of Div: ``dA = reduce_to_shape(dC / B, A)``,
    ``dB = reduce_to_shape(-dC · C / B, B)`` where C = A / B is the forward output.

    Inputs dC and C (broadcast shape), A (read only for its shape), B; outputs dA shaped
    like A, dB shaped like B.
    """
    _, B2 = _operands("DivGradient", A, B, broadcast, axis)
    dA = _reduce_a(dC / B2, A)
    dB = _reduce_b("DivGradient", -dC * C / B2, A, B, broadcast, axis)
    return dA, dB


for _kernel in (add, sub, mul, div):
    _kernel.schema.doc += "\n\n" + inspect.cleandoc(_BINARY_ARGS_DOC)


# ---- Sum -------------------------------------------------------------------------------


def _pass_through(g: GradientContext):
    """No ops: every input's gradient *is* the output's gradient blob."""
    return [], [g.GO(0)] * len(g.forward.input)


@register_op("Sum", inputs=(1, None), inplace=[(0, 0)], grad=_pass_through)
def sum_(*inputs: np.ndarray) -> np.ndarray:
    """Elementwise sum of one or more same-shape inputs: ``Y = X0 + X1 + ... + Xn``.

    All inputs must have exactly the same shape (no broadcasting: use Add for that). A
    single input is copied. The dtype is NumPy's promotion of the inputs' dtypes.
    In place: only input 0 → output 0.
    Gradient: none needed: every input's gradient is the output's gradient blob itself
    (the maker emits no ops and passes ``GO(0)`` through), which is how Caffe2's gradient
    builder shares one blob between several inputs.
    """
    first = inputs[0]
    if any(x.shape != first.shape for x in inputs[1:]):
        listed = ", ".join(f"input #{i} {shape_str(x)}" for i, x in enumerate(inputs))
        raise ShapeError(
            f"Sum: all inputs must have the same shape; got {listed}.",
            hint="Sum does not broadcast: use Add (which broadcasts) or reshape the inputs "
            "to one shape first.",
        )
    out = np.array(first, dtype=np.result_type(*inputs), copy=True)
    for x in inputs[1:]:
        np.add(out, x, out=out)
    return out


# ---- Scale / Negative ------------------------------------------------------------------


def _scale_grad(g: GradientContext):
    return [g.op("Scale", [g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("Scale", inplace=[(0, 0)], grad=_scale_grad)
def scale(X: np.ndarray, *, scale: float = 1.0) -> np.ndarray:
    """``Y = scale · X``, elementwise. X: any shape, float → Y: same shape and dtype.

    Gradient: another Scale op on dY with the same ``scale``: ``dX = scale · dY``.
    """
    require_float("Scale", "X", X)
    return X * X.dtype.type(scale)


def _negative_grad(g: GradientContext):
    return [g.op("Negative", [g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("Negative", inplace=[(0, 0)], grad=_negative_grad)
def negative(X: np.ndarray) -> np.ndarray:
    """``Y = -X``, elementwise; shape and dtype kept. Gradient: ``dX = Negative(dY)``."""
    return np.negative(X)


# ---- unary elementwise functions ---------------------------------------------------------
#
# Caffe2 has no fused gradient op for Exp, Log, Sqr, Sqrt or Pow: their gradients are
# built from ordinary Mul, Div, Scale and Pow ops, and so are graphlab's, with Caffe2's
# inputs, outputs and arguments. Reading them is part of the lesson: the backward pass is
# made of the same operators as the forward pass.


def _refuse_in_place(g: GradientContext, why: str) -> None:
    """Raise when the op ran in place but its gradient needs the overwritten input X."""
    fwd = g.forward.type
    if g.I(0) == g.O(0):
        raise GradientError(
            f"Gradient computation cannot be carried out if {fwd} uses in-place "
            f"computation: {why} needs {fwd}'s input {g.I(0)!r}, which {fwd} overwrote "
            f"(Caffe2 would silently use the output instead and get a wrong gradient). "
            f"Write {fwd}'s output to a new blob, e.g. {g.I(0) + '_out'!r}."
        )


def _exp_grad(g: GradientContext):
    # d/dx eˣ = eˣ = Y: dX = Y · dY (reads Y, so Exp may run in place)
    return [g.op("Mul", [g.O(0), g.GO(0)], [g.GI(0)], copy_args=False)], [g.GI(0)]


def _log_grad(g: GradientContext):
    # d/dx ln x = 1 / x: dX = dY / X
    _refuse_in_place(g, "dX = dY / X")
    return [g.op("Div", [g.GO(0), g.I(0)], [g.GI(0)], copy_args=False)], [g.GI(0)]


def _sqr_grad(g: GradientContext):
    # d/dx x² = 2x: dX = 2 · dY, then dX = dX · X. Caffe2 scales dY in place instead
    # (Scale(dY) -> dY), which leaves Y's gradient blob doubled after the run; graphlab
    # writes the scaled value straight into dX (a documented departure).
    _refuse_in_place(g, "dX = 2 · dY · X")
    dx = g.GI(0)
    return [
        g.op("Scale", [g.GO(0)], [dx], copy_args=False, scale=2.0),
        g.op("Mul", [dx, g.I(0)], [dx], copy_args=False),
    ], [dx]


def _sqrt_grad(g: GradientContext):
    # d/dx √x = 1 / (2√x) = 0.5 / Y: dX = 0.5 · dY, then dX = dX / Y (reads Y only)
    dx = g.GI(0)
    return [
        g.op("Scale", [g.GO(0)], [dx], copy_args=False, scale=0.5),
        g.op("Div", [dx, g.O(0)], [dx], copy_args=False),
    ], [dx]


def _pow_grad(g: GradientContext):
    # d/dx xᵉ = e · xᵉ⁻¹: dX = X^(e−1), dX = dX · dY, dX = e · dX. In place X holds
    # Y = Xᵉ, and Y^((e−1)/e) = X^(e−1), so Caffe2 (and graphlab) change the exponent.
    e = float(g.forward.args()["exponent"])
    if g.I(0) == g.O(0):
        if e == 0.0:
            raise GradientError(
                "Gradient computation cannot be carried out if Pow uses in-place "
                "computation with exponent=0: X cannot be recovered from Y = X⁰ = 1. "
                f"Write Pow's output to a new blob, e.g. {g.I(0) + '_out'!r}."
            )
        inner = (e - 1.0) / e
    else:
        inner = e - 1.0
    dx = g.GI(0)
    return [
        g.op("Pow", [g.I(0)], [dx], copy_args=False, exponent=inner),
        g.op("Mul", [dx, g.GO(0)], [dx], copy_args=False),
        g.op("Scale", [dx], [dx], copy_args=False, scale=e),
    ], [dx]


@register_op("Exp", inplace=[(0, 0)], grad=_exp_grad)
def exp(X: np.ndarray) -> np.ndarray:
    """``Y = eˣ``, elementwise. X: float, any shape → Y: same shape and dtype.

    Gradient: ``Mul(Y, dY) -> dX`` (uses the output, so Exp may run in place).
    """
    require_float("Exp", "X", X)
    return np.exp(X)


@register_op("Log", inplace=[(0, 0)], grad=_log_grad)
def log(X: np.ndarray) -> np.ndarray:
    """Natural logarithm ``Y = ln X``, elementwise. X: float, any shape → Y: same.

    Gradient: ``Div(dY, X) -> dX`` (needs X: not after running in place).
    """
    require_float("Log", "X", X)
    return np.log(X)


@register_op("Sqr", inplace=[(0, 0)], grad=_sqr_grad)
def sqr(X: np.ndarray) -> np.ndarray:
    """Square ``Y = X²``, elementwise. X: float, any shape → Y: same shape and dtype.

    Gradient: ``Scale(dY, scale=2) -> dX`` then ``Mul(dX, X) -> dX`` (needs X: not after
    running in place).
    """
    require_float("Sqr", "X", X)
    return X * X


@register_op("Sqrt", inplace=[(0, 0)], grad=_sqrt_grad)
def sqrt(X: np.ndarray) -> np.ndarray:
    """Square root ``Y = √X``, elementwise. X: float, any shape → Y: same.

    Gradient: ``Scale(dY, scale=0.5) -> dX`` then ``Div(dX, Y) -> dX`` (uses the output,
    so Sqrt may run in place).
    """
    require_float("Sqrt", "X", X)
    return np.sqrt(X)


@register_op("Pow", inplace=[(0, 0)], grad=_pow_grad)
def pow_(X: np.ndarray, *, exponent: float) -> np.ndarray:
    """``Y = X ** exponent``, elementwise (``exponent`` is a required float argument).

    X: float, any shape → Y: same shape and dtype. Gradient: three ops,
    ``Pow(X, exponent=e−1) -> dX``, ``Mul(dX, dY) -> dX``, ``Scale(dX, scale=e) -> dX``
    (in place, where X now holds Y, the first is ``Pow(Y, exponent=(e−1)/e)``).
    """
    require_float("Pow", "X", X)
    return np.power(X, X.dtype.type(exponent))


def _abs_grad(g: GradientContext):
    _refuse_in_place(g, "AbsGradient")
    return [g.op("AbsGradient", [g.I(0), g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("Abs", inplace=[(0, 0)], grad=_abs_grad)
def abs_(X: np.ndarray) -> np.ndarray:
    """``Y = |X|``, elementwise. X: float, any shape → Y: same shape and dtype.
    Gradient: ``AbsGradient(X, dY)``."""
    require_float("Abs", "X", X)
    return np.abs(X)


@register_op("AbsGradient", inplace=[(1, 0)])
def abs_gradient(X: np.ndarray, dY: np.ndarray) -> np.ndarray:
    """``dX = sign(X) · dY`` (0 where X = 0). Shapes: all like X."""
    return np.sign(X) * dY


# ---- MatMul ----------------------------------------------------------------------------


def _as_matrix(op: str, name: str, X: np.ndarray, axis: int) -> np.ndarray:
    """View X as 2-D ``[prod(X.shape[:axis]), prod(X.shape[axis:])]``."""
    ax = axis + X.ndim if axis < 0 else axis
    if not 0 <= ax <= X.ndim:
        raise ShapeError(
            f"{op}: axis_{name.lower()}={axis} is out of range for {name} {shape_str(X)}.",
            hint=f"use an axis between {-X.ndim} and {X.ndim}; rows are the dimensions "
            "before it, columns the ones from it on.",
        )
    rows = int(np.prod(X.shape[:ax], dtype=np.int64))
    cols = int(np.prod(X.shape[ax:], dtype=np.int64))
    return X.reshape(rows, cols)


def _matmul_operands(op: str, A: np.ndarray, B: np.ndarray, axis_a: int, axis_b: int,
                     trans_a: int, trans_b: int) -> tuple[np.ndarray, np.ndarray]:
    a2 = _as_matrix(op, "A", A, axis_a)
    b2 = _as_matrix(op, "B", B, axis_b)
    opa = a2.T if trans_a else a2
    opb = b2.T if trans_b else b2
    if opa.shape[1] != opb.shape[0]:
        raise ShapeError(
            f"{op}: dimension mismatch: A {shape_str(A)} is used as {list(opa.shape)} "
            f"(trans_a={int(bool(trans_a))}) and B {shape_str(B)} as {list(opb.shape)} "
            f"(trans_b={int(bool(trans_b))}); the inner sizes {opa.shape[1]} and "
            f"{opb.shape[0]} must be equal.",
            hint="C = A·B needs A's column count to equal B's row count; transpose one of "
            "them with trans_a=1 or trans_b=1, or fix the shapes.",
        )
    return opa, opb


def _matmul_grad(g: GradientContext):
    """Two MatMul ops, as Caffe2 emits them: ``dA`` from (dC, B) and ``dB`` from (A, dC).

    For ``C = op(A) · op(B)``: ``d op(A) = dC · op(B)ᵀ`` and ``d op(B) = op(A)ᵀ · dC``,
    rearranged so that no transpose of a result is needed (with ``trans_a=1``,
    ``dA = op(B) · dCᵀ``). Each op gets the input it differentiates as a third input,
    whose shape its output takes (A and B may be flattened views).
    """
    fwd = g.forward.args()
    ta, tb = int(fwd.get("trans_a", 0)), int(fwd.get("trans_b", 0))
    axis_a, axis_b = int(fwd.get("axis_a", 1)), int(fwd.get("axis_b", 1))
    a, b, dc = g.I(0), g.I(1), g.GO(0)
    da_name, db_name = _input_grad_names(g)

    def matmul_op(x: str, y: str, like: str, out: str, trans: tuple[int, int],
                  axis: tuple[str, int]) -> OperatorDef:
        args = {k: 1 for k, on in zip(("trans_a", "trans_b"), trans) if on}
        args[axis[0]] = axis[1]
        return g.op("MatMul", [x, y, like], [out], copy_args=False, **args)

    if ta:
        da = matmul_op(b, dc, a, da_name, (tb, 1), ("axis_a", axis_b))
    else:
        da = matmul_op(dc, b, a, da_name, (0, 1 - tb), ("axis_b", axis_b))
    if tb:
        db = matmul_op(dc, a, b, db_name, (1, ta), ("axis_b", axis_a))
    else:
        db = matmul_op(a, dc, b, db_name, (1 - ta, 0), ("axis_a", axis_a))
    return [da, db], [da_name, db_name]


@register_op("MatMul", inputs=(2, 3), grad=_matmul_grad)
def matmul(A: np.ndarray, B: np.ndarray, like: np.ndarray | None = None, *, axis_a: int = 1,
           axis_b: int = 1, trans_a: int = 0, trans_b: int = 0) -> np.ndarray:
    """Matrix product ``C = op(A) · op(B)`` with ``op(X) = Xᵀ`` when ``trans_x=1``.

    A is viewed as a matrix ``[prod(A.shape[:axis_a]), prod(A.shape[axis_a:])]`` and B
    likewise with ``axis_b``; after the optional transposes op(A) is ``[M, K]`` and op(B)
    is ``[K, N]``, and C is 2-D ``[M, N]``. Example: A ``[64, 2]``, B ``[2, 3]`` →
    C ``[64, 3]``. An optional third input ``like`` (used by the gradient ops) gives C
    its shape instead; it must have ``M·N`` elements.

    Gradient: two MatMul ops, ``dA = MatMul(dC, B, A, trans_b=1)`` and
    ``dB = MatMul(A, dC, B, trans_a=1)`` without transposes (other arrangements with them).
    """
    require_float("MatMul", "A", A)
    require_float("MatMul", "B", B)
    opa, opb = _matmul_operands("MatMul", A, B, axis_a, axis_b, trans_a, trans_b)
    C = opa @ opb
    if like is None:
        return C
    if like.size != C.size:
        raise ShapeError(
            f"MatMul: the product is {list(C.shape)} ({C.size} elements) but the third "
            f"input, whose shape the output takes, is {shape_str(like)} ({like.size}).",
            hint="the third input must have as many elements as the product; as a gradient "
            "op, check that axis_a/axis_b match the forward MatMul.",
        )
    return C.reshape(like.shape)


# ---- Copy / StopGradient / Print / SumReduceLike -------------------------------------------


def _copy_grad(g: GradientContext):
    return [g.op("CopyOnDeviceLike", [g.GO(0), g.I(0)], [g.GI(0)], copy_args=False)], [g.GI(0)]


@register_op("Copy", grad=_copy_grad)
def copy(X: np.ndarray) -> np.ndarray:
    """``Y = X``: a new array with X's shape, dtype and values (any dtype).

    Gradient: ``CopyOnDeviceLike(dY, X) -> dX``, a copy of dY onto X's device (as in
    Caffe2; graphlab has one device, so it is a plain copy).
    """
    return np.array(X, copy=True)


@register_op("CopyOnDeviceLike", inputs=2)
def copy_on_device_like(X: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``Y = X`` copied onto the device that holds ``like``; shape and dtype are X's.

    graphlab runs everything on the CPU, so this is a plain copy and ``like`` is not read.
    Copy's gradient uses it, as in Caffe2.
    """
    return np.array(X, copy=True)


@register_op("StopGradient", inplace=[(0, 0)], grad=NO_GRADIENT)
def stop_gradient(X: np.ndarray) -> np.ndarray:
    """``Y = X`` in the forward pass; the backward pass stops here (X gets no gradient).

    In place (``StopGradient([b], [b])``) it is a no-op and the gradient builder drops b
    from the gradient map. Otherwise Y refers to X's array: kernels never modify their
    inputs, so sharing it is safe and costs nothing.
    """
    return X


@register_op("Print", outputs=0, grad=SHOULD_NOT_DO_GRADIENT)
def print_(X: np.ndarray, *, to_file: int = 0, limit: int = 0, every_n: int = 1,
           ctx: OpContext) -> tuple[()]:
    """Print the blob's name, dtype, shape and values; no outputs.

    Args: ``limit`` > 0 prints only the first ``limit`` values (flattened);
    ``every_n`` prints on every n-th run of this op instance (a net made by
    ``CreateNet`` keeps the count between ``RunNet`` calls); ``to_file=1`` appends the
    text to ``<blob name>.log`` in the workspace's root folder (the working directory
    when none was set) instead of stdout.
    Gradient: SHOULD_NOT_DO_GRADIENT (backprop through Print is a mistake).
    """
    count = ctx.state.get("runs", 0)
    ctx.state["runs"] = count + 1
    if every_n > 1 and count % every_n:
        return ()
    name = ctx.op.input[0]
    arr = np.asarray(X)
    values = arr.ravel()[:limit] if limit > 0 else arr
    text = f"{name} {shape_str(arr)}:\n{np.array2string(values, separator=', ')}"
    if to_file:
        folder = ctx.root_folder
        with open(os.path.join(folder, f"{name}.log"), "a", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        print(text, flush=True)
    return ()


@register_op("SumReduceLike")
def sum_reduce_like(A: np.ndarray, B: np.ndarray, *, axis: int = -1) -> np.ndarray:
    """Sum A down to B's shape: the gradient of broadcasting B up to A's shape.

    B lines up with A's dimensions by Caffe2's legacy rule (B, leading/trailing 1s
    stripped, equals A's dimensions starting at ``axis``; default: A's last dims); every
    other dimension of A is summed away. Output: B's shape, A's dtype. B is read only
    for its shape. No in-place use and no gradient (it is a gradient helper).
    """
    view = legacy_broadcast_shape("SumReduceLike", A.shape, B.shape, axis)
    return reduce_to_shape(A, view).reshape(B.shape)


# =========================================================================================
# More elementwise ops and reductions: Clip, Max, Min, SumElements, SumSqrElements,
# BatchMatMul.
# =========================================================================================

# ---- Clip --------------------------------------------------------------------------------


def _clip_grad(g: GradientContext):
    return [g.op("ClipGradient", [g.O(0), g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("Clip", inplace=[(0, 0)], grad=_clip_grad)
def clip(X: np.ndarray, *, min: float | None = None, max: float | None = None) -> np.ndarray:
    """``Y = min(max(X, min), max)``, elementwise. X: any shape → Y: same shape and dtype.

    Without ``min`` (``max``) there is no lower (upper) bound; Caffe2's defaults were the
    lowest and highest float, which amounts to the same.
    Gradient: ``ClipGradient(Y, dY) -> dX`` with ``dX = dY`` where ``min < Y < max`` and 0
    where Y sits on a bound (read from the *output* Y).
    """
    require_float("Clip", "X", X)
    lo = -np.inf if min is None else min
    hi = np.inf if max is None else max
    return np.clip(X, X.dtype.type(lo), X.dtype.type(hi))


@register_op("ClipGradient", inplace=[(1, 0)])
def clip_gradient(Y: np.ndarray, dY: np.ndarray, *, min: float | None = None,
                  max: float | None = None) -> np.ndarray:
    """``dX = dY · [min < Y < max]`` from the forward *output* Y. Y, dY, dX: same shape."""
    lo = -np.inf if min is None else min
    hi = np.inf if max is None else max
    inside = (Y > lo) & (Y < hi)
    return np.where(inside, dY, np.zeros((), dY.dtype))


# ---- Max / Min ---------------------------------------------------------------------------


def _extreme(op: str, inputs: tuple[np.ndarray, ...], pick) -> np.ndarray:
    out = inputs[0]
    for i, x in enumerate(inputs[1:], start=1):
        if x.shape != inputs[0].shape:
            raise ShapeError(
                f"{op}: input #{i} {shape_str(x)} and input #0 {shape_str(inputs[0])} must "
                "have the same shape.",
                hint="broadcast the smaller one first, e.g. with Expand or by feeding a "
                "full-size array (Caffe2 1.4 read past the smaller input here and its "
                "gradient crashed, so graphlab refuses).",
            )
        out = pick(out, x)
    return np.array(out, copy=True) if out is inputs[0] else out


def _extreme_grad(grad_type: str):
    def maker(g: GradientContext):
        n = len(g.forward.input)
        names = [g.GI(i) for i in range(n)]
        ins = [g.O(0), g.GO(0), *g.forward.input]
        return [g.op(grad_type, ins, names)], names

    return maker


def _extreme_gradient(op: str, Y: np.ndarray, dY: np.ndarray,
                      inputs: tuple[np.ndarray, ...]) -> np.ndarray | tuple[np.ndarray, ...]:
    grads = []
    for X in inputs:
        g = np.where(X == Y, dY, np.zeros((), dY.dtype))
        grads.append(g.astype(_grad_dtype(dY, X), copy=False))
    return grads[0] if len(grads) == 1 else tuple(grads)


@register_op("Max", inputs=(1, None), inplace=[(0, 0)], grad=_extreme_grad("MaxGradient"))
def max_op(*X: np.ndarray) -> np.ndarray:
    """Elementwise maximum of all inputs: ``Y = max(X_0, X_1, ...)``.

    Inputs of one shape → Y: that shape. (No broadcasting: Caffe2 1.4 accepted
    different shapes but read past the smaller input, and its gradient crashed.)
    Gradient: ``MaxGradient(Y, dY, X_0, X_1, ...) -> (dX_0, dX_1, ...)``: each input gets
    dY where it equals Y (on a tie, *every* input that equals Y gets all of dY, as in
    Caffe2), else 0.
    """
    return _extreme("Max", X, np.maximum)


@register_op("MaxGradient", inputs=(3, None), outputs=(1, None))
def max_gradient(Y: np.ndarray, dY: np.ndarray, *X: np.ndarray):
    """``dX_i = dY · [X_i = Y]``; all of one shape. Outputs one per X_i."""
    return _extreme_gradient("MaxGradient", Y, dY, X)


@register_op("Min", inputs=(1, None), inplace=[(0, 0)], grad=_extreme_grad("MinGradient"))
def min_op(*X: np.ndarray) -> np.ndarray:
    """Elementwise minimum of all inputs: ``Y = min(X_0, X_1, ...)``.

    Shapes and gradient as for ``Max``: ``MinGradient(Y, dY, X_0, ...) -> (dX_0, ...)``.
    """
    return _extreme("Min", X, np.minimum)


@register_op("MinGradient", inputs=(3, None), outputs=(1, None))
def min_gradient(Y: np.ndarray, dY: np.ndarray, *X: np.ndarray):
    """``dX_i = dY · [X_i = Y]``; all of one shape. Outputs one per X_i."""
    return _extreme_gradient("MinGradient", Y, dY, X)


# ---- SumElements / SumSqrElements -----------------------------------------------------------


def _sum_elements_grad(g: GradientContext):
    return [g.op("SumElementsGradient", [g.I(0), g.GO(0)], [g.GI(0)])], [g.GI(0)]


@register_op("SumElements", grad=_sum_elements_grad)
def sum_elements(X: np.ndarray, *, average: int = 0) -> np.ndarray:
    """``Y = Σ X`` over every element (``average=1``: the mean). X: any shape → Y: 0-d.

    Gradient: ``SumElementsGradient(X, dY) -> dX``, dY copied to every element (divided
    by X's size when averaging).
    """
    require_float("SumElements", "X", X)
    total = X.sum(dtype=X.dtype)
    return np.asarray(total / X.dtype.type(X.size) if average else total, dtype=X.dtype)


@register_op("SumElementsGradient")
def sum_elements_gradient(X: np.ndarray, dY: np.ndarray, *, average: int = 0) -> np.ndarray:
    """``dX = dY`` (or ``dY / X.size`` with ``average=1``) in every element; X's shape."""
    if dY.size != 1:
        raise ShapeError(f"SumElementsGradient: dY must hold one number, got {shape_str(dY)}.",
                         hint="dY is the gradient of SumElements' scalar output.")
    dtype = _grad_dtype(dY, X)
    value = dY.reshape(()).astype(dtype)
    if average:
        value = value / dtype.type(X.size)
    return np.full(X.shape, value, dtype=dtype)


@register_op("SumSqrElements")
def sum_sqr_elements(X: np.ndarray, *, average: int = 0) -> np.ndarray:
    """``Y = Σ X²`` over every element (``average=1``: the mean). X: any shape → Y: 0-d.

    No gradient: Caffe2 registered none, so a backward pass that reaches it stops with an
    error (use ``SumElements`` of ``Sqr`` or ``SquaredL2Distance`` to train on it).
    """
    require_float("SumSqrElements", "X", X)
    total = np.square(X).sum(dtype=X.dtype)
    return np.asarray(total / X.dtype.type(X.size) if average else total, dtype=X.dtype)


# ---- BatchMatMul -------------------------------------------------------------------------


def _batch_operands(op: str, A: np.ndarray, B: np.ndarray, trans_a: int, trans_b: int,
                    broadcast: int) -> tuple[np.ndarray, np.ndarray]:
    for name, x in (("A", A), ("B", B)):
        if x.ndim < 2:
            raise ShapeError(
                f"{op}: {name} {shape_str(x)} needs at least 2 dimensions (matrices).",
                hint=f"reshape it, e.g. {name}.reshape(1, -1).",
            )
    if not broadcast and A.shape[:-2] != B.shape[:-2]:
        raise ShapeError(
            f"{op}: A {shape_str(A)} and B {shape_str(B)} have different batch dimensions "
            f"{list(A.shape[:-2])} and {list(B.shape[:-2])}.",
            hint="give both the same leading dimensions, or pass broadcast=1.",
        )
    a = np.swapaxes(A, -1, -2) if trans_a else A
    b = np.swapaxes(B, -1, -2) if trans_b else B
    if a.shape[-1] != b.shape[-2]:
        raise ShapeError(
            f"{op}: inner dimensions differ: op(A) {list(a.shape)} · op(B) {list(b.shape)} "
            f"(trans_a={trans_a}, trans_b={trans_b}).",
            hint="op(A)'s last dimension must equal op(B)'s second-to-last; check trans_a, "
            "trans_b.",
        )
    return a, b


def _batch_matmul_grad(g: GradientContext):
    args = g.forward.args()
    ta, tb = int(args.get("trans_a", 0)), int(args.get("trans_b", 0))
    if int(args.get("broadcast", 0)):
        raise GradientError(
            "Gradient is not supported with broadcast=1 for BatchMatMul (as in Caffe2): the "
            "broadcast batch dimensions would have to be summed back. Give A and B the same "
            "batch dimensions to train through it.",
        )
    a, b, dy = g.I(0), g.I(1), g.GO(0)

    def mm(x: str, y: str, out: str, t_a: int, t_b: int):
        flags = {k: 1 for k, v in (("trans_a", t_a), ("trans_b", t_b)) if v}
        return g.op("BatchMatMul", [x, y], [out], copy_args=False, **flags)

    if not ta and not tb:
        ops = [mm(dy, b, g.GI(0), 0, 1), mm(a, dy, g.GI(1), 1, 0)]
    elif not ta and tb:
        ops = [mm(dy, b, g.GI(0), 0, 0), mm(dy, a, g.GI(1), 1, 0)]
    elif ta and not tb:
        ops = [mm(b, dy, g.GI(0), 0, 1), mm(a, dy, g.GI(1), 0, 0)]
    else:
        ops = [mm(b, dy, g.GI(0), 1, 1), mm(dy, a, g.GI(1), 1, 1)]
    return ops, [g.GI(0), g.GI(1)]


@register_op("BatchMatMul", grad=_batch_matmul_grad)
def batch_matmul(A: np.ndarray, B: np.ndarray, *, trans_a: int = 0, trans_b: int = 0,
                 broadcast: int = 0) -> np.ndarray:
    """A batch of matrix products: ``Y[i] = op(A[i]) · op(B[i])``.

    A ``[..., M, K]`` and B ``[..., K, N]`` (after the optional transposes ``trans_a``,
    ``trans_b`` of their last two axes) → Y ``[..., M, N]``. The batch dimensions ``...``
    must be equal, unless ``broadcast=1`` lets NumPy broadcast them.
    Example: A ``[2, 3, 4]``, B ``[2, 3, 4]``, ``trans_b=1`` → Y ``[2, 3, 3]``.
    Gradient (as Caffe2 builds it, from two more BatchMatMul ops; for no transposes):
    ``dA = BatchMatMul(dY, B, trans_b=1)``, ``dB = BatchMatMul(A, dY, trans_a=1)``.
    """
    a, b = _batch_operands("BatchMatMul", A, B, trans_a, trans_b, broadcast)
    return np.matmul(a, b)
