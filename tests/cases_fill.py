"""Test cases for graphlab/ops/fill.py (see tests/op_case.py for the format).

Only the deterministic fillers have forward cases; references are plain NumPy. The
random fillers are checked statistically in tests/test_fill.py.
"""

from __future__ import annotations

import numpy as np
from op_case import Case

FLOAT, INT32, BOOL, STRING, INT64, DOUBLE, INT8, UINT8 = 1, 2, 5, 4, 10, 13, 7, 6


def _none(rng):
    return []


def _like(*shape, dtype=np.float64):
    return lambda rng: [rng.uniform(-1, 1, size=shape).astype(dtype)]


def _const(value, dtype):
    """Reference: ``value`` in an array shaped like the input (or ``shape``) + extra_shape."""
    def ref(*inputs, shape=(), extra_shape=(), input_as_shape=0, **_):
        if inputs and input_as_shape:
            out_shape = tuple(int(d) for d in inputs[0]) + tuple(extra_shape)
        elif inputs:
            out_shape = inputs[0].shape + tuple(extra_shape)
        else:
            out_shape = tuple(shape)
        if dtype is np.str_:
            return np.array([value] * int(np.prod(out_shape)), dtype=str).reshape(out_shape)
        return np.full(out_shape, value, dtype=dtype)
    return ref


CASES: dict[str, list[Case]] = {
    "ConstantFill": [
        Case(_none, _const(0.0, np.float32), id="no-args-float32-zero-scalar"),
        Case(_none, _const(1.0, np.float32), args={"shape": [1], "value": 1.0}, id="seed-ONE"),
        Case(_none, _const(0, np.int32), args={"shape": [1], "value": 0, "dtype": INT32},
             id="seed-ITER-int32"),
        Case(_none, _const(7, np.int64), args={"shape": [2, 2], "value": 7},
             id="int-value-gives-int64"),
        Case(_none, _const(2.5, np.float64), args={"shape": [3], "value": 2.5, "dtype": DOUBLE},
             id="double"),
        Case(_none, _const(3.0, np.float32), args={"shape": [2], "value": 3, "dtype": FLOAT},
             id="int-value-float-dtype"),
        Case(_none, _const(True, np.bool_), args={"shape": [2, 1], "value": 1, "dtype": BOOL},
             id="bool"),
        Case(_none, _const(-5, np.int8), args={"shape": [4], "value": -5, "dtype": INT8},
             id="int8"),
        Case(_none, _const(200, np.uint8), args={"shape": [4], "value": 200, "dtype": UINT8},
             id="uint8"),
        Case(_none, _const("ab", np.str_), args={"shape": [2], "value": "ab"},
             id="string-from-value"),
        Case(_none, _const("", np.str_), args={"shape": [2], "dtype": STRING},
             id="string-dtype-empty"),
        Case(_none, _const(0, np.int64), args={"shape": [3], "dtype": INT64}, id="int64-zeros"),
        Case(_like(4, 3), _const(1.0, np.float32), args={"value": 1.0}, id="shaped-like-input"),
        Case(_like(), _const(1.0, np.float32), args={"value": 1.0}, id="loss-seed-0d"),
        Case(_like(2, dtype=np.int32), _const(0.5, np.float32),
             args={"value": 0.5, "extra_shape": [3]}, id="input-plus-extra-shape"),
        Case(lambda rng: [np.array([2, 3], np.int64)], _const(4.0, np.float32),
             args={"value": 4.0, "input_as_shape": 1}, id="input-as-shape"),
        Case(lambda rng: [np.array([2], np.int64)], _const(1.0, np.float32),
             args={"value": 1.0, "input_as_shape": 1, "extra_shape": [3]},
             id="input-as-shape-plus-extra"),
        Case(_none, _const(1.0, np.float32), args={"shape": [0, 3], "value": 1.0},
             id="empty"),
    ],
    "GivenTensorFill": [
        Case(_none, lambda **k: np.array([[2.0, 1.5]], np.float32),
             args={"shape": [1, 2], "values": [2.0, 1.5]}, id="seed-W_gt"),
        Case(_none, lambda **k: np.array([0.5], np.float32),
             args={"shape": [1], "values": [0.5]}, id="seed-B_gt"),
        Case(_none, lambda **k: np.arange(6, dtype=np.float64).reshape(2, 3),
             args={"shape": [2, 3], "values": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], "dtype": DOUBLE},
             id="dtype-double"),
        Case(_none, lambda **k: np.array([3, -1], np.int64),
             args={"shape": [2], "values": [3.0, -1.0], "dtype": INT64}, id="dtype-int64"),
        Case(_none, lambda **k: np.array([2.0, 1.0], np.float32),
             args={"shape": [2], "values": [2, 1]}, id="int-values-converted"),
        Case(_like(2, 2), lambda x, **k: np.array([[1, 2], [3, 4]], np.float32),
             args={"values": [1.0, 2.0, 3.0, 4.0]}, id="shape-from-input"),
        Case(_none, lambda **k: np.array(9.0, np.float32), args={"values": [9.0]},
             id="scalar"),
    ],
    "GivenTensorDoubleFill": [
        Case(_none, lambda **k: np.array([[0.1, 0.2], [0.3, 0.4]], np.float64),
             args={"shape": [2, 2], "values": [0.1, 0.2, 0.3, 0.4]}),
    ],
    "GivenTensorIntFill": [
        Case(_none, lambda **k: np.array([[1, -2, 3]], np.int32),
             args={"shape": [1, 3], "values": [1, -2, 3]}),
    ],
    "GivenTensorInt64Fill": [
        Case(_none, lambda **k: np.array([2**40, -1], np.int64),
             args={"shape": [2], "values": [2**40, -1]}),
    ],
    "GivenTensorBoolFill": [
        Case(_none, lambda **k: np.array([True, False, True]),
             args={"shape": [3], "values": [True, False, True]}),
    ],
    "GivenTensorStringFill": [
        Case(_none, lambda **k: np.array([["a", "bc"]]),
             args={"shape": [1, 2], "values": ["a", "bc"]}),
    ],
    "RangeFill": [
        Case(_none, lambda **k: np.arange(6, dtype=np.float32).reshape(2, 3),
             args={"shape": [2, 3]}, id="from-shape"),
        Case(_like(3, 2, dtype=np.int64),
             lambda x, **k: np.arange(x.size, dtype=np.float32).reshape(x.shape),
             id="shaped-like-input"),
    ],
}

#: Random fillers: checked for dtype, shape, range and statistics elsewhere.
TESTED_ELSEWHERE: dict[str, str] = {
    "UniformFill": "tests/test_fill.py (range [min, max), mean, seeds, run_once)",
    "UniformIntFill": "tests/test_fill.py (inclusive range, int32, every value drawn)",
    "GaussianFill": "tests/test_fill.py (mean/std statistics with a fixed seed)",
    "XavierFill": "tests/test_fill.py (scale sqrt(3/fan_in), uniform)",
    "MSRAFill": "tests/test_fill.py (std sqrt(2/fan_out), needs 2-D)",
}

GRADIENT_OPS: dict[str, str] = {}
