"""A notebook cell that runs twice and appends its ops again gets a warning naming both lines."""

from __future__ import annotations

import warnings

import pytest

from graphlab import brew, core, model_helper, optimizer
from graphlab.errors import RepeatedOpWarning

UPDATE_CELL = """
net.Iter("ITER", "ITER")
lr = net.LearningRate("ITER", "LR", base_lr=-0.1, policy="step", stepsize=20, gamma=0.9)
net.WeightedSum(["W", "ONE", grads["W"], lr], "W")
"""


def _update_cell(net: core.Net, grads: dict, run: int = 1) -> None:
    """Notebook 2's update cell; Jupyter compiles each run of a cell under its own name."""
    exec(compile(UPDATE_CELL, f"<cell run {run}>", "exec"), {"net": net, "grads": grads})


def _seed_forward() -> tuple[core.Net, dict]:
    net = core.Net("rerun")
    X = net.GaussianFill([], "X", shape=[4, 2])
    loss = X.FC(["W", "B"], "Y").AveragedLoss([], "loss")
    return net, net.AddGradientOperators([loss])


def test_a_cell_run_twice_warns_naming_both_lines() -> None:
    net, grads = _seed_forward()
    _update_cell(net, grads)
    with pytest.warns(RepeatedOpWarning) as caught:
        _update_cell(net, grads, run=2)
    assert len(caught) == 3  # Iter, LearningRate, WeightedSum
    message = str(caught[0].message)
    assert "Did this cell run twice?" in message
    assert "Iter(ITER) -> ITER" in message
    assert "<cell run 1>:2" in message and "<cell run 2>:2" in message  # both creating lines
    assert "core.Net(" in message  # the fix


def test_ops_repeated_on_one_line_are_normal() -> None:
    net, grads = _seed_forward()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RepeatedOpWarning)
        for _ in range(2):
            net.Relu("Y", "Y")  # same origin: a loop, not a re-run


def test_a_second_optimizer_for_the_same_parameter_warns() -> None:
    model = model_helper.ModelHelper(name="twice")
    pred = brew.fc(model, "data", "pred", dim_in=2, dim_out=1)
    model.AveragedLoss(model.SquaredL2Distance(["label", pred], "dist"), "loss")
    model.AddGradientOperators(["loss"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RepeatedOpWarning)
        optimizer.build_sgd(model, base_learning_rate=0.1)  # one update per parameter: fine
    with pytest.warns(RepeatedOpWarning, match="updates 'pred_[wb]' again"):
        optimizer.build_sgd(model, base_learning_rate=0.1)


def test_building_the_net_from_scratch_is_silent() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RepeatedOpWarning)
        for _ in range(2):  # the cell re-run, written the safe way
            net, grads = _seed_forward()
            _update_cell(net, grads, run=_ + 1)
