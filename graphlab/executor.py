"""Turning a NetDef into a plan that runs fast, and explaining failures when it does not.

``CreateNet`` compiles a net once: every op's schema is looked up, its arguments are
parsed and checked, its kernel is bound to those arguments, and its per-instance
context (random generator, ``run_once`` state) is made. ``RunNet`` then only calls
kernels in order. ``RunNetOnce`` compiles a fresh plan each call (so stateful ops start
afresh every time, as in Caffe2).

When an op fails, the plan builds one message naming the net, the op type and index,
its inputs with shapes and dtypes, the user's line that created it, the cause and the
likely fix. Outputs are written only after a kernel succeeds, so a failing op never
leaves a half-written blob.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .errors import GraphlabError, OperatorError, ShapeError, blob_summary, did_you_mean
from .proto import NetDef, OperatorDef
from .registry import OpContext, get_schema

__all__ = ["Plan", "compile_op", "operator_failure"]


class _Step:
    __slots__ = ("fn", "inputs", "outputs", "single", "op", "index")

    def __init__(
        self,
        fn: Callable[..., Any],
        inputs: list[str],
        outputs: list[str],
        op: OperatorDef,
        index: int,
    ) -> None:
        self.fn = fn
        self.inputs = inputs
        self.outputs = outputs
        self.single = len(outputs) == 1
        self.op = op
        self.index = index


def compile_op(
    op: OperatorDef, index: int, workspace: Any, persistent: bool, net_name: str = ""
) -> _Step:
    """Bind one op's kernel to its parsed arguments (and context, if it is stateful)."""
    schema = get_schema(op.type)
    try:
        args = schema.parse_args(op.arg)
    except GraphlabError as e:
        raise type(e)(f"{e}\n  op #{index} in net {net_name!r}: {op.summary()}"
                      + (f"\n  created at {op.origin}" if op.origin else "")) from None
    if schema.stateful:
        seed = workspace._op_seed(op, index, net_name)
        args["ctx"] = OpContext(op=op, index=index, workspace=workspace,
                                persistent=persistent, seed=seed)
    fn = functools.partial(schema.kernel, **args) if args else schema.kernel
    return _Step(fn, list(op.input), list(op.output), op, index)


class Plan:
    """A compiled net: a list of bound kernels run in order over a workspace's blobs."""

    def __init__(self, net: NetDef, workspace: Any, persistent: bool) -> None:
        self.name = net.name
        self.netdef = net
        self.workspace = workspace
        self.steps = [compile_op(op, i, workspace, persistent, net.name)
                      for i, op in enumerate(net.op)]

    def run(self, num_iter: int = 1) -> None:
        """Run every op in order, ``num_iter`` times."""
        blobs = self.workspace._blobs
        steps = self.steps
        for _ in range(num_iter):
            for step in steps:
                try:
                    result = step.fn(*[blobs[n] for n in step.inputs])
                except Exception as exc:  # noqa: BLE001 - re-raised with context
                    raise operator_failure(step.op, step.index, self.name, blobs, exc) from exc
                if step.single:
                    blobs[step.outputs[0]] = result
                else:
                    for name, value in zip(step.outputs, result):
                        blobs[name] = value


def _hint_for(op: OperatorDef, blobs: dict[str, Any], exc: BaseException) -> str:
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
    op: OperatorDef, index: int, net_name: str, blobs: dict[str, Any], exc: BaseException
) -> OperatorError:
    """Build the error for op ``index`` failing with ``exc``."""
    if isinstance(exc, OperatorError):
        return exc
    cause = str(exc) if not isinstance(exc, KeyError) else "missing input blob"
    where = f" of net {net_name!r}" if net_name else ""
    lines = [
        f"{op.type} (op #{index}{where}) failed: {cause}",
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


def check_inputs_exist(net: NetDef, blobs: dict[str, Any]) -> None:
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


def as_netdef(net: Any) -> NetDef:
    """Accept a core.Net, a NetDef, or anything with ``Proto()``."""
    if isinstance(net, NetDef):
        return net
    proto = getattr(net, "Proto", None)
    if callable(proto):
        return proto()
    raise TypeError(f"Expected a core.Net or NetDef, got {type(net).__name__}: {net!r}")


def shapes_of(values: Sequence[np.ndarray]) -> list[tuple[int, ...]]:
    return [tuple(v.shape) for v in values]
