"""The ``caffe2_pb2`` names Caffe2 tutorial code uses, so its import line can change too.

Caffe2 scripts often start with ``from caffe2.proto import caffe2_pb2`` (the Basics
tutorial does). Write ``from graphlab import caffe2_pb2`` instead; the names below then
work unchanged::

    device = core.DeviceOption(caffe2_pb2.CPU, 0)
    op = core.CreateOperator("Relu", ["X"], ["Y"], device_option=device)
    isinstance(op, caffe2_pb2.OperatorDef)        # True
    caffe2_pb2.TensorProto.INT32 == core.DataType.INT32

The message classes are graphlab's plain dataclasses (:mod:`graphlab.proto`), not protobuf
messages: they print the same text format but have no ``SerializeToString``. graphlab runs
on the CPU only; a ``CUDA`` device type is recorded and ignored.
"""

from __future__ import annotations

from .core import DataType
from .proto import Argument, DeviceOption, NetDef, OperatorDef

__all__ = ["CPU", "CUDA", "Argument", "DeviceOption", "NetDef", "OperatorDef", "TensorProto"]

#: Device types (``DeviceType`` in caffe2.proto).
CPU = 0
CUDA = 1


class TensorProto:
    """Only the data-type constants: ``TensorProto.FLOAT``, ``TensorProto.DataType.INT32``."""

    DataType = DataType
    UNDEFINED = DataType.UNDEFINED
    FLOAT = DataType.FLOAT
    INT32 = DataType.INT32
    BYTE = DataType.BYTE
    STRING = DataType.STRING
    BOOL = DataType.BOOL
    UINT8 = DataType.UINT8
    INT8 = DataType.INT8
    UINT16 = DataType.UINT16
    INT16 = DataType.INT16
    INT64 = DataType.INT64
    FLOAT16 = DataType.FLOAT16
    DOUBLE = DataType.DOUBLE
