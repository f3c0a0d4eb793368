"""Explain failures: the messages for an op that failed, a net whose inputs are missing,
and an op the divergence guard caught producing a NaN or infinity.

This module's one job is explaining; running nets is :mod:`graphlab.interpreter`'s (and
:mod:`graphlab.fast`'s). Each builder returns (or raises) an
:class:`~graphlab.errors.OperatorError` whose message names the net, the op type and index,
the iteration, the op's inputs with dtypes and shapes, the line of user code that created
the op, the cause and the likely fix (see docs/errors.md). The builders read the
workspace's blobs but never change them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .errors import (  # DivergenceError lives in errors (ops raise it too) and is re-exported
    DivergenceError,
    OperatorError,
    ShapeError,
    blob_summary,
    describe_array,
    did_you_mean,
)
from .proto import NetDef, OperatorDef

__all__ = [
    "DivergenceError",
    "check_inputs_exist",
    "divergence_error",
    "nonfinite",
    "operator_failure",
]


# ---- the divergence guard's message ----------------------------------------------------



def _finite_text(value: Any) -> str:
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "fc":
        return "not a float array"
    n_nan = int(np.isnan(value).sum())
    n_pos = int(np.isposinf(value).sum())
    n_neg = int(np.isneginf(value).sum())
    if not (n_nan or n_pos or n_neg):
        return "finite"
    parts = [f"{n} {what}" for n, what in ((n_nan, "NaN"), (n_pos, "+inf"), (n_neg, "-inf"))
             if n]
    return f"NOT finite ({', '.join(parts)} of {value.size})"


def nonfinite(value: Any) -> bool:
    """True if ``value`` is a float (or complex) array with a NaN or an infinity."""
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "fc":
        return False
    # one reduction is enough to notice (NaN and ±inf survive a sum); confirm elementwise
    # because the sum of large finite values can overflow
    with np.errstate(all="ignore"):
        if np.isfinite(value.sum()):
            return False
    return not bool(np.isfinite(value).all())


def divergence_error(
    op: OperatorDef, index: int, k: int, value: Any, blobs: Mapping[str, Any],
    net_name: str, iteration: int,
) -> DivergenceError:
    """The guard's message: which op produced the first NaN/inf, and what to do."""
    where = f" of net {net_name!r}" if net_name else ""
    lines = [
        f"Divergence guard: {op.type} (op #{index}{where}, iteration {iteration + 1} of "
        f"this run) produced a non-finite value in output #{k} {op.output[k]!r}: "
        f"{describe_array(value)} is {_finite_text(value)}.",
        f"  op:      {op.summary()}",
    ]
    if op.origin:
        lines.append(f"  created at {op.origin}")
    lines.append("  inputs (as the op saw them):")
    bad_inputs = []
    for name in op.input:
        v = blobs[name] if name in blobs else None
        state = _finite_text(v) if v is not None else "<missing>"
        if state.startswith("NOT"):
            bad_inputs.append(name)
        lines.append(f"    {name}: {describe_array(v)} {state}")
    old = [b for b in op.output if b in blobs]
    new = [b for b in op.output if b not in blobs]
    kept = []
    if old:
        kept.append(f"{old[0]} keeps its previous value" if len(old) == 1
                    else f"{', '.join(old)} keep their previous values")
    if new:
        kept.append(f"{', '.join(new)} {'was' if len(new) == 1 else 'were'} not created")
    lines.append(f"  The op's outputs were not written: {'; '.join(kept)}"
                 + (" (FetchBlob to look)." if old else "."))
    if not op.input:
        args = ", ".join(f"{a.name}={a.value!r}" for a in op.arg) or "none"
        lines.append(
            f"  hint: {op.type} reads no blob, so the value comes from its arguments "
            f"({args}): check them (a learning rate cannot cause this)."
        )
    elif bad_inputs:
        lines.append(
            f"  hint: input(s) {', '.join(map(repr, bad_inputs))} were already non-finite "
            "before this op: check the data you fed (FeedBlob) or the net that wrote them."
        )
    else:
        lines.append(
            "  hint: all inputs were finite, so this op is where the values blew up. In "
            "training this usually means the learning rate is too large: try a smaller "
            "base_lr (e.g. 10x smaller) or a decaying LR policy, and plot the loss."
        )
    return DivergenceError("\n".join(lines))



# ---- an op that failed, inputs that are missing -----------------------------------------


def _hint_for(op: OperatorDef, blobs: Mapping[str, Any], exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        missing = [b for b in op.input if b not in blobs]
        if missing:
            name = missing[0]
            return (
                f"Input blob {name!r} does not exist in the workspace."
                + did_you_mean(name, blobs)
                + " Run the init net first (workspace.RunNetOnce(init_net)) or feed it with "
                f"workspace.FeedBlob({name!r}, value)."
            )
    if isinstance(exc, ShapeError) and exc.hint:
        return exc.hint
    return ""


def operator_failure(
    op: OperatorDef,
    index: int,
    net_name: str,
    blobs: Mapping[str, Any],
    exc: BaseException,
    iteration: int = 0,
) -> OperatorError:
    """Build the error for op ``index`` failing with ``exc`` (in run ``iteration``)."""
    if isinstance(exc, OperatorError):
        return exc
    cause = str(exc) if not isinstance(exc, KeyError) else "missing input blob"
    where = f" of net {net_name!r}" if net_name else ""
    when = f", iteration {iteration + 1}" if iteration else ""
    lines = [
        f"{op.type} (op #{index}{where}{when}) failed: {cause}",
        f"  op:      {op.summary()}",
        "  inputs:",
        blob_summary(op.input, blobs) if op.input else "    (none)",
    ]
    if op.origin:
        lines.append(f"  created at {op.origin}")
    hint = _hint_for(op, blobs, exc)
    if hint:
        lines.append(f"  hint: {hint}")
    return OperatorError("\n".join(lines))


def check_inputs_exist(net: NetDef, blobs: Mapping[str, Any]) -> None:
    """Every op input must exist or be made by an earlier op (Caffe2's CreateNet check).

    Raises:
        OperatorError: names every missing blob, the first op that needs each, and the fix.
    """
    produced: dict[str, None] = {}
    missing: dict[str, tuple[int, OperatorDef]] = {}
    for i, op in enumerate(net.op):
        for b in op.input:
            if b not in produced and b not in blobs and b not in missing:
                missing[b] = (i, op)
        for b in op.output:
            produced[b] = None
    if not missing:
        return
    lines = [f"Cannot create net {net.name!r}: {len(missing)} input blob(s) do not exist yet."]
    for b, (i, op) in missing.items():
        lines.append(f"  {b!r} is needed by {op.type} (op #{i}): {op.summary()}"
                     + (f", created at {op.origin}" if op.origin else "")
                     + did_you_mean(b, blobs))
    names = ", ".join(repr(b) for b in missing)
    lines.append(
        f"  hint: run the init net first (workspace.RunNetOnce(init_net)) or feed {names} "
        "with workspace.FeedBlob(name, value) before CreateNet."
    )
    raise OperatorError("\n".join(lines))
