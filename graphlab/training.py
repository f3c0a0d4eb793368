"""A training loop for created nets that records blobs as it goes.

The tutorials train with ``for i in range(100): workspace.RunNet(name)`` and then fetch
blobs by hand. :func:`train` does the same loop, fetching chosen blobs after each run::

    workspace.RunNetOnce(model.param_init_net)
    workspace.CreateNet(model.net)
    history = training.train(model.net, 200, record=["loss", "y_pred_w"])
    history["loss"]        # float64 array, one value per iteration
    history["y_pred_w"]    # float32 array [200, 1, 2]: the weight after each step
    history.plot()         # the loss curve (history.plot(smooth=0.6) adds a moving average)

It shows a ``tqdm`` progress bar (``progress=False`` turns it off) and, in a notebook,
can redraw a loss plot while it runs (``live_plot=True``). If a run fails half-way, the
values recorded so far are not lost: the exception carries them as ``exc.history`` and
:func:`last_history` returns them.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from . import workspace as _workspace_module
from .nets import as_netdef
from .workspace import Workspace

__all__ = ["History", "last_history", "train"]


class History(Mapping[str, np.ndarray]):
    """Blob values recorded during :func:`train`, one row per recorded iteration.

    ``history[name]`` is a NumPy array: float64 ``[n]`` for blobs holding one number
    (the loss, a learning rate), else the stacked copies ``[n, *blob.shape]`` in the
    blob's dtype. ``history.iterations`` is the iteration number (1 = after the first
    run) of each row.
    """

    def __init__(self, names: Sequence[str]) -> None:
        self._names = list(names)
        self._values: dict[str, list[Any]] = {n: [] for n in self._names}
        self._iterations: list[int] = []

    def append(self, iteration: int, values: Mapping[str, Any]) -> None:
        """Add one row (all recorded blobs at one iteration)."""
        for n in self._names:
            self._values[n].append(values[n])
        self._iterations.append(int(iteration))

    @property
    def iterations(self) -> np.ndarray:
        """int64 ``[n]``: iteration number of each recorded row."""
        return np.asarray(self._iterations, dtype=np.int64)

    @property
    def num_records(self) -> int:
        return len(self._iterations)

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._values:
            raise KeyError(f"{name!r} was not recorded; recorded: {self._names}. "
                           "Pass it in train(..., record=[...]).")
        rows = self._values[name]
        if rows and all(isinstance(v, float) for v in rows):
            return np.asarray(rows, dtype=np.float64)
        if not rows:
            return np.zeros((0,), dtype=np.float64)
        return np.stack(rows)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def to_dict(self) -> dict[str, np.ndarray]:
        """``{"iterations": ..., name: values ...}`` as plain arrays."""
        out = {"iterations": self.iterations}
        out.update({n: self[n] for n in self._names})
        return out

    def plot(self, name: str | None = None, ax: Any = None, **kwargs: Any) -> Any:
        """Plot a recorded scalar against iteration (raw, smoothed on request; see
        :func:`graphlab.visualize.plot_loss`), or a recorded array's components
        (:func:`graphlab.visualize.plot_values`). Default: the first recorded blob.

        Returns:
            The matplotlib Axes.
        """
        from . import visualize

        name = self._names[0] if name is None else name
        values = self[name]
        if values.ndim == 1:
            return visualize.plot_loss(values, iterations=self.iterations, ax=ax,
                                       label=name, **kwargs)
        return visualize.plot_values(values, iterations=self.iterations, ax=ax,
                                     label=name, **kwargs)

    def __repr__(self) -> str:
        parts = []
        for n in self._names:
            v = self[n]
            if v.ndim == 1 and len(v):
                parts.append(f"{n}: last {v[-1]:.6g}")
            else:
                parts.append(f"{n}: {v.dtype}{list(v.shape)}")
        return f"History({self.num_records} records; " + "; ".join(parts) + ")"


_LAST: list[History | None] = [None]


def last_history() -> History | None:
    """The History of the most recent :func:`train` call (complete or not)."""
    return _LAST[0]


def _snapshot(ws: Workspace, name: str) -> Any:
    value = ws.fetch_blob(name)
    if value.size == 1 and np.issubdtype(value.dtype, np.number):
        return float(value.reshape(()))
    return value


def _net_name(net_or_name: Any) -> str:
    if isinstance(net_or_name, str):
        return str(net_or_name)
    return as_netdef(net_or_name).name


class _LivePlot:
    """Redraws a loss plot in one notebook output (no-op outside IPython)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.handle = None
        try:
            from IPython import get_ipython
            from IPython.display import Image, display
        except ImportError:  # pragma: no cover - IPython is a dependency
            return
        if get_ipython() is None:
            return
        self._image = Image
        self.handle = display(self._placeholder(), display_id=True)

    def _placeholder(self) -> Any:
        from IPython.display import Markdown

        return Markdown(f"*training: waiting for the first value of `{self.name}`...*")

    def update(self, history: History) -> None:
        if self.handle is None or not history.num_records:
            return
        from matplotlib.figure import Figure

        from . import visualize

        fig = Figure(figsize=(6, 3.2))
        ax = fig.add_subplot()
        visualize.plot_loss(history[self.name], iterations=history.iterations, ax=ax,
                            label=self.name)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
        self.handle.update(self._image(data=buf.getvalue(), format="png"))


def train(
    net_or_name: Any,
    num_iter: int,
    record: str | Sequence[str] = ("loss",),
    workspace: Workspace | None = None,
    progress: bool = True,
    live_plot: bool = False,
    every: int = 1,
    check_finite: bool = False,
) -> History:
    """Run a created net ``num_iter`` times, recording blobs every ``every`` iterations.

    Args:
        net_or_name: a net created with ``workspace.CreateNet`` (a Net, ModelHelper,
            NetDef or its name).
        num_iter: number of runs.
        record: blob name(s) to fetch after a run; one-number blobs become floats.
        workspace: the :class:`~graphlab.workspace.Workspace`; default the current one.
        progress: show a tqdm progress bar with the latest recorded value.
        live_plot: in a notebook, redraw a plot of the first recorded blob about 25
            times during training (ignored outside IPython).
        every: record after runs ``every``, ``2·every``, ... (and always after the last).
        check_finite: turn on the divergence guard for these runs (the first
            op producing NaN or infinity stops the run with a ``DivergenceError`` naming
            it), and also stop with ``FloatingPointError`` if a recorded value is not
            finite. Usually the learning rate is too large.

    Returns:
        A :class:`History`.

    Raises:
        GraphlabError: the net was not created in the workspace, or a recorded blob does
            not exist. Any error from a run is re-raised with ``.history`` attached.
    """
    ws = workspace if workspace is not None else _workspace_module.CurrentWorkspaceObject()
    names = [record] if isinstance(record, str) else [str(r) for r in record]
    if int(num_iter) < 0 or int(every) < 1:
        raise ValueError(f"need num_iter >= 0 and every >= 1, got num_iter={num_iter}, "
                         f"every={every}.")
    name = _net_name(net_or_name)
    if name not in ws.nets():
        from .errors import GraphlabError, did_you_mean

        raise GraphlabError(
            f"train: net {name!r} has not been created in this workspace."
            + did_you_mean(name, ws.nets())
            + " Run the init net, then workspace.CreateNet(net), then train(net, ...)."
        )
    history = History(names)
    _LAST[0] = history
    from tqdm.auto import tqdm

    bar = tqdm(total=int(num_iter), disable=not progress, desc=name, leave=True)
    live = _LivePlot(names[0]) if (live_plot and names) else None
    redraw = max(1, int(num_iter) // 25)
    i = 0
    try:
        for i in range(1, int(num_iter) + 1):
            if check_finite:
                ws.run_net(name, check_finite=True)
            else:
                ws.run_net(name)
            if i % every == 0 or i == num_iter:
                row = {n: _snapshot(ws, n) for n in names}
                history.append(i, row)
                if check_finite:
                    _check_finite(row, i)
                if names and bar is not None and not bar.disable:
                    first = row[names[0]]
                    if isinstance(first, float):
                        bar.set_postfix({names[0]: f"{first:.4g}"}, refresh=False)
                if live is not None and (i % redraw == 0 or i == num_iter):
                    live.update(history)
            bar.update(1)
    except BaseException as exc:
        _attach(exc, history, i, num_iter)
        raise
    finally:
        bar.close()
    return history


def _check_finite(row: Mapping[str, Any], iteration: int) -> None:
    for n, v in row.items():
        if not np.all(np.isfinite(v)):
            what = f"= {v}" if np.ndim(v) == 0 else "has NaN/inf entries"
            raise FloatingPointError(
                f"{n!r} {what} at iteration {iteration}: training diverged. Try a smaller "
                "learning rate, or check the data for NaN."
            )


def _attach(exc: BaseException, history: History, iteration: int, num_iter: int) -> None:
    try:
        exc.history = history  # type: ignore[attr-defined]
    except AttributeError:  # pragma: no cover - exceptions with __slots__
        return
    note = (f"graphlab.training.train stopped at iteration {iteration} of {num_iter}; "
            f"the {history.num_records} values recorded so far are in exc.history and "
            "training.last_history().")
    if hasattr(exc, "add_note"):
        exc.add_note(note)
