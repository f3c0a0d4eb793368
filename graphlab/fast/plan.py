"""Turning a NetDef into a plan that runs fast.

``CreateNet`` compiles a net once:

1. every op's schema is looked up and its arguments parsed and checked;
2. its per-instance context (random generator, ``run_once`` state) is made;
3. its kernel is bound: the op's compiled form (:mod:`graphlab.fast.ops`) if it has one,
   else the plain kernel with the arguments that differ from their defaults as keywords;
4. outputs nothing can observe during the run are found (see *Deferred outputs*);
5. the whole net becomes one generated Python function, one line per op
   (:mod:`graphlab.fast.codegen` writes it), e.g.::

       blobs['Y_pred'] = _f5(blobs['X'], blobs['W'], blobs['B'])
       blobs['LR'] = _f13(blobs['ITER'], base_lr=-0.1, policy='step', stepsize=20, ...)

   so ``RunNet`` does nothing per op but look up its inputs, call the kernel and store
   the result. ``Plan.source()`` shows that function.

``RunNetOnce`` and ``RunOperatorOnce`` do not come here: they run through
:mod:`graphlab.interpreter`, the reference this plan must match bit for bit.

Errors. Nothing per op is guarded: one ``try`` surrounds the run, and when a kernel
fails the line of the generated function tells which op it was. The message (built by
:mod:`graphlab.diagnostics`) names the net, the op type and index, the iteration, its
inputs with dtypes and shapes, the line of user code that created the op, the cause and
the likely fix. A failing op never writes any of its outputs.

Deferred outputs. An output that no op of the net reads and that is not an external
output of the net may be skipped by an op's compiled form; the blob then holds a recipe
(the op's plain kernel and the input arrays it ran on) and is computed on first lookup
by ``FetchBlob``, another net or anything else (:class:`graphlab.fast.blobstore.BlobStore`).
Only stateless ops with a compiled form do this, so recomputing gives the same value.
Pass ``defer_unread=False`` to ``Workspace.create_net`` to compute everything eagerly.

Trusted runs. The ops' compiled forms check their input layouts (shapes, dtypes,
strides) on every call, which costs about as much as their arithmetic on small arrays.
Those checks cannot fail when nothing has changed, and the plan can tell when that is:

* the *carried* blobs (``Plan.carried``) are those the net reads before writing them:
  data, parameters, counters. Every other blob a run reads was written earlier in the
  same run, so its layout follows from the carried ones, as long as no op's output layout
  depends on values. An op with a compiled form says so in its schema
  (``OpSchema.layout_from_values``; a net with such an op never trusts); an op running its
  plain kernel need not: the trusted function compares its outputs' layouts with the last
  checked run's right after it, and on a difference :meth:`Plan._resume` finishes the run
  op by op with checks and the plan stops trusting;
* after two checked iterations in a row that leave every carried blob with the layout
  it started with (the first call with a new layout takes an op's plain road, the second
  its fast one), every op's last checked call saw the layouts the next iteration will
  show it;
* so the plan keeps the carried blobs' objects. The next ``RunNet`` first checks that each
  carried blob is still the very same object (nobody fed, loaded or wrote it since: any
  write puts a new array there) and then runs a second generated function that calls the
  ops' *trusted* forms (``graphlab.fast.ops``): the same arithmetic, no layout checks.
  Anything else (a replaced blob, the guard, a failed run) goes back to a checked run.

Errors that depend on values (a counter overflowing) are still raised in trusted runs,
with the same message. ``Plan.source(trusted=True)`` shows the trusted function;
``create_net(..., trust_layouts=False)`` turns trusted runs off.

Divergence guard. With ``check_finite`` on (per net, per run, or for a whole
workspace), every float output is checked after its op runs; the first op to produce a
NaN or infinity stops the run with :class:`DivergenceError` before that output is
stored. When it is off the generated function contains no checks at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..diagnostics import divergence_error, nonfinite, operator_failure
from ..interpreter import parse_op_args, split_outputs
from ..nets import blobs_read_before_written
from ..proto import NetDef, OperatorDef
from ..registry import OpContext, OpSchema, get_schema
from .blobstore import BlobStore
from .codegen import generate, generate_trusted
from .compiled import compiler_for, fresh_outputs

if TYPE_CHECKING:
    from ..workspace import Workspace

__all__ = ["Plan", "Step"]


# ---- one op ----------------------------------------------------------------------------


class Step:
    """One compiled op: what to call, on which blobs, writing which blobs."""

    __slots__ = (
        "deferrable", "fn", "index", "inputs", "kwargs", "op", "outputs", "plain_kwargs",
        "schema", "single",
    )

    def __init__(
        self,
        fn: Callable[..., Any],
        kwargs: dict[str, Any],
        op: OperatorDef,
        index: int,
        schema: OpSchema,
        plain_kwargs: dict[str, Any],
        deferrable: list[int],
    ) -> None:
        self.fn = fn  # fast kernel (kwargs empty) or plain kernel (called with kwargs)
        self.kwargs = kwargs
        self.inputs = list(op.input)
        self.outputs = list(op.output)
        self.single = len(self.outputs) == 1
        self.op = op
        self.index = index
        self.schema = schema
        self.plain_kwargs = plain_kwargs  # for recomputing a deferred output
        self.deferrable = deferrable  # output indices the fast kernel may skip

    def recompute(self, values: tuple[Any, ...], k: int) -> Any:
        """Output ``k`` computed by the plain kernel from the input arrays of a past run."""
        result = self.schema.kernel(*values, **self.plain_kwargs)
        return result if self.single else result[k]


def compile_op(
    op: OperatorDef,
    index: int,
    workspace: Workspace,
    net_name: str = "",
    unread: Sequence[bool] | None = None,
) -> Step:
    """Bind one op: parse its arguments, make its context, pick its kernel.

    An op with a compiled form (:func:`graphlab.fast.compiled.compiles`) gets it; any
    other op gets its plain kernel, which checks its inputs on every run.

    Args:
        unread: per output, True when nothing can observe it during the run (the op's
            compiled form may then skip it); None means every output is needed.

    Raises:
        ArgumentError: the op's arguments do not fit its schema (with op index, net and
            creating line).
    """
    schema = get_schema(op.type)
    parsed = parse_op_args(schema, op, index, net_name)
    ctx = None
    if schema.stateful:
        ctx = workspace.new_op_context(op, index, net_name, persistent=True)
    compiler = compiler_for(op.type)
    deferrable: list[int] = []
    if compiler is None:
        # arguments left at their default need not be passed (the kernel's own default
        # is the same value): LearningRate has ~40 arguments and a call uses ~4
        given = {k: v for k, v in parsed.items() if not _is_default(schema, k, v)}
        if ctx is not None:
            given["ctx"] = ctx
        return Step(schema.kernel, given, op, index, schema, given, deferrable)
    if ctx is not None:
        parsed["ctx"] = ctx
    needed = [True] * len(op.output)
    if unread is not None and not schema.stateful:
        for k, skip in enumerate(unread):
            if skip:
                needed[k] = False
                deferrable.append(k)
    fn = compiler(dict(parsed), tuple(needed))
    return Step(fn, {}, op, index, schema, parsed, deferrable)


def _is_default(schema: OpSchema, name: str, value: Any) -> bool:
    spec = schema.args.get(name)
    if spec is None or spec.required:
        return False
    default = spec.default
    return value is default or (type(value) is type(default) and _same(value, default))


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - e.g. arrays: not a plain default
        return False


def _guarded_outputs(steps: Sequence[Step]) -> list[tuple[int, int]]:
    """(step index, output index) of every output of a step running the op's plain
    kernel (no compiled form), in op order."""
    return [(s.index, k) for s in steps if compiler_for(s.op.type) is None
            for k in range(len(s.outputs))]


def layout_of(value: Any) -> Any:
    """What a trusted run assumes stays the same: an array's (shape, dtype, strides), any
    other value's type."""
    if type(value) is np.ndarray:
        return (value.shape, value.dtype, value.strides)
    return type(value)


def unread_outputs(net: NetDef) -> list[list[bool]]:
    """Per op and output: True if no op of ``net`` reads it and it is not external output.

    Any read counts, earlier ops included (they see it on the next iteration).
    """
    read: dict[str, None] = dict.fromkeys(net.external_output)
    for op in net.op:
        read.update(dict.fromkeys(op.input))
    return [[name not in read for name in op.output] for op in net.op]


_ABSENT = object()


def _same_layouts(a: list[Any] | None, b: list[Any] | None) -> bool:
    """Equal layout lists from :meth:`Plan._layouts` (objects compared by identity)."""
    if a is None or b is None or len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if type(x) is list or type(y) is list:
            if not (type(x) is type(y) is list and x[0] is y[0]):
                return False
        elif x != y:
            return False
    return True


# ---- the plan ----------------------------------------------------------------------------


class Plan:
    """A compiled net: bound kernels run in order over a workspace's blobs.

    Args:
        net: the NetDef (the plan keeps a reference; the workspace passes a snapshot).
        workspace: the Workspace whose blobs it reads and writes (op state, such as
            random streams, lives as long as the plan).
        check_finite: default for the divergence guard of :meth:`run`.
        defer_unread: let compiled forms skip outputs nothing in the net reads.
        trust_layouts: allow trusted runs (see *Trusted runs* in the module docstring).
    """

    def __init__(
        self,
        net: NetDef,
        workspace: Workspace,
        check_finite: bool = False,
        defer_unread: bool = True,
        trust_layouts: bool = True,
    ) -> None:
        self.name = net.name
        self.netdef = net
        self.workspace = workspace
        self.check_finite = check_finite
        unread: list[Any] = (unread_outputs(net) if defer_unread
                             else [None] * len(net.op))
        self.steps = [compile_op(op, i, workspace, net.name, unread[i])
                      for i, op in enumerate(net.op)]
        self._compiled: dict[Any, tuple[Callable[..., Any], dict[int, int]]] = {}
        #: blobs the net reads before (or without) writing them, in op order
        self.defer_unread = defer_unread
        self.carried = blobs_read_before_written(net)
        #: outputs of ops running their plain kernel, checked after the op in trusted runs
        #: (the op may not know that its output layout must follow its input layouts)
        self.guarded = _guarded_outputs(self.steps)
        self._expected: list[Any] = [None] * len(self.guarded)
        # no trusted runs for a net holding an op whose output layout follows values, or
        # a plain op whose output another op writes again (its check would see the wrong
        # layout)
        last_writer = {name: s.index for s in self.steps for name in s.outputs}
        self._trustable = not any(
            s.schema.layout_from_values(s.plain_kwargs, len(s.inputs)) for s in self.steps
        ) and all(last_writer[self.steps[i].outputs[k]] == i for i, k in self.guarded)
        self.trust_layouts = self._trustable and trust_layouts
        # while trusted: the objects the carried blobs held when the last run ended
        self._keep: list[Any] | None = None
        self._trusted_fn: Callable[..., Any] | None = None
        # the carried layouts a checked iteration last started and ended with (or None)
        self._settled: list[Any] | None = None
        self._store: BlobStore = workspace.store
        self._contexts = op_contexts(self.steps)
        self._contexts_guard = False  # the guard setting the contexts were last told

    @property
    def deferred_outputs(self) -> list[str]:
        """Names of outputs the plan may leave as recipes (computed when looked up)."""
        return [s.outputs[k] for s in self.steps for k in s.deferrable]

    # ---- running ------------------------------------------------------------------------
    def run(self, num_iter: int = 1, check_finite: bool | None = None) -> None:
        """Run every op in order, ``num_iter`` times.

        Raises:
            OperatorError: an op failed (blobs written by earlier ops keep their values).
            DivergenceError: the guard is on and an op produced a NaN or infinity.
        """
        if type(num_iter) is not int:
            if isinstance(num_iter, bool) or not isinstance(num_iter, (int, np.integer)):
                raise TypeError(f"num_iter must be an int, got {num_iter!r}")
            num_iter = int(num_iter)
        keep = self._keep
        if keep is not None and not (
                self.check_finite if check_finite is None else check_finite):
            # the common case, a trusted net run again: straight to its function, which
            # returns False at once if a carried blob was replaced (then _run checks)
            try:
                if self._trusted_fn(self._store, num_iter, 0, keep) is not False:
                    return  # True: a trusted run; None: finished checked (see _resume)
            except Exception as exc:  # noqa: BLE001 - re-raised with context
                self._keep = None
                fn, lines = self._compiled["trusted"]
                self._fail(exc, fn, lines, self._store)
        self._keep = None  # untrusted until this run ends well
        guard = self.check_finite if check_finite is None else bool(check_finite)
        if guard is not self._contexts_guard:  # a trusted run never has the guard on
            for ctx in self._contexts:
                ctx.check_finite = guard
            self._contexts_guard = guard
        if guard:
            with fresh_outputs():
                self._run(self._store, num_iter, guard)
        else:
            self._run(self._store, num_iter, guard)

    def allow_trust(self, on: bool) -> None:
        """Turn trusted runs on (where the net allows them) or off; off also forgets the
        blobs remembered from the last run."""
        self.trust_layouts = self._trustable and bool(on)
        if not self.trust_layouts:
            self._keep = None

    @property
    def trusted(self) -> bool:
        """True when the next ``RunNet`` may take the trusted road (no layout checks),
        provided nobody has replaced a blob the net reads since its last run."""
        return self._keep is not None

    def _run(self, blobs: BlobStore, num_iter: int, guard: bool) -> None:
        if num_iter <= 0:
            return
        if guard or not self.trust_layouts:
            self._call(self._function(guard), blobs, num_iter, 0)
            return
        # checked iterations, one at a time, until two in a row leave every carried blob
        # laid out as they found it. The first call of an op with a new layout takes its
        # plain road and the second its fast one, so after the second such iteration every
        # op's last checked call saw exactly what the next iteration will show it: trust.
        it = 0
        while it < num_iter:
            blobs.materialize(self.carried)
            before = self._layouts(blobs)
            self._call(self._function(False), blobs, it + 1, it)
            it += 1
            if not _same_layouts(before, self._layouts(blobs)):
                self._settled = None
            elif _same_layouts(before, self._settled):
                break
            else:
                self._settled = before
        else:
            return
        self._settled = None
        keep = [blobs.raw.get(name) for name in self.carried]
        # what the plain ops' outputs looked like in the last checked iteration
        self._expected[:] = [layout_of(blobs.raw.get(self.steps[i].outputs[k]))
                             for i, k in self.guarded]
        fn, lines = self._function("trusted")
        self._trusted_fn = fn
        if it < num_iter:
            try:
                # cannot refuse (it wrote the carried blobs); None: a plain op's output
                # changed layout and the run finished checked
                if fn(blobs, num_iter, it, keep) is None:
                    return
            except Exception as exc:  # noqa: BLE001 - re-raised with context
                self._fail(exc, fn, lines, blobs)
        self._keep = keep

    def _resume(self, blobs: BlobStore, start: int, it: int, num_iter: int) -> None:
        """Called by the trusted function when the output of an op running its plain
        kernel comes out laid out differently from the last checked run (its shape
        followed a value). The ops after it might not expect that layout, so: stop
        trusting, finish iteration ``it`` op by op from step ``start`` with the checked
        kernels, then run the remaining iterations checked. Returns None (the trusted
        function returns it too)."""
        self._keep = None
        self._settled = None
        for step in self.steps[start:]:
            try:
                values = tuple([blobs[name] for name in step.inputs])
                outputs = split_outputs(step.op, step.fn(*values, **step.kwargs))
            except Exception as exc:  # noqa: BLE001 - re-raised with context
                raise operator_failure(step.op, step.index, self.name, blobs, exc,
                                       it) from exc
            for k, (name, value) in enumerate(zip(step.outputs, outputs)):
                if value is None and k in step.deferrable:
                    blobs.defer(name, step.recompute, values, k)
                else:
                    blobs[name] = value
        if it + 1 < num_iter:
            self._call(self._function(False), blobs, num_iter, it + 1)

    def _layouts(self, blobs: BlobStore) -> list[Any] | None:
        """What the ops' checks depend on, per carried blob (None if one is missing):
        an array's (shape, dtype, strides); any other object itself, in a list (it must
        stay the very same object, see :func:`_same_layouts`)."""
        out: list[Any] = []
        for name in self.carried:
            v = blobs.raw.get(name, _ABSENT)
            if v is _ABSENT:
                return None
            out.append((v.shape, v.dtype, v.strides) if type(v) is np.ndarray else [v])
        return out

    def _call(self, fn_lines: tuple[Callable[..., Any], dict[int, int]], blobs: BlobStore,
              num_iter: int, first: int) -> None:
        fn, lines = fn_lines
        try:
            fn(blobs, num_iter, first)
        except Exception as exc:  # noqa: BLE001 - re-raised with context
            self._fail(exc, fn, lines, blobs)

    def _fail(self, exc: Exception, fn: Callable[..., Any], lines: dict[int, int],
              blobs: BlobStore) -> None:
        index, it = _failure_site(exc, fn, lines)
        if index is None:
            raise exc
        step = self.steps[index]
        if isinstance(exc, _DivergedError):
            raise divergence_error(step.op, index, exc.k, exc.value, blobs, self.name, it) from None
        raise operator_failure(step.op, index, self.name, blobs, exc, it) from exc

    def source(self, check_finite: bool = False, trusted: bool = False) -> str:
        """The Python function ``RunNet`` executes for this net (``trusted=True``: the
        one it runs once the layouts are trusted)."""
        if trusted:
            return generate_trusted(self.steps, self.carried, self.guarded)[0]
        return generate(self.steps, self.carried, check_finite)[0]

    def _function(self, kind: bool | str) -> tuple[Callable[..., Any], dict[int, int]]:
        """The generated function: guard on (True), off (False) or ``"trusted"``."""
        entry = self._compiled.get(kind)
        if entry is not None:
            return entry
        trusted = kind == "trusted"
        text, lines, constants = (generate_trusted(self.steps, self.carried, self.guarded)
                                  if trusted
                                  else generate(self.steps, self.carried, kind is True))
        namespace: dict[str, Any] = {"_DivergedError": _DivergedError, "_nonfinite": nonfinite,
                                     "_pop": dict.pop, "_layout": layout_of,
                                     "_L": self._expected, "_resume": self._resume,
                                     "_get": dict.get}
        namespace.update(constants)
        label = " (trusted)" if trusted else ""
        code = compile(text, f"<graphlab plan {self.name!r}{label}>", "exec")
        exec(code, namespace)  # noqa: S102 - our own generated source
        entry = (namespace["_run"], lines)
        self._compiled[kind] = entry
        return entry


def op_contexts(steps: Sequence[Step]) -> list[OpContext]:
    """The :class:`OpContext` of each stateful step, in order."""
    return [s.plain_kwargs["ctx"] for s in steps if "ctx" in s.plain_kwargs]


def _failure_site(
    exc: BaseException, fn: Callable[..., Any], lines: dict[int, int]
) -> tuple[int | None, int]:
    """(step index, iteration) of the generated line where ``exc`` passed, if any."""
    code = fn.__code__
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is code:
            return lines.get(tb.tb_lineno), int(tb.tb_frame.f_locals.get("_it", 0))
        tb = tb.tb_next
    return None, 0


# ---- the divergence guard ---------------------------------------------------------------


class _DivergedError(Exception):
    """Internal: output ``k`` of the running op is not finite."""

    def __init__(self, k: int, value: Any) -> None:
        super().__init__(k)
        self.k = k
        self.value = value
