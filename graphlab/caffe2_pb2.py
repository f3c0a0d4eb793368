"""The ``caffe2_pb2`` names Caffe2 tutorial code uses, so its import line can change too.

Caffe2 scripts often start with ``from caffe2.proto import caffe2_pb2`` (the Basics
tutorial does). Write ``from graphlab import caffe2_pb2`` instead; the names below then
work unchanged::

    device = core.DeviceOption(caffe2_pb2.CPU, 0)
    op = core.CreateOperator("Relu", ["X"], ["Y"], device_option=device)
    isinstance(op, caffe2_pb2.OperatorDef)        # True
    caffe2_pb2.TensorProto.INT32 == core.DataType.INT32

    protos = caffe2_pb2.TensorProtos()             # a DB record: tensors side by side
    t = protos.protos.add()
    t.dims.extend([2]); t.data_type = caffe2_pb2.TensorProto.FLOAT
    t.float_data.extend([1.0, 2.0])
    record = protos.SerializeToString()            # the bytes Caffe2 would write

Two kinds of classes live here (docs/files-and-formats.md says why):

* ``NetDef``, ``OperatorDef``, ``Argument``, ``DeviceOption`` are graphlab's plain
  dataclasses (:mod:`graphlab.proto`): they print in the same text format and have
  ``SerializeToString``/``ParseFromString`` for Caffe2's binary format.
* ``TensorProto``, ``TensorProtos``, ``TensorShape``, ``BlobProto``, ``DBReaderProto``
  are real protobuf message classes (built by :mod:`graphlab.wire` with Caffe2's field
  numbers), since tensors in DB records and files only ever cross that boundary.

graphlab runs on the CPU only; a ``CUDA`` device type is recorded and ignored.
"""

from __future__ import annotations

from .proto import Argument, DeviceOption, NetDef, OperatorDef
from .wire import message_class

__all__ = [
    "CPU",
    "CUDA",
    "Argument",
    "BlobProto",
    "DBReaderProto",
    "DeviceOption",
    "NetDef",
    "OperatorDef",
    "TensorProto",
    "TensorProtos",
    "TensorShape",
    "TensorShapes",
]

#: Device types (``DeviceType`` in caffe2.proto).
CPU = 0
CUDA = 1

TensorProto = message_class("TensorProto")
TensorProtos = message_class("TensorProtos")
TensorShape = message_class("TensorShape")
TensorShapes = message_class("TensorShapes")
BlobProto = message_class("BlobProto")
DBReaderProto = message_class("DBReaderProto")
