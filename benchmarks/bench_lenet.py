"""How fast is a convolutional training step? Caffe2's MNIST LeNet, graphlab against PyTorch.

Run it from the repository root (PyTorch comes with ``pip install -e .[bench]``)::

    python benchmarks/bench_lenet.py            # 15 rounds, about a minute
    python benchmarks/bench_lenet.py --quick    # a smoke run

The model is the one of Caffe2's MNIST tutorial, built the tutorial's way with ``brew``:
conv 5×5×20 → max pool 2 → conv 5×5×50 → max pool 2 → fc 500 → relu → fc 10 → softmax →
cross-entropy → averaged loss, then ``AddGradientOperators`` and plain SGD
(``optimizer.build_sgd``). One step is one ``workspace.RunNet`` on a batch of 64 28×28
images. PyTorch eager runs the same layers and the same SGD on the same data, on the CPU.

Both use one thread (BLAS and PyTorch's intra-op pool are set to 1 before anything is
imported), the clock is the process's CPU time (``--clock wall`` for elapsed time), and
they are *interleaved*: each round runs a few steps of each, alternating
which goes first, and the result is the median over rounds of the per-step time and of
the paired ratio (graphlab's time / PyTorch's time in the same round). A machine busy with
other work slows both alike, which keeps the ratio meaningful when absolute times are not.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before NumPy and PyTorch load their BLAS

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graphlab import brew, model_helper, optimizer, workspace  # noqa: E402

BATCH = 64
LR = 0.01


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = rng.random((BATCH, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, size=BATCH).astype(np.int32)
    return images, labels


def graphlab_lenet(images: np.ndarray, labels: np.ndarray):
    """Caffe2's MNIST LeNet (the tutorial's AddLeNetModel + AddTrainingOperators)."""
    workspace.ResetWorkspace()
    model = model_helper.ModelHelper(name="lenet_bench")
    conv1 = brew.conv(model, "data", "conv1", dim_in=1, dim_out=20, kernel=5)
    pool1 = brew.max_pool(model, conv1, "pool1", kernel=2, stride=2)
    conv2 = brew.conv(model, pool1, "conv2", dim_in=20, dim_out=50, kernel=5)
    pool2 = brew.max_pool(model, conv2, "pool2", kernel=2, stride=2)
    fc3 = brew.fc(model, pool2, "fc3", dim_in=50 * 4 * 4, dim_out=500)
    relu = brew.relu(model, fc3, fc3)
    pred = brew.fc(model, relu, "pred", dim_in=500, dim_out=10)
    softmax = brew.softmax(model, pred, "softmax")
    xent = model.net.LabelCrossEntropy([softmax, "label"], "xent")
    loss = model.net.AveragedLoss(xent, "loss")
    model.AddGradientOperators([loss])
    optimizer.build_sgd(model, base_learning_rate=LR)
    workspace.FeedBlob("data", images)
    workspace.FeedBlob("label", labels)
    workspace.RunNetOnce(model.param_init_net)
    workspace.CreateNet(model.net, overwrite=True)
    name = model.net.Proto().name

    def step() -> float:
        workspace.RunNet(name)
        return float(workspace.FetchBlob("loss"))

    return step, len(model.net.Proto().op)


def torch_lenet(images: np.ndarray, labels: np.ndarray):
    import torch
    from torch import nn

    torch.set_num_threads(1)
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Conv2d(1, 20, 5), nn.MaxPool2d(2, 2),
        nn.Conv2d(20, 50, 5), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10),
    )
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    x = torch.from_numpy(images)
    y = torch.from_numpy(labels.astype(np.int64))
    loss_fn = nn.CrossEntropyLoss()

    def step() -> float:
        opt.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        return float(loss.detach())

    return step


def timed(step, n: int, clock) -> float:
    start = clock()
    for _ in range(n):
        step()
    return (clock() - start) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds of 2 steps")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--steps", type=int, default=5, help="steps per contender per round")
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                        help="cpu: this process's CPU time (other programs on a shared "
                             "machine do not count; the default); wall: elapsed time")
    opts = parser.parse_args()
    clock = time.process_time if opts.clock == "cpu" else time.perf_counter
    rounds, steps = (3, 2) if opts.quick else (opts.rounds, opts.steps)

    images, labels = make_data()
    ours, n_ops = graphlab_lenet(images, labels)
    try:
        theirs = torch_lenet(images, labels)
    except ImportError:
        sys.exit("PyTorch is not installed: pip install -e .[bench]")
    for _ in range(2):  # warm up: first runs allocate and check
        ours()
        theirs()

    t_ours: list[float] = []
    t_theirs: list[float] = []
    ratios: list[float] = []
    for r in range(rounds):
        if r % 2 == 0:
            a, b = timed(ours, steps, clock), timed(theirs, steps, clock)
        else:
            b, a = timed(theirs, steps, clock), timed(ours, steps, clock)
        t_ours.append(a)
        t_theirs.append(b)
        ratios.append(a / b)

    print(f"LeNet training step, batch {BATCH} of 28x28, one thread, {rounds} interleaved "
          f"rounds of {steps} steps each, {opts.clock} clock (graphlab net: {n_ops} ops)")
    print(f"  graphlab RunNet  {statistics.median(t_ours) * 1e3:8.2f} ms/step")
    print(f"  PyTorch eager    {statistics.median(t_theirs) * 1e3:8.2f} ms/step")
    print(f"  ratio graphlab / PyTorch: median {statistics.median(ratios):.2f} "
          f"(rounds: min {min(ratios):.2f}, max {max(ratios):.2f})")


if __name__ == "__main__":
    main()
