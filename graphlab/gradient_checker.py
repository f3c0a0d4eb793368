"""Numeric gradient checks: is what ``AddGradientOperators`` builds really the derivative?

The builder appends gradient *ops*; each op's gradient kernel is hand-written, so it can
be wrong. This module compares it with finite differences, which need nothing but the
forward pass:

    dL/dx_i ≈ (L(x + ε·e_i) − L(x − ε·e_i)) / (2ε)        (central difference)

computed in float64, where the error is about ε²·|L'''| + 1e-16·|L|/ε (≈1e-10 with
ε = 1e-6). For a blob with many elements, checking every element costs two forward runs
each, so the checker instead compares *directional derivatives* along a few random unit
directions d: ``(L(x + εd) − L(x − εd)) / (2ε)`` against ``⟨∇L, d⟩``.

What is L? For ``ys`` given as a list, ``L = Σ_y Σ_elements y`` (the builder seeds each
``y`` with ones). For a dict ``{y: seed blob}``, ``L = Σ_y Σ seed ⊙ y`` with the seed
arrays fed as inputs, which makes L depend on every element of y; this is how
:func:`check_op_gradient` checks a single op on its own.

Every forward run happens in a fresh :class:`~graphlab.workspace.Workspace` with a fixed
seed, so nets containing random fillers (``GaussianFill`` ...) draw the same numbers on
every run and L stays a deterministic function of the inputs.

Example (in a notebook)::

    from graphlab import gradient_checker
    result = gradient_checker.check_op_gradient(
        "FC", [np.random.randn(4, 3), np.random.randn(2, 3), np.random.randn(2)])
    result            # a small table: max abs / rel error per input, ok or FAILED
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .core import CreateOperator
from .gradients import build_backward
from .nets import as_netdef
from .proto import NetDef, OperatorDef
from .registry import get_schema
from .workspace import Workspace

__all__ = [
    "BlobCheck",
    "GradientCheckResult",
    "check_gradient",
    "check_op_gradient",
    "directional_derivatives",
    "numeric_gradient",
    "op_blob_names",
]

_NET_NAME = "gradient_check"


# ---- finite differences ----------------------------------------------------------------


def numeric_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """Central-difference gradient of a scalar function ``f`` at ``x``, in float64.

    ``g[i] = (f(x + eps·e_i) − f(x − eps·e_i)) / (2·eps)`` for every element ``i``; the
    result has ``x``'s shape. ``f`` receives float64 copies and must not keep them.
    """
    x = np.asarray(x, dtype=np.float64)
    grad = np.zeros(x.shape, np.float64)
    flat = grad.reshape(-1)
    for i in range(x.size):
        step = np.zeros(x.size, np.float64)
        step[i] = eps
        step = step.reshape(x.shape)
        flat[i] = (f(x + step) - f(x - step)) / (2.0 * eps)
    return grad


def directional_derivatives(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    directions: Sequence[np.ndarray],
    eps: float = 1e-6,
) -> np.ndarray:
    """``[(f(x + eps·d) − f(x − eps·d)) / (2·eps) for d in directions]`` in float64."""
    x = np.asarray(x, dtype=np.float64)
    return np.array([(f(x + eps * d) - f(x - eps * d)) / (2.0 * eps) for d in directions])


# ---- results ----------------------------------------------------------------------------


@dataclass
class BlobCheck:
    """The comparison for one blob.

    Attributes:
        blob: the input blob differentiated.
        gradient_blob: the blob AddGradientOperators computed its gradient into (None if
            the builder gave it no gradient; the analytic gradient is then taken as 0).
        method: ``"central"`` (every element) or ``"directional"`` (random directions).
        analytic, numeric: the compared values (the gradient itself, or one directional
            derivative per direction).
        max_abs_error: ``max |analytic − numeric|``.
        max_rel_error: ``max |analytic − numeric| / max(|analytic|, |numeric|)`` over the
            entries larger than ``atol``.
        ok: every entry satisfies ``|a − n| ≤ atol + rtol·max(|a|, |n|)`` and the
            gradient has the blob's shape and dtype.
        note: what went wrong besides the numbers (shape, dtype, missing gradient).
    """

    blob: str
    gradient_blob: str | None
    method: str
    analytic: np.ndarray
    numeric: np.ndarray
    max_abs_error: float
    max_rel_error: float
    ok: bool
    note: str = ""

    def __repr__(self) -> str:
        status = "ok" if self.ok else "FAILED"
        note = f"  ({self.note})" if self.note else ""
        return (
            f"BlobCheck({self.blob!r} -> {self.gradient_blob!r}: {status}, {self.method}, "
            f"max abs {self.max_abs_error:.2e}, max rel {self.max_rel_error:.2e}{note})"
        )


@dataclass
class GradientCheckResult:
    """All blob checks of one gradient check; prints as a small table."""

    checks: list[BlobCheck] = field(default_factory=list)
    rtol: float = 1e-5
    atol: float = 1e-7

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def max_abs_error(self) -> float:
        return max((c.max_abs_error for c in self.checks), default=0.0)

    @property
    def max_rel_error(self) -> float:
        return max((c.max_rel_error for c in self.checks), default=0.0)

    def __getitem__(self, blob: str) -> BlobCheck:
        for c in self.checks:
            if c.blob == str(blob):
                return c
        raise KeyError(f"no check for blob {blob!r}; checked: {[c.blob for c in self.checks]}")

    def __iter__(self):
        return iter(self.checks)

    def __len__(self) -> int:
        return len(self.checks)

    def assert_ok(self) -> None:
        """Raise ``AssertionError`` with the table if any check failed."""
        if not self.ok:
            raise AssertionError("gradient check failed:\n" + repr(self))

    def __repr__(self) -> str:
        head = "OK" if self.ok else "FAILED"
        rows = [("blob", "gradient", "method", "n", "max abs err", "max rel err", "")]
        for c in self.checks:
            rows.append((
                c.blob,
                str(c.gradient_blob),
                c.method,
                str(np.size(c.numeric)),
                f"{c.max_abs_error:.2e}",
                f"{c.max_rel_error:.2e}",
                ("ok" if c.ok else "FAILED") + (f" ({c.note})" if c.note else ""),
            ))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = [f"GradientCheckResult: {head} (rtol={self.rtol:g}, atol={self.atol:g})"]
        for r in rows:
            lines.append("  " + "  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
        return "\n".join(lines)


def _compare(
    blob: str,
    gradient_blob: str | None,
    method: str,
    analytic: np.ndarray,
    numeric: np.ndarray,
    rtol: float,
    atol: float,
    note: str,
) -> BlobCheck:
    a = np.asarray(analytic, np.float64)
    n = np.asarray(numeric, np.float64)
    diff = np.abs(a - n)
    scale = np.maximum(np.abs(a), np.abs(n))
    max_abs = float(diff.max()) if diff.size else 0.0
    big = scale > atol
    max_rel = float((diff[big] / scale[big]).max()) if np.any(big) else 0.0
    within = bool(np.all(diff <= atol + rtol * scale)) and bool(np.all(np.isfinite(a)))
    ok = within and not note.startswith(("shape", "dtype"))
    return BlobCheck(blob, gradient_blob, method, analytic, numeric, max_abs, max_rel, ok, note)


# ---- checking a net ---------------------------------------------------------------------


def _forward_ops(net: Any) -> list[OperatorDef]:
    if isinstance(net, (list, tuple)):
        ops = list(net)
    else:
        ops = list(as_netdef(net).op)
    if any(op.is_gradient_op for op in ops):
        raise ValueError(
            "check_gradient needs the forward net only, but this one already has gradient "
            "ops; pass the net (or its ops) from before AddGradientOperators."
        )
    return copy.deepcopy(ops)


def _loss_weights(
    ys: Any, inputs: Mapping[str, np.ndarray]
) -> tuple[Any, list[tuple[str, np.ndarray | None]]]:
    """``ys`` for the builder, and (y, weight array or None for ones) pairs for L."""
    if isinstance(ys, (str, bytes)):
        ys = [ys]
    if isinstance(ys, Mapping):
        pairs = []
        for y, seed in ys.items():
            if seed is None:
                pairs.append((str(y), None))
            elif str(seed) not in inputs:
                raise ValueError(
                    f"the seed blob {str(seed)!r} of {str(y)!r} must be given in inputs, e.g. "
                    f"inputs[{str(seed)!r}] = np.random.randn(*shape_of_{y})."
                )
            else:
                pairs.append((str(y), np.asarray(inputs[str(seed)], np.float64)))
        return {str(y): (None if g is None else str(g)) for y, g in ys.items()}, pairs
    names = [str(y) for y in ys]
    return names, [(y, None) for y in names]


class _ForwardFunction:
    """``L(x)`` for one input blob: rerun the forward ops with blob ``name`` set to ``x``."""

    def __init__(
        self,
        ops: list[OperatorDef],
        inputs: dict[str, np.ndarray],
        weights: list[tuple[str, np.ndarray | None]],
        name: str,
        seed: int,
    ) -> None:
        self.net = NetDef(name=_NET_NAME, op=ops)
        self.inputs = inputs
        self.weights = weights
        self.name = name
        self.seed = seed

    def __call__(self, x: np.ndarray) -> float:
        ws = Workspace(seed=self.seed)
        for k, v in self.inputs.items():
            ws.feed_blob(k, v)
        ws.feed_blob(self.name, x.astype(self.inputs[self.name].dtype, copy=False))
        ws.run_net_once(self.net)
        total = 0.0
        for y, w in self.weights:
            value = np.asarray(ws.fetch_blob(y), np.float64)
            total += float(np.sum(value if w is None else w * value))
        return total


def check_gradient(
    net: Any,
    ys: Any,
    inputs: Mapping[str, np.ndarray],
    wrt: Sequence[str] | None = None,
    *,
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-7,
    max_elements: int = 64,
    n_directions: int = 6,
    seed: int = 0,
    to_float64: bool = True,
) -> GradientCheckResult:
    """Compare the gradients AddGradientOperators builds with finite differences.

    Args:
        net: the *forward* net (a ``core.Net``, ``NetDef`` or list of OperatorDefs); it
            is not modified (the gradient ops are built on a copy).
        ys: what to differentiate, as for ``AddGradientOperators``: a blob, a list (L is
            the sum of their elements) or a dict ``{y: seed blob}`` whose seed arrays are
            in ``inputs`` (L = Σ seed ⊙ y).
        inputs: every blob the net reads and no op of it makes, as arrays.
        wrt: input blobs to check (default: every floating-point input except seeds).
        eps: finite-difference step.
        rtol, atol: tolerance, ``|analytic − numeric| ≤ atol + rtol·max(|a|, |n|)``.
        max_elements: blobs with more elements are checked along ``n_directions``
            random unit directions instead of element by element.
        seed: seed of the workspaces (random fillers) and of the random directions.
        to_float64: convert floating-point inputs to float64 first (recommended:
            float32 finite differences are too noisy to check anything).

    Returns:
        A :class:`GradientCheckResult` (``.ok``, ``.max_abs_error``, ``[blob]``, a table
        as its repr, ``.assert_ok()``).
    """
    ops = _forward_ops(net)
    feeds: dict[str, np.ndarray] = {}
    for k, v in inputs.items():
        arr = np.asarray(v)
        if to_float64 and np.issubdtype(arr.dtype, np.floating):
            arr = arr.astype(np.float64)
        feeds[str(k)] = arr
    builder_ys, weights = _loss_weights(ys, feeds)
    seeds = [g for g in (builder_ys.values() if isinstance(builder_ys, dict) else []) if g]
    if wrt is None:
        wrt = [k for k, v in feeds.items()
               if np.issubdtype(v.dtype, np.floating) and k not in seeds]
    wrt = [str(w) for w in wrt]
    for w in wrt:
        if w not in feeds:
            raise ValueError(
                f"cannot check the gradient of {w!r}: it is not among the given inputs "
                f"({', '.join(feeds)}). Only blobs fed as inputs can be perturbed."
            )
    grad_ops, grad_map = build_backward(copy.deepcopy(ops), builder_ys)
    ws = Workspace(seed=seed)
    for k, v in feeds.items():
        ws.feed_blob(k, v)
    ws.run_net_once(NetDef(name=_NET_NAME, op=[*copy.deepcopy(ops), *grad_ops]))
    rng = np.random.default_rng(seed)
    result = GradientCheckResult(rtol=rtol, atol=atol)
    for w in wrt:
        x = feeds[w]
        g_name = grad_map.get(w)
        note = ""
        if g_name is None:
            analytic = np.zeros(x.shape, np.float64)
            note = "no gradient built; taken as 0"
        else:
            analytic = ws.fetch_blob(g_name)
            if analytic.shape != x.shape:
                note = f"shape: gradient {list(analytic.shape)} vs blob {list(x.shape)}"
            elif analytic.dtype != x.dtype and np.issubdtype(x.dtype, np.floating):
                note = f"dtype: gradient {analytic.dtype} vs blob {x.dtype}"
        f = _ForwardFunction(ops, feeds, weights, w, seed)
        if note.startswith("shape"):
            nan = float("nan")
            result.checks.append(BlobCheck(w, g_name, "central", analytic, np.zeros(0),
                                           nan, nan, False, note))
            continue
        if x.size <= max_elements:
            numeric = numeric_gradient(f, x, eps)
            result.checks.append(_compare(w, g_name, "central", analytic, numeric,
                                          rtol, atol, note))
        else:
            dirs = [d / np.linalg.norm(d) for d in rng.normal(size=(n_directions, *x.shape))]
            numeric = directional_derivatives(f, x, dirs, eps)
            a = np.array([float(np.sum(np.asarray(analytic, np.float64) * d)) for d in dirs])
            result.checks.append(_compare(w, g_name, "directional", a, numeric,
                                          rtol, atol, note))
    return result


# ---- checking one operator ----------------------------------------------------------------


def op_blob_names(
    op_type: str, n_inputs: int, n_outputs: int, inplace: bool = False
) -> tuple[list[str], list[str]]:
    """Blob names for a one-op test net: ``(input names, output names)``.

    Inputs are named after the kernel's parameters (``X``, ``W``, ``b``; a variadic
    parameter ``*X`` gives ``X0``, ``X1`` ...); outputs are ``out0``, ``out1`` ... An
    output that the schema requires to be in place (Iter's counter) gets its input's
    name; with ``inplace=True`` output 0 is also written over input 0.
    """
    schema = get_schema(op_type)
    params = schema.input_names()
    if len(params) == n_inputs and not any(p.startswith("*") for p in params):
        in_names = list(params)
    else:
        fixed = [p for p in params if not p.startswith("*")]
        star = next((p[1:] for p in params if p.startswith("*")), "X")
        in_names = fixed[:n_inputs] + [f"{star}{i}" for i in range(n_inputs - len(fixed))]
    out_names = [f"out{j}" for j in range(n_outputs)]
    in_names = [f"in_{n}" if n in out_names else n for n in in_names]
    for i, o in schema.enforce_inplace:
        if i < n_inputs and o < n_outputs:
            out_names[o] = in_names[i]
    if inplace and n_inputs and n_outputs:
        out_names[0] = in_names[0]
    return in_names, out_names


def check_op_gradient(
    op_type: str,
    inputs: Sequence[np.ndarray],
    args: Mapping[str, Any] | None = None,
    *,
    grad_inputs: Sequence[int] | None = None,
    grad_outputs: Sequence[int] | None = None,
    n_outputs: int | None = None,
    inplace: bool = False,
    seed: int = 0,
    **options: Any,
) -> GradientCheckResult:
    """Check the gradient of one op type on the given input arrays.

    Builds a one-op net (blob names from :func:`op_blob_names`), seeds each checked
    output with a random array through the dict form ``{out: "<out>_grad_seed"}``, so
    ``L = Σ seed ⊙ out`` involves no other op, and compares the gradients of the checked
    inputs with finite differences.

    Args:
        op_type: a registered, differentiable op type.
        inputs: the input arrays (floating-point ones are converted to float64).
        args: the op's arguments.
        grad_inputs: indices of inputs to check (default: every floating-point input).
        grad_outputs: indices of outputs that get a seed (default: every floating-point
            output).
        n_outputs: number of outputs when the op's schema allows several counts.
        inplace: write output 0 over input 0 (the gradient of that input is then the
            gradient with respect to its value *before* the op ran).
        seed: seed of the random seeds, directions and random ops.
        **options: passed on to :func:`check_gradient` (``eps``, ``rtol``, ``atol`` ...).
    """
    schema = get_schema(op_type)
    if n_outputs is None:
        lo, hi = schema.n_outputs
        n_outputs = lo if lo == hi or lo > 0 else 1
    in_names, out_names = op_blob_names(op_type, len(inputs), n_outputs, inplace)
    feeds = {n: np.asarray(v) for n, v in zip(in_names, inputs)}
    for n, v in list(feeds.items()):
        if np.issubdtype(v.dtype, np.floating):
            feeds[n] = v.astype(np.float64)
    op = CreateOperator(op_type, in_names, out_names, **dict(args or {}))
    probe = Workspace(seed=seed)
    for k, v in feeds.items():
        probe.feed_blob(k, v)
    probe.run_net_once(NetDef(name=_NET_NAME, op=[copy.deepcopy(op)]))
    outs = [probe.fetch_blob(o) for o in out_names]
    if grad_outputs is None:
        grad_outputs = [j for j, v in enumerate(outs) if np.issubdtype(v.dtype, np.floating)]
    rng = np.random.default_rng(seed)
    ys: dict[str, str] = {}
    for j in grad_outputs:
        seed_name = f"{out_names[j]}_grad_seed"
        feeds[seed_name] = rng.normal(size=outs[j].shape)
        ys[out_names[j]] = seed_name
    if grad_inputs is None:
        wrt = [n for n in in_names if np.issubdtype(feeds[n].dtype, np.floating)]
    else:
        wrt = [in_names[i] for i in grad_inputs]
    return check_gradient([op], ys, feeds, wrt, seed=seed, **options)
