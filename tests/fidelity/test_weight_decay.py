"""``build_sgd(weight_decay=...)``: what Caffe2 did with it, and that graphlab does the same.

Caffe2's SgdOptimizer handed ``weight_decay`` to the LearningRate op, which ignored it, so
training with and without it gave the same parameters. graphlab accepts it, warns that it
has no effect, and trains identically.
"""

from __future__ import annotations

import numpy as np
import pytest
from caffe2_oracle import requires_caffe2, run_caffe2

from graphlab import brew, model_helper, optimizer, workspace

PROGRAM = """
from caffe2.python import brew, model_helper, optimizer, workspace
import numpy as np
for decay in (None, 0.5):
    workspace.ResetWorkspace()
    m = model_helper.ModelHelper(name="wd")
    y = brew.fc(m, "X", "y", dim_in=3, dim_out=1)
    d = m.net.SquaredL2Distance([y, "T"], "d")
    loss = m.net.AveragedLoss(d, "loss")
    m.AddGradientOperators([loss])
    extra = {} if decay is None else {"weight_decay": decay}
    optimizer.build_sgd(m, base_learning_rate=0.1, **extra)
    workspace.FeedBlob("X", INPUTS["X"])
    workspace.FeedBlob("T", INPUTS["T"])
    workspace.RunNetOnce(m.param_init_net)
    workspace.FeedBlob("y_w", INPUTS["W0"])
    workspace.CreateNet(m.net)
    workspace.RunNet(m.net, 5)
    OUTPUTS["W_" + str(decay)] = workspace.FetchBlob("y_w")
"""


def _train(decay: float | None, data: dict[str, np.ndarray]) -> np.ndarray:
    workspace.ResetWorkspace()
    m = model_helper.ModelHelper(name="wd")
    y = brew.fc(m, "X", "y", dim_in=3, dim_out=1)
    d = m.net.SquaredL2Distance([y, "T"], "d")
    loss = m.net.AveragedLoss(d, "loss")
    m.AddGradientOperators([loss])
    if decay is None:
        optimizer.build_sgd(m, base_learning_rate=0.1)
    else:
        with pytest.warns(UserWarning, match="weight_decay=0.5.* has no effect"):
            optimizer.build_sgd(m, base_learning_rate=0.1, weight_decay=decay)
    lr_ops = [op for op in m.net.Proto().op if op.type == "LearningRate"]
    assert all(a.name != "weight_decay" for a in lr_ops[0].arg)
    workspace.FeedBlob("X", data["X"])
    workspace.FeedBlob("T", data["T"])
    workspace.RunNetOnce(m.param_init_net)
    workspace.FeedBlob("y_w", data["W0"])
    workspace.CreateNet(m.net)
    workspace.RunNet(m.net.Proto().name, 5)
    W = workspace.FetchBlob("y_w")
    workspace.ResetWorkspace()
    return W


def _data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    return {"X": rng.normal(size=(8, 3)).astype(np.float32),
            "T": rng.normal(size=(8, 1)).astype(np.float32),
            "W0": rng.normal(size=(1, 3)).astype(np.float32)}


def test_weight_decay_is_accepted_with_a_warning_and_changes_nothing() -> None:
    data = _data()
    np.testing.assert_array_equal(_train(0.5, data), _train(None, data))


@requires_caffe2
def test_caffe2_ignored_weight_decay_too() -> None:
    data = _data()
    theirs = run_caffe2(PROGRAM, data)
    np.testing.assert_array_equal(theirs["W_0.5"], theirs["W_None"])
    np.testing.assert_allclose(_train(0.5, data), theirs["W_0.5"], rtol=1e-5, atol=1e-6)
