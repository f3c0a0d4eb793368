"""Test cases for graphlab/ops/io.py (see tests/op_case.py for the format).

Save and Load work on files, so these cases share one scratch file per test process in
the system temp directory. A Load case's ``make_inputs`` writes that file with plain
``np.savez`` (independently of graphlab's writer) and returns no inputs; its reference
returns the arrays written. The stored names are ``out0``, ``out1``, ...: the names a
case runner gives an op's outputs (tests/test_checkpoint.py runs these cases that way).
A Save case has no outputs; the file it writes is checked in tests/test_checkpoint.py.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
from op_case import Case

SCRATCH = os.path.join(tempfile.gettempdir(), f"graphlab-cases-io-{os.getpid()}.npz")


def _sample(rng: np.random.Generator) -> list[np.ndarray]:
    return [
        rng.standard_normal((2, 3)).astype(np.float32),
        np.array([41], np.int64),
        rng.uniform(size=4) < 0.5,
        np.array(["cat", "dög"]),
    ]


def _write(names: list[str], with_table: bool = True):
    """``make_inputs`` that writes the sample under ``names`` and returns no inputs."""

    def make(rng: np.random.Generator) -> list[np.ndarray]:
        data = _sample(rng)[: len(names)]
        if with_table:
            members = {f"blob_{k}": v for k, v in enumerate(data)}
            np.savez(SCRATCH, __graphlab_names__=np.array(names), **members)
        else:
            np.savez(SCRATCH, **dict(zip(names, data)))
        return []

    return make


def _loaded(*order: int):
    """Reference: the sample arrays (from the same seed the runner uses) in ``order``."""

    def ref(*_inputs, **_args):
        data = _sample(np.random.default_rng(0))
        picked = tuple(data[k] for k in order)
        return picked if len(picked) > 1 else picked[0]

    return ref


def _no_outputs(*_inputs, **_args):
    return ()


_AT = {"db": SCRATCH, "absolute_path": 1}

CASES: dict[str, list[Case]] = {
    "Save": [
        Case(lambda rng: [rng.standard_normal((3, 2)), np.arange(4, dtype=np.int32)],
             _no_outputs, args=_AT, n_outputs=0, id="two-blobs"),
        Case(lambda rng: [np.array(["a", "b"]), np.array(True)], _no_outputs,
             args={**_AT, "blob_name_overrides": ["s", "flag"]}, n_outputs=0,
             id="overrides"),
    ],
    "Load": [
        Case(_write(["out0", "out1", "out2", "out3"]), _loaded(0, 1, 2, 3), args=_AT,
             n_outputs=4, id="every-dtype"),
        Case(_write(["x/out1", "x/skip", "x/junk", "x/out0"]), _loaded(3, 0),
             args={**_AT, "strip_prefix": "x/"}, n_outputs=2, id="strip-prefix-reordered"),
        Case(_write(["out0"], with_table=False), _loaded(0), args=_AT, n_outputs=1,
             id="plain-npz"),
    ],
}

GRADIENT_OPS: dict[str, str] = {}
