"""Plain-dataclass stand-ins for Caffe2's protobuf messages.

Caffe2 describes every operator and net with protobuf messages (``OperatorDef``,
``NetDef``, ``Argument``). graphlab keeps the same field names and prints them in the
same protobuf *text format*, because the tutorials teach by printing nets::

    name: "my_first_net"
    op {
      input: "X"
      output: "Y"
      name: ""
      type: "Relu"
    }

These are ordinary dataclasses, and :func:`graphlab.textformat.parse_net` reads the
text back. For Caffe2's *binary* format (``.pb`` files, DB records) each class has
``SerializeToString()`` and ``ParseFromString(data)``, thin methods over
:mod:`graphlab.wire`, which does the encoding with google's ``protobuf`` package.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from . import wire
from .errors import ArgumentError

__all__ = [
    "MAX_NESTING",
    "Argument",
    "DataType",
    "DeviceOption",
    "NetDef",
    "OperatorDef",
    "make_argument",
    "nesting_depth",
]


class DataType:
    """Caffe2's tensor data types (``TensorProto.DataType``); plain ints, no 11.

    Ops take them as arguments (``ConstantFill(..., dtype=DataType.INT64)``);
    ``core.DataType`` is the same class, under the name Caffe2 code uses.
    """

    UNDEFINED = 0
    FLOAT = 1
    INT32 = 2
    BYTE = 3
    STRING = 4
    BOOL = 5
    UINT8 = 6
    INT8 = 7
    UINT16 = 8
    INT16 = 9
    INT64 = 10
    FLOAT16 = 12
    DOUBLE = 13


def _quote(s: str) -> str:
    """Quote a string the way protobuf's text format does (C-style escapes)."""
    out = []
    for ch in s:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\{code:03o}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


MAX_NESTING = 100
"""Deepest nesting of messages (``{ ... }`` levels) graphlab accepts, as protobuf's text
parser does by default. A net nested in an argument costs three levels (``op``, ``arg``,
``n``). Deeper structures are refused where they enter (the text parser,
:func:`make_argument`), so no code that walks a net can run out of stack."""


def _nested(indent: str, key: str, message: Any) -> list[Any]:
    """A nested message in text format (expanded by :func:`_text`, without recursion)."""
    return [(indent, key, message)]


def _text(message: Any) -> str:
    """``message`` in text format: its ``_lines``, nested messages expanded with a stack
    (``key {``, their fields two spaces deeper, ``}``)."""
    out: list[str] = []
    stack: list[Any] = [iter(message._lines(""))]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
        elif isinstance(item, str):
            out.append(item)
        else:
            indent, key, child = item
            out.append(f"{indent}{key} {{")
            stack.append(iter([*child._lines(indent + "  "), f"{indent}}}"]))
    return "\n".join(out) + "\n"


def nesting_depth(message: Any) -> int:
    """How many ``{ ... }`` levels deep ``message`` prints (0: no nested message).

    Iterative, so any depth can be measured.
    """
    deepest = 0
    stack = [(message, 0)]
    while stack:
        msg, depth = stack.pop()
        deepest = max(deepest, depth)
        children: list[Any] = []
        if isinstance(msg, NetDef):
            children = [*msg.op, *msg.arg]
        elif isinstance(msg, OperatorDef):
            children = list(msg.arg)
        elif isinstance(msg, Argument):
            children = ([msg.n] if msg.n is not None else []) + list(msg.nets)
        stack.extend((c, depth + 1) for c in children)
    return deepest


def _check_nesting(name: str, net: NetDef) -> NetDef:
    depth = nesting_depth(net) + 2  # at least the arg and the net itself
    if depth > MAX_NESTING:
        raise ArgumentError(
            f"argument {name!r}: the net nests {depth} messages deep, more than graphlab "
            f"accepts ({MAX_NESTING}, protobuf's limit). Flatten it."
        )
    return copy.deepcopy(net)  # a copy, as protobuf's CopyFrom: the argument is a value


def format_float(x: float) -> str:
    """Shortest text that reads back as the same float32 (protobuf's ``float`` field)."""
    f32 = np.float32(x)
    if np.isnan(f32):
        return "nan"
    if np.isinf(f32):
        return "inf" if f32 > 0 else "-inf"
    # the shortest decimal that reads back as this float32, spelled like Python's repr
    return repr(float(np.format_float_scientific(f32, unique=True)))


class _Binary:
    """Caffe2's binary wire format for a dataclass below (see :mod:`graphlab.wire`)."""

    def SerializeToString(self) -> bytes:  # noqa: N802 - protobuf's name
        """The message's bytes in protobuf's binary format, as Caffe2 writes them."""
        return wire.serialize(self)

    def ParseFromString(self, data: bytes) -> int:  # noqa: N802 - protobuf's name
        """Replace every field with those read from ``data``; returns ``len(data)``."""
        parsed = wire.parse(type(self).__name__, data, _WIRE_CLASSES)
        for f in fields(self):
            setattr(self, f.name, getattr(parsed, f.name))
        return len(data)


@dataclass
class Argument(_Binary):
    """One named operator argument; exactly one value field is set.

    ``f`` float, ``i`` int (bools are stored as 0/1), ``s`` string, ``floats``/``ints``/
    ``strings`` repeated values, ``n``/``nets`` nested nets.
    """

    name: str = ""
    f: float | None = None
    i: int | None = None
    s: str | None = None
    n: NetDef | None = None
    floats: list[float] = field(default_factory=list)
    ints: list[int] = field(default_factory=list)
    strings: list[str] = field(default_factory=list)
    nets: list[NetDef] = field(default_factory=list)

    @property
    def value(self) -> Any:
        """The Python value this argument holds (a scalar or a list)."""
        for scalar in ("f", "i", "s", "n"):
            v = getattr(self, scalar)
            if v is not None:
                return v
        for rep in ("floats", "ints", "strings", "nets"):
            v = getattr(self, rep)
            if v:
                return list(v)
        return []

    @property
    def field_name(self) -> str:
        """Which value field is set (``"f"``, ``"ints"``, ...); ``"ints"`` for an empty list."""
        for name in ("f", "i", "s", "n"):
            if getattr(self, name) is not None:
                return name
        for name in ("floats", "ints", "strings", "nets"):
            if getattr(self, name):
                return name
        return "ints"

    def _lines(self, indent: str) -> list[Any]:
        lines = [f"{indent}name: {_quote(self.name)}"]
        if self.f is not None:
            lines.append(f"{indent}f: {format_float(self.f)}")
        if self.i is not None:
            lines.append(f"{indent}i: {self.i}")
        if self.s is not None:
            lines.append(f"{indent}s: {_quote(self.s)}")
        if self.n is not None:
            lines += _nested(indent, "n", self.n)
        lines.extend(f"{indent}floats: {format_float(v)}" for v in self.floats)
        lines.extend(f"{indent}ints: {v}" for v in self.ints)
        lines.extend(f"{indent}strings: {_quote(v)}" for v in self.strings)
        for net in self.nets:
            lines += _nested(indent, "nets", net)
        return lines

    def __str__(self) -> str:
        return _text(self)


def _int64(name: str, value: int) -> int:
    """``value`` if it fits protobuf's int64 fields (``i``, ``ints``), else an error."""
    if -(2**63) <= value < 2**63:
        return value
    raise ArgumentError(
        f"argument {name!r}: {value} does not fit in 64 bits (integer arguments are int64, "
        f"-{2**63} to {2**63 - 1}). Use a smaller value."
    )


def make_argument(name: str, value: Any) -> Argument:
    """Encode a Python keyword value as an :class:`Argument`, using Caffe2's rules.

    float → ``f``; int or bool → ``i``; str/bytes → ``s``; NetDef → ``n``; NumPy scalars
    are unwrapped first; arrays are flattened; an iterable of all floats → ``floats``,
    all ints/bools → ``ints``, all strings → ``strings``. Mixed lists such as ``[1, 2.5]``
    are an error (Caffe2 does the same) — graphlab's schema later converts ints to floats
    where the operator reads floats, so write ``[1.0, 2.5]`` or let the op convert.

    Raises:
        TypeError: the value has a type no argument field can hold (None, a dict, ...).
        ArgumentError: an integer does not fit in int64, or a net nests too deep.
    """
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, np.ndarray):
        value = value.ravel().tolist()
    if isinstance(value, bool):
        return Argument(name=name, i=int(value))
    if isinstance(value, int):
        return Argument(name=name, i=_int64(name, value))
    if isinstance(value, float):
        return Argument(name=name, f=value)
    if isinstance(value, bytes):
        return Argument(name=name, s=value.decode("utf-8"))
    if isinstance(value, str):
        return Argument(name=name, s=value)
    if isinstance(value, NetDef):
        return Argument(name=name, n=_check_nesting(name, value))
    if hasattr(value, "Proto") and isinstance(value.Proto(), NetDef):
        return Argument(name=name, n=_check_nesting(name, value.Proto()))
    if isinstance(value, (list, tuple, range)):
        items = [v.item() if isinstance(v, np.generic) else v for v in value]
        items = [v.decode("utf-8") if isinstance(v, bytes) else v for v in items]
        if all(isinstance(v, float) for v in items) and items:
            return Argument(name=name, floats=list(items))
        if all(isinstance(v, (int, bool)) for v in items):
            return Argument(name=name, ints=[_int64(name, int(v)) for v in items])
        if all(isinstance(v, str) for v in items):
            return Argument(name=name, strings=list(items))
        if all(isinstance(v, NetDef) for v in items):
            return Argument(name=name, nets=[_check_nesting(name, v) for v in items])
        kinds = sorted({type(v).__name__ for v in items})
        raise TypeError(
            f"argument {name!r}: unknown iterable argument type, a list mixing {kinds}: {value!r}. "
            "Use one element type, e.g. all floats: [1.0, 2.5]."
        )
    raise TypeError(
        f"argument {name!r}: unknown argument type {type(value).__name__} ({value!r}). "
        "Arguments are numbers, strings, or lists of one of those."
    )


@dataclass
class DeviceOption(_Binary):
    """Where an op runs; graphlab only runs on the CPU but keeps ``random_seed``.

    Field names and order are Caffe2 1.4's (``device_id`` was ``cuda_gpu_id`` before
    2018). An empty ``DeviceOption()`` prints as ``device_option {\n}``: Caffe2's
    optimizers put one on every op they add for a parameter. ``extra_info`` holds free
    text; Caffe2's gradient builder marks the ``Sum`` ops it adds with
    ``is_auto_gen_sum_ops:1``.
    """

    device_type: int | None = None
    device_id: int | None = None
    random_seed: int | None = None
    node_name: str | None = None
    extra_info: list[str] = field(default_factory=list)

    def _lines(self, indent: str) -> list[Any]:
        lines = []
        for name in ("device_type", "device_id", "random_seed"):
            v = getattr(self, name)
            if v is not None:
                lines.append(f"{indent}{name}: {v}")
        if self.node_name is not None:
            lines.append(f"{indent}node_name: {_quote(self.node_name)}")
        lines.extend(f"{indent}extra_info: {_quote(v)}" for v in self.extra_info)
        return lines


@dataclass
class OperatorDef(_Binary):
    """One operator: its type, input and output blob names, and arguments.

    ``origin`` is graphlab's own field (not printed): the ``file:line`` of the user code
    that created the op, quoted in every error the op raises.
    """

    input: list[str] = field(default_factory=list)
    output: list[str] = field(default_factory=list)
    name: str = ""
    type: str = ""
    arg: list[Argument] = field(default_factory=list)
    device_option: DeviceOption | None = None
    engine: str | None = None
    control_input: list[str] = field(default_factory=list)
    is_gradient_op: bool = False
    debug_info: str | None = None
    origin: str = field(default="", compare=False)

    def args(self) -> dict[str, Any]:
        """The arguments as a ``{name: python value}`` dict, in stored order."""
        return {a.name: a.value for a in self.arg}

    def _lines(self, indent: str) -> list[Any]:
        lines = [f"{indent}input: {_quote(b)}" for b in self.input]
        lines += [f"{indent}output: {_quote(b)}" for b in self.output]
        lines.append(f"{indent}name: {_quote(self.name)}")
        lines.append(f"{indent}type: {_quote(self.type)}")
        for a in self.arg:
            lines += _nested(indent, "arg", a)
        if self.device_option is not None:
            lines += _nested(indent, "device_option", self.device_option)
        if self.engine is not None:
            lines.append(f"{indent}engine: {_quote(self.engine)}")
        lines += [f"{indent}control_input: {_quote(b)}" for b in self.control_input]
        if self.is_gradient_op:
            lines.append(f"{indent}is_gradient_op: true")
        if self.debug_info is not None:
            lines.append(f"{indent}debug_info: {_quote(self.debug_info)}")
        return lines

    def __str__(self) -> str:
        return _text(self)

    def summary(self) -> str:
        """One line, e.g. ``FC(X, W, b) -> Y``."""
        return f"{self.type}({', '.join(self.input)}) -> {', '.join(self.output) or '()'}"


@dataclass
class NetDef(_Binary):
    """A net: a name, an ordered list of operators, and its declared external blobs."""

    name: str = ""
    op: list[OperatorDef] = field(default_factory=list)
    type: str | None = None
    num_workers: int | None = None
    device_option: DeviceOption | None = None
    arg: list[Argument] = field(default_factory=list)
    external_input: list[str] = field(default_factory=list)
    external_output: list[str] = field(default_factory=list)

    def _lines(self, indent: str) -> list[Any]:
        lines = [f"{indent}name: {_quote(self.name)}"]
        for op in self.op:
            lines += _nested(indent, "op", op)
        if self.type is not None:
            lines.append(f"{indent}type: {_quote(self.type)}")
        if self.num_workers is not None:
            lines.append(f"{indent}num_workers: {self.num_workers}")
        if self.device_option is not None:
            lines += _nested(indent, "device_option", self.device_option)
        for a in self.arg:
            lines += _nested(indent, "arg", a)
        lines += [f"{indent}external_input: {_quote(b)}" for b in self.external_input]
        lines += [f"{indent}external_output: {_quote(b)}" for b in self.external_output]
        return lines

    def __str__(self) -> str:
        return _text(self)


_WIRE_CLASSES = {"Argument": Argument, "DeviceOption": DeviceOption,
                 "OperatorDef": OperatorDef, "NetDef": NetDef}
