"""Operators written in Python: ``Python`` and ``PythonGradient`` (``net.Python(f, grad_f)``).

``net.Python(f)(["x"], ["y"])`` adds a ``Python`` op whose kernel calls ``f(inputs,
outputs)``. Each element of ``inputs`` and ``outputs`` is a :class:`TensorCPU`, a small
wrapper around one blob, as in Caffe2:

* ``t.data``: the NumPy array (read-only for inputs, so ``f`` cannot change a blob it
  only reads; writable for outputs, after ``reshape`` or ``feed``);
* ``t.shape``: its shape, a tuple;
* ``t.reshape(shape)``: (outputs) make the output a zero array of that shape, keeping its
  dtype (float32 for a new blob), then fill it through ``t.data[...] = ...``;
* ``t.feed(array)``: (outputs) set the output to a copy of ``array`` (its shape and dtype);
* ``t.fetch()``: a copy of the array.

With ``pass_workspace=True`` the function is called as ``f(inputs, outputs, workspace)``;
``workspace.blobs[name].fetch()`` reads any blob and ``.feed(value)`` writes one (Caffe2
called this "potentially dangerous": such a write happens even if the op then fails).

The gradient: ``net.Python(f, grad_f)`` also registers ``grad_f``. ``AddGradientOperators``
then emits ``PythonGradient`` with inputs ``[forward inputs, forward outputs, output
gradients]`` and outputs ``[input gradients]`` (Caffe2's order), and runs
``grad_f(inputs, outputs)`` on those. ``grad_output_indices`` / ``grad_input_indices``
select which output gradients it reads and which input gradients it writes (default: all).

Python ops keep a created net checking every op on every run (a function can do
anything, so no layout is trusted); they have no fast form.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import GradientError, ShapeError
from ..pyfunc import lookup
from ..registry import GradientContext, OpContext, register_op
from ._util import shape_str

__all__ = ["TensorCPU", "WorkspaceView"]


class TensorCPU:
    """One blob as a Python op's function sees it (Caffe2's ``TensorCPU`` wrapper)."""

    def __init__(self, name: str, array: Any = None, writable: bool = False) -> None:
        self.name = name
        self._writable = writable
        if isinstance(array, np.ndarray) and not writable:
            array = array.view()
            array.flags.writeable = False
        self._array = array

    @property
    def data(self) -> np.ndarray:
        """The array itself (outputs: write into it after :meth:`reshape`)."""
        if self._array is None:
            raise ValueError(
                f"output {self.name!r} has no data yet: call outputs[i].reshape(shape) or "
                "outputs[i].feed(array) first."
            )
        return self._array

    @property
    def shape(self) -> tuple[int, ...]:
        """The array's shape (``(0,)`` for an output not set yet)."""
        return tuple(np.shape(self._array)) if self._array is not None else (0,)

    def reshape(self, shape: Sequence[int]) -> None:
        """Make this output a zero array of ``shape``, keeping its dtype (float32 if new)."""
        self._require_output("reshape")
        dtype = self._array.dtype if isinstance(self._array, np.ndarray) else np.float32
        self._array = np.zeros(tuple(int(n) for n in shape), dtype=dtype)

    def feed(self, value: Any) -> bool:
        """Set this output to a copy of ``value`` (as an array); returns True like Caffe2."""
        self._require_output("feed")
        self._array = np.array(value, copy=True)
        return True

    @property
    def is_set(self) -> bool:
        """True once the blob holds an array (inputs always; outputs after feed/reshape)."""
        return self._array is not None

    def fetch(self) -> np.ndarray:
        """A copy of the array."""
        return np.array(self.data, copy=True)

    def _require_output(self, what: str) -> None:
        if not self._writable:
            raise ValueError(f"input {self.name!r} is read-only: {what}() works on outputs.")

    def __repr__(self) -> str:
        kind = "output" if self._writable else "input"
        desc = shape_str(self._array) if isinstance(self._array, np.ndarray) else "unset"
        return f"TensorCPU({kind} {self.name!r}: {desc})"


class _BlobView:
    def __init__(self, workspace: Any, name: str) -> None:
        self._ws, self._name = workspace, name

    def fetch(self) -> np.ndarray:
        return self._ws.fetch_blob(self._name)

    def feed(self, value: Any) -> bool:
        return self._ws.feed_blob(self._name, value)


class _Blobs(Mapping[str, _BlobView]):
    def __init__(self, workspace: Any) -> None:
        self._ws = workspace

    def __getitem__(self, name: str) -> _BlobView:
        if not self._ws.has_blob(name):
            raise KeyError(f"no blob {name!r} in the workspace")
        return _BlobView(self._ws, name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ws.blobs())

    def __len__(self) -> int:
        return len(self._ws.blobs())


class WorkspaceView:
    """The workspace handed to a ``pass_workspace=True`` function: ``.blobs[name]``
    (``.fetch()``, ``.feed(value)``), ``fetch_blob``, ``feed_blob``, ``has_blob``."""

    def __init__(self, workspace: Any) -> None:
        self._ws = workspace
        self.blobs = _Blobs(workspace)

    def fetch_blob(self, name: str) -> np.ndarray:
        return self._ws.fetch_blob(name)

    def feed_blob(self, name: str, value: Any) -> bool:
        return self._ws.feed_blob(name, value)

    def has_blob(self, name: str) -> bool:
        return self._ws.has_blob(name)


def _call(op_type: str, token: str, inputs: Sequence[Any], ctx: OpContext,
          gradient: bool) -> Any:
    """Wrap the blobs, call the registered function, return the outputs' arrays."""
    fn = lookup(token)
    func = fn.grad_f if gradient else fn.f
    if func is None:
        raise GradientError(f"{op_type}: no gradient function was registered for {token!r}; "
                            "pass it as net.Python(f, grad_f).")
    op = ctx.op
    ins = [TensorCPU(name, x) for name, x in zip(op.input, inputs)]
    outs = []
    for k, name in enumerate(op.output):
        existing = ctx.current_output(k)  # Caffe2 handed f the output's current tensor
        if isinstance(existing, np.ndarray):
            existing = existing.copy()  # f's writes reach the blob only if the op succeeds
        outs.append(TensorCPU(name, existing if isinstance(existing, np.ndarray) else None,
                              writable=True))
    if fn.pass_workspace:
        func(ins, outs, WorkspaceView(ctx.workspace))
    else:
        func(ins, outs)
    results = []
    for k, t in enumerate(outs):
        if not t.is_set:
            raise ShapeError(
                f"{op_type} {token!r} did not set its output #{k} ({t.name!r}).",
                hint="in the function, call outputs[k].feed(array), or outputs[k].reshape("
                "shape) and then write outputs[k].data[...] = values.",
            )
        results.append(np.asarray(t.data))
    return results[0] if len(results) == 1 else tuple(results)


def _python_grad(g: GradientContext):
    args = g.forward.args()
    token = args["token"]
    if lookup(token).grad_f is None:
        raise GradientError(
            f"The backward pass reached the Python op {token!r}, which has no gradient "
            "function.\n  hint: register one with net.Python(f, grad_f), or stop the "
            "gradient before it with net.StopGradient."
        )
    n_in, n_out = len(g.forward.input), len(g.forward.output)
    out_idx = list(args.get("grad_output_indices") or range(n_out))
    in_idx = list(args.get("grad_input_indices") or range(n_in))
    missing = [g.O(j) for j in out_idx if g.GO(j) is None]
    if missing:
        raise GradientError(
            f"The Python op {token!r} reads the gradients of its outputs {missing}, but "
            "nothing downstream gave them one.\n  hint: pass grad_output_indices=[...] to "
            "net.Python to list only the outputs that get a gradient."
        )
    ins = [*g.forward.input, *g.forward.output, *[g.GO(j) for j in out_idx]]
    outs = [g.GI(i) for i in in_idx]
    g_input = [g.GI(i) if i in in_idx else None for i in range(n_in)]
    return [g.op("PythonGradient", ins, outs)], g_input


@register_op("Python", inputs=(0, None), outputs=(0, None), inplace="all", grad=_python_grad,
             shape_from_values=True)
def python_op(*inputs: Any, token: str, grad_output_indices: list[int] | None = None,
              grad_input_indices: list[int] | None = None, ctx: OpContext) -> Any:
    """Run the Python function registered under ``token`` by ``net.Python(f)``.

    ``f(inputs, outputs)`` gets one :class:`TensorCPU` per input and per output blob and
    sets each output with ``feed`` or ``reshape`` + ``data[...] =``. Any number of inputs
    and outputs. Gradient: ``PythonGradient(inputs..., outputs..., output gradients...)
    -> input gradients`` running ``grad_f`` (see the module docstring).
    """
    return _call("Python", token, inputs, ctx, gradient=False)


@register_op("PythonGradient", inputs=(0, None), outputs=(0, None), shape_from_values=True)
def python_gradient(*inputs: Any, token: str, grad_output_indices: list[int] | None = None,
                    grad_input_indices: list[int] | None = None, ctx: OpContext) -> Any:
    """Run the gradient function ``grad_f`` registered with ``token``: its inputs are the
    forward inputs, the forward outputs and the output gradients; its outputs are the
    input gradients."""
    return _call("PythonGradient", token, inputs, ctx, gradient=True)
