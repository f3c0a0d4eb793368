"""Test cases for graphlab/ops/python.py (see tests/op_case.py for the format).

The ``Python`` op runs a function registered by ``net.Python``; here two functions are
registered directly (``graphlab.pyfunc.register``) and their tokens passed as the op's
``token`` argument, so the generic tests check the op's forward against NumPy and its
``PythonGradient`` (running ``grad_f``) against finite differences. The API around it
(``net.Python``, wrappers, tokens, the tutorial) is tested in tests/test_python_op.py.
"""

from __future__ import annotations

import numpy as np
from op_case import Case

from graphlab import pyfunc


def _scaled_product(inputs, outputs):
    """y = 2·a·b and s = Σ a (two inputs, two outputs)."""
    a, b = inputs[0].data, inputs[1].data
    outputs[0].feed(2 * a * b)  # feed keeps float64 (reshape would make a float32 blob)
    outputs[1].feed(np.array(a.sum()))


def _scaled_product_grad(inputs, outputs):
    a, b, dy, ds = inputs[0].data, inputs[1].data, inputs[4].data, inputs[5].data
    outputs[0].feed(2 * b * dy + ds)
    outputs[1].feed(2 * a * dy)


TOKEN = pyfunc.register(_scaled_product, _scaled_product_grad)


def _ref(a, b, token):
    return 2 * a * b, np.array(a.sum())


CASES: dict[str, list[Case]] = {
    "Python": [
        Case(lambda rng: [rng.normal(size=(3, 2)), rng.normal(size=(3, 2))], _ref,
             args={"token": TOKEN}, n_outputs=2, id="two-in-two-out"),
    ],
}

GRADIENT_OPS: dict[str, str] = {"PythonGradient": "Python"}
