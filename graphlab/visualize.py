"""Matplotlib pictures of training: losses, learning rates, parameters, blobs, classifiers.

Every function draws into ``ax`` when given one (so plots combine into subplots) and
otherwise makes a new figure; each returns the Axes (or Figure) it drew, so a notebook
cell shows the picture and a test can read the plotted data back::

    ax = visualize.plot_loss(history["loss"])                 # raw + smoothed
    visualize.plot_lr_schedule("step", base_lr=0.1, stepsize=20, gamma=0.9, num_iter=100)
    visualize.plot_trajectory(history["W"], target=[2.0, 1.5])  # w_0 vs w_1 path
    visualize.plot_histogram(["fc1_w", "fc2_w"])               # blobs from the workspace
    visualize.plot_decision_boundary(predict_net, X, y, input_blob="X", output_blob="prob")

Nothing here needs a display: figures work under the headless ``Agg`` backend.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from . import workspace as _workspace_module
from .errors import did_you_mean
from .nets import as_netdef
from .proto import NetDef, OperatorDef
from .workspace import Workspace

__all__ = [
    "EXAMPLE_POLICY_ARGS",
    "NCHW",
    "NHWC",
    "decision_grid",
    "ema",
    "net_predictor",
    "plot_all_lr_policies",
    "plot_decision_boundary",
    "plot_histogram",
    "plot_loss",
    "plot_lr_policies",
    "plot_lr_schedule",
    "plot_trajectory",
    "plot_values",
    "tile_images",
]

#: Arguments that make each LearningRate policy's shape visible within ~200 iterations
#: (Caffe2's defaults are often degenerate, e.g. ``step`` with ``stepsize=0``). They
#: assume ``base_lr = 1`` (the cyclical policies' ``max_lr`` is an absolute rate).
EXAMPLE_POLICY_ARGS: dict[str, dict[str, Any]] = {
    "fixed": {},
    "step": {"stepsize": 40, "gamma": 0.5},
    "exp": {"gamma": 0.99},
    "inv": {"gamma": 0.05, "power": 0.75},
    "poly": {"max_iter": 200, "power": 2.0},
    "linearWarmup": {"start_multiplier": 0.1, "num_iter": 60},
    "constantWarmup": {"multiplier": 0.2, "num_iter": 60},
    "alter": {"active_first": True, "active_period": 30, "inactive_period": 20},
    "hill": {"num_iter": 40, "start_multiplier": 0.1, "gamma": 0.05, "power": 0.5,
             "end_multiplier": 0.2},
    "gate": {"multiplier_1": 1.0, "multiplier_2": 0.3, "num_iter": 100},
    "pieceWarmup": {"m1": 0.2, "n1": 50, "m2": 0.6, "n2": 120, "m3": 1.0},
    "slope": {"num_iter_1": 50, "multiplier_1": 1.0, "num_iter_2": 150, "multiplier_2": 0.2},
    "cyclical": {"max_lr": 2.0, "stepsize": 25, "decay": 0.9},
    "cosine": {"max_lr": 1.0, "min_lr": 0.1, "period": 60, "t_mult": 1.5, "lr_shrink": 0.9},
    "constantThenLinearWarmup": {"start_warmup_multiplier": 0.1,
                                 "constant_warmup_num_iter": 40, "linear_warmup_num_iter": 80},
    "compositeCyclical": {"start_warmup_multiplier": 0.1, "constant_warmup_num_iter": 20,
                          "linear_warmup_num_iter": 40, "cyclical_max_lr": 2.0,
                          "cyclical_step_size": 20, "cyclical_decay": 1.0},
    "compositeCosine": {"start_warmup_multiplier": 0.1, "constant_warmup_num_iter": 20,
                        "linear_warmup_num_iter": 40, "cosine_max_lr": 1.0,
                        "cosine_min_lr": 0.1, "cosine_period": 50, "cosine_t_mult": 1.0,
                        "cosine_lr_shrink": 0.9},
    "composite": {"sub_policy_num_iters": [50, 60, 90],
                  "sub_policy_0_policy": "linearWarmup", "sub_policy_0_start_multiplier": 0.1,
                  "sub_policy_0_num_iter": 50,
                  "sub_policy_1_policy": "fixed",
                  "sub_policy_2_policy": "exp", "sub_policy_2_gamma": 0.98},
}


def _axes(ax: Any = None, figsize: tuple[float, float] = (6.0, 4.0)) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def _ws(workspace: Workspace | None) -> Workspace:
    return workspace if workspace is not None else _workspace_module.CurrentWorkspaceObject()


# ---- losses ------------------------------------------------------------------------------


def ema(values: Sequence[float] | np.ndarray, beta: float = 0.9) -> np.ndarray:
    """Exponential moving average: ``s_0 = x_0``, ``s_t = β·s_{t−1} + (1 − β)·x_t``.

    Args:
        values: 1-D sequence of numbers, length T.
        beta: smoothing in [0, 1); 0 returns the values unchanged, 0.9 averages over
            roughly the last 10 values.

    Returns:
        float64 array of length T.
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    if not 0.0 <= beta < 1.0:
        raise ValueError(f"ema: beta must be in [0, 1), got {beta}.")
    out = np.empty_like(x)
    acc = x[0] if len(x) else 0.0
    for t, v in enumerate(x):
        acc = beta * acc + (1.0 - beta) * v
        out[t] = acc
    if len(x):
        out[0] = x[0]
    return out


def _series(values: Any, iterations: Any, default_key: str = "loss") -> tuple[np.ndarray, Any]:
    """Accept an array or a training History (its ``default_key`` and iterations)."""
    if isinstance(values, Mapping) and hasattr(values, "iterations"):
        key = default_key if default_key in values else next(iter(values))
        return np.asarray(values[key]), (values.iterations if iterations is None else iterations)
    return np.asarray(values), iterations


def plot_loss(
    losses: Any,
    iterations: Sequence[int] | np.ndarray | None = None,
    ax: Any = None,
    smooth: float | None = None,
    log: bool = False,
    label: str = "loss",
    title: str | None = None,
    color: str | None = None,
) -> Any:
    """Loss (or any scalar) against iteration: the raw values faint, their EMA solid.

    Args:
        losses: 1-D values (length T), or a training History (its ``"loss"``).
        iterations: x values (default ``1..T``).
        smooth: EMA β (see :func:`ema`); ``None`` (the default) or 0 draws only the raw
            curve. A full-batch loss is exact and needs none; a noisy minibatch loss reads
            better with a light one (0.5-0.7: a larger β lags ~1/(1-β) iterations behind).
        log: logarithmic y axis (all values must be > 0).
        label, title, color: matplotlib styling.

    Returns:
        The Axes; ``ax.lines[0]`` is the raw curve, ``ax.lines[1]`` the smoothed one.
    """
    y, iterations = _series(losses, iterations)
    y = np.asarray(y, dtype=np.float64).ravel()
    x = np.arange(1, len(y) + 1) if iterations is None else np.asarray(iterations)
    if len(x) != len(y):
        raise ValueError(f"plot_loss: {len(y)} values but {len(x)} iterations.")
    if log and np.any(y <= 0):
        raise ValueError(
            "plot_loss(log=True): the values include zero or negative numbers, which a log "
            "axis cannot show. Plot with log=False, or plot a positive quantity."
        )
    ax = _axes(ax)
    raw = ax.plot(x, y, color=color, alpha=0.35 if smooth else 1.0, linewidth=1.0,
                  label=label)[0]
    if smooth:
        ax.plot(x, ema(y, smooth), color=raw.get_color(), linewidth=2.0,
                label=f"{label} (EMA, β={smooth:g})")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("iteration")
    if not ax.get_ylabel():  # a second curve on the same Axes keeps the first one's labels
        ax.set_ylabel(label)
    if title is not None or not ax.get_title():
        ax.set_title(title if title is not None else label)
    ax.grid(True, alpha=0.3)
    ax.legend()
    return ax


# ---- learning rates ----------------------------------------------------------------------


def _lr_values(policy: str, base_lr: float, iters: np.ndarray, args: Mapping[str, Any]
               ) -> np.ndarray:
    from . import schedules

    # Piecewise policies evaluate every branch on the whole array before choosing; a
    # branch that is not chosen may divide by zero there, which is harmless.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        values = schedules.learning_rate(iters, base_lr, policy, **args)
    return np.asarray(values, dtype=np.float64)


def plot_lr_schedule(
    policy: str = "fixed",
    base_lr: float = 0.1,
    num_iter: int = 100,
    ax: Any = None,
    start: int = 1,
    label: str | None = None,
    **policy_args: Any,
) -> Any:
    """What a ``LearningRate`` op outputs at iterations ``start .. start+num_iter−1``.

    ``lr(iter) = base_lr × f_policy(iter)`` computed by :mod:`graphlab.schedules` (the same
    function the op runs). Training starts at ``iter = 1`` because ``Iter``/``AtomicIter``
    runs before ``LearningRate``. Pass the op's own ``base_lr`` (negative in the seed) to
    see exactly what it produces, or a positive step size to see the magnitude.

    Returns:
        The Axes; its last line holds ``(iterations, lr)``.
    """
    iters = np.arange(int(start), int(start) + int(num_iter))
    lr = _lr_values(policy, base_lr, iters, policy_args)
    ax = _axes(ax)
    text = label if label is not None else _policy_label(policy, policy_args)
    ax.plot(iters, lr, label=text, drawstyle="steps-post" if policy == "step" else "default")
    ax.set_xlabel("iteration")
    ax.set_ylabel("learning rate")
    ax.set_title(f"LearningRate policy={policy!r}, base_lr={base_lr:g}")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return ax


def _policy_label(policy: str, args: Mapping[str, Any]) -> str:
    if not args:
        return policy
    inner = ", ".join(f"{k}={v}" for k, v in args.items())
    return f"{policy} ({inner})"


def plot_lr_policies(
    policies: Mapping[str, Mapping[str, Any]] | Sequence[Any],
    base_lr: float = 0.1,
    num_iter: int = 100,
    ax: Any = None,
    start: int = 1,
) -> Any:
    """Several learning-rate schedules on one Axes, to compare them.

    Args:
        policies: ``{label: {"policy": "step", "stepsize": 20, ...}}``, or a list whose
            items are a policy name (Caffe2 defaults), or ``(policy, {args})`` pairs.
        base_lr, num_iter, start: as in :func:`plot_lr_schedule`.

    Returns:
        The Axes, one line per policy in the given order.
    """
    entries: list[tuple[str, str, dict[str, Any]]] = []
    if isinstance(policies, Mapping):
        for label, spec in policies.items():
            spec = dict(spec)
            if "policy" not in spec:
                raise ValueError(f"plot_lr_policies: entry {label!r} needs a 'policy' key.")
            entries.append((str(label), spec.pop("policy"), spec))
    else:
        for item in policies:
            if isinstance(item, str):
                entries.append((item, item, {}))
            else:
                policy, args = item
                entries.append((_policy_label(policy, args), policy, dict(args)))
    ax = _axes(ax)
    iters = np.arange(int(start), int(start) + int(num_iter))
    for label, policy, args in entries:
        ax.plot(iters, _lr_values(policy, base_lr, iters, args), label=label)
    ax.set_xlabel("iteration")
    ax.set_ylabel("learning rate")
    ax.set_title(f"learning-rate policies, base_lr={base_lr:g}")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    return ax


def plot_all_lr_policies(
    num_iter: int = 200,
    base_lr: float = 1.0,
    ncols: int = 4,
    policy_args: Mapping[str, Mapping[str, Any]] | None = None,
) -> Any:
    """One small plot per ``LearningRate`` policy, with :data:`EXAMPLE_POLICY_ARGS`.

    Args:
        policy_args: override the example arguments of some policies.

    Returns:
        The matplotlib Figure (``fig.axes[i]`` is the i-th policy, in
        :data:`EXAMPLE_POLICY_ARGS` order).
    """
    import matplotlib.pyplot as plt

    table = {k: dict(v) for k, v in EXAMPLE_POLICY_ARGS.items()}
    for k, v in (policy_args or {}).items():
        table[k] = dict(v)
    n = len(table)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 2.4 * nrows), squeeze=False,
                             layout="constrained")
    iters = np.arange(1, int(num_iter) + 1)
    flat = list(axes.ravel())
    for i, (ax, (policy, args)) in enumerate(zip(flat, table.items())):
        values = _lr_values(policy, base_lr, iters, args)
        ax.plot(iters, values)
        ax.set_title(policy, fontsize="medium")
        ax.grid(True, alpha=0.3)
        # from 0, so a constant policy looks constant instead of being auto-scaled into noise
        ax.set_ylim(min(0.0, 1.05 * float(np.min(values))), 1.05 * max(float(np.max(values)), 0))
        if i % ncols == 0:
            ax.set_ylabel("LR")
        if i >= n - ncols:
            ax.set_xlabel("iteration")
    for ax in flat[n:]:
        fig.delaxes(ax)
    fig.suptitle(f"LearningRate policies (base_lr={base_lr:g})")
    return fig


# ---- parameters ----------------------------------------------------------------------------


def _as_rows(values: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 0:
        raise ValueError("expected one value per iteration (a 1-D or larger array).")
    return arr.reshape(arr.shape[0], -1)


def plot_trajectory(
    path: Any,
    ax: Any = None,
    target: Sequence[float] | np.ndarray | None = None,
    dims: tuple[int, int] = (0, 1),
    label: str | None = None,
    color: str = "r",
) -> Any:
    """The path of two parameter components, e.g. ``w_0`` vs ``w_1`` of a ``[1, 2]`` W.

    Args:
        path: T snapshots of a parameter (``[T, 1, 2]``, ``[T, 2]`` ...); each is
            flattened and components ``dims`` are used.
        target: optional point to mark (e.g. the ground truth ``[2.0, 1.5]``).
        dims: which two flattened components to plot.

    Returns:
        The Axes: ``lines[0]`` is the path, ``lines[1]`` the start marker, ``lines[2]``
        the end marker, ``lines[3]`` the target (if given). Axes are equal-scaled.
    """
    rows = _as_rows(path)
    if rows.shape[1] <= max(dims):
        raise ValueError(f"plot_trajectory: each snapshot has {rows.shape[1]} component(s); "
                         f"cannot plot components {dims}.")
    xs, ys = rows[:, dims[0]], rows[:, dims[1]]
    ax = _axes(ax)
    ax.plot(xs, ys, "-", color=color, linewidth=1.5, label=label or "path")
    ax.plot(xs[:1], ys[:1], "o", color="tab:green", markersize=8, label="start")
    ax.plot(xs[-1:], ys[-1:], "s", color=color, markersize=8, label="end")
    if target is not None:
        t = np.asarray(target, dtype=np.float64).ravel()
        ax.plot([t[dims[0]]], [t[dims[1]]], "*", color="k", markersize=14, label="target")
    name = label or "w"
    ax.set_xlabel(f"{name}_{dims[0]}")
    ax.set_ylabel(f"{name}_{dims[1]}")
    ax.axis("equal")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return ax


def plot_values(
    values: Any,
    iterations: Sequence[int] | np.ndarray | None = None,
    ax: Any = None,
    label: str = "value",
) -> Any:
    """Each component of a recorded blob against iteration (e.g. ``b`` vs ``iter``).

    Args:
        values: ``[T]`` or ``[T, *shape]`` snapshots.
        iterations: x values (default ``1..T``).
        label: blob name; lines are labelled ``label`` or ``label[i, j]``.

    Returns:
        The Axes, one line per component in row-major order.
    """
    arr = np.asarray(values, dtype=np.float64)
    rows = _as_rows(arr)
    x = np.arange(1, rows.shape[0] + 1) if iterations is None else np.asarray(iterations)
    ax = _axes(ax)
    shape = arr.shape[1:]
    for k in range(rows.shape[1]):
        if rows.shape[1] == 1:
            text = label
        else:
            idx = np.unravel_index(k, shape)
            text = f"{label}[{', '.join(str(int(i)) for i in idx)}]"
        ax.plot(x, rows[:, k], label=text)
    ax.set_xlabel("iteration")
    ax.set_ylabel(label)
    ax.grid(True, alpha=0.3)
    ax.legend()
    return ax


# ---- blobs ---------------------------------------------------------------------------------


def plot_histogram(
    blobs: Any,
    bins: int = 30,
    ax: Any = None,
    workspace: Workspace | None = None,
    density: bool = False,
    labels: Sequence[str] | None = None,
) -> Any:
    """Histogram of the values in one or more blobs (overlaid).

    Args:
        blobs: an array, a blob name (fetched from ``workspace``), or a list of either.
        bins: number of bins (shared by all blobs).
        workspace: where names are fetched (default: the current workspace).
        density: normalise each histogram to unit area.
        labels: legend labels (default: the blob names, or ``array 0`` ...).

    Returns:
        The Axes; ``ax.patches`` are the bars, ``bins`` per blob.
    """
    items = list(blobs) if isinstance(blobs, (list, tuple)) else [blobs]
    arrays, names = [], []
    for k, item in enumerate(items):
        if isinstance(item, str):
            arrays.append(np.asarray(_ws(workspace).fetch_blob(item), dtype=np.float64))
            names.append(str(item))
        else:
            arrays.append(np.asarray(item, dtype=np.float64))
            names.append(f"array {k}")
    names = list(labels) if labels is not None else names
    flat = [a.ravel() for a in arrays]
    lo = min(float(a.min()) for a in flat if a.size)
    hi = max(float(a.max()) for a in flat if a.size)
    edges = np.linspace(lo, hi if hi > lo else lo + 1.0, int(bins) + 1)
    ax = _axes(ax)
    alpha = 0.8 if len(flat) == 1 else 0.5
    for a, n, arr in zip(flat, names, arrays):
        text = f"{n} {list(arr.shape)}: mean {a.mean():.3g}, std {a.std():.3g}"
        ax.hist(a, bins=edges, density=density, alpha=alpha, label=text)
    ax.set_xlabel("value")
    ax.set_ylabel("density" if density else "count")
    ax.legend(fontsize="small")
    return ax


# ---- classifiers -------------------------------------------------------------------------


def net_predictor(
    net: Any,
    input_blob: str,
    output_blob: str,
    workspace: Workspace | None = None,
    dtype: Any = np.float32,
) -> Callable[[np.ndarray], np.ndarray]:
    """Turn a net into ``f(points) -> outputs`` without disturbing the workspace.

    Each call feeds ``points`` into ``input_blob``, runs — with fresh operators — only the
    ops of ``net`` that ``output_blob`` depends on (up to its first producer, so a training
    net's loss, gradient and update ops are left out), fetches ``output_blob``, and then
    restores every blob those ops wrote (and the input) to what it was, or removes it if
    it did not exist, so the workspace is unchanged afterwards. Pick an output computed
    from the input alone (the scores, not a loss op's probabilities that also need labels).

    Args:
        net: a Net, ModelHelper or NetDef.
        input_blob, output_blob: blob names.
        dtype: the dtype the points are fed as.
    """
    proto = _forward_slice(as_netdef(net), str(input_blob), str(output_blob))
    touched = [str(input_blob)]
    for op in proto.op:
        for b in op.output:
            if b not in touched:
                touched.append(b)

    def predict(points: np.ndarray) -> np.ndarray:
        ws = _ws(workspace)
        saved = {b: ws.fetch_blob(b) for b in touched if ws.has_blob(b)}
        try:
            ws.feed_blob(str(input_blob), np.asarray(points, dtype=dtype))
            ws.run_net_once(proto)
            return ws.fetch_blob(str(output_blob))
        finally:
            for b in touched:
                if b in saved:
                    ws.feed_blob(b, saved[b])
                else:
                    ws.remove_blob(b)

    return predict


def _forward_slice(net: NetDef, input_blob: str, output_blob: str) -> NetDef:
    """The ops of ``net`` needed to compute ``output_blob`` from ``input_blob``, in order."""
    ops = list(net.op)
    end = next((i for i, op in enumerate(ops) if output_blob in op.output), None)
    if end is None:
        raise ValueError(
            f"no op of net {net.name!r} writes {output_blob!r}."
            + did_you_mean(output_blob, [b for op in ops for b in op.output])
        )
    needed = [output_blob]
    kept: list[OperatorDef] = []
    for op in reversed(ops[: end + 1]):
        if any(b in needed for b in op.output):
            kept.append(op)
            needed.extend(b for b in op.input if b != input_blob and b not in needed)
    return NetDef(name=net.name + "_predict", op=kept[::-1])


def _classes(scores: np.ndarray, n: int, threshold: float) -> np.ndarray:
    s = np.asarray(scores)
    if s.ndim == 2 and s.shape[1] >= 2:
        return np.argmax(s, axis=1)
    return (s.reshape(n) > threshold).astype(np.int64)


def decision_grid(
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    resolution: int = 150,
    padding: float = 0.5,
    threshold: float = 0.5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluate a classifier on a grid covering the 2-D points ``X`` (``[N, 2]``).

    ``predict`` maps ``[M, 2]`` points to scores ``[M, C]`` (class = argmax) or ``[M]``
    / ``[M, 1]`` (class = score > threshold).

    Returns:
        ``(xx, yy, classes)``, each ``[resolution, resolution]``.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_grid: X must be [N, 2] points, got shape {list(X.shape)}.")
    (x0, y0), (x1, y1) = X.min(axis=0) - padding, X.max(axis=0) + padding
    xx, yy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    classes = _classes(predict(grid), len(grid), threshold).reshape(xx.shape)
    return xx, yy, classes


def plot_decision_boundary(
    predict: Any,
    X: np.ndarray,
    y: np.ndarray | None = None,
    ax: Any = None,
    input_blob: str | None = None,
    output_blob: str | None = None,
    workspace: Workspace | None = None,
    resolution: int = 150,
    padding: float = 0.5,
    threshold: float = 0.5,
) -> Any:
    """Colour the plane by predicted class and scatter the data on top.

    Args:
        predict: a function ``[M, 2] points -> scores``, or a net (Net, ModelHelper,
            NetDef) together with ``input_blob`` and ``output_blob`` (see
            :func:`net_predictor`; the workspace is left as it was).
        X: ``[N, 2]`` data points; ``y``: their labels ``[N]`` (colours the points).

    Returns:
        The Axes: ``ax.collections[0]`` is the filled class map, the last collection
        the scatter of ``X``.
    """
    if not callable(predict):
        if input_blob is None or output_blob is None:
            raise ValueError(
                "plot_decision_boundary: to use a net, also pass input_blob= and "
                "output_blob= (the blob fed with points and the blob holding scores)."
            )
        predict = net_predictor(predict, input_blob, output_blob, workspace)
    xx, yy, classes = decision_grid(predict, X, resolution, padding, threshold)
    ax = _axes(ax, figsize=(5.0, 5.0))
    n_cls = int(max(classes.max(), 0 if y is None else np.max(y))) + 1
    levels = np.arange(n_cls + 1) - 0.5
    ax.contourf(xx, yy, classes, levels=levels, cmap="coolwarm", alpha=0.3)
    X = np.asarray(X)
    ax.scatter(X[:, 0], X[:, 1], c=None if y is None else np.asarray(y).ravel(),
               cmap="coolwarm", vmin=0, vmax=max(n_cls - 1, 1), edgecolors="k", s=20)
    ax.set_xlabel("x_0")
    ax.set_ylabel("x_1")
    ax.set_title("decision regions")
    return ax


# ---- images: Caffe2's visualize.NHWC and visualize.NCHW ------------------------------------
#
# ``visualize.NCHW.ShowMultiple(batch)`` shows a batch of images (or one channel of a
# batch of feature maps) as a grid, as in Caffe2's MNIST tutorial. The grid is an ordinary
# array (returned, so a test or a learner can look at it) drawn with ``imshow`` into ``ax``
# or, as Caffe2 did, into the current matplotlib axes (``pyplot.figure()`` first for a new
# picture).


def tile_images(images: np.ndarray, ncols: int | None = None, gap: int = 1,
                background: float | None = None) -> np.ndarray:
    """Lay ``images`` out in a grid: one array holding every image, ``gap`` cells apart.

    ``images`` is ``[n, h, w]`` (grey), ``[n, h, w, 1]`` (grey), ``[n, h, w, 3]`` (RGB),
    or ``[n, h·w]`` with square images flattened. ``ncols`` defaults to ``⌈√n⌉``; the
    rows follow. The gaps and unused cells hold ``background`` (default: the mean of all
    images, so they do not stretch the colour scale). Returns ``[rows·(h+gap)−gap,
    cols·(w+gap)−gap]`` (plus ``3`` for RGB).
    """
    images = np.asarray(images)
    if images.ndim == 2:
        side = math.isqrt(images.shape[1])
        if side * side != images.shape[1]:
            raise ValueError(f"tile_images: rows of {images.shape[1]} values are not square "
                             "images; give them as [n, h, w].")
        images = images.reshape(-1, side, side)
    if images.ndim == 4 and images.shape[3] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[3] != 3):
        raise ValueError(
            f"tile_images: expected images [n, h, w], [n, h, w, 1] or [n, h, w, 3], got shape "
            f"{list(images.shape)}. For NCHW data use visualize.NCHW (it moves the channels "
            "last); for one channel of feature maps select it, e.g. conv[:, [5]].")
    n, h, w = images.shape[:3]
    if n == 0:
        raise ValueError("tile_images: there are no images to show.")
    ncols = ncols or math.ceil(math.sqrt(n))
    nrows = math.ceil(n / ncols)
    fill = float(images.mean()) if background is None else background
    grid = np.full((nrows * (h + gap) - gap, ncols * (w + gap) - gap, *images.shape[3:]), fill,
                   dtype=np.result_type(images.dtype, np.float32))
    for i in range(n):  # one copy per image, not per pixel
        top, left = (i // ncols) * (h + gap), (i % ncols) * (w + gap)
        grid[top:top + h, left:left + w] = images[i]
    return grid


def _show(grid: np.ndarray, ax: Any, cmap: Any) -> np.ndarray:
    import matplotlib.pyplot as plt

    ax = ax if ax is not None else plt.gca()
    ax.imshow(grid, cmap=cmap if grid.ndim == 2 else None, interpolation="nearest")
    ax.axis("off")
    return grid


def _channels_last(images: np.ndarray) -> np.ndarray:
    """``[..., C, H, W]`` → ``[..., H, W, C]`` (Caffe2's ChannelLast)."""
    return np.moveaxis(np.asarray(images), -3, -1)


class NHWC:
    """Image helpers for channels-last arrays (``[N, H, W, C]``), as in Caffe2."""

    @staticmethod
    def ShowSingle(image: np.ndarray, ax: Any = None, cmap: Any = "gray") -> np.ndarray:  # noqa: N802
        """Show one image ``[H, W, 1]``, ``[H, W, 3]`` or ``[H, W]``; returns it as drawn."""
        image = np.asarray(image)
        return _show(tile_images(image[None], ncols=1), ax, cmap)

    @staticmethod
    def ShowMultiple(images: np.ndarray, ncols: int | None = None, ax: Any = None,  # noqa: N802
                     cmap: Any = "gray") -> np.ndarray:
        """Show a batch ``[N, H, W, C]`` (C = 1 or 3) as a grid (see :func:`tile_images`);
        returns the grid array."""
        return _show(tile_images(images, ncols), ax, cmap)

    @staticmethod
    def ShowImages(images: np.ndarray, ncols: int | None = None, ax: Any = None,  # noqa: N802
                   cmap: Any = "gray") -> np.ndarray:
        """Like ShowMultiple, with all values first scaled to [0, 1] (min → 0, max → 1)."""
        images = np.asarray(images, dtype=np.float64)
        span = images.max() - images.min()
        scaled = (images - images.min()) / (span if span > 0 else 1.0)
        return _show(tile_images(scaled, ncols), ax, cmap)

    @staticmethod
    def ShowChannels(image: np.ndarray, ncols: int | None = None, ax: Any = None,  # noqa: N802
                     cmap: Any = "gray") -> np.ndarray:
        """Show each channel of one image ``[H, W, C]`` as its own grey tile, e.g. the 20
        feature maps of a conv layer for one input. (Caffe2 transposed each tile here;
        graphlab shows them the right way up.)"""
        channels = np.moveaxis(np.asarray(image), -1, 0)
        return _show(tile_images(channels, ncols), ax, cmap)


class NCHW:
    """The same helpers for channels-first arrays (``[N, C, H, W]``, Caffe2's default):
    each moves the channels last and calls :class:`NHWC`."""

    @staticmethod
    def ShowSingle(image: np.ndarray, ax: Any = None, cmap: Any = "gray") -> np.ndarray:  # noqa: N802
        """One image ``[C, H, W]``."""
        return NHWC.ShowSingle(_channels_last(image), ax, cmap)

    @staticmethod
    def ShowMultiple(images: np.ndarray, ncols: int | None = None, ax: Any = None,  # noqa: N802
                     cmap: Any = "gray") -> np.ndarray:
        """A batch ``[N, C, H, W]`` (C = 1 or 3) as a grid. MNIST: ``ShowMultiple(data)``
        for the digits, ``ShowMultiple(conv1[:, [5]])`` for one feature map per image."""
        return NHWC.ShowMultiple(_channels_last(images), ncols, ax, cmap)

    @staticmethod
    def ShowImages(images: np.ndarray, ncols: int | None = None, ax: Any = None,  # noqa: N802
                   cmap: Any = "gray") -> np.ndarray:
        """ShowMultiple with values scaled to [0, 1]."""
        return NHWC.ShowImages(_channels_last(images), ncols, ax, cmap)

    @staticmethod
    def ShowChannels(image: np.ndarray, ncols: int | None = None, ax: Any = None,  # noqa: N802
                     cmap: Any = "gray") -> np.ndarray:
        """Every channel of one image ``[C, H, W]`` as its own tile."""
        return NHWC.ShowChannels(_channels_last(image), ncols, ax, cmap)
