"""The reference engine: what ``RunNet`` does, one operator at a time.

A net is a list of operators; a workspace is a table of named blobs. Running the net
means, for each operator in order:

1. look up its **schema** in the registry (``get_schema(op.type)``);
2. **parse** its arguments against the schema (types checked, defaults filled in);
   steps 1 and 2 are done for every op before the first one runs;
3. read its **inputs** from the blob table, by name;
4. call its **plain kernel**: ``kernel(*inputs, **arguments)``;
5. **store** what the kernel returned under the op's output names.

That is the whole loop (:func:`run_ops`, below). ``RunNetOnce`` and ``RunOperatorOnce``
run through it. ``CreateNet`` + ``RunNet`` run the same nets faster with the machinery
in :mod:`graphlab.fast` (generated code, pre-parsed arguments, trusted runs), and the
test suite checks that they leave bit-identical blobs: this module is the definition.

When an op fails, nothing it would have written is stored (outputs are stored only after
the kernel returns) and the error (see :mod:`graphlab.diagnostics`) names the net, the
op type and index, its inputs with dtypes and shapes, the line of user code that created
the op and the likely fix. With ``check_finite`` on, an output holding a NaN or an
infinity stops the run the same way (:class:`~graphlab.diagnostics.DivergenceError`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .diagnostics import divergence_error, nonfinite, operator_failure
from .errors import GraphlabError
from .proto import NetDef, OperatorDef
from .registry import OpContext, OpSchema, get_schema

if TYPE_CHECKING:
    from .workspace import Workspace

__all__ = ["parse_op_args", "run_net", "run_ops", "split_outputs"]


def run_net(
    net: NetDef, workspace: Workspace, check_finite: bool = False,
    contexts: dict[int, OpContext] | None = None,
) -> None:
    """Run every op of ``net`` once, in order, on ``workspace``'s blobs."""
    run_ops(net.op, workspace, net.name, check_finite, contexts)


def run_ops(
    ops: Sequence[OperatorDef], workspace: Workspace, net_name: str = "",
    check_finite: bool = False, contexts: dict[int, OpContext] | None = None,
) -> None:
    """The interpreter's loop: look up, parse, read, call the plain kernel, store.

    A stateful op (a random filler, ``Iter`` ...) gets a fresh instance on every call
    (``RunNetOnce``), unless the caller keeps the ops' contexts in ``contexts`` (op index
    → context) from one call to the next: then the net behaves as one made by
    ``CreateNet`` (random streams continue, ``run_once`` fillers fill once).

    Raises:
        ArgumentError: an op's arguments do not fit its schema.
        OperatorError: an op failed; blobs written by earlier ops keep their new values.
        DivergenceError: ``check_finite`` is on and an op produced a NaN or infinity.
    """
    blobs = workspace.store
    # 1. what each op is and 2. its arguments, for every op before any runs: a net with a
    # malformed op fails without changing a blob
    schemas = [get_schema(op.type) for op in ops]
    parsed = [parse_op_args(schemas[i], op, i, net_name) for i, op in enumerate(ops)]
    for index, op in enumerate(ops):
        schema, args = schemas[index], parsed[index]
        if schema.stateful:
            ctx = args["ctx"] = _context(workspace, op, index, net_name, contexts)
            ctx.check_finite = check_finite  # for ops that write unlisted blobs (Load)
        try:
            inputs = [blobs[name] for name in op.input]               # 3. its inputs
            result = schema.kernel(*inputs, **args)                   # 4. the plain kernel
            outputs = split_outputs(op, result)
        except Exception as exc:  # noqa: BLE001 - re-raised with the op's context
            raise operator_failure(op, index, net_name, blobs, exc) from exc
        if check_finite:
            for k, value in enumerate(outputs):
                if nonfinite(value):
                    raise divergence_error(op, index, k, value, blobs, net_name, 0)
        for name, value in zip(op.output, outputs):                   # 5. store them
            blobs[name] = value


def _context(
    workspace: Workspace, op: OperatorDef, index: int, net_name: str,
    contexts: dict[int, OpContext] | None,
) -> OpContext:
    """A fresh op context, or the one kept in ``contexts`` (made on first use)."""
    if contexts is None:
        return workspace.new_op_context(op, index, net_name, persistent=False)
    if index not in contexts:
        contexts[index] = workspace.new_op_context(op, index, net_name, persistent=True)
    return contexts[index]


def parse_op_args(
    schema: OpSchema, op: OperatorDef, index: int, net_name: str
) -> dict[str, Any]:
    """The op's arguments as ``{name: value}``, checked against its schema.

    Raises:
        ArgumentError: the arguments do not fit (the message names the op, its index, the
            net and the line that created it).
    """
    try:
        return schema.parse_args(op.arg)
    except GraphlabError as e:
        raise type(e)(f"{e}\n  op #{index} in net {net_name!r}: {op.summary()}"
                      + (f"\n  created at {op.origin}" if op.origin else "")) from None


def split_outputs(op: OperatorDef, result: Any) -> tuple[Any, ...]:
    """A kernel's return value as one value per output of ``op``.

    A kernel returns the array itself for a one-output op and a tuple otherwise.

    Raises:
        GraphlabError: the kernel returned another number of values.
    """
    n = len(op.output)
    outputs = (result,) if n == 1 else tuple(result) if n else ()
    if len(outputs) != n:
        raise GraphlabError(f"{op.type} returned {len(outputs)} output(s), expected {n}")
    return outputs
