"""The backward-pass builder behind ``net.AddGradientOperators(ys)``.

The builder never computes a number. It reads the forward ops of a net and *appends more
ops* that compute the gradients, with Caffe2's blob names, so the backward pass can be
printed and drawn like the forward one. It works in three steps:

1. **Replay** the forward ops and give every blob a *version* (static single assignment):
   a blob that already exists and is written again gets version + 1. Each op remembers
   the versions it read and wrote; each ``(blob, version)`` remembers which ops read it.
2. **Seed** each ``y``: ``ConstantFill([y], [y + "_autogen_grad"], value=1.0)`` (ones
   shaped like ``y``), unless the caller names a gradient blob for it.
3. **Walk the ops in reverse.** An op none of whose outputs has a gradient is skipped.
   Otherwise its gradient maker (see :mod:`graphlab.registry`) returns gradient ops and
   one gradient name per input, normally ``<input>_grad``. Every input of those ops is
   checked against the versions of step 1 (a blob overwritten since the forward op read
   it would give a wrong gradient). When the walk reaches the *earliest* reader of a
   ``(blob, version)`` that several ops read and several of them produced a gradient
   for, the partial gradients are renamed ``_<name>_autosplit_<k>`` and a ``Sum`` adds
   them up into ``<name>``.

The result maps every blob that got a gradient (the loss and intermediates included) to
its gradient blob. Everything is iterative and uses ordered containers, so a 3000-op
chain works and the same net always gives the same op list.

Differences from Caffe2 (teaching choices):

* ``ys`` may be a single blob or name (Caffe2 raised ``TypeError``); a ``y`` that no op
  of the net reads or writes is an error instead of a silently broken seed.
* Failures raise :class:`~graphlab.errors.GradientError` (a ``RuntimeError``) naming the
  op type, its index in the net, the line of user code that created it, and the fix.
* Gradient ops are checked against their schema as soon as they are made, so a faulty
  gradient maker is reported at ``AddGradientOperators`` time, not at run time.
* Like Caffe2, a non-in-place ``StopGradient`` whose output no op reads is an error
  (:class:`StopGradientOrphanError`, also a ``ValueError``): its output is almost always
  meant to replace its input, ``StopGradient([b], [b])``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import GradientError, GraphlabError, did_you_mean, user_origin
from .nets import BlobVersions, blob_name
from .proto import DeviceOption, OperatorDef, make_argument
from .registry import (
    NO_GRADIENT,
    SECOND_SLOT_SUFFIX,
    SHOULD_NOT_DO_GRADIENT,
    GradientContext,
    check_operator,
    get_schema,
)

__all__ = [
    "StopGradientOrphanError",
    "build_backward",
    "seed_gradient_name",
]


class StopGradientOrphanError(GradientError, ValueError):
    """A non-in-place StopGradient's output is never read (Caffe2 raised ValueError)."""


def seed_gradient_name(y: str) -> str:
    """The blob that holds the seed gradient of ``y``: ``<y>_autogen_grad``."""
    return f"{y}_autogen_grad"


# ---- step 1: the forward replay ------------------------------------------------------


@dataclass
class _SSAOp:
    """One forward op with the version of every blob it read and wrote."""

    op: OperatorDef
    index: int  # position in the net (skipped ops included)
    in_versions: dict[str, int]
    out_versions: dict[str, int]


@dataclass
class _Generator:
    """Who produced one partial gradient of a (blob, version).

    ``op`` is None for a pass-through gradient (the maker reused an existing blob, as
    Add and Sum do); otherwise ``op.output[slot]`` is the partial gradient.
    """

    op: OperatorDef | None
    slot: int
    grad: str


@dataclass
class _Replay:
    """Versions of every blob after replaying the forward ops (Caffe2's ``IR``)."""

    ssa: list[_SSAOp] = field(default_factory=list)
    versions: BlobVersions = field(default_factory=BlobVersions)
    readers: dict[tuple[str, int], list[int]] = field(default_factory=dict)
    writers: dict[tuple[str, int], int] = field(default_factory=dict)

    @property
    def frontier(self) -> dict[str, int]:
        """The latest version of every blob seen so far."""
        return self.versions.current

    def play(self, op: OperatorDef, index: int) -> None:
        k = len(self.ssa)
        in_versions: dict[str, int] = {}
        for name in op.input:
            version = self.versions.read(name)
            in_versions[name] = version
            self.readers.setdefault((name, version), []).append(k)
        out_versions: dict[str, int] = {}
        for name in op.output:
            version = self.versions.write(name)
            out_versions[name] = version
            self.writers[(name, version)] = k
        self.ssa.append(_SSAOp(op, index, in_versions, out_versions))


def _where(entry: _SSAOp) -> str:
    origin = f", created at {entry.op.origin}" if entry.op.origin else ""
    return f"{entry.op.type} (op #{entry.index}: {entry.op.summary()}{origin})"


# ---- the builder ---------------------------------------------------------------------


class _Builder:
    """Builds the backward pass of a list of forward ops (one use only)."""

    def __init__(self, ops: Sequence[OperatorDef], offset: int) -> None:
        self.replay = _Replay()
        for i, op in enumerate(ops):
            self.replay.play(op, offset + i)
        self.gradient_frontier: dict[str, int] = {}
        self.generators: dict[tuple[str, int], list[_Generator]] = {}
        self.grad_of: dict[str, str | None] = {}
        self.grad_ops: list[OperatorDef] = []
        self.ys: list[str] = []

    # -- sanity checks ------------------------------------------------------------------
    def check_stop_gradient_orphans(self) -> None:
        read = {name: None for (name, _version) in self.replay.readers}
        for entry in self.replay.ssa:
            op = entry.op
            if op.type != "StopGradient" or not op.output or op.output[0] in read:
                continue
            out = op.output[0]
            raise StopGradientOrphanError(
                f"StopGradient's output {out!r} is never read by any op, so it stops nothing: "
                f"{_where(entry)}.\n  hint: you usually want the same blob as input and "
                f"output, e.g. net.StopGradient([{op.input[0]!r}], [{op.input[0]!r}]), or "
                f"let the following ops read {out!r}."
            )

    # -- step 2: seeds ------------------------------------------------------------------
    def seed(self, ys: dict[str, str | None]) -> None:
        n = len(self.replay.ssa)
        self.ys = list(ys)
        for y, g in ys.items():
            if y not in self.replay.frontier:
                known = list(self.replay.frontier)
                raise GradientError(
                    f"Cannot seed the gradient of {y!r}: no op of the net reads or writes it."
                    + did_you_mean(y, known)
                    + " Pass a blob the net computes, e.g. the loss: "
                    "net.AddGradientOperators([loss])."
                )
            seed_op = None
            if g is None:
                self.check_not_seeded_yet(y)
                seed_op = _new_op("ConstantFill", [y], [seed_gradient_name(y)], value=1.0)
                self.grad_ops.append(seed_op)
                g = seed_op.output[0]
            version = self.replay.frontier[y]
            self.grad_of[y] = g
            self.gradient_frontier[y] = version
            self.replay.readers.setdefault((y, version), []).append(n)  # a virtual reader
            self.generators.setdefault((y, version), []).append(_Generator(seed_op, 0, g))

    def check_not_seeded_yet(self, y: str) -> None:
        """Refuse a second backward pass for ``y`` (a notebook cell that ran twice).

        A second pass would append a full copy of the gradient ops: the net would do the
        backward work twice per run and every gradient op would appear twice in drawings.
        """
        seed = seed_gradient_name(y)
        for entry in self.replay.ssa:
            if entry.op.type == "ConstantFill" and list(entry.op.output) == [seed]:
                raise GradientError(
                    f"The net already has the backward pass for {y!r}: {_where(entry)} "
                    f"seeds {seed!r}, so AddGradientOperators was called on it before (did "
                    f"a notebook cell run twice?). A second call would append a second copy "
                    f"of every gradient op.\n  hint: keep the gradient map of the first call, "
                    f"or rebuild the net from scratch (core.Net(...) or a new ModelHelper) "
                    f"and call AddGradientOperators once."
                )

    # -- step 3: the reverse walk --------------------------------------------------------
    def walk(self) -> None:
        for k in range(len(self.replay.ssa) - 1, -1, -1):
            updates = self.gradients_for(k)
            self.grad_of.update(updates)
            self.accumulate(k)

    def gradients_for(self, k: int) -> dict[str, str | None]:
        entry = self.replay.ssa[k]
        op = entry.op
        g_output = [self.grad_of.get(name) for name in op.output]
        if all(g is None for g in g_output):
            return {}
        ops, g_input = self.make_gradient(entry, g_output)
        self.register_generators(k, ops, g_output, g_input)
        self.grad_ops.extend(ops)
        updates: dict[str, str | None] = {}
        for name, grad in zip(op.input, g_input):
            # None never erases a gradient found earlier, except for a blob the op also
            # writes (in place): that is how an in-place StopGradient removes its blob.
            if grad is not None or name not in self.grad_of or name in op.output:
                updates[name] = grad
        return updates

    def make_gradient(
        self, entry: _SSAOp, g_output: list[str | None]
    ) -> tuple[list[OperatorDef], list[str | None]]:
        op = entry.op
        grad = get_schema(op.type).grad
        if grad == NO_GRADIENT:
            return [], [None] * len(op.input)
        stop_hint = _stop_gradient_hint(op, self.ys)
        if grad == SHOULD_NOT_DO_GRADIENT:
            raise GradientError(
                f"One should not call gradient for operator {op.type}: the backward pass "
                f"reached {_where(entry)}, but {op.type} must not be differentiated.\n"
                f"  hint: {stop_hint}"
            )
        if not callable(grad):
            raise GradientError(
                f"No gradient is registered for operator {op.type}, and the backward pass "
                f"reached {_where(entry)}.\n  hint: {stop_hint} Or register a gradient: "
                f"register_op({op.type!r}, ..., grad=maker)."
            )
        try:
            ops, g_input = grad(GradientContext(op, g_output))
        except GraphlabError:
            raise
        except Exception as exc:  # noqa: BLE001 - re-raised with the op's context
            raise GradientError(
                f"Exception when creating the gradient for {_where(entry)}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        ops, g_input = list(ops), list(g_input)
        if len(g_input) != len(op.input):
            raise GradientError(
                f"The gradient maker of {op.type} returned {len(g_input)} input gradient(s) "
                f"for {len(op.input)} input(s) at {_where(entry)}; it must return one name "
                "(or None) per forward input."
            )
        for gop in ops:
            self.check_gradient_op(entry, gop)
        return ops, g_input

    def check_gradient_op(self, entry: _SSAOp, gop: OperatorDef) -> None:
        bad = [b for b in [*gop.input, *gop.output] if not isinstance(b, str)]
        if bad:
            raise GradientError(
                f"The gradient maker of {entry.op.type} made {gop.type} with a non-name blob "
                f"{bad[0]!r} (an output without a gradient?) at {_where(entry)}."
            )
        try:
            check_operator(gop)
        except (GraphlabError, AttributeError) as exc:
            raise GradientError(
                f"The gradient maker of {entry.op.type} made an invalid {gop.type} op for "
                f"{_where(entry)}:\n{exc}"
            ) from None

    # -- version checks and generators ---------------------------------------------------
    def register_generators(
        self,
        k: int,
        ops: list[OperatorDef],
        g_output: list[str | None],
        g_input: list[str | None],
    ) -> None:
        entry = self.replay.ssa[k]
        op = entry.op
        local: dict[str, None] = {}
        for gop in ops:
            for name in gop.input:
                self.check_input(k, name, g_output, local, gop)
            for name in gop.output:
                local[name] = None
            for slot, out in enumerate(gop.output):
                if out in g_input:
                    i = g_input.index(out)
                    key = (op.input[i], entry.in_versions[op.input[i]])
                    self.generators.setdefault(key, []).append(_Generator(gop, slot, out))
        for i, g in enumerate(g_input):
            if g is None or g in local:
                continue
            key = (op.input[i], entry.in_versions[op.input[i]])
            self.generators.setdefault(key, []).append(_Generator(None, 0, g))
        for i, g in enumerate(g_input):
            if g is not None:
                self.gradient_frontier[op.input[i]] = entry.in_versions[op.input[i]]

    def check_input(
        self,
        k: int,
        name: str,
        g_output: list[str | None],
        local: dict[str, None],
        gop: OperatorDef,
    ) -> None:
        entry = self.replay.ssa[k]
        op = entry.op
        if name in g_output:
            out = op.output[g_output.index(name)]
            want, have = entry.out_versions[out], self.gradient_frontier[out]
            if want != have:
                raise GradientError(
                    f"Gradient name {name!r} is expected to correspond to version {want} of "
                    f"{out!r}, but currently we have version {have}: {out!r} is written by "
                    f"more than one op and the gradient that reached {_where(entry)} belongs "
                    f"to another one.\n{self.history(out)}\n  hint: maybe the same output "
                    "blob is used twice for different ops (did a notebook cell run twice "
                    "and append its ops again?). Give each op its own output name, or "
                    "rebuild the net from scratch."
                )
        elif name in entry.out_versions:
            self.check_version(entry, name, entry.out_versions[name], "output", gop)
        elif name in entry.in_versions:
            self.check_version(entry, name, entry.in_versions[name], "input", gop)
        elif name not in local:
            raise GradientError(
                f"{gop.type}, made by the gradient maker of {_where(entry)}, reads "
                f"{name!r}, which is neither an input, an output or an output gradient of "
                "that op nor made by one of its other gradient ops."
            )

    def check_version(
        self, entry: _SSAOp, name: str, want: int, role: str, gop: OperatorDef
    ) -> None:
        have = self.replay.frontier[name]
        if want == have:
            return
        writer = self.replay.ssa[self.replay.writers[(name, want + 1)]]
        raise GradientError(
            f"Gradient operator {gop.type} needs {role} {name!r} of {_where(entry)} at "
            f"version {want}, but currently we have version {have}: {name!r} was overwritten "
            f"afterwards by {_where(writer)}, so the backward pass would use the wrong value."
            f"\n{self.history(name)}\n  hint: add ops that update {name!r} in place (e.g. "
            "WeightedSum, Iter) *after* net.AddGradientOperators(...), or write the new value "
            "to a blob with a new name."
        )

    def history(self, name: str, limit: int = 8) -> str:
        versions = [v for (b, v) in self.replay.writers if b == name]
        lines = [f"  version history of {name!r}:"]
        if versions and versions[0] != 0:
            lines.append("    version 0 comes from outside the net (an external input)")
        if len(versions) > limit:
            lines.append(f"    ... ({len(versions) - limit} earlier versions)")
            versions = versions[-limit:]
        for v in versions:
            writer = self.replay.ssa[self.replay.writers[(name, v)]]
            lines.append(f"    version {v} written by {_where(writer)}")
        return "\n".join(lines)

    # -- accumulation --------------------------------------------------------------------
    def accumulate(self, k: int) -> None:
        entry = self.replay.ssa[k]
        for name in dict.fromkeys(entry.op.input):
            key = (name, entry.in_versions[name])
            readers = self.replay.readers[key]
            if len(readers) <= 1 or readers[0] != k:
                continue
            generators = self.generators.get(key, [])
            if len(generators) < 2:
                continue
            total = self.sum_op(name, generators)
            self.grad_ops.append(total)
            self.grad_of[name] = total.output[0]

    def sum_op(self, name: str, generators: list[_Generator]) -> OperatorDef:
        base = next((g.op.output[g.slot] for g in generators if g.op is not None),
                    f"{name}_grad")
        parts: list[str] = []
        renamed = 0
        first = True
        for gen in generators:
            if gen.op is None:
                if gen.grad == base:
                    raise GradientError(
                        f"Cannot accumulate the gradients of {name!r}: the pass-through "
                        f"gradient {gen.grad!r} has the name the sum should get."
                    )
                parts.append(gen.grad)
            elif first:
                first = False
                parts.append(gen.op.output[gen.slot])
            else:
                # Caffe2's name: _<the op's output>_autosplit_<k>. A second-slot partial of
                # Op(X, X) is X_grad_from_B only because one op cannot write X_grad twice;
                # Caffe2 wrote X_grad twice, so its split name is _X_grad_autosplit_<k>.
                stem = gen.op.output[gen.slot].removesuffix(SECOND_SLOT_SUFFIX)
                new = f"_{stem}_autosplit_{renamed}"
                renamed += 1
                gen.op.output[gen.slot] = new
                parts.append(new)
        if base in parts:
            j = parts.index(base)
            parts[0], parts[j] = parts[j], parts[0]
        # Caffe2 marks the Sum ops its gradient builder adds (not as gradient ops)
        marker = DeviceOption(extra_info=["is_auto_gen_sum_ops:1"])
        return _new_op("Sum", parts, [base], device_option=marker)

    # -- result --------------------------------------------------------------------------
    def gradient_map(self) -> dict[str, str]:
        return {b: g for b, g in self.grad_of.items() if g is not None}


def _stop_gradient_hint(op: OperatorDef, ys: Sequence[str] = ()) -> str:
    if not op.output:
        return "Keep it off the path from the inputs to the loss."
    asked = [b for b in op.output if b in ys]
    if asked:
        return (
            f"You asked for the gradient of {asked[0]!r}, which {op.type} computes: that is "
            "something to watch (a metric), not something to train. Differentiate the loss "
            "instead, e.g. net.AddGradientOperators([loss])."
        )
    out = op.output[0]
    return (
        f"If no gradient needs to flow through it, stop the gradients before they reach it "
        f"by adding net.StopGradient([{out!r}], [{out!r}]) right after it."
    )


def _normalize_ys(ys: Any) -> dict[str, str | None]:
    if isinstance(ys, (str, bytes)):
        ys = [ys]
    if isinstance(ys, Mapping):
        out: dict[str, str | None] = {}
        for y, g in ys.items():
            out[blob_name(y)] = None if g is None else blob_name(g)
        return out
    if isinstance(ys, (list, tuple)):
        return {blob_name(y): None for y in ys}
    raise TypeError(
        f"ys should be a list of blobs, a dict {{blob: gradient blob or None}}, or one blob; "
        f"got {type(ys).__name__}: {ys!r}. E.g. net.AddGradientOperators([loss])."
    )


def _new_op(type: str, inputs: list[str], outputs: list[str],
            device_option: DeviceOption | None = None, **args: Any) -> OperatorDef:
    """An op the builder adds itself (a seed or a ``Sum``), checked like any other and
    attributed to the user's line that asked for the gradients."""
    op = OperatorDef(input=inputs, output=outputs, type=type, origin=user_origin(),
                     device_option=device_option,
                     arg=[make_argument(k, v) for k, v in args.items()])
    check_operator(op)
    return op


def build_backward(
    ops: Sequence[OperatorDef], ys: Any, offset: int = 0
) -> tuple[list[OperatorDef], dict[str, str]]:
    """The gradient ops for forward ``ops`` and the map ``{blob: gradient blob}``.

    Args:
        ops: the forward operators, in order (they are not modified).
        ys: blobs to differentiate: a list (each seeded with ones by a ``ConstantFill``
            into ``<y>_autogen_grad``), a dict ``{y: gradient blob or None}`` (a given
            blob is used as the gradient of ``y``; None means seed with ones), or one blob.
        offset: index of ``ops[0]`` in its net (used in error messages).

    Returns:
        The new operators (seed fills first, then the backward pass in reverse op order
        with ``Sum`` ops for accumulated gradients) and the gradient map.

    Raises:
        GradientError: an op on the path has no gradient, a blob needed by a gradient op
            was overwritten, or a gradient maker failed (the message names the op, its
            index, its creating line and the fix).
        TypeError: ``ys`` has an unsupported type.
    """
    wanted = _normalize_ys(ys)
    builder = _Builder(ops, offset)
    builder.check_stop_gradient_orphans()
    builder.seed(wanted)
    builder.walk()
    return builder.grad_ops, builder.gradient_map()
