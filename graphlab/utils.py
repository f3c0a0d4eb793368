"""Caffe2's ``utils`` helpers that tutorials call: NumPy arrays to ``TensorProto`` and back.

The create_your_own_dataset tutorial builds each DB record like this::

    feature_and_label = caffe2_pb2.TensorProtos()
    feature_and_label.protos.extend([
        utils.NumpyArrayToCaffe2Tensor(features[i]),      # float32 [4] -> FLOAT
        utils.NumpyArrayToCaffe2Tensor(labels[i])])       # an int     -> INT32
    record = feature_and_label.SerializeToString()

These two functions follow the rules of Caffe2's Python helpers, which differ in places
from what its C++ ``Save`` writes (:mod:`graphlab.tensors`):

* an ``int64`` array (NumPy's default integer, what ``np.loadtxt(dtype=int)`` gives)
  becomes ``INT32``, and ``Caffe2TensorToNumpyArray`` turns ``INT32`` back into
  ``int64``: Caffe2 wrote ``np.int`` for both. graphlab raises an error where a value
  does not fit in 32 bits (Caffe2's protobuf raised a bare ``ValueError``);
* ``uint8``/``int8``/``uint16``/``int16`` keep their types, one ``int32_data`` entry
  per element.

Caffe2 raised ``RuntimeError`` for every other type. graphlab handles the rest (bool,
float16, int64 tensors written by ``Save``, BYTE images, strings) the way Caffe2's C++
code stores them, and says so here rather than failing.
"""

from __future__ import annotations

import numpy as np

from .tensors import TensorFormatError, array_to_tensor, tensor_to_array
from .wire import message_class

__all__ = ["Caffe2TensorToNumpyArray", "NumpyArrayToCaffe2Tensor"]

TensorProto = message_class("TensorProto")

_INT32 = np.iinfo(np.int32)
_SMALL_INTS = {np.dtype(np.int16): TensorProto.INT16, np.dtype(np.uint16): TensorProto.UINT16,
               np.dtype(np.int8): TensorProto.INT8, np.dtype(np.uint8): TensorProto.UINT8}


def NumpyArrayToCaffe2Tensor(arr: np.ndarray, name: str | None = None) -> object:  # noqa: N802
    """A ``TensorProto`` holding ``arr`` (its shape in ``dims``), named ``name`` if given.

    float32 → FLOAT/``float_data``; float64 → DOUBLE/``double_data``; int32 and int64 →
    INT32/``int32_data``; int16, uint16, int8, uint8 → their type in ``int32_data``.
    Other dtypes are stored as Caffe2's ``Save`` stores them (see the module doc).

    Raises:
        TensorFormatError: an int64 value outside the int32 range, or a dtype Caffe2
            has no tensor type for.
    """
    arr = np.asarray(arr)
    tensor = TensorProto()
    tensor.dims.extend(int(d) for d in arr.shape)
    if name:
        tensor.name = name
    flat = arr.reshape(-1)
    if arr.dtype == np.float32:
        tensor.data_type = TensorProto.FLOAT
        tensor.float_data.extend(flat.tolist())
    elif arr.dtype == np.float64:
        tensor.data_type = TensorProto.DOUBLE
        tensor.double_data.extend(flat.tolist())
    elif arr.dtype in (np.int64, np.int32):
        if flat.size and (flat.min() < _INT32.min or flat.max() > _INT32.max):
            raise TensorFormatError(
                f"NumpyArrayToCaffe2Tensor stores {arr.dtype} as INT32, but values range "
                f"over [{flat.min()}, {flat.max()}], beyond int32. Store them as float64 "
                "or split them."
            )
        tensor.data_type = TensorProto.INT32
        tensor.int32_data.extend(flat.tolist())
    elif arr.dtype in _SMALL_INTS:
        tensor.data_type = _SMALL_INTS[arr.dtype]
        tensor.int32_data.extend(flat.tolist())
    else:
        tensor = array_to_tensor(arr, name=name or None)
    return tensor


def Caffe2TensorToNumpyArray(tensor: object) -> np.ndarray:  # noqa: N802
    """The NumPy array a ``TensorProto`` holds, shaped by its ``dims``.

    As in Caffe2, an ``INT32`` tensor comes back as ``int64`` (NumPy's default int);
    FLOAT → float32, DOUBLE → float64, the small int types keep their type. Other types
    come back as Caffe2's C++ code reads them (INT64 → int64, BOOL → bool, BYTE → uint8).
    """
    values = tensor_to_array(tensor)
    if tensor.data_type == TensorProto.INT32:
        return values.astype(np.int64)
    return values
