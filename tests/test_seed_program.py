"""The seed study note's program runs with only its import line changed.

The note lives outside the package (``../shared/seed/`` beside the checkout, as on CI).
Its Python code blocks are extracted, ``from caffe2.python import`` is replaced by
``from graphlab import`` (``caffe2_programs.port``, which also checks that nothing else
changed), and the blocks are executed in order in one namespace. The note's own program
has no asserts, so this test checks the outcome afterwards.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import numpy as np
import pytest
from caffe2_programs import run_program

from graphlab import workspace

SEED_DIR = Path(__file__).resolve().parents[2] / "shared" / "seed"


def _seed_blocks() -> list[str]:
    files = sorted(SEED_DIR.glob("*.txt")) if SEED_DIR.is_dir() else []
    if not files:
        pytest.skip(f"the seed note is not beside this checkout ({SEED_DIR})")
    text = files[0].read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    return [textwrap.dedent(b) for b in blocks]


def test_seed_program_runs_with_only_the_import_changed(monkeypatch):
    blocks = _seed_blocks()
    program = "\n\n".join(blocks)
    workspace.SetRandomSeed(2017)
    namespace, _ = run_program(program, "seed_program")  # port() checks only imports change

    train_net = namespace["train_net"]
    ops = train_net.Proto().op
    assert [op.type for op in ops] == [
        "GaussianFill", "FC", "GaussianFill", "Add", "StopGradient", "FC", "SquaredL2Distance",
        "AveragedLoss", "ConstantFill", "AveragedLossGradient", "SquaredL2DistanceGradient",
        "FCGradient", "Iter", "LearningRate", "WeightedSum", "WeightedSum",
    ]
    W = workspace.FetchBlob("W")
    B = workspace.FetchBlob("B")
    assert W.shape == (1, 2) and W.dtype == np.float32
    assert B.shape == (1,) and B.dtype == np.float32
    np.testing.assert_allclose(W, [[2.0, 1.5]], atol=0.3)
    np.testing.assert_allclose(B, [0.5], atol=0.3)
    assert int(workspace.FetchBlob("ITER")[0]) == 100
    assert float(workspace.FetchBlob("LR")) == pytest.approx(-0.1 * 0.9**5)
