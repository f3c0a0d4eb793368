"""Caffe2's binary wire format (graphlab/wire.py) and the thin methods on the dataclasses."""

from __future__ import annotations

import numpy as np
import pytest

from graphlab import caffe2_pb2, core
from graphlab.proto import Argument, DeviceOption, NetDef, OperatorDef, make_argument
from graphlab.wire import MESSAGES, WireFormatError, message_class, to_message


def _net() -> NetDef:
    inner = NetDef(name="inner", op=[OperatorDef(input=["a"], output=["b"], type="Relu")])
    op = OperatorDef(
        input=["X", "W"], output=["Y"], name="fc", type="FC",
        arg=[make_argument("axis", 1), make_argument("alpha", 0.5),
             make_argument("mode", "sum"), make_argument("ints", [1, -2]),
             make_argument("floats", [0.25, 1.5]), make_argument("names", ["p", "q"]),
             make_argument("body", inner), make_argument("nets", [inner, inner])],
        device_option=DeviceOption(device_type=0, device_id=1, random_seed=7,
                                   node_name="n"),
        engine="CUDNN", control_input=["c"], is_gradient_op=True, debug_info="dbg",
    )
    return NetDef(name="net", op=[op], type="simple", num_workers=2,
                  arg=[make_argument("k", 3)], external_input=["X", "W"],
                  external_output=["Y"])


def test_every_field_round_trips():
    net = _net()
    data = net.SerializeToString()
    back = NetDef()
    assert back.ParseFromString(data) == len(data)
    assert back == net
    assert str(back) == str(net)


def test_known_bytes_of_a_small_op():
    # field 1 "X" (0a 01 58), field 2 "Y" (12 01 59), field 3 "" (1a 00), field 4 "Relu"
    op = OperatorDef(input=["X"], output=["Y"], type="Relu")
    assert op.SerializeToString() == b"\x0a\x01X\x12\x01Y\x1a\x00\x22\x04Relu"


def test_unset_and_false_fields_are_not_written():
    op = OperatorDef(type="Relu")
    message = to_message(op)
    assert not message.HasField("device_option")
    assert not message.HasField("is_gradient_op")
    assert not message.HasField("engine")


def test_origin_never_reaches_the_wire():
    a = core.CreateOperator("Relu", ["X"], ["Y"])
    assert a.origin
    b = OperatorDef()
    b.ParseFromString(a.SerializeToString())
    assert b.origin == "" and b == a


def test_argument_and_device_option_serialize_alone():
    arg = Argument(name="x", f=1.5)
    back = Argument()
    back.ParseFromString(arg.SerializeToString())
    assert back == arg
    dev = DeviceOption(device_type=1, device_id=3)
    back_dev = DeviceOption()
    back_dev.ParseFromString(dev.SerializeToString())
    assert back_dev == dev


def test_field_graphlab_cannot_hold_is_an_error():
    message = message_class("Argument")(name="t")
    message.t.dims.append(2)
    with pytest.raises(WireFormatError, match=r"Argument\.t \(field 10\)"):
        Argument().ParseFromString(message.SerializeToString())


def test_non_utf8_argument_string_is_an_error():
    message = message_class("Argument")(name="s", s=b"\xff\xfe")
    with pytest.raises(WireFormatError, match="not UTF-8"):
        Argument().ParseFromString(message.SerializeToString())


def test_garbage_bytes_are_an_error():
    with pytest.raises(WireFormatError, match="not a serialized NetDef"):
        NetDef().ParseFromString(b"\xff\xff\xff")


def test_failed_parse_changes_nothing():
    net = _net()
    before = str(net)
    with pytest.raises(WireFormatError):
        net.ParseFromString(b"\x0a\x05ab")  # a string field cut short
    assert str(net) == before


def test_nested_nets_round_trip():
    net = NetDef(name="leaf")
    for depth in range(50):
        net = NetDef(name=f"n{depth}", arg=[make_argument("body", net)])
    back = NetDef()
    back.ParseFromString(net.SerializeToString())
    assert back == net


def test_tensor_protos_work_like_caffe2s():
    protos = caffe2_pb2.TensorProtos()
    t = protos.protos.add()
    t.dims.extend([2])
    t.data_type = caffe2_pb2.TensorProto.FLOAT
    t.float_data.extend([1.0, 2.0])
    data = protos.SerializeToString()
    # protos (field 1, 14 bytes): dims 2, data_type 1, float_data packed (8 bytes)
    assert data == (b"\x0a\x0e\x08\x02\x10\x01\x1a\x08" + np.float32([1, 2]).tobytes())
    back = caffe2_pb2.TensorProtos()
    back.ParseFromString(data)
    assert list(back.protos[0].float_data) == [1.0, 2.0]
    assert back.protos[0].data_type == caffe2_pb2.TensorProto.FLOAT == core.DataType.FLOAT
    assert caffe2_pb2.TensorProto.DataType.Name(caffe2_pb2.TensorProto.UINT8) == "UINT8"


def test_field_numbers_are_unique_per_message():
    for name, fields in MESSAGES.items():
        numbers = [f[1] for f in fields]
        assert len(numbers) == len(set(numbers)), name
