"""Nets of named operators, built Caffe2-style: ``net.FC([X, W, b], "Y")``.

Nothing runs while a net is built: each call appends an :class:`OperatorDef` to the
net's :class:`NetDef`. A :mod:`graphlab.workspace` runs it later. graphlab checks each
op as it is created (op type, input/output counts, argument names and types, in-place
use) so mistakes surface on the line that made them; Caffe2 only noticed at run time.
"""

from __future__ import annotations

import copy
import itertools
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

from . import capi as C  # noqa: N812 - Caffe2's name for its C++ module
from . import pyfunc
from .errors import (
    ArgumentError,
    RepeatedOpWarning,
    did_you_mean,
    user_origin,
    user_stacklevel,
)
from .flags import caffe2_flags
from .gradients import build_backward
from .nets import blob_name, updated_param
from .proto import MAX_NESTING, DataType, NetDef, OperatorDef, make_argument, nesting_depth
from .proto import DeviceOption as DeviceOptionProto
from .registry import check_operator, get_schema, has_op, op_names

__all__ = [
    "C", "BlobReference", "CreateOperator", "DataType", "DeviceOption", "GlobalInit", "Net",
    "ScopedBlobReference", "caffe2_flags",
]

def GlobalInit(args: Sequence[str]) -> None:  # noqa: N802 - Caffe2's name
    """Accept Caffe2's command-line flags, as ``core.GlobalInit(["caffe2", "--flag=v"])``.

    Caffe2 used the flags to set up its C++ runtime (log level, thread pools,
    allocators). graphlab has no C++ runtime, so it changes nothing and warns, naming the
    flags it ignored. See :func:`caffe2_flags` for what is refused.
    """
    ignored = caffe2_flags(args)
    if ignored:
        warnings.warn(
            f"GlobalInit: graphlab has no C++ runtime to configure and ignores "
            f"{', '.join(ignored)}.",
            stacklevel=2,
        )


def DeviceOption(  # noqa: N802 - Caffe2's name
    device_type: int,
    device_id: int = 0,
    random_seed: int | None = None,
    node_name: str | None = None,
) -> DeviceOptionProto:
    """A device option, as Caffe2 user code writes it: ``core.DeviceOption(caffe2_pb2.CPU)``.

    graphlab runs every op on the CPU: ``device_type`` and ``device_id`` are recorded and
    printed (``device_option { device_type: 0 device_id: 0 }``) but change nothing;
    ``random_seed`` seeds the op's random generator.
    """
    return DeviceOptionProto(device_type=int(device_type), device_id=int(device_id),
                             random_seed=random_seed, node_name=node_name)


#: Keywords of ``CreateOperator`` that configure the OperatorDef instead of becoming args.
_OP_FIELDS = ("name", "control_input", "device_option", "arg", "engine", "random_seed")


def CreateOperator(  # noqa: N802 - Caffe2's name
    operator_type: str,
    inputs: str | BlobReference | Sequence[str | BlobReference],
    outputs: str | BlobReference | Sequence[str | BlobReference],
    name: str = "",
    control_input: Sequence[str] | None = None,
    device_option: DeviceOptionProto | None = None,
    arg: Sequence[Any] | None = None,
    engine: str | None = None,
    random_seed: int | None = None,
    **kwargs: Any,
) -> OperatorDef:
    """Make one checked :class:`OperatorDef` (not added to any net).

    Keyword arguments become typed Arguments (float → ``f``, int/bool → ``i``, str → ``s``,
    lists → ``floats``/``ints``/``strings``). The op is checked against its schema now:
    unknown op type (``AttributeError`` with suggestions), wrong number of inputs or
    outputs, unknown, misspelt, missing or mistyped arguments, and illegal in-place use
    all raise :class:`~graphlab.errors.ArgumentError` naming the op and the fix.
    """
    get_schema(operator_type)  # unknown op type: AttributeError with suggestions
    op = OperatorDef(
        input=[str(b) for b in _as_list(inputs)],
        output=[str(b) for b in _as_list(outputs)],
        name=name or "",
        type=operator_type,
        control_input=[str(c) for c in (control_input or [])],
        device_option=device_option,
        engine=engine,
        origin=user_origin(),
    )
    if random_seed is not None:
        op.device_option = copy.copy(op.device_option) or DeviceOptionProto()
        op.device_option.random_seed = int(random_seed)
    for k, v in kwargs.items():
        try:
            op.arg.append(make_argument(k, v))
        except TypeError as e:
            raise ArgumentError(f"{operator_type}: {e}") from None
    if arg:
        op.arg.extend(arg)
    check_operator(op)
    return op


def _as_list(blobs: Any) -> list[Any]:
    if blobs is None:
        return []
    if isinstance(blobs, (str, bytes, BlobReference)):
        return [blob_name(blobs) if isinstance(blobs, bytes) else blobs]
    if isinstance(blobs, (list, tuple)):
        out = []
        for k, b in enumerate(blobs):
            if isinstance(b, bytes):
                b = blob_name(b)
            if not isinstance(b, (str, BlobReference)):
                raise TypeError(
                    f"I/O blob #{k} has unsupported type {type(b).__name__} ({b!r}); "
                    "use blob names (str) or BlobReferences."
                )
            out.append(b)
        return out
    raise TypeError(
        f"Unknown input/output type {type(blobs).__name__} ({blobs!r}); use a blob name, "
        "a BlobReference, or a list of them."
    )


class BlobReference(str):
    """The name of a blob, plus the net that made it.

    It *is* a ``str`` (so ``gradient_map["W"]``, ``"W" in gradient_map`` and printing all
    work), and calling an op on it adds that op to the blob's net with the blob as first
    input: ``X.FC([W, b], "Y")`` is ``net.FC([X, W, b], "Y")``.
    """

    _from_net: Net | None
    meta: dict[str, Any]

    def __new__(cls, name: str | bytes, net: Net | None = None) -> BlobReference:
        if isinstance(name, bytes):
            name = blob_name(name)
        self = super().__new__(cls, name)
        self._from_net = net
        self.meta = {}
        return self

    def __repr__(self) -> str:
        return f'BlobReference("{str(self)}")'

    def __str__(self) -> str:
        return str.__str__(self)

    def __add__(self, other: Any) -> BlobReference:  # type: ignore[override]
        if not isinstance(other, str):
            raise RuntimeError(f"Cannot add BlobReference to a non-string: {other!r}")
        return BlobReference(str(self) + other, self._from_net)

    def __radd__(self, other: Any) -> BlobReference:
        if not isinstance(other, str):
            raise RuntimeError(f"Cannot add a non-string to BlobReference: {other!r}")
        return BlobReference(other + str(self), self._from_net)

    def Net(self) -> Net | None:  # noqa: N802
        """The net that created this reference (None for gradient-map entries)."""
        return self._from_net

    def GetNameScope(self) -> str:  # noqa: N802
        """The name up to and including the last ``/`` (``"gpu_0/W"`` → ``"gpu_0/"``)."""
        return str(self)[: str(self).rfind("/") + 1]

    def __getattr__(self, op_type: str) -> Any:
        if op_type.startswith("__"):
            raise AttributeError(op_type)
        if not has_op(op_type):
            raise AttributeError(
                f"Method {op_type} is not a registered operator."
                + did_you_mean(op_type, op_names())
            )
        net = self._from_net
        if net is None:
            raise RuntimeError(
                f"Blob {str(self)!r} has no net (gradient-map entries and BlobReferences "
                f"made by hand have none), so {op_type} cannot be added through it. Call it "
                "on the net "
                f"instead: net.{op_type}([{str(self)!r}, ...], ...)."
            )

        def method(inputs: Any = None, outputs: Any = None, **kwargs: Any) -> Any:
            if inputs is None:
                inputs = []
            elif isinstance(inputs, (str, bytes)):
                inputs = [inputs]
            elif isinstance(inputs, tuple):
                raise AttributeError(
                    f"{op_type}: pass the other inputs as a list, not a tuple, when calling "
                    "an op on a blob (Caffe2 inserts the blob into that list)."
                )
            inputs.insert(0, self)
            return getattr(net, op_type)(inputs, outputs, **kwargs)

        method.__name__ = op_type
        method.__doc__ = get_schema(op_type).doc
        return method

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(op_names()))

    def __reduce__(self) -> Any:
        return (BlobReference, (str(self),))


def ScopedBlobReference(name: str, net: Net | None = None) -> BlobReference:  # noqa: N802
    """A BlobReference (graphlab has no name scopes; kept for Caffe2 code)."""
    return BlobReference(name, net)


class Net:
    """A net under construction: ``Net("train")``, then ``net.OpType(inputs, outputs, **args)``.

    Names are unique in the process: a second ``Net("train")`` is called ``train_1``, so
    re-running a notebook cell never clashes; use ``net.Name()`` or
    ``net.Proto().name`` to refer to it.
    """

    _net_names_used: list[str] = []

    def __init__(self, name_or_proto: str | NetDef) -> None:
        if isinstance(name_or_proto, NetDef):
            depth = nesting_depth(name_or_proto)
            if depth > MAX_NESTING:
                raise ArgumentError(
                    f"net {name_or_proto.name!r} nests {depth} messages deep (nets inside "
                    f"arguments), more than graphlab accepts ({MAX_NESTING}). Flatten it.")
            self._net = copy.deepcopy(name_or_proto)
            name = self._net.name or "net"
        else:
            self._net = NetDef()
            name = str(name_or_proto)
        self._net.name = self._unique_name(name)
        self._defined: dict[str, None] = {}
        for b in self._net.external_input:
            self._defined[b] = None
        for op in self._net.op:
            for b in op.output:
                self._defined[b] = None
        self._ops_seen = len(self._net.op)
        self._next_name_counts: dict[str, int] = {}
        self._index_ops()

    @classmethod
    def _unique_name(cls, base: str) -> str:
        name = base
        if name in cls._net_names_used:
            for k in itertools.count(1):
                name = f"{base}_{k}"
                if name not in cls._net_names_used:
                    break
        cls._net_names_used.append(name)
        return name

    # ---- introspection --------------------------------------------------------------
    def Name(self) -> str:  # noqa: N802
        """The (possibly suffixed) unique name of the net."""
        return self._net.name

    def Proto(self) -> NetDef:  # noqa: N802
        """The live NetDef (not a copy): ``.name``, ``.op``, ``.external_input`` ..."""
        return self._net

    def __str__(self) -> str:
        return self._net.name

    def __repr__(self) -> str:
        return f"Net({self._net.name!r}, {len(self._net.op)} ops)"

    def __len__(self) -> int:
        return len(self._net.op)

    def summary(self) -> str:
        """One line per op: ``#0  FC(X, W, b) -> Y``."""
        lines = [f"net {self._net.name!r}: {len(self._net.op)} ops"]
        lines += [f"  #{i:<3d} {op.summary()}" for i, op in enumerate(self._net.op)]
        if self._net.external_input:
            lines.append(f"  external inputs: {', '.join(self._net.external_input)}")
        return "\n".join(lines)

    def _sync_defined(self) -> None:
        """Re-read the defined blobs if ops were added to or removed from ``Proto().op``
        directly (the Basics tutorial's ``net.Proto().op.append(op)``), so their outputs
        do not turn into external inputs when a later op reads them."""
        if len(self._net.op) == self._ops_seen:
            return
        self._defined = dict.fromkeys(self._net.external_input)
        for op in self._net.op:
            self._defined.update(dict.fromkeys(op.output))
        self._ops_seen = len(self._net.op)
        self._index_ops()

    # ---- "did this cell run twice?" ---------------------------------------------------
    def _index_ops(self) -> None:
        """Index the ops by (type, inputs, outputs) and the parameters updated so far."""
        self._ops_by_key: dict[tuple[str, tuple[str, ...], tuple[str, ...]], int] = {}
        self._updates: dict[str, int] = {}
        for i in range(len(self._net.op)):
            self._note_op(i)

    def _note_op(self, index: int) -> None:
        op = self._net.op[index]
        self._ops_by_key.setdefault((op.type, tuple(op.input), tuple(op.output)), index)
        param = updated_param(op)
        if param is not None:
            self._updates.setdefault(param, index)

    def _warn_if_repeated(self, index: int) -> None:
        """Warn when op ``index`` repeats an op that an earlier run of other code appended.

        Running a notebook cell that appends ops a second time appends them again: a second
        ``Iter`` counts twice per step, a second ``WeightedSum`` updates ``W`` twice. Two
        identical ops written on the same line (a loop, a helper called twice) are normal;
        a cell that ran twice gives them different origins (``Cell In[4]``, ``Cell In[6]``).
        Fillers without inputs are let through: filling a blob twice gives it the same kind
        of value, and Caffe2's optimizers add their ``ONE`` filler once per parameter.
        """
        op = self._net.op[index]
        earlier = self._ops_by_key.get((op.type, tuple(op.input), tuple(op.output)))
        what = "is identical to"
        if earlier is None or not op.input or self._net.op[earlier] != op:
            param = updated_param(op)
            earlier = self._updates.get(param) if param is not None else None
            what = f"updates {param!r} again after"
        if earlier is None or self._net.op[earlier].origin == op.origin:
            return
        first = self._net.op[earlier]
        warnings.warn(
            f"Did this cell run twice? In net {self.Name()!r}, op #{index} {op.summary()} "
            f"(created at {op.origin}) {what} op #{earlier} {first.summary()} (created at "
            f"{first.origin}). Running a cell that appends ops appends them again, so the "
            f"net now does that work twice per run. Build the net from scratch in the cell "
            f"that adds to it (start the cell with `net = core.Net(...)` or a new "
            f"ModelHelper), then run the cells after it again.",
            RepeatedOpWarning, stacklevel=user_stacklevel())

    def BlobIsDefined(self, blob: str) -> bool:  # noqa: N802
        """True if an op of this net produces ``blob`` or it is an external input."""
        self._sync_defined()
        return str(blob) in self._defined

    def UsesBlob(self, blob: str) -> bool:  # noqa: N802
        """True if any op of the net reads or writes ``blob``."""
        name = str(blob)
        return any(name in op.input or name in op.output for op in self._net.op)

    def UsedBlobNames(self) -> list[str]:  # noqa: N802
        """Every blob the ops read or write, each once, in order of first use."""
        names: dict[str, None] = {}
        for op in self._net.op:
            for b in [*op.input, *op.output]:
                names[b] = None
        return list(names)

    def GetBlobRef(self, name: str) -> BlobReference:  # noqa: N802
        """A reference to ``name`` bound to this net; KeyError if the net never defines it."""
        if not self.BlobIsDefined(name):
            raise KeyError(f"Net does not define blob {name}." + did_you_mean(name, self._defined))
        return BlobReference(name, self)

    @property
    def external_inputs(self) -> list[BlobReference]:
        return [BlobReference(b, self) for b in self._net.external_input]

    @property
    def external_outputs(self) -> list[BlobReference]:
        return [BlobReference(b, self) for b in self._net.external_output]

    def AddExternalInput(self, *names: str) -> BlobReference | list[BlobReference]:  # noqa: N802
        """Declare blobs the net reads but does not make (data, parameters); one reference
        for one name, else a list. ValueError if a name is already an external input."""
        refs = []
        for n in names:
            n = str(n)
            if n in self._net.external_input:
                raise ValueError(f"{n!r} is already an external input of net {self.Name()!r}.")
            self._net.external_input.append(n)
            self._defined[n] = None
            refs.append(BlobReference(n, self))
        return refs[0] if len(refs) == 1 else refs

    def AddExternalOutput(self, *refs: str) -> None:  # noqa: N802
        """Declare blobs the net produces for the outside (ValueError if none of its ops or
        external inputs defines one)."""
        for r in refs:
            if not self.BlobIsDefined(r):
                raise ValueError(f"{str(r)!r} is not defined in net {self.Name()!r}.")
            self._net.external_output.append(str(r))

    def AddExternalOutputs(self, *refs: str) -> None:  # noqa: N802
        """Same as :meth:`AddExternalOutput`."""
        self.AddExternalOutput(*refs)

    # ---- building ------------------------------------------------------------------
    def NextName(self, prefix: str | None = None, output_id: int | None = None) -> str:  # noqa: N802
        """Auto name ``<net>/<prefix>``, then ``_2``, ``_3`` ... (Caffe2 skips ``_1``)."""
        if prefix is None:
            k = self._next_name_counts.get("", 0)
            self._next_name_counts[""] = k + 1
            return f"{self.Name()}_blob_{k}"
        base = f"{self.Name()}/{prefix}"
        suffix = "" if output_id is None else f":{output_id}"
        name, k = base, 1
        while name + suffix in self._defined or (output_id is not None and self._taken(name)):
            k += 1
            name = f"{base}_{k}"
        return name + suffix

    def _taken(self, stem: str) -> bool:
        return any(b.startswith(stem + ":") for b in self._defined)

    def NextBlob(self, prefix: str = "blob") -> BlobReference:  # noqa: N802
        """A fresh blob name ``<prefix>_auto_<k>`` (k counts per prefix, from 0)."""
        k = self._next_name_counts.get(prefix, 0)
        self._next_name_counts[prefix] = k + 1
        return BlobReference(f"{prefix}_auto_{k}", self)

    NextScopedBlob = NextBlob

    def _add_op(self, op_type: str, inputs: Any, outputs: Any, **kwargs: Any) -> Any:
        self._sync_defined()
        in_refs = _as_list(inputs)
        for b in in_refs:
            name = str(b)
            if name not in self._defined:
                self._net.external_input.append(name)
                self._defined[name] = None
        if outputs is None:
            out_names = [self.NextName(op_type)]
        elif isinstance(outputs, int) and not isinstance(outputs, bool):
            if outputs == 1:
                out_names = [self.NextName(op_type)]
            else:
                stem = self.NextName(op_type, 0)[:-2]
                out_names = [f"{stem}:{i}" for i in range(outputs)]
        else:
            out_names = [str(b) for b in _as_list(outputs)]
        op = CreateOperator(op_type, [str(b) for b in in_refs], out_names, **kwargs)
        self._net.op.append(op)
        self._ops_seen = len(self._net.op)
        self._warn_if_repeated(len(self._net.op) - 1)
        self._note_op(len(self._net.op) - 1)
        for b in out_names:
            self._defined[b] = None
        refs = tuple(BlobReference(b, self) for b in out_names)
        if len(refs) == 0:
            return None
        return refs[0] if len(refs) == 1 else refs

    def __getattr__(self, op_type: str) -> Any:
        if op_type.startswith("__"):
            raise AttributeError(f"Attribute {op_type} not found.")
        if not has_op(op_type):
            raise AttributeError(
                f"Method {op_type} is not a registered operator."
                + did_you_mean(op_type, op_names())
                + " (graphlab.registry.op_names() lists them all.)"
            )

        def method(inputs: Any, outputs: Any = None, **kwargs: Any) -> Any:
            return self._add_op(op_type, inputs, outputs, **kwargs)

        method.__name__ = op_type
        method.__doc__ = get_schema(op_type).doc
        return method

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(op_names()))

    def Python(  # noqa: N802
        self,
        f: Any,
        grad_f: Any = None,
        python_func_type: Any = None,
        pass_workspace: bool = False,
        grad_output_indices: Sequence[int] | None = None,
        grad_input_indices: Sequence[int] | None = None,
    ) -> Any:
        """Register the Python function ``f`` (and its gradient ``grad_f``) and return a
        callable that adds a ``Python`` op running it: ``net.Python(f)(["x"], ["y"])``.

        ``f(inputs, outputs)`` receives one wrapper per blob (``.data``, ``.shape``,
        ``.reshape()``, ``.feed()``; see :mod:`graphlab.ops.python`); with
        ``pass_workspace=True`` it is called as ``f(inputs, outputs, workspace)``.
        ``grad_f(inputs, outputs)`` gets the forward inputs, forward outputs and output
        gradients, and writes the input gradients. The op carries only the function's
        *token*, its name (``"f"``, then ``"f:1"`` ...), which ``str(op)`` prints and the
        net drawer shows. ``python_func_type`` (a Caffe2 class-based variant) is not
        supported.
        """
        if python_func_type is not None:
            raise TypeError("net.Python: python_func_type is not supported in graphlab; "
                            "pass plain functions f and grad_f.")
        token = pyfunc.register(f, grad_f, pass_workspace)
        indices = {"grad_output_indices": [int(i) for i in grad_output_indices or []],
                   "grad_input_indices": [int(i) for i in grad_input_indices or []]}

        def add(inputs: Any, outputs: Any = None, **kwargs: Any) -> Any:
            return self._add_op("Python", inputs, outputs, **indices, **kwargs, token=token)

        return add

    def AddGradientOperators(  # noqa: N802
        self, ys: Any, skip: int = 0
    ) -> dict[BlobReference, BlobReference]:
        """Append the backward pass to this net; return ``{blob: gradient blob}``.

        ``ys`` is a list of scalar-ish blobs (each seeded with ``ConstantFill(y, value=1.0)``
        into ``<y>_autogen_grad``), a dict ``{y: gradient blob}``, or a single blob (Caffe2
        demanded a list). The first ``skip`` ops are left out of the backward pass; the
        net's ``external_input`` is left alone. Every blob that got a gradient is a key
        (the loss, intermediates, parameters); keys and values are BlobReferences that
        compare equal to plain names, so ``grad_map["W"]`` works. See
        :mod:`graphlab.gradients` for how the ops are built and for the errors.
        """
        proto = self.Proto()
        grad_ops, grad_map = build_backward(list(proto.op[skip:]), ys, offset=skip)
        proto.op.extend(grad_ops)
        for op in grad_ops:
            self._defined.update(dict.fromkeys(op.output))
        return {BlobReference(b): BlobReference(g) for b, g in grad_map.items()}

    def Clone(  # noqa: N802
        self,
        name: str,
        blob_remap: dict[str, str] | None = None,
        op_id_mask: Iterable[int] | None = None,
        keep_schema: bool = True,
    ) -> Net:
        """An independent deep copy named ``name`` (made unique), optionally renaming blobs
        through ``blob_remap`` and keeping only the op indices in ``op_id_mask``."""
        proto = copy.deepcopy(self._net)
        proto.name = name
        if op_id_mask is not None:
            proto.op = [proto.op[i] for i in op_id_mask]
        if blob_remap:
            remap = {str(k): str(v) for k, v in blob_remap.items()}
            for op in proto.op:
                op.input = [remap.get(b, b) for b in op.input]
                op.output = [remap.get(b, b) for b in op.output]
            proto.external_input = [remap.get(b, b) for b in proto.external_input]
            proto.external_output = [remap.get(b, b) for b in proto.external_output]
        return Net(proto)

    def AppendNet(self, net: Net, device_option: DeviceOptionProto | None = None) -> Net:  # noqa: N802
        """Append copies of ``net``'s ops to this net, in order; returns this net.

        The result runs this net's ops, then ``net``'s. Bookkeeping follows Caffe2:

        * an external input of ``net`` becomes one of this net unless this net already
          declares it or one of its ops writes it (``y`` below is made here, so it stays
          internal)::

              a: x -> Relu -> y          b: (y, w) -> Mul -> z
              a.AppendNet(b): x -> Relu -> y, (y, w) -> Mul -> z; external inputs x, w

        * ``net``'s external outputs are added after this net's, without repeats.

        The ops are copies: editing ``net`` afterwards leaves this net unchanged. With
        ``device_option``, every copied op gets it. (Caffe2 meant the same, but under
        Python 3 its ``AppendNet`` dropped the option: it built a lazy ``map`` that never
        ran. graphlab runs on the CPU either way.)
        """
        if not isinstance(net, Net):
            raise TypeError(
                f"AppendNet takes a core.Net, got {type(net).__name__}; wrap a NetDef with "
                f"core.Net(netdef) first.")
        self._sync_defined()
        other = net.Proto()
        for b in other.external_input:
            if b not in self._defined:
                self._net.external_input.append(b)
                self._defined[b] = None
        for b in other.external_output:
            if b not in self._net.external_output:
                self._net.external_output.append(b)
        for op in other.op:
            op = copy.deepcopy(op)
            if device_option is not None:
                op.device_option = copy.deepcopy(device_option)
            self._net.op.append(op)
            self._note_op(len(self._net.op) - 1)
            for b in op.output:
                self._defined[b] = None
        self._ops_seen = len(self._net.op)
        return self

    def set_rand_seed(self, seed: int = 100, sequence_seed: bool = True) -> None:
        """Give every op a fixed ``random_seed`` (``seed + i`` for op i, or ``seed`` for all)."""
        for i, op in enumerate(self._net.op):
            op.device_option = copy.copy(op.device_option) or DeviceOptionProto()
            op.device_option.random_seed = seed + i if sequence_seed else seed

    # ---- Jupyter -------------------------------------------------------------------
    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        from .net_drawer import net_mimebundle

        return net_mimebundle(self._net, text=repr(self) + "\n" + self.summary())
