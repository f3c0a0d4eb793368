"""Draw nets as Graphviz pictures: Caffe2's ``net_drawer``, plus teaching options.

The seed tutorial draws its train net like this (unchanged in graphlab)::

    graph = net_drawer.GetPydotGraph(train_net.Proto().op, "train", rankdir="LR")
    display.Image(graph.create_png(), width=800)

This module builds the picture (pure Python: ``pydot`` objects, the DOT text is
deterministic) and shows it in Jupyter. Turning DOT into PNG needs a ``dot`` program;
:mod:`graphlab.render` finds one without any system Graphviz (the ``graphviz-pure`` wheel,
a dependency, installs a self-contained ``dot`` called ``graphviz-pure`` next to the Python
interpreter) and runs it. Its names (:func:`~graphlab.render.find_dot`,
:func:`~graphlab.render.render`, :class:`~graphlab.render.RenderError`, ...) are also
available here. The ``graphlab-draw`` command is :mod:`graphlab.draw_cli`.

What a drawing shows (Caffe2's look):

* each operator is a green filled box labelled ``Type (op#i)`` (or ``name/Type (op#i)``);
* each blob is an octagon. A blob that an op *rewrites* (in place, or written again
  later) gets a new node, so the picture stays acyclic: ``W`` is read by ``FC`` as node
  ``W0`` and written by ``WeightedSum`` as node ``W1``. Node ids are ``name + count``;
  labels are the plain name;
* one edge per input or output position, in op order (an op reading a blob twice has
  two edges).

Teaching options (graphlab's, not Caffe2's), all off in :func:`GetPydotGraph` by default
so the seed's call looks like Caffe2's: ``style="teaching"`` colours forward, gradient and
update ops differently and adds a legend; ``params=`` (or automatic detection) highlights
parameters; ``workspace=`` writes each blob's dtype and shape under its name.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pydot

from .nets import BlobVersions, as_netdef, blobs_read_before_written, versioned_name
from .proto import NetDef, OperatorDef
from .registry import op_family
from .render import (  # rendering lives in graphlab.render; these names stay public here
    DOT_ENV_VAR,
    FAST_LAYOUT_ATTRS,
    FAST_LAYOUT_OPS,
    MAX_SIZE_INCHES,
    GetGraphPngSafe,
    RendererNotFoundError,
    RenderError,
    find_dot,
    render,
    size_cap,
)

__all__ = [
    "BLOB_STYLE",
    "DOT_ENV_VAR",
    "FAST_LAYOUT_ATTRS",
    "FAST_LAYOUT_OPS",
    "MAX_SIZE_INCHES",
    "OP_STYLE",
    "UPDATE_FAMILY",
    "NetGraph",
    "RenderError",
    "RendererNotFoundError",
    "GetGraphInJson",
    "GetGraphPngSafe",
    "GetOpNodeProducer",
    "GetPydotGraph",
    "GetPydotGraphMinimal",
    "find_dot",
    "net_mimebundle",
    "op_category",
    "render",
    "set_display_options",
    "show",
    "size_cap",
]

# ---- styles ---------------------------------------------------------------------------

#: Caffe2's op node style: Google-green filled box with white text.
OP_STYLE: dict[str, str] = {
    "shape": "box",
    "color": "#0F9D58",
    "style": "filled",
    "fontcolor": "#FFFFFF",
}
#: Caffe2's blob node style: a plain octagon.
BLOB_STYLE: dict[str, str] = {"shape": "octagon"}

#: Teaching style: one colour per kind of op (forward keeps Caffe2's green).
CATEGORY_COLORS: dict[str, str] = {
    "forward": "#0F9D58",
    "gradient": "#DB4437",
    "update": "#4285F4",
}
#: Teaching style: fill colour of parameter blobs.
PARAM_FILL = "#F4B400"

#: The op family (``registry.op_family``) of update ops: ``graphlab/ops/train.py``.
UPDATE_FAMILY = "train"

#: Update ops that rewrite a counter, not a parameter.
_COUNTER_OP_TYPES = ("Iter", "AtomicIter", "LearningRate")

STYLES = ("classic", "teaching")

NodeProducer = Callable[[OperatorDef, int], pydot.Node]


def _q(text: str) -> str:
    """DOT-safe quoted id or label: JSON string syntax, non-ASCII kept as UTF-8.

    JSON escapes ``"`` and ``\\`` and writes a newline as ``\\n``, which DOT also reads
    as a line break in labels, so every name (``/``, ``:``, spaces, quotes, unicode) is a
    valid, unambiguous DOT id.
    """
    return json.dumps(text, ensure_ascii=False)


#: Forward ops whose type happens to end in "Gradient".
_FORWARD_TYPES = ("StopGradient",)


def _is_grad_name(name: str) -> bool:
    """Caffe2's gradient blob names: ``W_grad``, ``loss_autogen_grad``, ``_X_grad_autosplit_0``."""
    return name.endswith("_grad") or "_grad_autosplit_" in name


def op_category(op: OperatorDef) -> str:
    """``"gradient"``, ``"update"`` or ``"forward"``: how the teaching style colours ``op``.

    Gradient ops are those with ``is_gradient_op`` set, a type ending in ``Gradient``
    (except ``StopGradient``, a forward op), or whose outputs are all gradient blobs
    (``*_grad``: the loss seed ``ConstantFill`` into ``loss_autogen_grad``, and the ``Sum``
    that accumulates split gradients ``_X_grad_autosplit_0``). Update ops are the
    ops of the training family (``registry.op_family(op.type) == "train"``: Iter,
    LearningRate, WeightedSum, the optimizers' update ops).
    """
    if op.is_gradient_op or (op.type.endswith("Gradient") and op.type not in _FORWARD_TYPES):
        return "gradient"
    if op.output and all(_is_grad_name(name) for name in op.output):
        return "gradient"
    if op_family(op.type) == UPDATE_FAMILY:
        return "update"
    return "forward"


def _op_label(op: OperatorDef, op_id: int, append_output: bool = False) -> str:
    label = f"{op.name}/{op.type} (op#{op_id})" if op.name else f"{op.type} (op#{op_id})"
    if op.type in ("Python", "PythonGradient"):  # which function runs: net.Python's token
        label += f"\nfunction {op.args().get('token', '?')}"
    if append_output:
        label += "".join("\n" + name for name in op.output)
    return label


def GetOpNodeProducer(append_output: bool, **kwargs: str) -> NodeProducer:  # noqa: N802
    """A function ``(op, op_id) -> pydot.Node`` making op nodes with attributes ``kwargs``.

    The node's id and label are ``Type (op#i)`` (``name/Type (op#i)`` for a named op);
    with ``append_output`` each output name follows on its own line.
    """

    def produce(op: OperatorDef, op_id: int) -> pydot.Node:
        text = _q(_op_label(op, op_id, append_output))
        return pydot.Node(text, label=text, **kwargs)

    return produce


# ---- input normalisation --------------------------------------------------------------


def _rectify(operators_or_net: Any, name: str | None) -> tuple[list[OperatorDef], str]:
    """``(ops, name)`` from a NetDef, an object with ``.Proto()``, or OperatorDefs.

    Raises:
        RuntimeError: ``.Proto()`` did not return a NetDef (Caffe2's message).
        TypeError: an element of an op list is not an OperatorDef.
    """
    obj = operators_or_net
    if isinstance(obj, NetDef) or hasattr(obj, "Proto"):
        try:
            netdef = as_netdef(obj)
        except TypeError:
            raise RuntimeError(f"Expecting NetDef, but got {type(obj.Proto()).__name__}") from None
        return list(netdef.op), name if name is not None else (netdef.name or "unnamed")
    if isinstance(obj, OperatorDef):
        obj = [obj]
    if isinstance(obj, (str, bytes)) or not isinstance(obj, Iterable):
        raise TypeError(
            f"Cannot draw a {type(obj).__name__}: pass a core.Net, a NetDef (net.Proto()) "
            "or a list of OperatorDefs (net.Proto().op)."
        )
    ops = list(obj)
    for i, op in enumerate(ops):
        if not isinstance(op, OperatorDef):
            raise TypeError(
                f"Element {i} of the op list is a {type(op).__name__}, not an OperatorDef. "
                "Pass net.Proto().op, a NetDef or a core.Net."
            )
    return ops, name if name is not None else "unnamed"


def _detect_params(ops: Sequence[OperatorDef]) -> list[str]:
    """External inputs that get a gradient ``<name>_grad`` or are rewritten by an update op."""
    grads: dict[str, None] = {}
    updated: dict[str, None] = {}
    for op in ops:
        cat = op_category(op)
        if cat == "gradient":
            for b in op.output:
                if b.endswith("_grad"):  # W_grad -> W
                    grads.setdefault(b[: -len("_grad")], None)
        elif cat == "update" and op.type not in _COUNTER_OP_TYPES:
            for b in op.output:
                if b in op.input:
                    updated.setdefault(b, None)
    return [b for b in blobs_read_before_written(ops) if b in grads or b in updated]


def _shape_table(workspace: Any, names: Iterable[str]) -> dict[str, str]:
    """``{blob: "float32[1, 2]"}`` for the blobs in ``names`` that ``workspace`` holds.

    ``workspace``: True (the current workspace), a :class:`graphlab.workspace.Workspace`,
    or a mapping ``{name: array or shape tuple}``.
    """
    if workspace is None or workspace is False:
        return {}
    if workspace is True:
        from .workspace import CurrentWorkspaceObject

        workspace = CurrentWorkspaceObject()
    table: dict[str, str] = {}
    for name in names:
        if isinstance(workspace, Mapping):
            if name not in workspace:
                continue
            value = workspace[name]
            if isinstance(value, (tuple, list)):
                table[name] = str(list(value))
                continue
        elif hasattr(workspace, "has_blob") and hasattr(workspace, "fetch_blob"):
            if not workspace.has_blob(name):
                continue
            value = workspace.fetch_blob(name)
        else:
            raise TypeError(
                "workspace= must be True (the current workspace), a graphlab Workspace, or "
                f"a dict {{blob name: array or shape}}; got {type(workspace).__name__}."
            )
        arr = np.asarray(value)
        table[name] = f"{arr.dtype}{list(arr.shape)}"
    return table


# ---- graph building -------------------------------------------------------------------


class NetGraph(pydot.Dot):
    """A ``pydot.Dot`` whose ``create_png()``/``create_svg()`` need no system Graphviz.

    Rendering goes through :func:`render`: the renderer found by :func:`find_dot` (unless
    ``prog`` names another), a size cap for big nets, a check that the bytes really are
    a PNG/SVG, and an error carrying ``dot``'s stderr when they are not.
    """

    def __init__(
        self, graph_name: str, n_ops: int = 0, fast_layout: bool | None = None, **attrs: Any
    ) -> None:
        super().__init__(_q(graph_name), graph_type="digraph", **attrs)
        self.net_name = graph_name
        self.n_ops = n_ops
        self.fast_layout = fast_layout
        try:
            self._auto_prog: str | None = find_dot()
        except RendererNotFoundError:
            self._auto_prog = None
        self.set_prog(self._auto_prog or "dot")

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.update(net_name=self.net_name, n_ops=self.n_ops, fast_layout=self.fast_layout,
                     _auto_prog=self._auto_prog)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        self.net_name = state.pop("net_name", "")
        self.n_ops = state.pop("n_ops", 0)
        self.fast_layout = state.pop("fast_layout", None)
        self._auto_prog = state.pop("_auto_prog", None)
        super().__setstate__(state)

    def create(  # type: ignore[override]
        self,
        prog: Any = None,
        format: str = "ps",  # pydot's keyword name
        encoding: str | None = None,
    ) -> bytes:
        """Render with ``prog`` (default: the found renderer) to ``format`` bytes.

        ``prog`` may be a path, a program name on PATH (``prog="dot"`` for a system
        Graphviz), or a list ``[program, extra flags...]``. ``prog`` left as pydot's
        default ``"dot"`` means "find one" (:func:`find_dot`). ``encoding`` is ignored:
        the DOT text is always sent as UTF-8.
        """
        if prog is None:
            prog = None if self.prog in (self._auto_prog, "dot") else self.prog
        args: list[str] = []
        if isinstance(prog, (list, tuple)):
            prog, args = prog[0], list(prog[1:])
        return render(self, format=format, dot=prog, extra_args=args)


def _blob_attrs(
    style: str, name: str, producer_cat: str | None, params: Sequence[str],
    shapes: Mapping[str, str],
) -> dict[str, str]:
    label = name if name not in shapes else f"{name}\n{shapes[name]}"
    attrs = {"label": _q(label), **BLOB_STYLE}
    if style == "teaching":
        if name in params:
            attrs.update(style="filled", fillcolor=PARAM_FILL, penwidth="2")
        if producer_cat in ("gradient", "update"):
            attrs.update(color=CATEGORY_COLORS[producer_cat])
    return attrs


def _teaching_op_node(op: OperatorDef, op_id: int, append_output: bool) -> pydot.Node:
    text = _q(_op_label(op, op_id, append_output))
    args = ", ".join(f"{a.name}={a.value!r}" for a in op.arg)
    tip = op.summary() + (f"\n{args}" if args else "")
    style = dict(OP_STYLE, color=CATEGORY_COLORS[op_category(op)])
    return pydot.Node(text, label=text, tooltip=_q(tip), **style)


def _style_node_producer(style: str, append_output: bool) -> NodeProducer:
    """The style's op boxes: Caffe2's look ("classic") or coloured by op kind ("teaching")."""
    if style == "teaching":
        def produce(op: OperatorDef, op_id: int) -> pydot.Node:
            return _teaching_op_node(op, op_id, append_output)

        return produce
    return GetOpNodeProducer(append_output, **OP_STYLE)


def _add_legend(
    graph: pydot.Dot, cats: Sequence[str], with_param: bool, rankdir: str
) -> None:
    """A boxed key: one sample node per op kind used (and for parameters)."""
    legend = pydot.Cluster("legend", label=_q("legend"), color="#9E9E9E", fontsize="10")
    nodes = [
        pydot.Node(
            _q(f"legend: {cat} op"), label=_q(f"{cat} op"),
            **dict(OP_STYLE, color=CATEGORY_COLORS[cat]), fontsize="10",
        )
        for cat in cats
    ]
    if with_param:
        nodes.append(pydot.Node(
            _q("legend: parameter"), label=_q("parameter"), shape="octagon",
            style="filled", fillcolor=PARAM_FILL, penwidth="2", fontsize="10",
        ))
    if rankdir in ("LR", "RL"):
        nodes.reverse()  # unconnected nodes of one rank stack bottom-up in LR layouts
    for node in nodes:
        legend.add_node(node)
    graph.add_subgraph(legend)


def _check_style(style: str) -> None:
    if style not in STYLES:
        raise ValueError(f"style={style!r}: use one of {', '.join(map(repr, STYLES))}.")


def GetPydotGraph(  # noqa: N802
    operators_or_net: Any,
    name: str | None = None,
    rankdir: str = "LR",
    op_node_producer: NodeProducer | None = None,
    *,
    style: str = "classic",
    workspace: Any = None,
    params: Sequence[str] | None = None,
    legend: bool | None = None,
    append_output: bool = False,
    fast_layout: bool | None = None,
) -> NetGraph:
    """Draw ops *and* blobs: green op boxes, blob octagons, one new node per rewrite.

    Args:
        operators_or_net: a ``core.Net``, a ``NetDef``, anything with ``.Proto()``, or a
            list of OperatorDefs (``net.Proto().op``).
        name: graph name (default: the net's name, or ``"unnamed"`` for an op list).
        rankdir: Graphviz layout direction: ``"LR"`` (left to right), ``"TB"``, ...
        op_node_producer: ``(op, op_id) -> pydot.Node`` for op nodes (see
            :func:`GetOpNodeProducer`); overrides the style's op look. Caffe2's name
            (``GetPydotGraph(ops, op_node_producer=GetOpNodeProducer(True, **OP_STYLE))``).
        style: ``"classic"`` (Caffe2's look) or ``"teaching"`` (forward / gradient /
            update ops in green / red / blue, parameters filled yellow, a legend).
        workspace: show ``dtype[shape]`` under each blob name: True for the current
            workspace, a ``Workspace``, or ``{name: array or shape}``. A workspace holds
            only the latest value, so every version of a blob shows the same shape.
        params: blob names to highlight as parameters (teaching style). Default: external
            inputs that receive a ``<name>_grad`` or are rewritten by an update op.
        legend: draw the legend (default: True in the teaching style).
        append_output: list each op's outputs under its label.
        fast_layout: trade layout polish for speed when rendering (see :func:`render`);
            None: only for nets of more than :data:`FAST_LAYOUT_OPS` ops.

    Returns:
        a :class:`NetGraph` (a ``pydot.Dot``); ``create_png()`` gives PNG bytes.
    """
    _check_style(style)
    ops, graph_name = _rectify(operators_or_net, name)
    graph = NetGraph(graph_name, len(ops), fast_layout, rankdir=rankdir)
    teaching = style == "teaching"
    if op_node_producer is None:
        op_node_producer = _style_node_producer(style, append_output)
    param_names = list(params) if params is not None else (
        _detect_params(ops) if teaching else []
    )
    blob_names = list(dict.fromkeys(b for op in ops for b in [*op.input, *op.output]))
    shapes = _shape_table(workspace, blob_names)

    latest: dict[str, str] = {}  # blob name -> id of its newest node
    versions = BlobVersions()
    cats_used: dict[str, None] = {}
    for op_id, op in enumerate(ops):
        cat = op_category(op)
        cats_used.setdefault(cat, None)
        op_node = op_node_producer(op, op_id)
        graph.add_node(op_node)
        op_ref = op_node.get_name()
        for blob in op.input:
            if blob not in latest:
                latest[blob] = _q(versioned_name(blob, versions.read(blob)))
                graph.add_node(pydot.Node(
                    latest[blob], **_blob_attrs(style, blob, None, param_names, shapes)
                ))
            graph.add_edge(pydot.Edge(latest[blob], op_ref))
        for blob in op.output:
            latest[blob] = _q(versioned_name(blob, versions.write(blob)))
            graph.add_node(pydot.Node(
                latest[blob], **_blob_attrs(style, blob, cat, param_names, shapes)
            ))
            graph.add_edge(pydot.Edge(op_ref, latest[blob]))
    if (teaching if legend is None else legend):
        order = [c for c in CATEGORY_COLORS if c in cats_used]
        _add_legend(graph, order, bool(param_names), rankdir)
    return graph


def GetPydotGraphMinimal(  # noqa: N802
    operators_or_net: Any,
    name: str | None = None,
    rankdir: str = "LR",
    minimal_dependency: bool = False,
    op_node_producer: NodeProducer | None = None,
    *,
    style: str = "classic",
    legend: bool | None = None,
    append_output: bool = False,
    fast_layout: bool | None = None,
) -> NetGraph:
    """Draw only ops, with an edge from the op that last wrote each input.

    Inputs nobody in the net wrote (external inputs) have no edge; an op reading two
    blobs from the same parent gets two edges. With ``minimal_dependency`` an edge from a
    parent is dropped when that parent is already an ancestor of another parent of the
    same op (the transitive reduction: only direct dependencies stay).

    Ancestry is kept as one Python ``int`` bitmask per op (bit ``j`` = op ``j``), so a
    3000-op chain costs a few thousand big-int ORs and no recursion. Options as in
    :func:`GetPydotGraph`.
    """
    _check_style(style)
    ops, graph_name = _rectify(operators_or_net, name)
    graph = NetGraph(graph_name, len(ops), fast_layout, rankdir=rankdir)
    teaching = style == "teaching"
    if op_node_producer is None:
        op_node_producer = _style_node_producer(style, append_output)
    writer: dict[str, int] = {}  # blob name -> index of the op that wrote it last
    ancestors: list[int] = []  # bitmask of every op that op i depends on
    node_ids: list[str] = []
    cats_used: dict[str, None] = {}
    for op_id, op in enumerate(ops):
        cats_used.setdefault(op_category(op), None)
        node = op_node_producer(op, op_id)
        graph.add_node(node)
        node_ids.append(node.get_name())
        parents = [writer[b] for b in op.input if b in writer]
        mask = 0
        for p in parents:
            mask |= ancestors[p] | (1 << p)
        ancestors.append(mask)
        for k, p in enumerate(parents):
            if minimal_dependency and any(
                (ancestors[q] >> p) & 1 for j, q in enumerate(parents) if j != k
            ):
                continue
            graph.add_edge(pydot.Edge(node_ids[p], node_ids[op_id]))
        for b in op.output:
            writer[b] = op_id
    if (teaching if legend is None else legend):
        _add_legend(graph, [c for c in CATEGORY_COLORS if c in cats_used], False, rankdir)
    return graph


def GetGraphInJson(  # noqa: N802
    operators_or_net: Any, output_filepath: str | os.PathLike[str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The drawing as data: ``{"nodes": [...], "edges": [{"source", "target"}]}``.

    Op nodes are ``{id, label: "Type" or "name/Type", op_id, type: "op"}``, blob nodes
    ``{id, label, type: "blob"}`` with the same ``name + version`` ids as the picture.
    Written as JSON to ``output_filepath`` when given; always returned.
    """
    ops, _ = _rectify(operators_or_net, None)
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, str]] = []
    latest: dict[str, str] = {}
    versions = BlobVersions()
    for op_id, op in enumerate(ops):
        op_node = _op_label(op, op_id)
        label = f"{op.name}/{op.type}" if op.name else op.type
        nodes.append({"id": op_node, "label": label, "op_id": op_id, "type": "op"})
        for blob in op.input:
            if blob not in latest:
                latest[blob] = versioned_name(blob, versions.read(blob))
                nodes.append({"id": latest[blob], "label": blob, "type": "blob"})
            edges.append({"source": latest[blob], "target": op_node})
        for blob in op.output:
            latest[blob] = versioned_name(blob, versions.write(blob))
            nodes.append({"id": latest[blob], "label": blob, "type": "blob"})
            edges.append({"source": op_node, "target": latest[blob]})
    result = {"nodes": nodes, "edges": edges}
    if output_filepath is not None:
        Path(output_filepath).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return result


# ---- Jupyter ----------------------------------------------------------------------------

_DISPLAY_OPTIONS: dict[str, Any] = {
    "format": "png",
    "style": "teaching",
    "rankdir": "LR",
    "minimal": False,
    "workspace": None,
    "params": None,
    "enabled": True,
}


def set_display_options(**options: Any) -> dict[str, Any]:
    """Change how nets draw themselves in Jupyter; returns the options now in force.

    Keys: ``format`` (``"png"`` or ``"svg"``: SVG is sharper but untrusted notebooks do
    not show it), ``style``, ``rankdir``, ``minimal``, ``workspace``, ``params``,
    ``enabled`` (False: text only). Example: ``set_display_options(style="classic")``.
    """
    for key in options:
        if key not in _DISPLAY_OPTIONS:
            raise TypeError(
                f"set_display_options: unknown option {key!r}; known: "
                f"{', '.join(_DISPLAY_OPTIONS)}."
            )
    _DISPLAY_OPTIONS.update(options)
    return dict(_DISPLAY_OPTIONS)


def _build(net: Any, options: Mapping[str, Any]) -> NetGraph:
    opts = dict(options)
    opts.pop("format", None)
    opts.pop("enabled", None)
    minimal = opts.pop("minimal", False)
    if minimal:
        opts.pop("workspace", None)
        opts.pop("params", None)
        return GetPydotGraphMinimal(net, minimal_dependency=minimal == "dependency", **opts)
    return GetPydotGraph(net, **opts)


def net_mimebundle(net: Any, text: str | None = None, **options: Any) -> dict[str, Any]:
    """Jupyter's ``_repr_mimebundle_`` for a net: ``{"image/png": bytes, "text/plain": text}``.

    ``options`` override :func:`set_display_options`. With ``format="svg"`` the picture
    is ``image/svg+xml`` text instead. If drawing fails (no renderer, a broken ``dot``),
    only ``text/plain`` is returned, with a one-line note why: a display never raises.
    """
    if text is None:
        ops, name = _rectify(net, None)
        text = f"net {name!r}: {len(ops)} ops"
    opts = {**_DISPLAY_OPTIONS, **options}
    if not opts.get("enabled", True):
        return {"text/plain": text}
    fmt = opts.get("format", "png")
    try:
        data = render(_build(net, opts), format=fmt, timeout=60.0)
    except Exception as e:  # never break the notebook's display
        note = str(e).splitlines()[0] if str(e) else type(e).__name__
        return {"text/plain": f"{text}\n(no drawing: {note})"}
    if fmt == "svg":
        return {"image/svg+xml": data.decode("utf-8"), "text/plain": text}
    return {"image/png": data, "text/plain": text}


def show(net: Any, format: str = "png", width: int | None = None, **options: Any) -> Any:
    """Draw ``net`` for a notebook: an ``IPython.display.Image`` (or ``SVG``).

    Options: ``style`` ("teaching" by default here), ``rankdir`` ("TB" by default here:
    top to bottom fits a notebook's width, so labels stay readable), ``workspace``
    (True: show shapes from the current workspace), ``params``, ``legend``,
    ``append_output``, ``minimal`` (True, or ``"dependency"`` for the transitive
    reduction). ``width`` scales the PNG in the notebook. Errors are raised, not hidden.
    """
    from IPython.display import SVG, Image

    options.setdefault("style", "teaching")
    options.setdefault("rankdir", "TB")
    data = render(_build(net, options), format=format)
    if format == "svg":
        return SVG(data=data)
    return Image(data=data, format="png", width=width)
