"""Export a trained graphlab prediction net to ONNX, the format today's runtimes share.

::

    from graphlab import onnx as glonnx
    glonnx.export(predict_net, workspace.CurrentWorkspaceObject(), inputs={"X": x},
                  path="model.onnx")

The written model runs in onnxruntime, opens in Netron and imports into PyTorch with
onnx2torch (docs/onnx.md). Caffe2 had the same bridge (its ``caffe2.python.onnx`` frontend);
this one is written for reading:

1. **Which blobs are what.** The names in ``inputs`` become the graph's inputs (the example
   arrays give their shapes and dtypes). Every other blob the net reads before writing it is a
   parameter: its trained value, taken from the workspace (or from running the init net),
   becomes an ONNX *initializer*, unchanged. The outputs are the net's external outputs, or
   else the ops' main (first) outputs that no later op reads.
2. **One run in graphlab.** The net runs once on the example inputs in a scratch workspace, so
   every blob's shape is known (FC's flattening and Caffe2's legacy broadcasting need them).
3. **One converter per op type** (the table :data:`CONVERTERS`): it writes one or a few ONNX
   nodes for one graphlab op. An op without a converter, or with arguments ONNX cannot
   express, is an :class:`ExportError` naming the op and why.
4. **ONNX names are written once.** graphlab may overwrite a blob (``Relu(X) -> X``); ONNX
   values are single-assignment, so earlier versions get ``name__1``, ``name__2`` ... and the
   last version keeps the blob's own name.
5. ``onnx.checker`` (with shape inference) checks the model before it is returned or saved.

``onnx`` (and ``onnxruntime`` to run the result) are graphlab's ``onnx`` extra:
``pip install onnx onnxruntime``.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from . import workspace as workspace_module
from .errors import GraphlabError
from .ops.math import legacy_broadcast_shape
from .ops.vision import window_geometry
from .proto import NetDef, OperatorDef
from .registry import get_schema, has_op
from .workspace import Workspace

__all__ = ["CONVERTERS", "IR_VERSION", "OPSET", "ExportError", "export"]

#: The ONNX operator set the converters write (onnxruntime >= 1.13, onnx2torch and Netron
#: all read it) and the matching IR version of the file format.
OPSET = 17
IR_VERSION = 8


class ExportError(GraphlabError):
    """The net cannot be written as ONNX; the message names the op (or blob) and why."""


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ExportError(
            "ONNX export needs the onnx package: pip install onnx onnxruntime (graphlab's "
            "onnx extra; onnxruntime runs the exported model)."
        ) from None
    return onnx


# ---- what a converter sees --------------------------------------------------------------


@dataclass
class OpView:
    """One graphlab op as a converter sees it.

    ``inputs``/``outputs`` are ONNX value names (single-assignment versions of the blobs);
    ``in_shapes``/``out_shapes`` and ``in_dtypes`` come from the example run in graphlab;
    ``used[k]`` says whether output ``k`` is read later or is a graph output (optional
    outputs such as Reshape's ``old_shape`` are only written when used).
    """

    op: OperatorDef
    index: int
    args: dict[str, Any]
    inputs: list[str]
    outputs: list[str]
    in_shapes: list[tuple[int, ...]]
    in_dtypes: list[np.dtype]
    out_shapes: list[tuple[int, ...]]
    used: list[bool]

    def error(self, reason: str, hint: str = "") -> ExportError:
        """An ExportError naming this op, where it was created, and why it cannot go."""
        lines = [f"ONNX export: op #{self.index} {self.op.type} cannot be exported: {reason}",
                 f"  op:      {self.op.summary()}"]
        if self.op.origin:
            lines.append(f"  created at {self.op.origin}")
        if hint:
            lines.append(f"  hint:    {hint}")
        return ExportError("\n".join(lines))


@dataclass
class GraphBuilder:
    """The ONNX graph being written: nodes in order, and fresh names for helper values."""

    onnx: Any
    nodes: list[Any] = field(default_factory=list)
    taken: dict[str, None] = field(default_factory=dict)

    def fresh(self, base: str) -> str:
        """A value name not used yet, derived from ``base``."""
        name, k = base, 0
        while name in self.taken:
            k += 1
            name = f"{base}_{k}"
        self.taken[name] = None
        return name

    def node(self, op_type: str, inputs: Sequence[str], outputs: Sequence[str],
             name: str = "", **attrs: Any) -> None:
        """Append one ONNX node (attributes as keyword arguments)."""
        self.nodes.append(self.onnx.helper.make_node(
            op_type, list(inputs), list(outputs), name=name or self.fresh(op_type), **attrs))

    def constant(self, base: str, value: np.ndarray) -> str:
        """A ``Constant`` node holding ``value`` (shapes and such, not parameters)."""
        out = self.fresh(base)
        tensor = self.onnx.numpy_helper.from_array(np.asarray(value), name=out)
        self.node("Constant", [], [out], value=tensor)
        return out


Converter = Callable[[GraphBuilder, OpView], None]


# ---- converters: one function per graphlab op type ------------------------------------------


def _same(onnx_type: str) -> Converter:
    """Ops whose ONNX twin has the same inputs, outputs and meaning (Relu, Sigmoid, Tanh)."""

    def convert(g: GraphBuilder, v: OpView) -> None:
        g.node(onnx_type, v.inputs[:1], v.outputs[:1])

    return convert


def _fc(g: GraphBuilder, v: OpView) -> None:
    """``Y = X·Wᵀ + b``: ONNX ``Gemm(X, W, b, transB=1)`` on the matrices FC sees.

    FC views X as ``[M, K]`` (dims before/after ``axis``) and W as ``[N, K]`` (``axis_w``):
    a ``Flatten`` makes those views when X or W has more than two dimensions, and a
    ``Reshape`` gives Y its shape ``X.shape[:axis] + [N]`` when that is not ``[M, N]``.
    """
    x, w, b = v.inputs[:3]
    axis, axis_w = v.args["axis"], v.args["axis_w"]
    if len(v.in_shapes[0]) != 2 or axis != 1:
        x = _flatten(g, x, axis)
    if len(v.in_shapes[1]) != 2 or axis_w != 1:
        w = _flatten(g, w, axis_w)
    if len(v.out_shapes[0]) == 2:
        g.node("Gemm", [x, w, b], v.outputs[:1], transB=1)
        return
    flat = g.fresh(v.outputs[0] + "_2d")
    g.node("Gemm", [x, w, b], [flat], transB=1)
    shape = g.constant(v.outputs[0] + "_shape", np.array(v.out_shapes[0], dtype=np.int64))
    g.node("Reshape", [flat, shape], v.outputs[:1])


def _flatten(g: GraphBuilder, value: str, axis: int) -> str:
    out = g.fresh(value + "_2d")
    g.node("Flatten", [value], [out], axis=axis)
    return out


def _softmax(g: GraphBuilder, v: OpView) -> None:
    """Caffe2's Softmax normalises over *all* dimensions from ``axis`` on; ONNX's over one.

    With ``axis`` the last dimension they agree. Otherwise the input is flattened to
    ``[N, D]`` at ``axis``, normalised over D, and reshaped back to its own shape.
    """
    ndim = len(v.in_shapes[0])
    axis = v.args["axis"] % ndim if ndim else 0
    if axis == ndim - 1:
        g.node("Softmax", v.inputs[:1], v.outputs[:1], axis=-1)
        return
    flat = _flatten(g, v.inputs[0], axis)
    rows = g.fresh(v.outputs[0] + "_rows")
    g.node("Softmax", [flat], [rows], axis=1)
    shape = g.fresh(v.inputs[0] + "_shape")
    g.node("Shape", v.inputs[:1], [shape])
    g.node("Reshape", [rows, shape], v.outputs[:1])


def _elementwise(onnx_type: str) -> Converter:
    """Add, Sub, Mul: ONNX broadcasts NumPy-style as graphlab does; Caffe2's legacy
    ``broadcast=1, axis=k`` (B lined up with A from dimension k) becomes a Reshape of B to
    the view graphlab itself uses, which NumPy-style broadcasting then stretches."""

    def convert(g: GraphBuilder, v: OpView) -> None:
        a, b = v.inputs[:2]
        if v.in_dtypes[0] != v.in_dtypes[1]:
            raise v.error(
                f"its inputs have different dtypes ({v.in_dtypes[0]} and {v.in_dtypes[1]}); "
                "graphlab promotes them, ONNX needs both the same.",
                hint="feed or fill both inputs with the same dtype (float32).")
        if v.args["broadcast"]:
            view = legacy_broadcast_shape(v.op.type, v.in_shapes[0], v.in_shapes[1],
                                          v.args["axis"])
            shape = g.constant(b + "_view", np.array(view, dtype=np.int64))
            viewed = g.fresh(b + "_view")
            g.node("Reshape", [b, shape], [viewed])
            b = viewed
        g.node(onnx_type, [a, b], v.outputs[:1])

    return convert


def _reshape(g: GraphBuilder, v: OpView) -> None:
    """Same meaning in both: ``0`` copies a dimension, ``-1`` is inferred. The new shape
    comes from the ``shape`` argument (a constant) or the second input (cast to int64);
    the second output, the old shape, is ``Shape(data)`` when something reads it."""
    if v.args["shape"] is not None:
        shape = g.constant(v.outputs[0] + "_shape", np.array(v.args["shape"], dtype=np.int64))
    else:
        shape = g.fresh(v.inputs[1] + "_int64")
        g.node("Cast", [v.inputs[1]], [shape], to=g.onnx.TensorProto.INT64)
    g.node("Reshape", [v.inputs[0], shape], v.outputs[:1])
    if len(v.outputs) > 1 and v.used[1]:
        g.node("Shape", v.inputs[:1], v.outputs[1:2])


def _transpose(g: GraphBuilder, v: OpView) -> None:
    """``perm`` is graphlab's ``axes`` (reversed dimensions when not given)."""
    axes = v.args["axes"] or list(range(len(v.in_shapes[0])))[::-1]
    g.node("Transpose", v.inputs[:1], v.outputs[:1], perm=[int(a) for a in axes])


def _flatten_op(g: GraphBuilder, v: OpView) -> None:
    """Caffe2's and ONNX's Flatten agree: ``[prod(dims before axis), prod(dims from axis)]``."""
    g.node("Flatten", v.inputs[:1], v.outputs[:1], axis=v.args["axis"])


def _concat(g: GraphBuilder, v: OpView) -> None:
    """``Concat(axis)``; ``order`` picks the channel axis (NCHW: 1, NHWC: 3); with
    ``add_axis=1`` each input first gets a new axis there (``Unsqueeze``). The second
    output, ``split_info`` (each input's length along the axis, int32), is a constant
    when something reads it: the lengths are fixed by the input shapes."""
    order = v.args["order"]
    axis = {"NCHW": 1, "NHWC": 3}.get(order, v.args["axis"]) if order else v.args["axis"]
    axis %= len(v.out_shapes[0])
    parts = list(v.inputs)
    if v.args["add_axis"]:
        axes = g.constant("concat_axes", np.array([axis], dtype=np.int64))
        parts = []
        for name in v.inputs:
            parts.append(g.fresh(name + "_unsqueezed"))
            g.node("Unsqueeze", [name, axes], [parts[-1]])
    g.node("Concat", parts, v.outputs[:1], axis=axis)
    if len(v.outputs) > 1 and v.used[1]:
        lengths = [1] * len(parts) if v.args["add_axis"] else [s[axis] for s in v.in_shapes]
        g.node("Identity", [g.constant("split_info", np.array(lengths, dtype=np.int32))],
               v.outputs[1:2])


def _window_attrs(v: OpView, pool: bool) -> dict[str, Any]:
    """kernel_shape, strides, pads (and dilations for Conv) from graphlab's own window
    geometry, so Caffe2's pad arguments and ``legacy_pad`` rules mean the same here: ONNX
    gets the explicit padding, begins then ends, that graphlab computed."""
    if v.args["order"] != "NCHW":
        raise v.error(f"order={v.args['order']!r}: ONNX's {v.op.type} is channels-first only.",
                      hint="build the prediction net in NCHW (Caffe2's default order).")
    shape_only = np.broadcast_to(np.zeros((), v.in_dtypes[0]), v.in_shapes[0])
    geo = window_geometry(v.op.type, shape_only, v.args, pool=pool)
    attrs = {"kernel_shape": list(geo.kernel), "strides": list(geo.stride),
             "pads": list(geo.pad_begin) + list(geo.pad_end)}
    if not pool:
        attrs["dilations"] = list(geo.dilation)
    return attrs


def _conv(g: GraphBuilder, v: OpView) -> None:
    """``Conv(X, W[, b])`` with the same filters ``[M, C/group, k_h, k_w]`` and groups."""
    g.node("Conv", v.inputs[:3], v.outputs[:1], group=v.args["group"],
           **_window_attrs(v, pool=False))


def _pool(onnx_type: str) -> Converter:
    """MaxPool, AveragePool (padding never wins a max; an average counts padding only with
    ``count_include_pad=1``, in both). ``global_pooling`` is a window as big as the image."""

    def convert(g: GraphBuilder, v: OpView) -> None:
        attrs = _window_attrs(v, pool=True)
        if onnx_type == "AveragePool":
            attrs["count_include_pad"] = int(v.args["count_include_pad"])
        g.node(onnx_type, v.inputs[:1], v.outputs[:1], **attrs)

    return convert


def _spatial_bn(g: GraphBuilder, v: OpView) -> None:
    """Test mode only: ``Y = scale · (X − mean) / sqrt(var + epsilon) + bias`` with the
    running statistics, ONNX's ``BatchNormalization`` (inference)."""
    if not v.args["is_test"]:
        raise v.error("is_test=0 normalises with the batch's statistics and updates the "
                      "running ones: that is training.",
                      hint="export a prediction net whose SpatialBN has is_test=1 "
                           "(brew.spatial_bn(..., is_test=True)).")
    if v.args["order"] != "NCHW":
        raise v.error(f"order={v.args['order']!r}: ONNX's BatchNormalization normalises "
                      "axis 1 (channels-first).", hint="use NCHW (Caffe2's default order).")
    g.node("BatchNormalization", v.inputs[:5], v.outputs[:1], epsilon=float(v.args["epsilon"]),
           momentum=float(v.args["momentum"]))


def _dropout(g: GraphBuilder, v: OpView) -> None:
    """Test mode only, where ``Y = X``: ONNX's ``Dropout`` in inference (its mask output,
    when read, is all true, as graphlab's)."""
    if not v.args["is_test"]:
        raise v.error("is_test=0 drops values at random: that is training.",
                      hint="export a prediction net whose Dropout has is_test=1.")
    ratio = g.constant("dropout_ratio", np.array(v.args["ratio"], dtype=np.float32))
    used = v.outputs[:2] if len(v.outputs) > 1 and v.used[1] else v.outputs[:1]
    g.node("Dropout", [v.inputs[0], ratio], used)


#: graphlab op type -> converter. Adding an op to the exporter is one entry here.
CONVERTERS: dict[str, Converter] = {
    "FC": _fc,
    "Relu": _same("Relu"),
    "Sigmoid": _same("Sigmoid"),
    "Tanh": _same("Tanh"),
    "Softmax": _softmax,
    "Add": _elementwise("Add"),
    "Sub": _elementwise("Sub"),
    "Mul": _elementwise("Mul"),
    "Reshape": _reshape,
    "Transpose": _transpose,
    "Flatten": _flatten_op,
    "Concat": _concat,
    "Conv": _conv,
    "MaxPool": _pool("MaxPool"),
    "AveragePool": _pool("AveragePool"),
    "SpatialBN": _spatial_bn,
    "Dropout": _dropout,
}

_TRAINING_ONLY = {
    "SquaredL2Distance": "a loss", "AveragedLoss": "a loss", "LabelCrossEntropy": "a loss",
    "CrossEntropy": "a loss", "SoftmaxWithLoss": "a loss", "Accuracy": "a training metric",
    "Iter": "an optimizer op", "AtomicIter": "an optimizer op", "LearningRate":
    "an optimizer op", "WeightedSum": "an optimizer op", "MomentumSGDUpdate": "an optimizer op",
    "Adam": "an optimizer op", "StopGradient": "a training-only marker",
}


def _why_not(op: OperatorDef) -> tuple[str, str]:
    """Reason and hint for an op that has no converter."""
    known = ", ".join(CONVERTERS)
    if op.type in _TRAINING_ONLY:
        return (f"{op.type} is {_TRAINING_ONLY[op.type]}, used for training, not prediction.",
                "build a prediction net that stops before the loss (e.g. a ModelHelper with "
                "init_params=False sharing the parameter names) and export that.")
    if op.is_gradient_op or op.type.endswith("Gradient"):
        return ("it belongs to the backward pass; ONNX export takes a prediction net "
                "(forward ops only).",
                "export the net that maps inputs to predictions, without "
                "AddGradientOperators and the optimizer.")
    if op.type.endswith("Fill"):
        return ("it fills a blob at run time; an exported model takes its data as inputs "
                "and its parameters as initializers.",
                "run the init net first and export the prediction net on its own.")
    if not has_op(op.type):
        return "graphlab itself has no such operator.", ""
    return (f"graphlab has no ONNX converter for {op.type} yet.",
            f"exportable ops: {known}. A converter is one entry in graphlab.onnx.CONVERTERS.")


# ---- export ---------------------------------------------------------------------------------


def _net_def(net: Any) -> NetDef:
    if isinstance(net, NetDef):
        return net
    if hasattr(net, "Proto"):
        return net.Proto()
    raise TypeError(f"expected a Net, a ModelHelper or a NetDef, not {type(net).__name__}")


def _parameter_source(init_net_or_workspace: Any) -> Callable[[str], np.ndarray | None]:
    """A function giving a parameter's trained value by name (None when it has none)."""
    source = init_net_or_workspace
    if isinstance(source, types.ModuleType) and source is workspace_module:
        source = workspace_module.CurrentWorkspaceObject()
    if isinstance(source, Workspace):
        ws = source
    elif isinstance(source, Mapping):
        values = {str(k): np.asarray(v) for k, v in source.items()}
        return values.get
    else:
        ws = Workspace()
        ws.run_net_once(_net_def(source))
    return lambda name: ws.fetch_blob(name) if ws.has_blob(name) else None


def _default_outputs(ops: Sequence[OperatorDef]) -> list[str]:
    """Main results no later op reads, in the order they are written.

    Only an op's first output counts: the others are bookkeeping (Reshape's old shape,
    Concat's split_info, Dropout's mask), not predictions.
    """
    outputs: dict[str, None] = {}
    for op in ops:
        for name in op.input:
            outputs.pop(name, None)
        for name in op.output[:1]:
            outputs.pop(name, None)  # rewritten: it moves to its latest place
            outputs[name] = None
    return list(outputs)


def export(predict_net: Any, init_net_or_workspace: Any, inputs: Mapping[str, Any],
           path: str | Path | None = None, outputs: Sequence[str] | None = None) -> Any:
    """Write ``predict_net`` with its trained parameters as an ONNX model.

    Args:
        predict_net: the prediction net (a ``core.Net``, ``ModelHelper`` or ``NetDef``):
            inputs in, predictions out, no loss or optimizer ops.
        init_net_or_workspace: where the parameters' values come from: a ``Workspace``
            (or the ``graphlab.workspace`` module, meaning the current one) holding the
            trained blobs, an init net to run, or a ``{name: array}`` dict.
        inputs: ``{blob name: example array}`` for each blob fed at prediction time. The
            examples fix the graph inputs' shapes and dtypes (e.g. ``{"X": X[:64]}``).
        path: where to save the ``.onnx`` file (optional).
        outputs: the blobs the model returns; default the net's external outputs, or else
            the blobs it writes and never reads again (first outputs only: Reshape's
            old shape or Dropout's mask are not predictions).

    Returns:
        The checked ``onnx.ModelProto``. Its initializers are exactly the parameters' values.

    Raises:
        ExportError: an op has no converter or arguments ONNX cannot express, a parameter
            has no value, or an output cannot be named.
    """
    onnx = _onnx()
    net = _net_def(predict_net)
    ops = list(net.op)
    feeds = {str(k): np.asarray(v) for k, v in inputs.items()}
    for i, op in enumerate(ops):  # every op must have a converter, checked before anything runs
        if op.type not in CONVERTERS:
            raise OpView(op, i, {}, [], [], [], [], [], []).error(*_why_not(op))
    params = _find_parameters(ops, feeds, _parameter_source(init_net_or_workspace))
    shapes, out_dtypes = _example_run(ops, feeds, params)
    g = GraphBuilder(onnx)
    for op in ops:  # helper values never take a blob's name
        g.taken.update(dict.fromkeys([*op.input, *op.output]))
    g.taken.update(dict.fromkeys([*feeds, *params]))
    versions = _single_assignment_names(ops, [*feeds, *params], g)
    wanted = list(outputs) if outputs is not None else (
        list(net.external_output) or _default_outputs(ops))
    _check_outputs(ops, [*feeds, *params], wanted)

    # convert op by op, following which version of each blob is current
    known = {k: v.shape for k, v in (*feeds.items(), *params.items())}
    dtypes = {k: v.dtype for k, v in (*feeds.items(), *params.items())}
    read = _versions_read(ops, [*feeds, *params], versions, wanted)
    current = {name: name for name in (*feeds, *params)}
    for i, op in enumerate(ops):
        view = OpView(
            op=op, index=i, args=get_schema(op.type).parse_args(op.arg),
            inputs=[current[n] for n in op.input], outputs=versions[i],
            in_shapes=[known[current[n]] for n in op.input],
            in_dtypes=[dtypes[current[n]] for n in op.input],
            out_shapes=shapes[i], used=[v in read for v in versions[i]],
        )
        CONVERTERS[op.type](g, view)
        for k, (name, version) in enumerate(zip(op.output, versions[i])):
            current[name] = version
            known[version] = shapes[i][k]
            dtypes[version] = out_dtypes[i][k]

    # the model, checked
    helper = onnx.helper

    def value_info(name: str) -> Any:
        elem = helper.np_dtype_to_tensor_dtype(dtypes[name])
        return helper.make_tensor_value_info(name, elem, list(known[name]))

    graph = helper.make_graph(
        g.nodes, net.name or "graphlab",
        inputs=[value_info(name) for name in feeds],
        outputs=[value_info(current[name]) for name in wanted],
        initializer=[onnx.numpy_helper.from_array(value, name=name)
                     for name, value in params.items()],
        doc_string=f"exported by graphlab {__version__} from net {net.name!r}",
    )
    model = helper.make_model(graph, producer_name="graphlab", producer_version=__version__,
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    model = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    onnx.checker.check_model(model, full_check=True)
    if path is not None:
        onnx.save(model, str(path))
    return model


def _find_parameters(ops: Sequence[OperatorDef], feeds: Mapping[str, np.ndarray],
                     value_of: Callable[[str], np.ndarray | None]) -> dict[str, np.ndarray]:
    """Every blob an op reads before any op writes it, other than the inputs, with its
    value (a copy), in the order the net first reads them."""
    params: dict[str, np.ndarray] = {}
    written: dict[str, None] = {}
    for i, op in enumerate(ops):
        for name in op.input:
            if name in feeds or name in written or name in params:
                continue
            value = value_of(name)
            if value is None:
                raise ExportError(
                    f"ONNX export: op #{i} {op.type} reads {name!r}, which is neither one of "
                    f"the inputs ({', '.join(feeds) or 'none given'}) nor a parameter with a "
                    "value (not in the workspace or init net).\n"
                    "  hint:    add it to inputs={...} if it is data, or run the init net "
                    "(and training) before exporting if it is a parameter.")
            params[name] = np.array(value)
        written.update(dict.fromkeys(op.output))
    return params


def _example_run(ops: Sequence[OperatorDef], feeds: Mapping[str, np.ndarray],
                 params: Mapping[str, np.ndarray]) -> tuple[list[list[tuple[int, ...]]],
                                                           list[list[np.dtype]]]:
    """Run the net once, op by op, in a scratch workspace: the shape and dtype of every
    output of every op (so of every version of a blob that is written more than once)."""
    scratch = Workspace()
    for name, value in (*feeds.items(), *params.items()):
        scratch.feed_blob(name, np.array(value))  # copies: the run must not touch them
    shapes, dtypes = [], []
    for op in ops:
        scratch.run_operator_once(op)
        values = [np.asarray(scratch.fetch_blob(o)) for o in op.output]
        shapes.append([v.shape for v in values])
        dtypes.append([v.dtype for v in values])
    return shapes, dtypes


def _single_assignment_names(ops: Sequence[OperatorDef], fixed: Sequence[str],
                             g: GraphBuilder) -> list[list[str]]:
    """The ONNX name of each op's outputs: a blob's last write keeps its name; earlier
    writes, and writes over an input or parameter (``fixed``), get ``name__1``, ``name__2`` ..."""
    writes: dict[str, int] = {}
    for op in ops:
        for name in op.output:
            writes[name] = writes.get(name, 0) + 1
    seen: dict[str, int] = {}
    versions: list[list[str]] = []
    for op in ops:
        names = []
        for name in op.output:
            seen[name] = seen.get(name, 0) + 1
            last = seen[name] == writes[name] and name not in fixed
            names.append(name if last else g.fresh(f"{name}__{seen[name]}"))
        versions.append(names)
    return versions


def _check_outputs(ops: Sequence[OperatorDef], fixed: Sequence[str],
                   wanted: Sequence[str]) -> None:
    written = [name for op in ops for name in op.output]
    for name in wanted:
        if name in fixed and name in written:
            raise ExportError(
                f"ONNX export: output {name!r} is also an input or parameter that the net "
                "overwrites; an ONNX value cannot be both.\n"
                "  hint:    write the result to a new blob (e.g. Relu(X) -> 'X_relu').")
        if name not in written and name not in fixed:
            raise ExportError(f"ONNX export: output {name!r} is not a blob of the net "
                              f"(it writes: {', '.join(dict.fromkeys(written))}).")


def _versions_read(ops: Sequence[OperatorDef], fixed: Sequence[str],
                   versions: list[list[str]], wanted: Sequence[str]) -> dict[str, None]:
    """The ONNX names some later op reads, or that are graph outputs."""
    current = {name: name for name in fixed}
    read: dict[str, None] = {}
    for op, names in zip(ops, versions):
        read.update(dict.fromkeys(current[name] for name in op.input))
        current.update(zip(op.output, names))
    read.update(dict.fromkeys(current[name] for name in wanted))
    return read
