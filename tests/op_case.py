"""How op test cases are written: one ``Case`` per registered forward operator.

Each ``tests/cases_<family>.py`` module defines ``CASES: dict[str, list[Case]]`` keyed by
op type. ``tests/test_ops_generic.py`` collects them all and, for every case:

* runs the op through a workspace (``RunOperatorOnce``) on the case's inputs and compares
  every output with ``reference(*inputs, **args)`` — an *independent* NumPy expression
  written in the case, not a call into graphlab — including shape and dtype;
* for differentiable ops, builds the gradient with ``AddGradientOperators`` and checks it
  against central finite differences in float64 (``graphlab.gradient_checker``).

A meta-test fails if a registered op has no case (gradient ops are covered through the
gradient check of their forward op; list them in ``covered_by_gradient_of``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Case:
    """One forward test (and, if the op is differentiable, one gradient test).

    Attributes:
        make_inputs: ``rng -> list of arrays`` (use float64 for inputs that get gradients;
            the gradient test converts float32 inputs to float64 itself).
        reference: ``(*inputs, **args) -> array or tuple of arrays``, independent NumPy.
        args: keyword arguments for the op.
        grad_inputs: indices of inputs to check gradients for (None: every float input).
        grad_outputs: indices of outputs that carry a gradient (None: every float output).
        skip_grad: reason to skip the numeric gradient check for this case ("" = check).
        rtol, atol: forward comparison tolerances.
        n_outputs: number of outputs (default: from the reference's result).
        inplace: run with output 0 written over input 0 (tests in-place support).
    """

    make_inputs: Callable[[np.random.Generator], Sequence[np.ndarray]]
    reference: Callable[..., Any]
    args: dict[str, Any] = field(default_factory=dict)
    grad_inputs: Sequence[int] | None = None
    grad_outputs: Sequence[int] | None = None
    skip_grad: str = ""
    rtol: float = 1e-5
    atol: float = 1e-6
    n_outputs: int | None = None
    inplace: bool = False
    check_dtype: bool = True
    id: str = ""
