"""graphlab.utils (Caffe2's tensor helpers) and core.GlobalInit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from graphlab import caffe2_pb2, core, utils, workspace
from graphlab.errors import ArgumentError
from graphlab.tensors import TensorFormatError


@pytest.mark.parametrize(("arr", "data_type", "field", "back"), [
    (np.float32([[1.5, 2]]), caffe2_pb2.TensorProto.FLOAT, "float_data", np.float32),
    (np.float64([1.5]), caffe2_pb2.TensorProto.DOUBLE, "double_data", np.float64),
    (np.int32([1, 2]), caffe2_pb2.TensorProto.INT32, "int32_data", np.int64),
    (np.int64(5), caffe2_pb2.TensorProto.INT32, "int32_data", np.int64),
    (np.uint8([7, 255]), caffe2_pb2.TensorProto.UINT8, "int32_data", np.uint8),
    (np.int16([-3]), caffe2_pb2.TensorProto.INT16, "int32_data", np.int16),
    (np.bool_([True, False]), caffe2_pb2.TensorProto.BOOL, "int32_data", np.bool_),
])
def test_numpy_to_tensor_and_back(arr, data_type, field, back):
    arr = np.asarray(arr)
    t = utils.NumpyArrayToCaffe2Tensor(arr, "x")
    assert (t.data_type, list(t.dims), t.name) == (data_type, list(arr.shape), "x")
    assert getattr(t, field)
    out = utils.Caffe2TensorToNumpyArray(t)
    assert out.dtype == back and out.shape == arr.shape
    np.testing.assert_array_equal(out, arr)


def test_int64_beyond_int32_is_an_error():
    with pytest.raises(TensorFormatError, match="beyond int32"):
        utils.NumpyArrayToCaffe2Tensor(np.array([2**31]))


def test_corrupt_tensor_is_reported():
    t = caffe2_pb2.TensorProto(data_type=caffe2_pb2.TensorProto.FLOAT, dims=[3])
    t.float_data.extend([1.0])
    with pytest.raises(TensorFormatError, match=r"dims \[3\] \(FLOAT\) need 3 value\(s\)"):
        utils.Caffe2TensorToNumpyArray(t)


def test_global_init_names_the_flags_it_ignores():
    with pytest.warns(UserWarning, match="ignores --caffe2_log_level=0, --v=1"):
        assert core.GlobalInit(["caffe2", "--caffe2_log_level=0", "--v=1", "file"]) is None
    with pytest.warns(UserWarning, match="ignores --caffe2_omp_num_threads=1"):
        assert workspace.GlobalInit(["caffe2", "--caffe2_omp_num_threads=1"]) is True
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        core.GlobalInit(["caffe2"])  # no flags, nothing to say
    with pytest.raises(ArgumentError, match="unknown flag '--log_level=0'"):
        core.GlobalInit(["caffe2", "--log_level=0"])
    with pytest.raises(ArgumentError, match="list of strings"):
        core.GlobalInit("--caffe2_log_level=0")
