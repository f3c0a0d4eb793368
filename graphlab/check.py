"""One-line checks for the exercises: ``check.lr_policy(my_lr)`` prints ✔ or what is wrong.

Each check works the answer out on its own (from the formula, or by running graphlab in a
workspace of its own, so yours is left alone), compares it with yours and prints one
line: ``✔ ...`` when they agree, ``✘ ...`` with the first difference and a hint when
they do not. It returns nothing, so a notebook shows only that line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from . import gradient_checker, schedules
from .core import Net
from .workspace import Workspace

__all__ = [
    "fed_input_net",
    "gradients_without_stop_gradient",
    "largest_stable_lr",
    "layer_shape",
    "learning_rate",
    "lr_policy",
    "momentum_blobs",
    "op_gradient",
    "relu_layer",
]


def _verdict(ok: bool, good: str, bad: str) -> None:
    print(("✔ " + good) if ok else ("✘ " + bad))


def relu_layer(blobs: Mapping[str, np.ndarray]) -> None:
    """Notebook 1: ``blobs`` (e.g. ``{n: workspace.FetchBlob(n) for n in workspace.Blobs()}``)
    hold ``X`` [N, K], ``W`` [M, K], ``b`` [M] and ``Z`` = max(0, X·Wᵀ + b) [N, M]."""
    missing = [n for n in ("X", "W", "b", "Z") if n not in blobs]
    if missing:
        return _verdict(False, "", f"missing blob(s) {missing}: did the net run (RunNetOnce)?")
    X, W, b, Z = (np.asarray(blobs[n]) for n in ("X", "W", "b", "Z"))
    want = np.maximum(0.0, X @ W.T + b)
    if Z.shape != want.shape:
        return _verdict(False, "", f"Z has shape {Z.shape}, expected {want.shape} (X·Wᵀ + b)")
    if np.allclose(Z, X @ W.T + b, rtol=1e-5) and not np.allclose(Z, want, rtol=1e-5):
        return _verdict(False, "", "Z is X·Wᵀ + b, but negative values should be 0: add a Relu")
    return _verdict(np.allclose(Z, want, rtol=1e-5, atol=1e-6),
                    f"Z = max(0, X·Wᵀ + b), shape {Z.shape}",
                    "Z differs from max(0, X·Wᵀ + b): is the Relu applied to the FC's output?")


def fed_input_net(net: Net, shape: Sequence[int] = (4, 3)) -> None:
    """Notebook 1: ``net`` reads ``X`` from outside (no op writes it) and still computes ``Y``
    when ``X`` of ``shape`` is fed (checked in a workspace of its own)."""
    writers = [i for i, op in enumerate(net.Proto().op) if "X" in op.output]
    if writers:
        return _verdict(False, "", f"op #{writers[0]} still writes X: remove its GaussianFill")
    ws = Workspace()
    ws.feed_blob("X", np.random.default_rng(0).normal(size=shape).astype(np.float32))
    try:
        ws.run_net_once(net)
    except Exception as err:  # the learner's net: report, never raise
        return _verdict(False, "", f"with X fed, the net fails: {type(err).__name__}: {err}")
    y = ws.fetch_blob("Y") if ws.has_blob("Y") else None
    ok = y is not None and y.shape[0] == shape[0]
    return _verdict(ok, f"X is fed from outside; Y has shape {None if y is None else y.shape}",
                    "the net ran but wrote no Y with one row per row of X")


def gradients_without_stop_gradient(answer: Sequence[str]) -> None:
    """Notebook 2: ``answer`` lists every blob that gets a gradient when the seed's forward
    net is built *without* its ``StopGradient`` (the check builds that net itself)."""
    net = Net("seed_forward_without_stop_gradient")
    X = net.GaussianFill([], "X", shape=[64, 2], mean=0.0, std=1.0)
    noise = net.GaussianFill([], "noise", shape=[64, 1], mean=0.0, std=1.0)
    Y_noise = X.FC(["W_gt", "B_gt"], "Y_gt").Add(noise, "Y_noise")
    dist = net.SquaredL2Distance([Y_noise, X.FC(["W", "B"], "Y_pred")], "dist")
    want = [str(k) for k in net.AddGradientOperators([dist.AveragedLoss([], "loss")])]
    got = [str(a) for a in answer]
    extra = [b for b in got if b not in want]
    missing = [b for b in want if b not in got]
    _verdict(not extra and not missing, f"these {len(want)} blobs get a gradient: {want}",
             f"missing {missing}; should not be there {extra}")


def learning_rate(value: float, iteration: int, base_lr: float, policy: str,
                  **args: Any) -> None:
    """Your ``value`` of the learning rate at ``iteration`` for a policy and its arguments."""
    want = schedules.learning_rate(iteration, base_lr, policy, **args)
    ok = bool(np.isclose(value, want, rtol=1e-5, atol=1e-12))
    hint = ""
    if np.isclose(value, -want, rtol=1e-5):
        hint = " (the sign: base_lr is negative in Caffe2)"
    return _verdict(ok, f"LR at iteration {iteration} is {want:.6g}",
                    f"LR at iteration {iteration} is not {value!r}{hint}")


def lr_policy(values: Sequence[float], warmup: int = 20, start: float = 0.1,
              gamma: float = 0.98) -> None:
    """Notebook 4: for iterations 1, 2, ..., a multiplier that warms up linearly from
    ``start`` to 1 over the first ``warmup`` iterations (``linearWarmup``), then decays as
    ``gamma ** iter`` (``exp``; a ``composite`` sub-policy sees the global iteration)."""
    got = np.asarray(values, dtype=np.float64).ravel()
    it = np.arange(1, got.size + 1)
    ramp = np.minimum(start + (1.0 - start) * it / warmup, 1.0)
    want = np.where(it <= warmup, ramp, gamma ** it)
    bad = np.flatnonzero(~np.isclose(got, want, rtol=1e-4, atol=1e-7))
    if got.size < warmup + 10:
        return _verdict(False, "", f"only {got.size} values: run at least {warmup + 10} steps")
    if bad.size == 0:
        return _verdict(True, f"warm-up for {warmup} iterations, then decay by {gamma}", "")
    i = int(bad[0])
    where = "during the warm-up" if it[i] <= warmup else "after the warm-up"
    return _verdict(False, "", f"iteration {it[i]} ({where}): {got[i]:.6g}, expected "
                    f"{want[i]:.6g}. Check sub_policy_num_iters and each sub-policy's "
                    f"arguments; the first value is for iteration 1.")


def largest_stable_lr(answer: float, train: Callable[..., np.ndarray],
                      step: float = 0.1, threshold: float = 1.0) -> None:
    """Notebook 4: ``train(base_lr=...)`` returns losses; ``answer`` (a positive step size)
    should end below ``threshold`` while ``answer + step`` does not."""
    def ends_low(lr: float) -> bool:
        with np.errstate(all="ignore"):
            losses = train(policy="fixed", base_lr=-lr)
        return bool(np.isfinite(losses[-1]) and losses[-1] < threshold)

    if not ends_low(answer):
        return _verdict(False, "", f"with {answer} the loss does not settle below {threshold}")
    if ends_low(answer + step):
        return _verdict(False, "", f"{answer + step:g} still converges: try larger steps")
    return _verdict(True, f"{answer:g} converges and {answer + step:g} does not", "")


def op_gradient(op_type: str, reference: Callable[..., np.ndarray],
                shapes: Sequence[Sequence[int]], **args: Any) -> None:
    """Notebooks 3 and 7: ``op_type``'s output equals ``reference(*inputs)`` and its gradient
    passes the finite-difference check, on random float64 inputs of the given shapes."""
    rng = np.random.default_rng(0)
    inputs = [rng.normal(size=tuple(s)) for s in shapes]
    ws = Workspace()
    names = [f"in{i}" for i in range(len(inputs))]
    for name, value in zip(names, inputs):
        ws.feed_blob(name, value)
    net = Net(f"check_{op_type}")
    getattr(net, op_type)(names, "out", **args)
    try:
        ws.run_net_once(net)
    except Exception as err:
        return _verdict(False, "", f"{op_type} fails to run: {type(err).__name__}: {err}")
    got, want = ws.fetch_blob("out"), reference(*inputs)
    if got.shape != np.shape(want) or not np.allclose(got, want, rtol=1e-6, atol=1e-9):
        return _verdict(False, "", f"{op_type}'s output differs from the reference formula")
    result = gradient_checker.check_op_gradient(op_type, inputs, args)
    return _verdict(result.ok, f"{op_type}: forward and gradient agree with the maths",
                    f"{op_type}'s gradient is wrong: largest relative error "
                    f"{result.max_rel_error:.3g} (print check_op_gradient's result to see where)")


def momentum_blobs(answer: Sequence[str], net: Net) -> None:
    """Notebook 5: the blobs that hold momentum in ``net`` (built with ``momentum=0.9``)."""
    want = [op.input[1] for op in net.Proto().op if op.type == "MomentumSGDUpdate"]
    if not want:
        return _verdict(False, "", "this net has no MomentumSGDUpdate: build_sgd(momentum=0.9)?")
    got = [str(a) for a in answer]
    return _verdict(sorted(got) == sorted(want), f"the momentum lives in {want}",
                    f"not quite: look at the inputs of the MomentumSGDUpdate ops ({len(want)})")


_WINDOW_OPS = ("Conv", "MaxPool", "AveragePool")


def layer_shape(answer: Sequence[int], op_type: str, input_shape: Sequence[int],
                dim_out: int | None = None, **args: Any) -> None:
    """Notebook 6: ``answer`` is the output shape of one ``Conv``, ``MaxPool`` or
    ``AveragePool`` layer on an NCHW input of ``input_shape``.

    The check runs the op on zeros in a workspace of its own. ``Conv`` needs ``dim_out``
    (its number of filters; the weight is ``[dim_out, C, k, k]``); ``args`` are the op's
    arguments (``kernel``, ``stride``, ``pad``, ...). Each spatial size should be
    ``⌊(H + 2·pad − kernel) / stride⌋ + 1``.
    """
    if op_type not in _WINDOW_OPS:
        raise ValueError(f"check.layer_shape: op_type must be one of {list(_WINDOW_OPS)}, "
                         f"got {op_type!r}.")
    if op_type == "Conv" and dim_out is None:
        raise ValueError("check.layer_shape: a Conv layer needs dim_out (its number of filters).")
    x_shape = [int(d) for d in input_shape]
    ws = Workspace()
    ws.feed_blob("X", np.zeros(x_shape, dtype=np.float32))
    inputs = ["X"]
    if op_type == "Conv":
        k = args.get("kernel", 0)
        kh, kw = (args.get("kernel_h", k), args.get("kernel_w", k))
        ws.feed_blob("W", np.zeros([int(dim_out), x_shape[1], kh, kw], dtype=np.float32))
        ws.feed_blob("b", np.zeros([int(dim_out)], dtype=np.float32))
        inputs += ["W", "b"]
    net = Net(f"check_{op_type}_shape")
    getattr(net, op_type)(inputs, "Y", **args)
    try:
        ws.run_net_once(net)
    except Exception as err:  # the learner's arguments: report, never raise
        first_line = str(err).splitlines()[0] if str(err) else ""
        return _verdict(False, "", f"{op_type} with these arguments fails: "
                                   f"{type(err).__name__}: {first_line}")
    want = list(ws.fetch_blob("Y").shape)
    got = [int(d) for d in answer]
    if got == want:
        return _verdict(True, f"{op_type} gives {want}", "")
    if len(got) != len(want):
        return _verdict(False, "", f"the output has {len(want)} dimensions (N, C, H, W), "
                                   f"your answer {len(got)}")
    names = ["N (batch)", "C (channels)", "H (height)", "W (width)"]
    first = next(i for i in range(len(want)) if got[i] != want[i])
    hint = ("the batch size does not change" if first == 0 else
            "a conv layer has one output channel per filter (dim_out)" if op_type == "Conv"
            and first == 1 else "pooling keeps the channels" if first == 1 else
            "use ⌊(H + 2·pad − kernel) / stride⌋ + 1")
    return _verdict(False, "", f"{names[first]} should be {want[first]}, not {got[first]}: "
                               f"{hint}")
