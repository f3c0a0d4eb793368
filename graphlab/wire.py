"""Caffe2's binary wire format, through google's ``protobuf`` package.

Caffe2 stores nets (``.pb`` files), tensors (DB records) and saved blobs as *protocol
buffer* messages defined in its ``caffe2.proto``. The bytes of a message are fixed by two
things only: each field's **number** and its **type** (plus ``packed`` for some repeated
numbers). Field names never reach the file. So graphlab describes the same messages
below, in a table of its own with Caffe2's numbers and types, and lets the ``protobuf``
package do the encoding and decoding. The result reads files written by Caffe2 and
writes files Caffe2 reads (the fidelity tests check both directions).

Where the boundary is (see docs/files-and-formats.md):

* Nets stay graphlab's plain dataclasses (:mod:`graphlab.proto`), which learners read.
  Only when bytes are needed are they converted to protobuf messages here
  (:func:`to_message`) and back (:func:`from_message`); ``NetDef.SerializeToString()``
  and ``NetDef.ParseFromString()`` are thin methods that call these.
* Tensors and DB records (``TensorProto``, ``TensorProtos``, ``BlobProto``, the
  predictor's ``MetaNetDef``) exist only at the boundary, so they *are* the protobuf
  message classes built here; :mod:`graphlab.caffe2_pb2` hands them to user code.

The descriptors are built when this module is imported (no generated ``_pb2`` file, no
``protoc``): :data:`MESSAGES` is the whole schema, one line per field::

    ("float_data", 3, "float", REPEATED, {"packed": True})

means "field number 3 holds 32-bit floats, repeated, packed", exactly as in
``caffe2.proto``. Fields that graphlab does not model (``QTensorProto``, external data,
plans) are left out; protobuf keeps such fields of a parsed message as unknown fields,
so they survive a parse and re-serialize of a message kept in protobuf form.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError, Message

__all__ = [
    "MESSAGES",
    "WireFormatError",
    "from_message",
    "message_class",
    "parse",
    "serialize",
    "to_message",
]

OPTIONAL, REPEATED, REQUIRED = "optional", "repeated", "required"

#: Scalar field types: protobuf's type constant for each name used in :data:`MESSAGES`.
_SCALARS = {
    "double": descriptor_pb2.FieldDescriptorProto.TYPE_DOUBLE,
    "float": descriptor_pb2.FieldDescriptorProto.TYPE_FLOAT,
    "int64": descriptor_pb2.FieldDescriptorProto.TYPE_INT64,
    "int32": descriptor_pb2.FieldDescriptorProto.TYPE_INT32,
    "uint32": descriptor_pb2.FieldDescriptorProto.TYPE_UINT32,
    "bool": descriptor_pb2.FieldDescriptorProto.TYPE_BOOL,
    "string": descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
    "bytes": descriptor_pb2.FieldDescriptorProto.TYPE_BYTES,
}
_LABELS = {
    OPTIONAL: descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL,
    REPEATED: descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED,
    REQUIRED: descriptor_pb2.FieldDescriptorProto.LABEL_REQUIRED,
}

#: Enums, by full name: ``(value name, number)`` pairs (caffe2.proto's numbers).
ENUMS: dict[str, list[tuple[str, int]]] = {
    "TensorProto.DataType": [
        ("UNDEFINED", 0), ("FLOAT", 1), ("INT32", 2), ("BYTE", 3), ("STRING", 4),
        ("BOOL", 5), ("UINT8", 6), ("INT8", 7), ("UINT16", 8), ("INT16", 9),
        ("INT64", 10), ("FLOAT16", 12), ("DOUBLE", 13),
    ],
    "TensorProto.StorageType": [("TYPED", 1), ("RAW", 2), ("EXTERNAL", 3), ("NO_CONTENT", 4)],
}

#: Every message graphlab encodes: ``name -> [(field, number, type, label, options)]``.
#: A type is a scalar name from ``_SCALARS``, ``"enum:<Enum>"`` or another message's
#: name. Nested messages are written ``Outer.Inner``.
MESSAGES: dict[str, list[tuple[str, int, str, str, dict[str, Any]]]] = {
    "TensorProto.Segment": [
        ("begin", 1, "int64", REQUIRED, {}),
        ("end", 2, "int64", REQUIRED, {}),
    ],
    "TensorProto": [
        ("dims", 1, "int64", REPEATED, {}),
        ("data_type", 2, "enum:TensorProto.DataType", OPTIONAL, {"default": "FLOAT"}),
        ("storage_type", 12, "enum:TensorProto.StorageType", OPTIONAL, {"default": "TYPED"}),
        ("float_data", 3, "float", REPEATED, {"packed": True}),
        ("int32_data", 4, "int32", REPEATED, {"packed": True}),
        ("byte_data", 5, "bytes", OPTIONAL, {}),
        ("string_data", 6, "bytes", REPEATED, {}),
        ("double_data", 9, "double", REPEATED, {"packed": True}),
        ("int64_data", 10, "int64", REPEATED, {"packed": True}),
        ("raw_data", 13, "bytes", OPTIONAL, {}),
        ("name", 7, "string", OPTIONAL, {}),
        ("device_detail", 8, "DeviceOption", OPTIONAL, {}),
        ("segment", 11, "TensorProto.Segment", OPTIONAL, {}),
    ],
    "TensorProtos": [
        ("protos", 1, "TensorProto", REPEATED, {}),
    ],
    "TensorShape": [
        ("dims", 1, "int64", REPEATED, {}),
        ("data_type", 2, "enum:TensorProto.DataType", OPTIONAL, {"default": "FLOAT"}),
        ("unknown_dims", 3, "int32", REPEATED, {}),
        ("unknown_shape", 4, "bool", OPTIONAL, {"default": "false"}),
        ("name", 5, "string", OPTIONAL, {}),
    ],
    "TensorShapes": [
        ("shapes", 1, "TensorShape", REPEATED, {}),
    ],
    "Argument": [
        ("name", 1, "string", OPTIONAL, {}),
        ("f", 2, "float", OPTIONAL, {}),
        ("i", 3, "int64", OPTIONAL, {}),
        ("s", 4, "bytes", OPTIONAL, {}),
        ("t", 10, "TensorProto", OPTIONAL, {}),
        ("n", 8, "NetDef", OPTIONAL, {}),
        ("floats", 5, "float", REPEATED, {}),
        ("ints", 6, "int64", REPEATED, {}),
        ("strings", 7, "bytes", REPEATED, {}),
        ("tensors", 11, "TensorProto", REPEATED, {}),
        ("nets", 9, "NetDef", REPEATED, {}),
    ],
    "DeviceOption": [
        ("device_type", 1, "int32", OPTIONAL, {"default": "0"}),
        ("device_id", 2, "int32", OPTIONAL, {}),  # "cuda_gpu_id" in 2017's caffe2.proto
        ("random_seed", 3, "uint32", OPTIONAL, {}),
        ("node_name", 4, "string", OPTIONAL, {}),
        ("numa_node_id", 5, "int32", OPTIONAL, {}),
        ("extra_info", 6, "string", REPEATED, {}),
    ],
    "OperatorDef": [
        ("input", 1, "string", REPEATED, {}),
        ("output", 2, "string", REPEATED, {}),
        ("name", 3, "string", OPTIONAL, {}),
        ("type", 4, "string", OPTIONAL, {}),
        ("arg", 5, "Argument", REPEATED, {}),
        ("device_option", 6, "DeviceOption", OPTIONAL, {}),
        ("engine", 7, "string", OPTIONAL, {}),
        ("control_input", 8, "string", REPEATED, {}),
        ("is_gradient_op", 9, "bool", OPTIONAL, {"default": "false"}),
        ("debug_info", 10, "string", OPTIONAL, {}),
        ("domain", 11, "string", OPTIONAL, {}),
        ("op_version", 12, "int64", OPTIONAL, {}),
    ],
    "NetDef": [
        ("name", 1, "string", OPTIONAL, {}),
        ("op", 2, "OperatorDef", REPEATED, {}),
        ("type", 3, "string", OPTIONAL, {}),
        ("num_workers", 4, "int32", OPTIONAL, {}),
        ("device_option", 5, "DeviceOption", OPTIONAL, {}),
        ("arg", 6, "Argument", REPEATED, {}),
        ("external_input", 7, "string", REPEATED, {}),
        ("external_output", 8, "string", REPEATED, {}),
    ],
    "BlobProto": [
        ("name", 1, "string", OPTIONAL, {}),
        ("type", 2, "string", OPTIONAL, {}),
        ("tensor", 3, "TensorProto", OPTIONAL, {}),
        ("content", 4, "bytes", OPTIONAL, {}),
        ("content_num_chunks", 6, "int32", OPTIONAL, {}),
        ("content_chunk_id", 7, "int32", OPTIONAL, {}),
    ],
    "DBReaderProto": [
        ("name", 1, "string", OPTIONAL, {}),
        ("source", 2, "string", OPTIONAL, {}),
        ("db_type", 3, "string", OPTIONAL, {}),
        ("key", 4, "string", OPTIONAL, {}),
    ],
    # metanet.proto: what the predictor exporter stores under "!!META_NET_DEF"
    "ModelInfo": [
        ("project", 1, "string", OPTIONAL, {}),
        ("modelClass", 2, "string", OPTIONAL, {}),
        ("version", 3, "string", OPTIONAL, {}),
        ("predictorType", 4, "string", OPTIONAL, {}),
        ("modelId", 5, "string", OPTIONAL, {}),
    ],
    "BlobsMap": [
        ("key", 1, "string", REQUIRED, {}),
        ("value", 2, "string", REPEATED, {}),
    ],
    "NetsMap": [
        ("key", 1, "string", REQUIRED, {}),
        ("value", 2, "NetDef", REQUIRED, {}),
    ],
    "StringMap": [
        ("key", 1, "string", REQUIRED, {}),
        ("value", 2, "string", REQUIRED, {}),
    ],
    "MetaNetDef": [
        ("blobs", 1, "BlobsMap", REPEATED, {}),
        ("nets", 2, "NetsMap", REPEATED, {}),
        ("modelInfo", 3, "ModelInfo", OPTIONAL, {}),
        ("applicationSpecificInfo", 5, "StringMap", REPEATED, {}),
    ],
}

#: graphlab dataclass field name -> message field name, where the two differ (none now:
#: DeviceOption's field 2 is ``device_id`` in both, Caffe2 1.4's name).
_RENAMED: dict[str, str] = {}


class WireFormatError(ValueError):
    """Bytes that are not the message they claim to be, or a message field graphlab's
    in-memory classes cannot hold."""


def _file_descriptor() -> descriptor_pb2.FileDescriptorProto:
    """The table above as a ``FileDescriptorProto`` (what ``protoc`` would produce)."""
    fdp = descriptor_pb2.FileDescriptorProto(
        name="graphlab/caffe2.proto", package="caffe2", syntax="proto2"
    )
    made: dict[str, Any] = {}
    for full in MESSAGES:  # outer messages come before the nested ones that name them
        outer, _, inner = full.rpartition(".")
        if outer:
            if outer not in made:
                made[outer] = fdp.message_type.add(name=outer)
            made[full] = made[outer].nested_type.add(name=inner)
        elif full not in made:
            made[full] = fdp.message_type.add(name=full)
    for full, values in ENUMS.items():
        outer, _, inner = full.rpartition(".")
        enum = made[outer].enum_type.add(name=inner)
        for value_name, number in values:
            enum.value.add(name=value_name, number=number)
    for full, fields in MESSAGES.items():
        for name, number, kind, label, options in fields:
            field = made[full].field.add(name=name, number=number, label=_LABELS[label])
            if kind in _SCALARS:
                field.type = _SCALARS[kind]
            elif kind.startswith("enum:"):
                field.type = descriptor_pb2.FieldDescriptorProto.TYPE_ENUM
                field.type_name = ".caffe2." + kind[len("enum:"):]
            else:
                field.type = descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE
                field.type_name = ".caffe2." + kind
            if "default" in options:
                field.default_value = options["default"]
            if options.get("packed"):
                field.options.packed = True
    return fdp


# A pool of our own, so a real caffe2.proto loaded in the same process never clashes.
_POOL = descriptor_pool.DescriptorPool()
_POOL.Add(_file_descriptor())
_CLASSES: dict[str, type[Message]] = {
    full: message_factory.GetMessageClass(_POOL.FindMessageTypeByName("caffe2." + full))
    for full in MESSAGES
}


def message_class(name: str) -> type[Message]:
    """The protobuf message class called ``name`` (``"TensorProto"``, ``"NetDef"``, ...)."""
    try:
        return _CLASSES[name]
    except KeyError:
        raise KeyError(f"no message {name!r}; known: {', '.join(_CLASSES)}") from None


def _field_kinds(message_name: str) -> dict[str, tuple[str, bool]]:
    """``field name -> (type, repeated?)`` for one message, from :data:`MESSAGES`."""
    return {f[0]: (f[2], f[3] == REPEATED) for f in MESSAGES[message_name]}


def to_message(obj: Any) -> Message:
    """The protobuf message for one of graphlab's dataclasses (NetDef, OperatorDef, ...).

    Each dataclass field goes to the message field of the same name. ``None`` means "not
    set"; ``False`` for ``is_gradient_op`` is not written either (as Caffe2 leaves it
    unset); strings go to ``bytes`` fields as UTF-8. Dataclass fields the wire format has
    no number for (OperatorDef's ``origin``) are skipped. Nested nets (an argument
    holding a NetDef) are walked with an explicit stack, not recursion.
    """
    root = message_class(type(obj).__name__)()
    stack: list[tuple[Any, Message]] = [(obj, root)]
    while stack:
        src, dst = stack.pop()
        fields = _field_kinds(type(src).__name__)
        for f in dataclasses.fields(src):
            name = _RENAMED.get(f.name, f.name)
            if name not in fields:
                continue
            kind, repeated = fields[name]
            value = getattr(src, f.name)
            if value is None or value is False:
                continue
            if kind in _CLASSES:
                items = value if repeated else [value]
                for item in items:
                    sub = getattr(dst, name).add() if repeated else getattr(dst, name)
                    sub.SetInParent()
                    stack.append((item, sub))
            elif repeated:
                getattr(dst, name).extend(_encode(kind, v) for v in value)
            else:
                setattr(dst, name, _encode(kind, value))
    return root


def _encode(kind: str, value: Any) -> Any:
    return value.encode("utf-8") if kind == "bytes" and isinstance(value, str) else value


def _decode(kind: str, value: Any, where: str) -> Any:
    if kind != "bytes":
        return value
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise WireFormatError(
            f"{where} holds bytes that are not UTF-8 text ({value[:20]!r}...); graphlab keeps "
            "argument strings as str and cannot hold them."
        ) from None


def from_message(message: Message, classes: Mapping[str, type]) -> Any:
    """The graphlab dataclass for a protobuf message: the inverse of :func:`to_message`.

    ``classes`` maps message names to the dataclasses to build (``{"NetDef": NetDef,
    "OperatorDef": OperatorDef, ...}``; :mod:`graphlab.proto` passes its own). Unset
    fields keep the dataclass defaults.

    Raises:
        WireFormatError: the message sets a field the dataclass has no place for (for
            example an argument holding a tensor, ``Argument.t``): it would be lost.
    """
    name = message.DESCRIPTOR.name
    root = classes[name]()
    stack: list[tuple[Message, Any]] = [(message, root)]
    while stack:
        src, dst = stack.pop()
        msg_name = src.DESCRIPTOR.name
        fields = _field_kinds(msg_name)
        have = {_RENAMED.get(f.name, f.name): f.name for f in dataclasses.fields(dst)}
        for fd, value in src.ListFields():
            if fd.name not in have:
                raise WireFormatError(
                    f"{msg_name}.{fd.name} (field {fd.number}) is set, but graphlab's "
                    f"{type(dst).__name__} has no such field; the value would be lost."
                )
            attr = have[fd.name]
            kind, repeated = fields[fd.name]
            where = f"{msg_name}.{fd.name}"
            if kind in _CLASSES:
                items = list(value) if repeated else [value]
                built = []
                for item in items:
                    obj = classes[item.DESCRIPTOR.name]()
                    built.append(obj)
                    stack.append((item, obj))
                setattr(dst, attr, built if repeated else built[0])
            elif repeated:
                setattr(dst, attr, [_decode(kind, v, where) for v in value])
            else:
                setattr(dst, attr, _decode(kind, value, where))
    return root


def serialize(obj: Any) -> bytes:
    """Caffe2's bytes for a graphlab dataclass (``NetDef``, ``OperatorDef``, ...)."""
    return to_message(obj).SerializeToString()


def parse(name: str, data: bytes, classes: Mapping[str, type]) -> Any:
    """Read Caffe2's bytes of message ``name`` into a graphlab dataclass.

    Raises:
        WireFormatError: the bytes are not a valid ``name`` message.
    """
    message = message_class(name)()
    try:
        message.ParseFromString(bytes(data))
    except DecodeError as exc:
        raise WireFormatError(
            f"these {len(data)} bytes are not a serialized {name} ({exc}). Is the file a "
            f"{name} in protobuf's binary format (not text format, not another message)?"
        ) from None
    return from_message(message, classes)
