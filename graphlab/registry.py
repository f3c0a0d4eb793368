"""The operator registry: one :class:`OpSchema` per operator type.

An operator is registered once, in one file under ``graphlab/ops/``, by decorating its
forward kernel::

    @register_op("Relu", inputs=1, outputs=1, inplace=[(0, 0)], grad=relu_grad)
    def relu(X: np.ndarray) -> np.ndarray:
        '''Y = max(0, X), elementwise.  X: any shape → Y: same shape.'''
        return np.maximum(X, 0)

Everything else is read from that one place:

* **inputs** are the kernel's positional parameters, in order;
* **arguments** are its keyword-only parameters: the type hint is the argument type
  (``float``, ``int``, ``bool``, ``str``, ``list[int]``, ``list[float]``, ``list[str]``,
  ``Any``; ``X | None`` for optional), the default is the default (no default means
  required);
* a keyword-only parameter named ``ctx`` receives the op's :class:`OpContext`
  (random generator, per-instance state) and makes the op *stateful*;
* the docstring is the op's documentation (formula and shapes);
* ``grad`` says how to differentiate it: a gradient maker (see
  :class:`GradientContext`), :data:`NO_GRADIENT` (inputs get no gradient, silently) or
  :data:`SHOULD_NOT_DO_GRADIENT` (reaching it in a backward pass is an error). ``None``
  means "no gradient registered", which is also an error when the builder reaches it.
"""

from __future__ import annotations

import inspect
import os
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from .errors import ArgumentError, GraphlabError, UnknownOperatorError, did_you_mean
from .proto import Argument, OperatorDef, make_argument

if TYPE_CHECKING:
    from .workspace import Workspace

__all__ = [
    "NO_GRADIENT",
    "SECOND_SLOT_SUFFIX",
    "SHOULD_NOT_DO_GRADIENT",
    "ArgSpec",
    "GradientContext",
    "OpContext",
    "OpSchema",
    "all_schemas",
    "check_operator",
    "get_schema",
    "has_op",
    "op_family",
    "op_names",
    "register_op",
]

NO_GRADIENT = "NO_GRADIENT"
"""The op has no gradient: the builder stops here and its inputs get none."""

SHOULD_NOT_DO_GRADIENT = "SHOULD_NOT_DO_GRADIENT"

#: Suffix of the second partial gradient of an op that reads one blob in two slots
#: (``Mul(X, X)`` writes ``X_grad`` and ``X_grad_from_B``: an op's outputs are distinct).
#: The gradient builder renames it to Caffe2's ``_X_grad_autosplit_<k>`` when it sums them.
SECOND_SLOT_SUFFIX = "_from_B"
"""Differentiating through the op is a mistake (e.g. Accuracy, Print)."""

#: Keyword arguments Caffe2 accepted on every op that graphlab accepts and ignores.
FRAMEWORK_ARGS = ("engine", "order", "use_cudnn", "cudnn_exhaustive_search", "ws_nbytes_limit")

_REGISTRY: dict[str, OpSchema] = {}


class _Required:
    def __repr__(self) -> str:
        return "<required>"


REQUIRED = _Required()


@dataclass
class ArgSpec:
    """One argument of an op: its name, Python type, default, and whether it may be None."""

    name: str
    kind: Any
    default: Any
    optional: bool = False

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def type_name(self) -> str:
        base = getattr(self.kind, "__name__", None) if not _is_list(self.kind) else None
        if base is None:
            base = str(self.kind).replace("typing.", "")
        return f"{base} | None" if self.optional else base

    def coerce(self, op_type: str, value: Any) -> Any:
        """Check ``value`` against this argument's type and convert it (ints → floats ...).

        Raises:
            ArgumentError: the value cannot be read as this argument's type.
        """
        if value is None and self.optional:
            return None
        kind = self.kind
        if kind is Any or type(value) is kind:  # already of its type: the common case
            return value
        ok, converted = _convert(kind, value)
        if ok:
            return converted
        raise ArgumentError(
            f"{op_type}: argument {self.name!r} expects {self.type_name()}, got "
            f"{value!r} ({type(value).__name__})."
            + _coercion_hint(kind, value)
        )


def _is_list(kind: Any) -> bool:
    return typing.get_origin(kind) is list


def _convert(kind: Any, value: Any) -> tuple[bool, Any]:
    if _is_list(kind):
        (item,) = typing.get_args(kind)
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, range)):
            return False, None
        out = []
        for v in value:
            ok, c = _convert(item, v)
            if not ok:
                return False, None
            out.append(c)
        return True, out
    if kind is float:
        if isinstance(value, (float, int)) and not isinstance(value, bool):
            return True, float(value)
        return False, None
    if kind is bool:
        if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
            return True, bool(value)
        return False, None
    if kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return True, int(value)
        if isinstance(value, bool):
            return True, int(value)
        return False, None
    if kind is str:
        if isinstance(value, str):
            return True, value
        return False, None
    return (isinstance(value, kind), value)


def _coercion_hint(kind: Any, value: Any) -> str:
    if kind is int and isinstance(value, float) and float(value).is_integer():
        return f" Write it as an integer: {int(value)}."
    if _is_list(kind) and not isinstance(value, (list, tuple)):
        (item,) = typing.get_args(kind)
        if isinstance(value, str) and item is not str:
            parts = value.replace(",", " ").replace("[", " ").replace("]", " ").split()
            try:
                parsed = [item(p) for p in parts]
            except (TypeError, ValueError):
                parsed = []
            example = repr(parsed) if parsed else f"[{item.__name__}, ...]"
            return f" Give a list of {item.__name__}, not a string, e.g. {example}."
        return f" Give a list, e.g. [{value!r}]."
    return ""


class OpContext:
    """Per-instance state handed to a stateful kernel (one per operator *instance*).

    ``CreateNet`` makes one context per op and keeps it across ``RunNet`` calls (so a
    filler's random stream continues); ``RunNetOnce`` makes fresh ones every call.
    Kernels use its public attributes and methods only.

    Attributes:
        op: the OperatorDef being run.
        index: the op's position in its net.
        persistent: True when the op lives in a net made by ``CreateNet``.
        state: free per-instance storage (e.g. ``run_once`` bookkeeping).
        check_finite: True while the run has the divergence guard on. The engine checks
            an op's outputs; an op that writes blobs it does not list as outputs (``Load``
            with ``load_all=1``) checks those itself, before writing any.
    """

    __slots__ = ("_rng", "_seed", "_workspace", "check_finite", "index", "op", "persistent",
                 "state")

    def __init__(
        self,
        op: OperatorDef,
        index: int,
        workspace: Workspace | None,
        persistent: bool,
        seed: int | Callable[[], int | np.random.Generator] | None = None,
    ) -> None:
        self.op = op
        self.index = index
        self.persistent = persistent
        self.state: dict[str, Any] = {}
        self._workspace = workspace
        self._seed = seed
        self._rng: np.random.Generator | None = None
        self.check_finite = False

    @property
    def rng(self) -> np.random.Generator:
        """This op instance's random generator, made on first use.

        ``seed`` is an int, None (fresh entropy) or a callable returning either a seed or a
        ready Generator (the workspace decides which; see ``Workspace.op_seed``).
        """
        if self._rng is None:
            seed = self._seed() if callable(self._seed) else self._seed
            if isinstance(seed, np.random.Generator):
                self._rng = seed
            else:
                self._rng = np.random.default_rng(seed)
        return self._rng

    @property
    def workspace(self) -> Workspace | None:
        """The workspace running the op (None for a context made outside one). Kernels
        need it rarely; prefer the methods below, which say what they touch."""
        return self._workspace

    def current_output(self, k: int = 0) -> Any:
        """What output ``k``'s blob holds now (None if it does not exist): for ops that
        keep their output between runs (``Iter`` without input, ``run_once`` fillers)."""
        if self._workspace is None:
            return None
        return self._workspace.store.get(self.op.output[k])

    def write_blob(self, name: str, value: Any) -> None:
        """Store ``value`` as blob ``name``, for an op that writes blobs it does not list as
        outputs (``Load`` with ``load_all=1``)."""
        if self._workspace is None:
            raise GraphlabError(f"{self.op.type}: no workspace to write blob {name!r} into")
        self._workspace.store[name] = value

    @property
    def root_folder(self) -> str:
        """The folder relative file names are read from and written to: the workspace's
        root folder (``ResetWorkspace(root_folder)``), else the working directory."""
        root = self._workspace.root_folder if self._workspace is not None else None
        return root or os.getcwd()


class GradientContext:
    """What a gradient maker sees: the forward op and its output gradients.

    Mirrors Caffe2's GradientMaker helpers: ``I(i)``/``O(i)`` are forward input/output
    names, ``GO(i)`` the gradient blob of output ``i`` (None if none), ``GI(i)`` the
    conventional gradient name of input ``i`` (``<input>_grad``). :meth:`op` makes a
    gradient operator that copies the forward op's arguments and creating line.
    """

    def __init__(self, op: OperatorDef, g_output: Sequence[str | None]) -> None:
        self.forward = op
        self.g_output = list(g_output)

    def I(self, i: int) -> str:  # noqa: E743, N802 - Caffe2's names
        return self.forward.input[i]

    def O(self, i: int) -> str:  # noqa: E743, N802
        return self.forward.output[i]

    def GO(self, i: int) -> str | None:  # noqa: N802
        return self.g_output[i]

    def GI(self, i: int) -> str:  # noqa: N802
        return self.forward.input[i] + "_grad"

    def op(
        self,
        type: str,
        inputs: Sequence[str],
        outputs: Sequence[str],
        copy_args: bool = True,
        **args: Any,
    ) -> OperatorDef:
        """A gradient OperatorDef (``is_gradient_op`` set) with the forward args copied."""
        arg_list = [Argument(**vars(a)) for a in self.forward.arg] if copy_args else []
        names = {a.name for a in arg_list}
        for k, v in args.items():
            if k in names:
                arg_list = [a for a in arg_list if a.name != k]
            arg_list.append(make_argument(k, v))
        return OperatorDef(
            input=list(inputs),
            output=list(outputs),
            type=type,
            arg=arg_list,
            device_option=self.forward.device_option,
            engine=self.forward.engine,
            is_gradient_op=True,
            origin=self.forward.origin,
        )


GradientMaker = Callable[[GradientContext], tuple[list[OperatorDef], list[str | None]]]


@dataclass
class OpSchema:
    """Everything graphlab knows about one operator type."""

    type: str
    kernel: Callable[..., Any]
    doc: str
    n_inputs: tuple[int, int | None]
    n_outputs: tuple[int, int | None]
    args: dict[str, ArgSpec]
    inplace: list[tuple[int, int]] | str
    enforce_inplace: list[tuple[int, int]]
    grad: GradientMaker | str | None
    stateful: bool
    check_arity: Callable[[int, int], str | None] | None = None
    family: str = ""
    arg_prefixes: tuple[str, ...] = ()
    check_args: Callable[[dict[str, Any]], str | None] | None = None
    shape_from_values: bool | Callable[[dict[str, Any], int], bool] = False
    #: arguments already parsed, by their values (see :meth:`parse_args`)
    _parsed: dict[tuple[Any, ...], tuple[dict[str, Any], list[str]]] = field(
        default_factory=dict, repr=False, compare=False)

    def layout_from_values(self, args: dict[str, Any], n_inputs: int) -> bool:
        """True if this op's output shapes or dtypes may depend on input *values* or on
        state outside its inputs, not only on its input shapes, dtypes and arguments
        (``Reshape`` with a ``new_shape`` input, a filler with ``input_as_shape=1`` or
        ``run_once=1``, ``Iter`` without an input, ``Load``). A created
        net holding such an op checks every op's inputs on every run (see
        :class:`graphlab.fast.plan.Plan`)."""
        rule = self.shape_from_values
        return bool(rule(args, n_inputs)) if callable(rule) else bool(rule)

    # ---- arity ---------------------------------------------------------------------
    @staticmethod
    def _range_text(lo: int, hi: int | None) -> str:
        if hi == lo:
            return str(lo)
        if hi is None:
            return f"at least {lo}"
        return f"{lo} to {hi}"

    def arity_error(self, n_in: int, n_out: int) -> str | None:
        """A sentence describing what is wrong with the input/output counts, or None."""
        lo, hi = self.n_inputs
        if n_in < lo or (hi is not None and n_in > hi):
            return (
                f"{self.type} takes {self._range_text(lo, hi)} input(s) "
                f"({', '.join(self.input_names()) or 'none'}), got {n_in}."
            )
        lo, hi = self.n_outputs
        if n_out < lo or (hi is not None and n_out > hi):
            return f"{self.type} produces {self._range_text(lo, hi)} output(s), got {n_out}."
        if self.check_arity is not None:
            return self.check_arity(n_in, n_out)
        return None

    def input_names(self) -> list[str]:
        """Names of the kernel's positional parameters (the documented inputs)."""
        names = []
        for p in inspect.signature(self.kernel).parameters.values():
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
                names.append(p.name)
            elif p.kind is p.VAR_POSITIONAL:
                names.append(f"*{p.name}")
        return names

    # ---- in-place --------------------------------------------------------------------
    def inplace_error(self, inputs: Sequence[str], outputs: Sequence[str]) -> str | None:
        """Explain an illegal in-place use (or a missing required one), else None."""
        for i, o in self.enforce_inplace:
            if i < len(inputs) and o < len(outputs) and inputs[i] != outputs[o]:
                return (
                    f"{self.type} must run in place: input #{i} ({inputs[i]!r}) and output "
                    f"#{o} ({outputs[o]!r}) must be the same blob, e.g. "
                    f"{self.type}([{inputs[i]!r}], [{inputs[i]!r}])."
                )
        for o, out in enumerate(outputs):
            for i, inp in enumerate(inputs):
                if inp != out:
                    continue
                pair = (i, o)
                if self.inplace == "all" or pair in self.inplace or pair in self.enforce_inplace:
                    continue
                allowed = self._allowed_inplace_text()
                return (
                    f"{self.type} cannot write its output #{o} into its input #{i} ({out!r}) in "
                    f"place. {allowed} Give the output a new name, e.g. {out + '_out'!r}."
                )
        seen: list[str] = []
        for out in outputs:
            if out in seen:
                return f"{self.type} lists output {out!r} twice; each output needs its own blob."
            seen.append(out)
        return None

    def _allowed_inplace_text(self) -> str:
        if not self.inplace and not self.enforce_inplace:
            return f"{self.type} does not support in-place computation."
        pairs = [*self.inplace, *self.enforce_inplace] if self.inplace != "all" else []
        text = ", ".join(f"input #{i} → output #{o}" for i, o in pairs)
        return f"{self.type} allows in-place only as {text}."

    # ---- arguments -------------------------------------------------------------------
    def parse_args(self, op_args: Sequence[Argument]) -> dict[str, Any]:
        """Validate an op's Arguments and return ``{name: value}`` with defaults filled in.

        The result is a new dict (with new lists) on every call. Arguments with the same
        values as an earlier call are parsed once and remembered (a net run again and
        again by ``RunNetOnce`` parses each op's arguments only the first time).

        Raises:
            ArgumentError: unknown (with suggestions), mistyped or missing arguments.
        """
        key = _values_key(op_args)
        entry = self._parsed.get(key) if key is not None else None
        if entry is None:
            parsed = self._parse_args(op_args)
            entry = (parsed, [k for k, v in parsed.items() if type(v) is list])
            if key is not None:
                if len(self._parsed) >= _PARSED_MAX:
                    self._parsed.clear()
                self._parsed[key] = entry
        fresh = dict(entry[0])
        for k in entry[1]:
            fresh[k] = list(fresh[k])
        return fresh

    def _parse_args(self, op_args: Sequence[Argument]) -> dict[str, Any]:
        given: dict[str, Any] = {}
        for a in op_args:
            if a.name in FRAMEWORK_ARGS and a.name not in self.args:
                continue
            if a.name not in self.args and a.name.startswith(self.arg_prefixes or ("\0",)):
                given[a.name] = a.value  # a documented family of dynamic names (no schema)
                continue
            if a.name not in self.args:
                known = ", ".join(self.args) or "none"
                raise ArgumentError(
                    f"{self.type} has no argument {a.name!r}."
                    + did_you_mean(a.name, self.args)
                    + f" Its arguments are: {known}."
                )
            given[a.name] = self.args[a.name].coerce(self.type, a.value)
        values = {}
        for name, spec in self.args.items():
            if name in given:
                values[name] = given[name]
            elif spec.required:
                raise ArgumentError(
                    f"{self.type} needs the argument {name!r} ({spec.type_name()}), e.g. "
                    f"{self.type}(..., {name}=...)."
                )
            else:
                values[name] = spec.default
        for name, value in given.items():
            if name not in self.args:
                values[name] = value
        if self.check_args is not None:
            problem = self.check_args(values)
            if problem is not None:
                raise ArgumentError(f"{self.type}: {problem}")
        return values

    def signature_text(self) -> str:
        """``FC(X, W, b, *, axis=1, axis_w=1)``: how to call the op, for docs and errors."""
        params = ", ".join(self.input_names())
        args = ", ".join(
            f"{n}" if s.required else f"{n}={s.default!r}" for n, s in self.args.items()
        )
        return f"{self.type}({params}{', *, ' + args if args else ''})"

    @property
    def differentiable(self) -> bool:
        return callable(self.grad)


#: distinct argument sets remembered per op type (the memo is cleared when full)
_PARSED_MAX = 1024


def _values_key(op_args: Sequence[Argument]) -> tuple[Any, ...] | None:
    """A hashable copy of the arguments' names and values (None with nested nets).

    Two keys are equal only for the same values: ``0.0`` and ``-0.0`` compare equal, so a
    zero also goes in as text; an int goes in with its type (``True == 1``); float lists go
    in as text.
    """
    key: list[Any] = []
    for a in op_args:
        if a.n is not None or a.nets:
            return None
        key += (a.name, a.f, a.i, type(a.i), a.s)
        if a.f == 0.0:
            key.append(str(a.f))
        if a.floats or a.ints or a.strings:
            key += (tuple(map(repr, a.floats)), tuple(a.ints), tuple(a.strings))
    return tuple(key)


def _arg_specs(
    kernel: Callable[..., Any],
) -> tuple[dict[str, ArgSpec], bool, tuple[int, int | None]]:
    sig = inspect.signature(kernel)
    hints = typing.get_type_hints(kernel)
    args: dict[str, ArgSpec] = {}
    stateful = False
    n_pos = 0
    var_pos = False
    for p in sig.parameters.values():
        if p.kind is p.KEYWORD_ONLY:
            if p.name == "ctx":
                stateful = True
                continue
            kind = hints.get(p.name, Any)
            optional = False
            origin = typing.get_origin(kind)
            if origin in (Union, types.UnionType):
                members = [m for m in typing.get_args(kind) if m is not type(None)]
                optional = len(members) != len(typing.get_args(kind))
                kind = members[0] if len(members) == 1 else Any
            default = REQUIRED if p.default is p.empty else p.default
            args[p.name] = ArgSpec(p.name, kind, default, optional)
        elif p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            n_pos += 1
        elif p.kind is p.VAR_POSITIONAL:
            var_pos = True
    n_inputs = (n_pos, None if var_pos else n_pos)
    return args, stateful, n_inputs


def register_op(
    type: str,
    *,
    inputs: int | tuple[int, int | None] | None = None,
    outputs: int | tuple[int, int | None] = 1,
    inplace: Sequence[tuple[int, int]] | str = (),
    enforce_inplace: Sequence[tuple[int, int]] = (),
    grad: GradientMaker | str | None = None,
    check_arity: Callable[[int, int], str | None] | None = None,
    doc: str | None = None,
    arg_prefixes: Sequence[str] = (),
    check_args: Callable[[dict[str, Any]], str | None] | None = None,
    shape_from_values: bool | Callable[[dict[str, Any], int], bool] = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``kernel`` as operator ``type`` (see the module docstring).

    Args:
        inputs: input count, or ``(min, max)`` with ``max=None`` for unbounded. By default
            it is read from the kernel's positional parameters (optional inputs are
            positional parameters with a default of None).
        outputs: output count or ``(min, max)``. The kernel returns one array, or a tuple
            with one array per output.
        inplace: allowed ``(input_index, output_index)`` pairs, or ``"all"``.
        enforce_inplace: pairs that *must* be the same blob (Iter's counter).
        grad: gradient maker, ``NO_GRADIENT`` or ``SHOULD_NOT_DO_GRADIENT``.
        check_arity: extra ``(n_in, n_out) -> error text or None`` rule (e.g. pairs).
        doc: documentation (default: the kernel's docstring).
        arg_prefixes: argument-name prefixes accepted without a schema entry and passed to
            the kernel's ``**kwargs`` untyped (LearningRate's ``sub_policy_<i>_<name>``).
        check_args: ``(parsed args) -> error text or None``, run whenever the arguments
            are parsed (at op creation and at compile), for rules between values
            (e.g. ``min < max``).
        shape_from_values: True, or ``(parsed args, input count) -> bool``, when an output's
            shape or dtype can depend on input values or on state outside its inputs
            (files, its own output blob) rather than only on input shapes, dtypes and
            arguments. Such an op keeps a created net checking every op on every run (no
            trusted runs, see ``graphlab.fast.plan``). Only ops with a compiled form
            (``graphlab/fast/ops.py``) must say so: a plain op's outputs are checked after
            it in trusted runs anyway, so leaving it out is never wrong, only slower.
    """

    def decorate(kernel: Callable[..., Any]) -> Callable[..., Any]:
        if type in _REGISTRY:
            raise ValueError(f"operator {type!r} is registered twice")
        args, stateful, sig_inputs = _arg_specs(kernel)
        if inputs is None:
            sig = inspect.signature(kernel)
            n_required = sum(
                1
                for p in sig.parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
            )
            n_in = (n_required, sig_inputs[1])
        else:
            n_in = (inputs, inputs) if isinstance(inputs, int) else inputs
        n_out = (outputs, outputs) if isinstance(outputs, int) else outputs
        _REGISTRY[type] = OpSchema(
            type=type,
            kernel=kernel,
            doc=inspect.cleandoc(doc or kernel.__doc__ or ""),
            n_inputs=n_in,
            n_outputs=n_out,
            args=args,
            inplace=inplace if isinstance(inplace, str) else list(inplace),
            enforce_inplace=list(enforce_inplace),
            grad=grad,
            stateful=stateful,
            check_arity=check_arity,
            family=kernel.__module__.rsplit(".", 1)[-1],
            arg_prefixes=tuple(arg_prefixes),
            check_args=check_args,
            shape_from_values=shape_from_values,
        )
        kernel.schema = _REGISTRY[type]  # type: ignore[attr-defined]
        return kernel

    return decorate


def has_op(type: str) -> bool:
    """True if ``type`` is a registered operator."""
    return type in _REGISTRY


def get_schema(type: str) -> OpSchema:
    """The schema of ``type``.

    Raises:
        UnknownOperatorError: (an ``AttributeError`` and a ``RuntimeError``) unknown op
            type, with close-name suggestions.
    """
    try:
        return _REGISTRY[type]
    except KeyError:
        raise UnknownOperatorError(
            f"{type!r} is not a registered operator." + did_you_mean(type, _REGISTRY)
            + " See graphlab.registry.op_names() for the full list."
        ) from None


def op_family(type: str) -> str:
    """The family of op ``type``: the name of its file in ``graphlab/ops/`` (``"nn"`` for
    FC, ``"train"`` for Iter, LearningRate and the optimizers' update ops); ``""`` for a
    type graphlab does not know (a net read from a Caffe2 file may hold one)."""
    schema = _REGISTRY.get(type)
    return schema.family if schema is not None else ""


def op_names() -> list[str]:
    """All registered op types, sorted."""
    return sorted(_REGISTRY)


def all_schemas() -> list[OpSchema]:
    """Every registered schema, sorted by type."""
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def check_operator(op: OperatorDef) -> None:
    """Check an OperatorDef against its schema (counts, in-place, arguments).

    Raises:
        AttributeError: unknown op type.
        ArgumentError: anything else, with the creating line in the message.
    """
    schema = get_schema(op.type)
    where = f"\n  created at {op.origin}" if op.origin else ""
    problem = schema.arity_error(len(op.input), len(op.output))
    if problem is not None:
        problem += _comma_name_hint(op)
    if problem is None:
        problem = schema.inplace_error(op.input, op.output)
    if problem is not None:
        raise ArgumentError(
            f"{problem}\n  op: {op.summary()}{where}\n  usage: {schema.signature_text()}"
        )
    try:
        schema.parse_args(op.arg)
    except ArgumentError as e:
        raise ArgumentError(f"{e}\n  op: {op.summary()}{where}") from None


def _comma_name_hint(op: OperatorDef) -> str:
    """For a wrong blob count: point out a blob name that looks like several names."""
    for kind, names in (("input", op.input), ("output", op.output)):
        for name in names:
            parts = [p.strip() for p in name.split(",")]
            if len(parts) > 1 and all(parts):
                return (
                    f" Note: the {kind} {name!r} is ONE blob name containing commas; "
                    f"give several blobs as a list: {parts!r}."
                )
    return ""
