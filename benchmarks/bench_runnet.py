"""How fast is graphlab's RunNet? The seed's training step against the same math elsewhere.

Run it from the repository root::

    python benchmarks/bench_runnet.py            # full run, a few minutes
    python benchmarks/bench_runnet.py --quick    # a smoke run in seconds

Everything is measured in one process and *interleaved*: each round runs every
contender for a short batch, and the table shows the median per-iteration time over the
rounds, so a busy machine slows all contenders alike (the order rotates from round to
round). Ratios are paired: the median over rounds of (contender's time / hand NumPy's
time in the same round). Contenders:

* ``graphlab RunNet``: the seed's train net (16 ops after the gradient and update ops),
  called as the seed calls it, ``workspace.RunNet(name)`` once per iteration;
* ``graphlab, Caffe2-faithful``: the same with ``defer_unread=False`` (FCGradient also
  computes X_grad, which nothing reads);
* ``hand NumPy``: the same step written directly in NumPy (same data, same math, same
  float32, same learning-rate schedule) — the floor for a Python engine;
* ``PyTorch eager`` (autograd) and ``JAX jit`` when installed (``pip install
  graphlab[bench]``).

Workloads: the seed itself (N=64, D=2, data drawn by GaussianFill ops each step), and
fixed data fed once (N=1024, D=16 and N=65536, D=64; the GaussianFill ops are replaced by
fed blobs). Then RunNetOnce against CreateNet+RunNet on the 4-op net of Caffe2's Basics
tutorial, and peak memory (tracemalloc) at N=65536, D=64 against hand NumPy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __name__ == "__main__" and "--blas-threads" in sys.argv:
    # must be set before NumPy (and its BLAS) is imported
    _n = sys.argv[sys.argv.index("--blas-threads") + 1]
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _n

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graphlab import core, workspace  # noqa: E402

SEED_OPS = 16


# ---- the seed's nets in graphlab ---------------------------------------------------------


@dataclass
class Problem:
    """One workload: N samples of D features, drawn each step (seed) or fed once."""

    n: int
    d: int
    fixed: bool

    @property
    def label(self) -> str:
        data = "fixed data" if self.fixed else "GaussianFill data"
        return f"N={self.n}, D={self.d}, {data}"

    def ground_truth(self) -> tuple[np.ndarray, np.ndarray]:
        if self.d == 2:
            return np.array([[2.0, 1.5]], np.float32), np.array([0.5], np.float32)
        rng = np.random.default_rng(7)
        return rng.uniform(-2, 2, (1, self.d)).astype(np.float32), np.array([0.5], np.float32)

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(11)
        X = rng.standard_normal((self.n, self.d), dtype=np.float32)
        noise = rng.standard_normal((self.n, 1), dtype=np.float32)
        return X, noise

    def w0(self) -> np.ndarray:
        return np.random.default_rng(3).uniform(-1, 1, (1, self.d)).astype(np.float32)


def build_graphlab(p: Problem, ws_name: str, defer_unread: bool = True) -> str:
    """The seed's init and train nets (sized N×D) in workspace ``ws_name``; returns the
    train net's name. With fixed data, X and noise are fed blobs."""
    workspace.SwitchWorkspace(ws_name, True)
    workspace.ResetWorkspace()
    w_gt, b_gt = p.ground_truth()
    init_net = core.Net("init")
    W_gt = init_net.GivenTensorFill([], "W_gt", shape=[1, p.d], values=w_gt.ravel().tolist())
    B_gt = init_net.GivenTensorFill([], "B_gt", shape=[1], values=b_gt.tolist())
    ONE = init_net.ConstantFill([], "ONE", shape=[1], value=1.0)
    ITER = init_net.ConstantFill([], "ITER", shape=[1], value=0, dtype=core.DataType.INT32)
    W = init_net.GivenTensorFill([], "W", shape=[1, p.d], values=p.w0().ravel().tolist())
    B = init_net.ConstantFill([], "B", shape=[1], value=0.0)

    train_net = core.Net("train")
    if p.fixed:
        X_data, noise_data = p.data()
        workspace.FeedBlob("X", X_data)
        workspace.FeedBlob("noise", noise_data)
        del X_data, noise_data  # FeedBlob copied them
        X, noise = core.BlobReference("X", train_net), core.BlobReference("noise", train_net)
    else:
        X = train_net.GaussianFill([], "X", shape=[p.n, p.d], mean=0.0, std=1.0, run_once=0)
        noise = train_net.GaussianFill([], "noise", shape=[p.n, 1], mean=0.0, std=1.0,
                                       run_once=0)
    Y_gt = X.FC([W_gt, B_gt], "Y_gt")
    Y_noise = Y_gt.Add(noise, "Y_noise")
    Y_noise = Y_noise.StopGradient([], "Y_noise")
    Y_pred = X.FC([W, B], "Y_pred")
    dist = train_net.SquaredL2Distance([Y_noise, Y_pred], "dist")
    loss = dist.AveragedLoss([], ["loss"])
    gradient_map = train_net.AddGradientOperators([loss])
    train_net.Iter(ITER, ITER)
    LR = train_net.LearningRate(ITER, "LR", base_lr=-0.1, policy="step", stepsize=20,
                                gamma=0.9)
    train_net.WeightedSum([W, ONE, gradient_map[W], LR], W)
    train_net.WeightedSum([B, ONE, gradient_map[B], LR], B)

    workspace.RunNetOnce(init_net)
    workspace.CurrentWorkspaceObject().create_net(train_net, defer_unread=defer_unread)
    return train_net.Proto().name


def graphlab_step(p: Problem, ws_name: str, defer_unread: bool = True) -> Callable[[], Any]:
    name = build_graphlab(p, ws_name, defer_unread)

    def step() -> Any:
        return workspace.RunNet(name)

    step.workspace = ws_name  # type: ignore[attr-defined]
    return step


# ---- hand-written NumPy -------------------------------------------------------------------


def numpy_step(p: Problem) -> Callable[[], Any]:
    """The seed's training step written directly in NumPy, float32 throughout."""
    w_gt, b_gt = p.ground_truth()
    state = {"W": p.w0(), "B": np.zeros(1, np.float32), "it": 0}
    rng = np.random.default_rng(0)
    n, d = p.n, p.d
    inv_n = np.float32(1.0 / n)
    X_fixed, noise_fixed = p.data() if p.fixed else (None, None)

    def step() -> Any:
        if p.fixed:
            X, noise = X_fixed, noise_fixed
        else:
            X = rng.standard_normal((n, d), dtype=np.float32)
            noise = rng.standard_normal((n, 1), dtype=np.float32)
        W, B = state["W"], state["B"]
        y_noise = X @ w_gt.T + b_gt + noise
        diff = X @ W.T + B - y_noise  # [n, 1]
        loss = np.float32(0.5) * np.vdot(diff, diff) * inv_n
        g = diff * inv_n  # d loss / d Y_pred
        it = state["it"] = state["it"] + 1
        lr = np.float32(-0.1 * 0.9 ** (it // 20))
        state["W"] = W + lr * (g.T @ X)
        state["B"] = B + lr * g.sum(axis=0)
        return loss

    step.state = state  # type: ignore[attr-defined]
    return step


# ---- PyTorch and JAX (optional) -------------------------------------------------------------


def torch_step(p: Problem) -> Callable[[], Any] | None:
    try:
        import torch
    except Exception as e:  # noqa: BLE001 - not installed, or a broken install
        print(f"(PyTorch unavailable: {type(e).__name__}: {e})")
        return None
    if os.environ.get("OMP_NUM_THREADS"):
        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    w_gt, b_gt = (torch.from_numpy(a) for a in p.ground_truth())
    W = torch.from_numpy(p.w0()).requires_grad_()
    B = torch.zeros(1, requires_grad=True)
    gen = torch.Generator().manual_seed(0)
    X_fixed, noise_fixed = (torch.from_numpy(a) for a in p.data()) if p.fixed else (None, None)
    it = [0]

    def step() -> Any:
        if p.fixed:
            X, noise = X_fixed, noise_fixed
        else:
            X = torch.randn(p.n, p.d, generator=gen)
            noise = torch.randn(p.n, 1, generator=gen)
        with torch.no_grad():
            y_noise = X @ w_gt.T + b_gt + noise
        y_pred = X @ W.T + B
        loss = 0.5 * ((y_pred - y_noise) ** 2).sum(dim=1).mean()
        loss.backward()
        it[0] += 1
        lr = -0.1 * 0.9 ** (it[0] // 20)
        with torch.no_grad():
            W.add_(W.grad, alpha=lr)
            B.add_(B.grad, alpha=lr)
        W.grad = None
        B.grad = None
        return loss

    return step


def jax_step(p: Problem) -> Callable[[], Any] | None:
    try:
        import jax
        import jax.numpy as jnp
    except Exception as e:  # noqa: BLE001 - not installed, or a broken install
        print(f"(JAX unavailable: {type(e).__name__}: {e})")
        return None
    w_gt, b_gt = (jnp.asarray(a) for a in p.ground_truth())
    n, d = p.n, p.d

    def loss_fn(W: Any, B: Any, X: Any, y_noise: Any) -> Any:
        diff = X @ W.T + B - y_noise
        return 0.5 * jnp.mean(jnp.sum(diff * diff, axis=1))

    def update(W: Any, B: Any, it: Any, X: Any, noise: Any) -> Any:
        y_noise = X @ w_gt.T + b_gt + noise
        loss, (gW, gB) = jax.value_and_grad(loss_fn, argnums=(0, 1))(W, B, X, y_noise)
        it = it + 1
        lr = -0.1 * 0.9 ** (it // 20)
        return W + lr * gW, B + lr * gB, it, loss

    @jax.jit
    def random_step(W: Any, B: Any, it: Any, key: Any) -> Any:
        key, kx, kn = jax.random.split(key, 3)
        X = jax.random.normal(kx, (n, d), jnp.float32)
        noise = jax.random.normal(kn, (n, 1), jnp.float32)
        return (*update(W, B, it, X, noise), key)

    fixed_step = jax.jit(update)
    state: dict[str, Any] = {"W": jnp.asarray(p.w0()), "B": jnp.zeros(1, jnp.float32),
                             "it": jnp.asarray(0, jnp.int32), "key": jax.random.PRNGKey(0)}
    if p.fixed:
        X_fixed, noise_fixed = (jnp.asarray(a) for a in p.data())

    def step() -> Any:
        if p.fixed:
            W, B, it, loss = fixed_step(state["W"], state["B"], state["it"], X_fixed,
                                        noise_fixed)
        else:
            W, B, it, loss, state["key"] = random_step(state["W"], state["B"], state["it"],
                                                       state["key"])
        state.update(W=W, B=B, it=it)
        return loss.block_until_ready()

    step()  # compile outside the timing
    return step


# ---- timing -------------------------------------------------------------------------------


#: the clock: CPU time of the whole process (all threads) by default, so other programs
#: on a shared machine do not count; ``--clock wall`` for elapsed time
CLOCK: Callable[[], float] = time.process_time


@dataclass
class Timing:
    """Seconds per call of each contender, one sample per round (measured round-robin)."""

    samples: dict[str, list[float]]

    def median(self, name: str) -> float:
        return statistics.median(self.samples[name])

    def ratio(self, name: str, base: str) -> float:
        """The median over rounds of ``name``'s time / ``base``'s time *in that round*:
        both were measured within a fraction of a second of each other, so a busy spell
        on a shared machine slows both, and the paired ratio stays steady."""
        return statistics.median(a / b for a, b in zip(self.samples[name], self.samples[base]))


def interleaved(contenders: dict[str, Callable[[], Any]], rounds: int,
                target_s: float) -> Timing:
    """Seconds per call of each contender in each of ``rounds`` round-robin rounds."""
    batch = {}
    for name, fn in contenders.items():
        _enter(fn)
        fn()  # warm up
        t0 = time.perf_counter()
        for _ in range(3):
            fn()
        one = max((time.perf_counter() - t0) / 3, 1e-7)
        batch[name] = max(1, int(target_s / one))
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    names = list(contenders)
    for r in range(rounds):
        # rotate the order each round: whoever runs right after a contender that leaves
        # busy threads behind (JAX's, PyTorch's) must not always be the same one
        for name in names[r % len(names):] + names[:r % len(names)]:
            fn = contenders[name]
            _enter(fn)
            k = batch[name]
            t0 = CLOCK()
            for _ in range(k):
                fn()
            samples[name].append((CLOCK() - t0) / k)
    return Timing(samples)


def _enter(fn: Callable[[], Any]) -> None:
    ws = getattr(fn, "workspace", None)
    if ws is not None:
        workspace.SwitchWorkspace(ws)


def check_same_result(p: Problem) -> float:
    """Max |W_graphlab - W_numpy| after 30 steps on fixed data (they must agree)."""
    fixed = Problem(p.n, p.d, True)
    g = graphlab_step(fixed, "check")
    h = numpy_step(fixed)
    for _ in range(30):
        g()
        h()
    w = workspace.FetchBlob("W")
    workspace.SwitchWorkspace("default")
    return float(np.abs(w - h.state["W"]).max())  # type: ignore[attr-defined]


def time_problem(p: Problem, rounds: int, target_s: float) -> Timing:
    contenders: dict[str, Callable[[], Any]] = {
        "hand NumPy": numpy_step(p),
        "graphlab RunNet": graphlab_step(p, f"bench-{p.n}-{p.d}"),
        "graphlab, Caffe2-faithful (defer_unread=False)":
            graphlab_step(p, f"bench-{p.n}-{p.d}-eager", defer_unread=False),
    }
    for name, make in (("PyTorch eager + autograd", torch_step), ("JAX jit", jax_step)):
        fn = make(p)
        if fn is not None:
            contenders[name] = fn
    result = interleaved(contenders, rounds, target_s)
    workspace.SwitchWorkspace("default")
    return result


# ---- the Basics tutorial's 4-op net ---------------------------------------------------------


def basics(rounds: int, target_s: float) -> Timing:
    """RunNetOnce vs RunNet on Caffe2's Basics net (Caffe2 printed ~1e-4 s and ~8e-6 s)."""
    workspace.SwitchWorkspace("basics", True)
    workspace.ResetWorkspace()
    net = core.Net("my_first_net")
    X = net.GaussianFill([], ["X"], mean=0.0, std=1.0, shape=[2, 3], run_once=0)
    W = net.GaussianFill([], ["W"], mean=0.0, std=1.0, shape=[5, 3], run_once=0)
    b = net.ConstantFill([], ["b"], shape=[5], value=1.0, run_once=0)
    X.FC([W, b], ["Y"])
    workspace.RunNetOnce(net)
    workspace.CreateNet(net)
    name = net.Proto().name

    def once() -> Any:
        return workspace.RunNetOnce(net)

    def run() -> Any:
        return workspace.RunNet(name)

    once.workspace = run.workspace = "basics"  # type: ignore[attr-defined]
    result = interleaved({"RunNetOnce": once, "RunNet": run}, rounds, target_s)
    workspace.SwitchWorkspace("default")
    return result


# ---- peak memory ---------------------------------------------------------------------------------


def peak_memory(p: Problem, steps: int) -> dict[str, tuple[float, float]]:
    """Peak bytes traced (setup, then ``steps`` training steps), data included.

    The training peak is measured from the end of the setup: it counts the data and
    parameters kept from the setup plus everything a step allocates.
    """
    out = {}
    for name, make in (("hand NumPy", numpy_step), ("graphlab RunNet", None)):
        tracemalloc.start()
        fn = graphlab_step(p, "memory") if make is None else make(p)
        setup_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        for _ in range(steps):
            fn()
        out[name] = (setup_peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        del fn
        if make is None:
            workspace.ResetWorkspace()
            workspace.SwitchWorkspace("default")
    return out


# ---- report --------------------------------------------------------------------------------------


def _us(seconds: float) -> str:
    us = seconds * 1e6
    return f"{us:,.1f} µs" if us < 10_000 else f"{us / 1000:,.2f} ms"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small, fast smoke run")
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="BLAS/OpenMP threads for NumPy, PyTorch and JAX (set before "
                             "NumPy is imported; 1 gives steadier numbers on a busy machine)")
    parser.add_argument("--clock", choices=["cpu", "wall"], default="cpu",
                        help="cpu: process CPU time (default, robust on a shared machine); "
                             "wall: elapsed time")
    args = parser.parse_args(argv)
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    rounds, target = (3, 0.002) if args.quick else (61, 0.05)
    big = Problem(4096, 32, True) if args.quick else Problem(65536, 64, True)
    problems = [Problem(64, 2, False), Problem(1024, 16, True), big]
    report: dict[str, Any] = {"problems": {}}

    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}, {os.cpu_count()} CPUs "
          f"(load average {load}), BLAS threads: {threads}; {args.clock} clock, medians of "
          f"{rounds} interleaved rounds (ratios: median of the per-round ratios)\n")
    for p in problems:
        diff = check_same_result(p)
        timing = time_problem(p, rounds, target)
        times = {name: timing.median(name) for name in timing.samples}
        report["problems"][p.label] = times
        base = times["hand NumPy"]
        print(f"### {p.label}  (|W_graphlab - W_numpy| after 30 steps: {diff:.1e})")
        print("| contender | per iteration | vs hand NumPy |")
        print("| --- | ---: | ---: |")
        for name, t in times.items():
            print(f"| {name} | {_us(t)} | {timing.ratio(name, 'hand NumPy'):.2f}× |")
        overhead = (times["graphlab RunNet"] - base) / SEED_OPS
        print(f"\nper-op overhead over hand NumPy: {overhead * 1e6:.2f} µs "
              f"({SEED_OPS} ops)\n")

    timing = basics(rounds, target)
    b = {name: timing.median(name) for name in timing.samples}
    report["basics"] = b
    print("### Basics tutorial net (4 ops)")
    print("| call | per run | Caffe2 C++ (Basics) |")
    print("| --- | ---: | ---: |")
    print(f"| RunNetOnce | {_us(b['RunNetOnce'])} | ~100 µs |")
    print(f"| RunNet | {_us(b['RunNet'])} | ~8 µs |")
    print(f"\nRunNetOnce / RunNet = {timing.ratio('RunNetOnce', 'RunNet'):.2f}\n")

    mem = peak_memory(big, steps=5)
    report["memory"] = mem
    print(f"### Peak memory, {big.label} (tracemalloc, data included)")
    print("| contender | setup peak | training peak | training vs hand NumPy |")
    print("| --- | ---: | ---: | ---: |")
    base_train = mem["hand NumPy"][1]
    for name, (setup, train) in mem.items():
        print(f"| {name} | {setup / 2**20:.1f} MiB | {train / 2**20:.1f} MiB | "
              f"{train / base_train:.2f}× |")
    return report


if __name__ == "__main__":
    main()
