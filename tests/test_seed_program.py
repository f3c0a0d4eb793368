"""The seed study note's program runs with only its import line changed.

The note lives outside the package (``../shared/seed/`` beside the checkout, as on CI).
Its Python code blocks are extracted, ``from caffe2.python import`` is replaced by
``from graphlab import``, and the blocks are executed in order in one namespace. The
note's own program has no asserts, so this test checks the outcome afterwards.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from graphlab import workspace

SEED_DIR = Path(__file__).resolve().parents[2] / "shared" / "seed"


def _seed_blocks() -> list[str]:
    files = sorted(SEED_DIR.glob("*.txt")) if SEED_DIR.is_dir() else []
    if not files:
        pytest.skip(f"the seed note is not beside this checkout ({SEED_DIR})")
    text = files[0].read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    return [_dedent(b) for b in blocks]


def _dedent(block: str) -> str:
    lines = block.splitlines()
    indents = [len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()]
    cut = min(indents) if indents else 0
    return "\n".join(ln[cut:] for ln in lines)


def test_seed_program_runs_with_only_the_import_changed(monkeypatch):
    blocks = _seed_blocks()
    program = "\n\n".join(blocks)
    assert "from caffe2.python import" in program
    program = program.replace("from caffe2.python import", "from graphlab import")
    workspace.SetRandomSeed(2017)
    namespace: dict = {"__name__": "seed"}
    exec(compile(program, "seed_program", "exec"), namespace)  # noqa: S102 - the test's point

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
