"""NumPy arrays to and from Caffe2's ``TensorProto`` messages, as Caffe2's C++ code does it.

A ``TensorProto`` is how Caffe2 stores one tensor in a file or a DB record: its ``dims``,
a ``data_type`` number, and the values in the one repeated field that type uses:

==================================  ==============  =========================================
NumPy dtype                         data_type       values in
==================================  ==============  =========================================
float32                             FLOAT (1)       ``float_data``
float64                             DOUBLE (13)     ``double_data``
int32                               INT32 (2)       ``int32_data``
int64                               INT64 (10)      ``int64_data``
bool, uint8, int8, uint16, int16    BOOL, UINT8...  ``int32_data`` (one int per element)
float16                             FLOAT16 (12)    ``int32_data`` (the 16 bits of each half)
uint8 from a BYTE tensor            BYTE (3)        ``byte_data`` (one byte string)
bytes strings                       STRING (4)      ``string_data``
==================================  ==============  =========================================

A saved blob may be split into *segments*: ``segment {begin end}`` says which run of the
flattened tensor this proto holds (Caffe2's ``Save`` writes one segment per million
elements). :func:`tensor_to_array` reads a whole tensor or one segment;
:func:`array_to_tensor` writes either.

This is the *complete* mapping that the ops (``Save``, ``Load``, ``TensorProtosDBInput``)
use. ``graphlab.utils.NumpyArrayToCaffe2Tensor`` is the tutorials' Python helper, which
followed narrower rules of its own (see there).
"""

from __future__ import annotations

import math

import numpy as np

from .wire import message_class

__all__ = ["DTYPE_OF", "TYPE_OF", "TensorFormatError", "array_to_tensor", "tensor_to_array"]

TensorProto = message_class("TensorProto")

#: data_type number -> NumPy dtype of the array it becomes.
DTYPE_OF: dict[int, np.dtype] = {
    1: np.dtype(np.float32), 2: np.dtype(np.int32), 3: np.dtype(np.uint8),
    4: np.dtype(object), 5: np.dtype(np.bool_), 6: np.dtype(np.uint8), 7: np.dtype(np.int8),
    8: np.dtype(np.uint16), 9: np.dtype(np.int16), 10: np.dtype(np.int64),
    12: np.dtype(np.float16), 13: np.dtype(np.float64),
}
#: NumPy dtype -> data_type number when writing (uint8 becomes UINT8, not BYTE).
TYPE_OF: dict[np.dtype, int] = {
    np.dtype(np.float32): 1, np.dtype(np.int32): 2, np.dtype(np.bool_): 5,
    np.dtype(np.uint8): 6, np.dtype(np.int8): 7, np.dtype(np.uint16): 8,
    np.dtype(np.int16): 9, np.dtype(np.int64): 10, np.dtype(np.float16): 12,
    np.dtype(np.float64): 13,
}
_FIELD = {1: "float_data", 2: "int32_data", 5: "int32_data", 6: "int32_data", 7: "int32_data",
          8: "int32_data", 9: "int32_data", 10: "int64_data", 12: "int32_data",
          13: "double_data"}


class TensorFormatError(ValueError):
    """A TensorProto whose values do not fit its dims or data type."""


def array_to_tensor(array: np.ndarray, name: str | None = None,
                    segment: tuple[int, int] | None = None) -> object:
    """A ``TensorProto`` holding ``array`` (or the flat run ``segment = (begin, end)``).

    Raises:
        TensorFormatError: a dtype Caffe2 has no type for (complex, unicode, objects that
            are not bytes).
    """
    array = np.asarray(array)
    proto = TensorProto()
    proto.dims.extend(int(d) for d in array.shape)
    flat = array.reshape(-1)
    begin, end = segment if segment is not None else (0, flat.size)
    part = flat[begin:end]
    if array.dtype.kind == "S" or (array.dtype == object and all(
            isinstance(v, bytes) for v in part)):
        proto.data_type = 4
        proto.string_data.extend(bytes(v) for v in part)
    elif array.dtype in TYPE_OF:
        data_type = TYPE_OF[array.dtype]
        proto.data_type = data_type
        if data_type == 12:
            values = part.view(np.uint16).astype(np.int32)
        elif data_type == 5:
            values = part.astype(np.int32)
        else:
            values = part
        getattr(proto, _FIELD[data_type]).extend(values.tolist())
    else:
        raise TensorFormatError(
            f"a {array.dtype} array has no Caffe2 tensor type; Caffe2 stores float32/64, "
            "int8/16/32/64, uint8/16, bool, float16 and byte strings. Convert it first, "
            "e.g. array.astype(np.float32)."
        )
    if name is not None:
        proto.name = name
    if segment is not None:
        proto.segment.begin, proto.segment.end = begin, end
    return proto


def tensor_to_array(proto: object, what: str = "tensor") -> np.ndarray:
    """The NumPy array a ``TensorProto`` holds (for a segment: just that flat run).

    ``what`` names the tensor in error messages (e.g. ``"record '00000003', tensor 0"``).

    Raises:
        TensorFormatError: unknown data type, or a value count that does not match dims.
    """
    data_type = proto.data_type
    if data_type not in DTYPE_OF:
        raise TensorFormatError(
            f"{what}: data_type {data_type} is not one graphlab "
            f"reads; known: {', '.join(TensorProto.DataType.Name(t) for t in DTYPE_OF)}."
        )
    dtype = DTYPE_OF[data_type]
    dims = list(proto.dims)
    segmented = proto.HasField("segment")
    count = proto.segment.end - proto.segment.begin if segmented else math.prod(dims)
    if proto.HasField("raw_data") and data_type != 4:
        values = np.frombuffer(proto.raw_data, dtype=dtype)
    elif data_type == 3:
        values = np.frombuffer(proto.byte_data, dtype=np.uint8)
    elif data_type == 4:
        values = np.empty(len(proto.string_data), dtype=object)
        values[:] = [bytes(s) for s in proto.string_data]
    elif data_type == 12:
        values = np.asarray(proto.int32_data, dtype=np.int32).astype(np.uint16).view(np.float16)
    else:
        values = np.asarray(getattr(proto, _FIELD[data_type]), dtype=dtype)
    if values.size != count:
        raise TensorFormatError(
            f"{what}: dims {dims} ({TensorProto.DataType.Name(data_type)}) need {count} "
            f"value(s), but the proto holds {values.size}. The record is corrupt or was "
            "written with other dims."
        )
    values = values.astype(dtype, copy=True)
    return values if segmented else values.reshape(dims)
