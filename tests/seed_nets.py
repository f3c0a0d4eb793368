"""The seed's toy regression as test fixtures: one builder for every test that needs its nets.

The program is Caffe2's toy regression (caffe2-semantics.md §5.7): an init net that fills
the ground truth ``W_gt = [[2.0, 1.5]]``, ``B_gt = [0.5]``, the update constants ``ONE`` and
``ITER`` and the learned ``W ~ U[-1, 1)``, ``B = 0``; a train net that draws ``X`` [64, 2]
and ``noise`` [64, 1], makes ``Y_noise = X·W_gtᵀ + B_gt + noise``, predicts
``Y_pred = X·Wᵀ + B`` and averages the squared L2 distance into ``loss``; then the gradient
operators; then the hand-written SGD step (Iter, a step LearningRate, two WeightedSums).

Tests that must run the seed's *text* (tests/test_seed_program.py, tests/test_tutorials.py)
do not use this module: they execute the program as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from graphlab import core

Stage = Literal["forward", "gradients", "updates"]
STAGES: tuple[Stage, ...] = ("forward", "gradients", "updates")

#: The train net's ops as caffe2-semantics.md §5.7 lists them, ``(type, inputs, outputs)``:
#: 8 forward ops, then 4 from AddGradientOperators (the loss seed's ConstantFill first),
#: then the 4 hand-written update ops. Written out by hand, not taken from the builder.
TRAIN_OPS: list[tuple[str, list[str], list[str]]] = [
    ("GaussianFill", [], ["X"]),
    ("FC", ["X", "W_gt", "B_gt"], ["Y_gt"]),
    ("GaussianFill", [], ["noise"]),
    ("Add", ["Y_gt", "noise"], ["Y_noise"]),
    ("StopGradient", ["Y_noise"], ["Y_noise"]),
    ("FC", ["X", "W", "B"], ["Y_pred"]),
    ("SquaredL2Distance", ["Y_noise", "Y_pred"], ["dist"]),
    ("AveragedLoss", ["dist"], ["loss"]),
    ("ConstantFill", ["loss"], ["loss_autogen_grad"]),
    ("AveragedLossGradient", ["dist", "loss_autogen_grad"], ["dist_grad"]),
    ("SquaredL2DistanceGradient", ["Y_noise", "Y_pred", "dist_grad"],
     ["Y_noise_grad", "Y_pred_grad"]),
    ("FCGradient", ["X", "W", "Y_pred_grad"], ["W_grad", "B_grad", "X_grad"]),
    ("Iter", ["ITER"], ["ITER"]),
    ("LearningRate", ["ITER"], ["LR"]),
    ("WeightedSum", ["W", "ONE", "W_grad", "LR"], ["W"]),
    ("WeightedSum", ["B", "ONE", "B_grad", "LR"], ["B"]),
]


@dataclass
class SeedNets:
    """The two nets and the references the seed keeps to them."""

    init_net: core.Net
    train_net: core.Net
    W: core.BlobReference
    B: core.BlobReference
    loss: core.BlobReference
    gradient_map: dict | None  # None at the "forward" stage


def seed_nets(stage: Stage = "updates", *, random_data: bool = True,
              update_blobs: bool = True) -> SeedNets:
    """Build new seed nets (new Net objects, so new unique names each call).

    ``stage`` is where the train net stops: "forward" (8 ops), "gradients" (+4 gradient
    ops) or "updates" (+Iter, LearningRate and two WeightedSums: 16 ops).
    ``random_data=False`` fills ``X`` and ``noise`` once in the init net from a fixed NumPy
    generator instead of drawing them in the train net, so the train net draws nothing.
    ``update_blobs=False`` leaves ``ONE`` and ``ITER`` out of the init net (for tests that
    let an optimizer make its own); it needs a stage before "updates".
    """
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {STAGES}, not {stage!r}")
    if stage == "updates" and not update_blobs:
        raise ValueError("the 'updates' stage reads ONE and ITER: keep update_blobs=True")

    init_net = core.Net("init")
    W_gt = init_net.GivenTensorFill([], "W_gt", shape=[1, 2], values=[2.0, 1.5])
    B_gt = init_net.GivenTensorFill([], "B_gt", shape=[1], values=[0.5])
    if update_blobs:
        ONE = init_net.ConstantFill([], "ONE", shape=[1], value=1.0)
        ITER = init_net.ConstantFill([], "ITER", shape=[1], value=0,
                                     dtype=core.DataType.INT32)
    W = init_net.UniformFill([], "W", shape=[1, 2], min=-1.0, max=1.0)
    B = init_net.ConstantFill([], "B", shape=[1], value=0.0)

    train_net = core.Net("train")
    if random_data:
        X = train_net.GaussianFill([], "X", shape=[64, 2], mean=0.0, std=1.0, run_once=0)
        Y_gt = X.FC([W_gt, B_gt], "Y_gt")
        noise = train_net.GaussianFill([], "noise", shape=[64, 1], mean=0.0, std=1.0,
                                       run_once=0)
    else:
        rng = np.random.default_rng(0)
        init_net.GivenTensorFill([], "X", shape=[64, 2], values=rng.standard_normal(128).tolist())
        init_net.GivenTensorFill([], "noise", shape=[64, 1],
                                 values=rng.standard_normal(64).tolist())
        X, noise = train_net.AddExternalInput("X", "noise")
        Y_gt = X.FC([W_gt, B_gt], "Y_gt")
    Y_noise = Y_gt.Add(noise, "Y_noise")
    Y_noise = Y_noise.StopGradient([], "Y_noise")
    Y_pred = X.FC([W, B], "Y_pred")
    dist = train_net.SquaredL2Distance([Y_noise, Y_pred], "dist")
    loss = dist.AveragedLoss([], ["loss"])
    nets = SeedNets(init_net, train_net, W, B, loss, gradient_map=None)
    if stage == "forward":
        return nets

    nets.gradient_map = gradient_map = train_net.AddGradientOperators([loss])
    if stage == "gradients":
        return nets

    train_net.Iter(ITER, ITER)
    LR = train_net.LearningRate(ITER, "LR", base_lr=-0.1, policy="step", stepsize=20,
                                gamma=0.9)
    train_net.WeightedSum([W, ONE, gradient_map[W], LR], W)
    train_net.WeightedSum([B, ONE, gradient_map[B], LR], B)
    return nets
