"""Draw nets as Graphviz pictures: Caffe2's ``net_drawer``, plus a teaching view.

The seed tutorial draws its train net like this (unchanged in graphlab, Caffe2's look)::

    graph = net_drawer.GetPydotGraph(train_net.Proto().op, "train", rankdir="LR")
    display.Image(graph.create_png(), width=800)

This module builds the picture (pure Python: ``pydot`` objects, the DOT text is
deterministic) and shows it in Jupyter. Turning DOT into PNG needs a ``dot`` program;
:mod:`graphlab.render` finds one without any system Graphviz (the ``graphviz-pure`` wheel,
a dependency, installs a self-contained ``dot`` called ``graphviz-pure`` next to the Python
interpreter) and runs it. Its names (:func:`~graphlab.render.find_dot`,
:func:`~graphlab.render.render`, :class:`~graphlab.render.RenderError`, ...) are also
available here. The ``graphlab-draw`` command is :mod:`graphlab.draw_cli`.

What a drawing shows (Caffe2's look, ``style="classic"``):

* each operator is a green filled box labelled ``Type (op#i)`` (or ``name/Type (op#i)``);
* each blob is an octagon. A blob that an op *rewrites* (in place, or written again
  later) gets a new node, so the picture stays acyclic: ``W`` is read by ``FC`` as node
  ``W0`` and written by ``WeightedSum`` as node ``W1``. Node ids are ``name + version``
  as in Caffe2 (only where two blobs would share an id, the later one gets a longer id,
  see :class:`graphlab.net_roles.NodeIds`); labels are the plain name;
* one edge per input or output position, in op order (an op reading a blob twice has
  two edges).

The teaching view (``style="teaching"``; what :func:`show` and the automatic Jupyter
display draw) is graphlab's: ops in creation order down the page, forward / gradient /
update ops in green / red / blue, blobs styled by their role (parameter, gradient,
optimizer state, data, ground truth; see :func:`graphlab.net_roles.blob_roles`), version
labels ``W v0`` → ``W v1``, a legend, optional values from a workspace, and highlighting of
the ops added since a given point. :func:`show` keeps every picture legible where it is
shown: a picture too big to read whole is drawn in part, with a note saying how to see
the rest (see :func:`picture`).
"""

from __future__ import annotations

import json
import os
import re
import struct
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pydot

from .net_roles import (
    ROLES,
    UPDATE_OP_TYPES,
    NodeIds,
    blob_roles,
    blob_versions,
    detect_params,
    op_category,
)
from .proto import NetDef, OperatorDef
from .render import (  # rendering lives in graphlab.render; these names stay public here
    DOT_ENV_VAR,
    FAST_LAYOUT_ATTRS,
    FAST_LAYOUT_OPS,
    MAX_DRAW_OPS,
    MAX_LAYOUT_SPAN,
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
    "CELL_WIDTH_PX",
    "DOT_ENV_VAR",
    "FAST_LAYOUT_ATTRS",
    "FAST_LAYOUT_OPS",
    "MAX_DRAW_OPS",
    "MAX_LAYOUT_SPAN",
    "MAX_SIZE_INCHES",
    "MAX_TEACHING_OPS",
    "MIN_SCALE",
    "OP_STYLE",
    "UPDATE_OP_TYPES",
    "Growth",
    "NetGraph",
    "Picture",
    "RenderError",
    "RendererNotFoundError",
    "GetGraphInJson",
    "GetGraphPngSafe",
    "GetOpNodeProducer",
    "GetPydotGraph",
    "GetPydotGraphMinimal",
    "blob_roles",
    "detect_params",
    "find_dot",
    "main",
    "net_mimebundle",
    "op_category",
    "picture",
    "render",
    "set_display_options",
    "show",
    "show_growth",
    "size_cap",
    "teaching_graph",
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
#: Teaching style: the pale fill of an op drawn before the highlighted ones.
FADED_COLORS: dict[str, str] = {
    "forward": "#CFEBDD",
    "gradient": "#F6D3CF",
    "update": "#D3E2FC",
}
#: Teaching style: fill colour of parameter blobs.
PARAM_FILL = "#F4B400"

#: Teaching style: each blob role's node attributes and its legend entry.
ROLE_STYLES: dict[str, dict[str, str]] = {
    "parameter": {"style": "filled", "fillcolor": PARAM_FILL, "penwidth": "2"},
    "gradient": {"color": "#DB4437", "fontcolor": "#A52714"},
    "optimizer": {"style": "dashed", "color": "#7B8794", "fontcolor": "#4A5561"},
    "data": {"style": "filled", "fillcolor": "#ECEFF1", "color": "#90A4AE"},
    "ground_truth": {"style": "filled,dashed", "fillcolor": "#FFF4D6", "color": "#B08900"},
    "activation": {},
}
ROLE_LEGEND: dict[str, str] = {
    "parameter": "parameter (learned)",
    "gradient": "gradient",
    "optimizer": "optimizer state",
    "data": "data, labels",
    "ground_truth": "ground truth (*_gt)",
    "activation": "computed blob",
}
_FADED_TEXT = "#6B6B6B"
_FADED_LINE = "#B8B8B8"

STYLES = ("classic", "teaching")

#: The width of a JupyterLab output cell, in CSS pixels, that pictures are made to fit.
CELL_WIDTH_PX = 850
#: A picture shown inline is never displayed smaller than this fraction of its natural
#: size: Graphviz's 14 pt labels are 18.7 px at 96 dpi, so they stay 11 px or taller.
MIN_SCALE = 0.6
#: Teaching pictures are rendered at this resolution: one PNG pixel per CSS pixel.
DPI = 96
#: A legible picture is at most this many CSS pixels tall (about 20 screens of 800 px).
MAX_HEIGHT_PX = 16000
#: The teaching view of more ops than this is not laid out in one picture. Measured
#: (SVG): a chain of 600 FC ops 1.7 s, 1000 ops 3.3 s; a 305-op training net 3.3 s.
MAX_TEACHING_OPS = 500
#: The teaching view uses the fast layout (:data:`FAST_LAYOUT_ATTRS`) for nets of more
#: than :data:`FAST_LAYOUT_OPS` ops whose edges span more than this many op steps per op
#: on average (training nets: gradient ops read activations from far back). Without it a
#: 155-op training net takes minutes; with it a plain chain of 61 ops is laid out 8000 px
#: wide instead of 500, so chains go without.
LONG_EDGES_PER_OP = 3
#: A legible picture taller than this is folded into columns when they fit side by side.
FOLD_HEIGHT_PX = 2400
MAX_COLUMNS = 4
#: Nets with more ops than this are shown a part at a time (:data:`PART_OPS` ops) inline.
MAX_LEGIBLE_OPS = 120
PART_OPS = 40

NodeProducer = Callable[[OperatorDef, int], pydot.Node]


def _q(text: str) -> str:
    """DOT-safe quoted id or label: JSON string syntax, non-ASCII kept as UTF-8.

    JSON escapes ``"`` and ``\\`` and writes a newline as ``\\n``, which DOT also reads
    as a line break in labels, so every name (``/``, ``:``, spaces, quotes, unicode) is a
    valid, unambiguous DOT id.
    """
    return json.dumps(text, ensure_ascii=False)


def _unq(node_name: str) -> str:
    """The raw text of a node name made by :func:`_q` (other names are returned as given)."""
    if len(node_name) >= 2 and node_name[0] == '"' and node_name[-1] == '"':
        try:
            return str(json.loads(node_name))
        except ValueError:
            return node_name
    return node_name


def _html(text: str) -> str:
    """Escape ``text`` for a Graphviz HTML-like label."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _op_label(op: OperatorDef, op_id: int, append_output: bool = False) -> str:
    label = f"{op.name}/{op.type} (op#{op_id})" if op.name else f"{op.type} (op#{op_id})"
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
    if not isinstance(obj, NetDef) and hasattr(obj, "Proto"):
        obj = obj.Proto()
        if not isinstance(obj, NetDef):
            raise RuntimeError(f"Expecting NetDef, but got {type(obj).__name__}")
    if isinstance(obj, NetDef):
        return list(obj.op), name if name is not None else (obj.name or "unnamed")
    if isinstance(obj, OperatorDef):
        obj = [obj]
    if isinstance(obj, (str, bytes)) or not isinstance(obj, Iterable):
        raise TypeError(
            f"Cannot draw a {type(obj).__name__}: pass a core.Net, a NetDef (net.Proto()), "
            "a ModelHelper or a list of OperatorDefs (net.Proto().op)."
        )
    ops = list(obj)
    for i, op in enumerate(ops):
        if not isinstance(op, OperatorDef):
            raise TypeError(
                f"Element {i} of the op list is a {type(op).__name__}, not an OperatorDef. "
                "Pass net.Proto().op, a NetDef or a core.Net."
            )
    return ops, name if name is not None else "unnamed"


def _model_params(obj: Any) -> list[str] | None:
    """A ModelHelper's ``params`` as names (anything with ``params`` and
    ``param_init_net``); None for nets and op lists."""
    if hasattr(obj, "params") and hasattr(obj, "param_init_net"):
        return [str(p) for p in obj.params]
    return None


# ---- blob information from a workspace ------------------------------------------------


@dataclass
class _BlobInfo:
    layout: str  # "float32[1, 2]", or "[1, 2]" for a shape given without an array
    value: str | None = None  # the values of a tiny blob


#: Blobs with at most this many elements show their values in the teaching view.
TINY_BLOB = 4


def _format_values(arr: np.ndarray) -> str:
    if arr.ndim == 0:
        return _format_number(arr.item())
    return np.array2string(
        arr, separator=", ", formatter={"all": _format_number}, max_line_width=10_000
    )


def _format_number(x: Any) -> str:
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        return f"{float(x):.4g}"
    return str(x)


def _blob_table(workspace: Any, names: Iterable[str]) -> dict[str, _BlobInfo]:
    """``{blob: _BlobInfo}`` for the blobs in ``names`` that ``workspace`` holds.

    ``workspace``: True (the current workspace), a :class:`graphlab.workspace.Workspace`,
    or a mapping ``{name: array or shape tuple}``.
    """
    if workspace is None or workspace is False:
        return {}
    if workspace is True:
        from .workspace import CurrentWorkspaceObject

        workspace = CurrentWorkspaceObject()
    table: dict[str, _BlobInfo] = {}
    for name in names:
        if isinstance(workspace, Mapping):
            if name not in workspace:
                continue
            value = workspace[name]
            if isinstance(value, (tuple, list)):
                table[name] = _BlobInfo(str(list(value)))
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
        tiny = arr.size <= TINY_BLOB and arr.dtype.kind in "biuf"
        table[name] = _BlobInfo(f"{arr.dtype}{list(arr.shape)}",
                                _format_values(arr) if tiny else None)
    return table


# ---- graph building -------------------------------------------------------------------


class NetGraph(pydot.Dot):
    """A ``pydot.Dot`` whose ``create_png()``/``create_svg()`` need no system Graphviz.

    Rendering goes through :func:`render`: the renderer found by :func:`find_dot` (unless
    ``prog`` names another), a size cap for big nets, a check that the bytes really are
    a PNG/SVG, and an error carrying ``dot``'s stderr when they are not. ``size_capped``
    False (the teaching view) draws at natural size: such a picture is made legible by
    drawing fewer ops, never by shrinking.
    """

    def __init__(
        self, graph_name: str, n_ops: int = 0, fast_layout: bool | None = None,
        size_capped: bool = True, **attrs: Any,
    ) -> None:
        super().__init__(_q(graph_name), graph_type="digraph", **attrs)
        self.net_name = graph_name
        self.n_ops = n_ops
        self.fast_layout = fast_layout
        self.size_capped = size_capped
        self.span = 0  # op steps spanned by its edges (see graphlab.render.MAX_LAYOUT_SPAN)
        self.max_ops = MAX_DRAW_OPS  # more ops are not laid out (see graphlab.render.render)
        self.cross_edges = 0  # edges between the columns of a folded teaching view
        try:
            self._auto_prog: str | None = find_dot()
        except RendererNotFoundError:
            self._auto_prog = None
        self.set_prog(self._auto_prog or "dot")

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.update(net_name=self.net_name, n_ops=self.n_ops, fast_layout=self.fast_layout,
                     size_capped=self.size_capped, span=self.span, max_ops=self.max_ops,
                     _auto_prog=self._auto_prog)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        self.net_name = state.pop("net_name", "")
        self.n_ops = state.pop("n_ops", 0)
        self.fast_layout = state.pop("fast_layout", None)
        self.size_capped = state.pop("size_capped", True)
        self.span = state.pop("span", 0)
        self.max_ops = state.pop("max_ops", MAX_DRAW_OPS)
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


def _edge_span(ops: Sequence[OperatorDef], chosen: Sequence[int]) -> int:
    """How many op steps the edges between the ``chosen`` ops span in total: an input of op
    ``i`` last written by op ``j`` spans ``i - j`` (see :data:`render.MAX_LAYOUT_SPAN`)."""
    writer: dict[str, int] = {}
    total = 0
    for k, i in enumerate(chosen):
        for b in ops[i].input:
            if b in writer:
                total += k - writer[b]
        for b in ops[i].output:
            writer[b] = k
    return total


def _claim_op_node(ids: NodeIds, node: pydot.Node) -> str:
    """Register an op node's id with ``ids``, renaming the node if the id is taken."""
    raw = _unq(node.get_name())
    got = ids.claim(raw)
    if got != raw:
        node.set_name(_q(got))
    return node.get_name()


def _classic_blob_attrs(name: str, shapes: Mapping[str, _BlobInfo]) -> dict[str, str]:
    label = name if name not in shapes else f"{name}\n{shapes[name].layout}"
    return {"label": _q(label), **BLOB_STYLE}


def _check_style(style: str) -> None:
    if style not in STYLES:
        raise ValueError(f"style={style!r}: use one of {', '.join(map(repr, STYLES))}.")


def GetPydotGraph(  # noqa: N802
    operators_or_net: Any,
    name: str | None = None,
    rankdir: str | None = None,
    op_node_producer: NodeProducer | None = None,
    *,
    style: str = "classic",
    workspace: Any = None,
    params: Sequence[str] | None = None,
    legend: bool | None = None,
    append_output: bool = False,
    fast_layout: bool | None = None,
    since: int | None = None,
) -> NetGraph:
    """Draw ops *and* blobs: op boxes, blob octagons, one new node per rewrite.

    Args:
        operators_or_net: a ``core.Net``, a ``NetDef``, a ``ModelHelper``, anything with
            ``.Proto()``, or a list of OperatorDefs (``net.Proto().op``).
        name: graph name (default: the net's name, or ``"unnamed"`` for an op list).
        rankdir: Graphviz layout direction: ``"LR"`` (left to right, Caffe2's default),
            ``"TB"`` (top to bottom, the teaching style's default), ``"RL"``, ``"BT"``.
        op_node_producer: ``(op, op_id) -> pydot.Node`` for op nodes (see
            :func:`GetOpNodeProducer`); overrides the style's op look. Caffe2's name
            (``GetPydotGraph(ops, op_node_producer=GetOpNodeProducer(True, **OP_STYLE))``).
        style: ``"classic"`` (Caffe2's look, the default) or ``"teaching"`` (see
            :func:`teaching_graph`).
        workspace: label blobs from a workspace: True for the current one, a
            ``Workspace``, or ``{name: array or shape}``. Classic: ``dtype[shape]`` under
            each name. Teaching: also the values of tiny blobs (see :func:`teaching_graph`).
        params: parameter names (teaching style). Default: a ModelHelper's ``params``,
            else :func:`graphlab.net_roles.detect_params`.
        legend: draw the legend (default: True in the teaching style).
        append_output: list each op's outputs under its label.
        fast_layout: trade layout polish for speed when rendering (see :func:`render`);
            None: only for nets of more than :data:`FAST_LAYOUT_OPS` ops.
        since: teaching style: highlight the ops from index ``since`` on, fade the others.

    Returns:
        a :class:`NetGraph` (a ``pydot.Dot``); ``create_png()`` gives PNG bytes.
    """
    _check_style(style)
    if style == "teaching":
        return teaching_graph(
            operators_or_net, name, rankdir=rankdir or "TB", op_node_producer=op_node_producer,
            workspace=workspace, params=params, legend=legend, append_output=append_output,
            fast_layout=fast_layout, since=since,
        )
    ops, graph_name = _rectify(operators_or_net, name)
    graph = NetGraph(graph_name, len(ops), fast_layout, rankdir=rankdir or "LR")
    graph.span = _edge_span(ops, range(len(ops)))
    if op_node_producer is None:
        op_node_producer = GetOpNodeProducer(append_output, **OP_STYLE)
    shapes = _blob_table(workspace, dict.fromkeys(b for op in ops for b in [*op.input,
                                                                            *op.output]))
    ids = NodeIds()
    for op_id, (op, (ins, outs)) in enumerate(zip(ops, blob_versions(ops), strict=True)):
        op_node = op_node_producer(op, op_id)
        op_ref = _claim_op_node(ids, op_node)
        graph.add_node(op_node)
        for blob, version in ins:
            node_id, new = ids.blob(blob, version)
            if new:
                graph.add_node(pydot.Node(_q(node_id), **_classic_blob_attrs(blob, shapes)))
            graph.add_edge(pydot.Edge(_q(node_id), op_ref))
        for blob, version in outs:
            node_id, _ = ids.blob(blob, version)
            graph.add_node(pydot.Node(_q(node_id), **_classic_blob_attrs(blob, shapes)))
            graph.add_edge(pydot.Edge(op_ref, _q(node_id)))
    return graph


def _writer_edges(ops: Sequence[OperatorDef], minimal_dependency: bool) -> list[list[int]]:
    """For each op, the ops it gets an edge from: the latest writer of each input.

    With ``minimal_dependency`` a parent already an ancestor of another parent is dropped.
    Ancestry is one Python ``int`` bitmask per op (bit ``j`` = op ``j``), so a 3000-op
    chain costs a few thousand big-int ORs and no recursion.
    """
    writer: dict[str, int] = {}  # blob name -> index of the op that wrote it last
    ancestors: list[int] = []  # bitmask of every op that op i depends on
    result: list[list[int]] = []
    for op_id, op in enumerate(ops):
        parents = [writer[b] for b in op.input if b in writer]
        mask = 0
        for p in parents:
            mask |= ancestors[p] | (1 << p)
        ancestors.append(mask)
        kept = [
            p for k, p in enumerate(parents)
            if not (minimal_dependency and any(
                (ancestors[q] >> p) & 1 for j, q in enumerate(parents) if j != k))
        ]
        result.append(kept)
        for b in op.output:
            writer[b] = op_id
    return result


def GetPydotGraphMinimal(  # noqa: N802
    operators_or_net: Any,
    name: str | None = None,
    rankdir: str | None = None,
    minimal_dependency: bool = False,
    op_node_producer: NodeProducer | None = None,
    *,
    style: str = "classic",
    legend: bool | None = None,
    append_output: bool = False,
    fast_layout: bool | None = None,
    since: int | None = None,
) -> NetGraph:
    """Draw only ops, with an edge from the op that last wrote each input.

    Inputs nobody in the net wrote (external inputs) have no edge; an op reading two
    blobs from the same parent gets two edges. With ``minimal_dependency`` an edge from a
    parent is dropped when that parent is already an ancestor of another parent of the
    same op (the transitive reduction: only direct dependencies stay). Options as in
    :func:`GetPydotGraph`.
    """
    _check_style(style)
    if style == "teaching":
        return teaching_graph(
            operators_or_net, name, rankdir=rankdir or "TB", op_node_producer=op_node_producer,
            legend=legend, append_output=append_output, fast_layout=fast_layout,
            since=since, minimal="dependency" if minimal_dependency else True,
        )
    ops, graph_name = _rectify(operators_or_net, name)
    graph = NetGraph(graph_name, len(ops), fast_layout, rankdir=rankdir or "LR")
    graph.span = _edge_span(ops, range(len(ops)))
    if op_node_producer is None:
        op_node_producer = GetOpNodeProducer(append_output, **OP_STYLE)
    ids = NodeIds()
    node_ids: list[str] = []
    for op_id, (op, parents) in enumerate(
            zip(ops, _writer_edges(ops, minimal_dependency), strict=True)):
        node = op_node_producer(op, op_id)
        node_ids.append(_claim_op_node(ids, node))
        graph.add_node(node)
        for p in parents:
            graph.add_edge(pydot.Edge(node_ids[p], node_ids[op_id]))
    return graph


# ---- the teaching view ------------------------------------------------------------------


def _select(n_ops: int, ops: slice | Sequence[int] | None) -> list[int]:
    """The op indices chosen by ``ops`` (a slice or indices; None: all), in net order."""
    if ops is None:
        return list(range(n_ops))
    if isinstance(ops, slice):
        return list(range(n_ops))[ops]
    chosen = sorted(dict.fromkeys(int(i) for i in ops))
    bad = [i for i in chosen if not 0 <= i < n_ops]
    if bad:
        raise IndexError(f"ops={list(ops)!r}: the net has ops 0..{n_ops - 1}; {bad} do not exist.")
    return chosen


def _teaching_op_node(
    op: OperatorDef, op_id: int, append_output: bool, faded: bool, highlighted: bool
) -> pydot.Node:
    text = _q(_op_label(op, op_id, append_output))
    args = ", ".join(f"{a.name}={a.value!r}" for a in op.arg)
    tip = op.summary() + (f"\n{args}" if args else "")
    cat = op_category(op)
    attrs = {"shape": "box", "style": "filled", "margin": "0.1,0.04", "height": "0.3"}
    if faded:
        attrs.update(fillcolor=FADED_COLORS[cat], color=FADED_COLORS[cat],
                     fontcolor=_FADED_TEXT)
    else:
        attrs.update(fillcolor=CATEGORY_COLORS[cat], color=CATEGORY_COLORS[cat],
                     fontcolor="#FFFFFF")
    if highlighted:
        attrs.update(color="#202124", penwidth="3")
    return pydot.Node(text, label=text, tooltip=_q(tip), **attrs)


def _blob_label(
    name: str, version: int, versioned: bool, info: _BlobInfo | None,
    grad: _BlobInfo | None, newest: bool,
) -> str:
    lines = [f"{name} v{version}" if versioned else name]
    if info is not None:
        lines.append(info.layout)
        if newest and info.value is not None:
            lines.append(info.value)
        if newest and grad is not None and grad.value is not None:
            lines.append(f"grad {grad.value}")
    return "\n".join(lines)


def _legend_node(cats: Sequence[str], roles: Sequence[str], since: int | None) -> pydot.Node:
    """One HTML table: a sample of each op kind and blob role drawn (legible, compact)."""
    cells: list[str] = []
    for cat in cats:
        cells.append(f'<TD BGCOLOR="{CATEGORY_COLORS[cat]}"><FONT COLOR="#FFFFFF">'
                     f"{cat} op</FONT></TD>")
    if since is not None:
        cells.append('<TD BGCOLOR="#9E9E9E" COLOR="#202124" BORDER="3">'
                     '<FONT COLOR="#FFFFFF">new op</FONT></TD>')
        cells.append(f'<TD BGCOLOR="#E0E0E0"><FONT COLOR="{_FADED_TEXT}">earlier op</FONT></TD>')
    for role in roles:
        style = ROLE_STYLES[role]
        attrs = []
        if "fillcolor" in style:
            attrs.append(f'BGCOLOR="{style["fillcolor"]}"')
        if "color" in style:
            attrs.append(f'COLOR="{style["color"]}"')
        if "dashed" in style.get("style", ""):
            attrs.append('STYLE="dashed"')
        text = _html(ROLE_LEGEND[role])
        if "fontcolor" in style:
            text = f'<FONT COLOR="{style["fontcolor"]}">{text}</FONT>'
        cells.append(f"<TD {' '.join(attrs)}>{text}</TD>")
    per_row = 4
    rows = ["<TR>" + "".join(cells[i:i + per_row]) + "</TR>"
            for i in range(0, len(cells), per_row)]
    table = ('<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="4" CELLPADDING="3">'
             + "".join(rows) + "</TABLE>>")
    return pydot.Node('"legend"', shape="plaintext", label=table, margin="0")


#: An op's blobs are drawn in rows of at most this many (a Sum of 40 inputs, the 20
#: parameters a grouped optimizer box writes).
ROW_BLOBS = 6

#: This many or more consecutive optimizer ops of one type, one per parameter, are drawn
#: as one group box (see :func:`_repeated_runs`).
GROUP_MIN = 3


def _pattern(op: OperatorDef) -> tuple[str, ...] | None:
    """``op``'s inputs and outputs with its first input's name written ``P``
    (``Adam(fc0_w, fc0_w_first_moment, ...)`` → ``(P, P_first_moment, ...)``)."""
    if not op.input:
        return None
    p = op.input[0]
    names = [*op.input, "->", *op.output]
    return (op.type, *(("P" + n[len(p):]) if n.startswith(p) else n for n in names))


def _repeated_runs(ops: Sequence[OperatorDef], chosen: Sequence[int]) -> dict[int, list[int]]:
    """``{first index: member indices}`` for runs of at least :data:`GROUP_MIN` consecutive
    update ops doing the same thing to different parameters (the same :func:`_pattern`):
    the six ``Adam`` ops of a three-layer MLP become one box instead of six rows of
    moments."""
    runs: dict[int, list[int]] = {}
    current: list[int] = []
    key: tuple[str, ...] | None = None

    def close() -> None:
        if len(current) >= GROUP_MIN:
            runs[current[0]] = list(current)

    for k, i in enumerate(chosen):
        op = ops[i]
        pat = _pattern(op) if op_category(op) == "update" else None
        contiguous = k > 0 and chosen[k - 1] == i - 1
        if pat is not None and pat == key and contiguous:
            current.append(i)
            continue
        close()
        current, key = ([i], pat) if pat is not None else ([], None)
    close()
    return runs


def _wrap(words: Sequence[str], width: int = 44, indent: str = "    ") -> list[str]:
    """Comma-separated ``words`` in lines of about ``width`` characters."""
    lines: list[str] = []
    line = ""
    for k, word in enumerate(words):
        piece = word + ("," if k < len(words) - 1 else "")
        if line and len(line) + 1 + len(piece) > width:
            lines.append(line)
            line = indent + piece
        else:
            line = f"{line} {piece}" if line else piece
    if line:
        lines.append(line)
    return lines


def _group_label(ops: Sequence[OperatorDef], members: Sequence[int]) -> str:
    first = ops[members[0]]
    pat = _pattern(first) or ()
    arrow = pat.index("->")
    lines = [f"{len(members)} × {first.type} (op#{members[0]}-{members[-1]}),",
             "one per parameter P:"]
    lines += _wrap([ops[i].input[0] for i in members])
    lines += _wrap(["reads " + pat[1], *pat[2:arrow]])
    lines += _wrap(["writes " + pat[arrow + 1], *pat[arrow + 2:]])
    return "\n".join(lines)


def _group_keeps(op: OperatorDef, blob: str) -> bool:
    """Which blobs a group box is drawn with: its parameter ``P``, ``P_grad`` and the
    blobs all members share (``LR``, the counter); ``P``'s own state (``P_first_moment``,
    ``P_momentum``) is named in the box only."""
    p = op.input[0]
    return blob == p or blob == f"{p}_grad" or not blob.startswith(p)


def teaching_graph(
    operators_or_net: Any,
    name: str | None = None,
    *,
    rankdir: str = "TB",
    ops: slice | Sequence[int] | None = None,
    since: int | None = None,
    params: Sequence[str] | None = None,
    roles: Mapping[str, str] | None = None,
    workspace: Any = None,
    minimal: bool | str = False,
    legend: bool | None = None,
    append_output: bool = False,
    op_node_producer: NodeProducer | None = None,
    fast_layout: bool | None = None,
    title: str | None = None,
    note: str | None = None,
    group: bool = True,
    dpi: float | None = DPI,
    columns: int = 1,
) -> NetGraph:
    """The teaching view of a net: readable, ordered, coloured by what each part does.

    * **Ops in creation order** down the page (``rankdir="TB"``) or across it: each op
      sits below (after) the previous one, for every ``rankdir``.
    * **Op kinds**: forward ops green, gradient ops red, optimizer (update) ops blue
      (:func:`op_category`). With ``since=k`` the ops from index ``k`` on are drawn with a
      dark outline and the earlier ones pale: what the last step added stands out.
    * **Blob roles** (:func:`graphlab.net_roles.blob_roles`): parameters filled yellow;
      gradients red; optimizer state (``ITER``, ``LR``, ``ONE``, moments) dashed grey; data
      and labels pale grey; ground truth (``*_gt``) pale yellow, dashed; computed blobs
      plain. ``params`` defaults to a ModelHelper's ``model.params``, else to the blobs an
      update op rewrites from their own gradient. ``roles`` overrides the whole mapping
      (the sequence view passes the finished net's roles to every panel).
    * **Versions**: a blob written more than once is labelled with its version
      (``W v0`` is what ``FC`` reads, ``W v1`` what ``WeightedSum`` writes).
    * **Values** (``workspace=True``, a Workspace or a dict): ``dtype[shape]`` under every
      blob held there; for blobs of at most :data:`TINY_BLOB` elements also the values and,
      when ``<name>_grad`` is held too, ``grad <values>``. A workspace keeps only each
      blob's latest value, so values go on the blob's *last* version only (after a run,
      ``W v1``: the updated W); earlier versions show the layout alone.
    * ``ops``: draw only these ops (a ``slice`` or indices), keeping their op numbers and
      blob versions from the whole net. ``minimal``: ops only (True), or only direct
      dependencies (``"dependency"``).
    * **Repeated structure grouped** (``group=True``): three or more consecutive update
      ops doing the same to different parameters (an optimizer's ``Adam`` per parameter)
      are one box naming each parameter and the state each op keeps (its moments); the
      box reads ``P`` and ``P_grad`` and writes ``P``. ``ops=slice(...)`` over those ops
      with ``group=False`` draws them one by one.
    * ``title`` goes above the picture, ``note`` below it.
    * ``columns``: fold a long net into this many columns side by side, each holding the
      next part of the ops from the top down (a long chain becomes a few short ones). Edges
      from one column to another do not move the columns; the graph's ``cross_edges``
      counts them (:func:`picture` folds only nets with few).
    * ``dpi``: PNG pixels per inch (96: one pixel per CSS pixel; 192 for sharp pictures on
      high-density screens, shown at half their pixel width; None for SVG).

    The picture is drawn at its natural size (``size_capped`` False) up to
    :data:`MAX_LEGIBLE_OPS` ops, else capped like Caffe2's look; :func:`picture` keeps it
    legible by choosing how much to draw, never by shrinking it.
    """
    all_ops, graph_name = _rectify(operators_or_net, name)
    if params is None:
        params = _model_params(operators_or_net)
    else:
        params = [str(p) for p in params]  # BlobReferences are welcome
    chosen = _select(len(all_ops), ops)
    if roles is None:
        roles = blob_roles(all_ops, params)
    else:
        roles = {**blob_roles(all_ops, params), **roles}
    versions = blob_versions(all_ops)
    last_version: dict[str, int] = {}
    for _, outs in versions:
        for b, v in outs:
            last_version[b] = v
    for ins, _ in versions:
        for b, v in ins:
            last_version.setdefault(b, v)
    names = list(roles)
    table = _blob_table(workspace, [*names, *(f"{b}_grad" for b in names)])

    graph = NetGraph(graph_name, len(chosen), fast_layout,
                     size_capped=len(chosen) > MAX_LEGIBLE_OPS,
                     rankdir=rankdir, nodesep="0.08", ranksep="0.3")
    if dpi is not None:
        graph.set("dpi", f"{dpi:g}")
    graph.span = _edge_span(all_ops, chosen)
    graph.max_ops = MAX_TEACHING_OPS
    if fast_layout is None:  # Graphviz's iteration limits only where long edges need them
        graph.fast_layout = (len(chosen) > FAST_LAYOUT_OPS
                             and graph.span > LONG_EDGES_PER_OP * len(chosen))
    if title:
        graph.set("label", _q(title))
        graph.set("labelloc", "t")
        graph.set("labeljust", "l")
    ids = NodeIds()
    ids.claim("legend")
    ids.claim("note")
    cats_used: dict[str, None] = {}
    roles_used: dict[str, None] = {}
    op_refs: dict[int, str] = {}
    drawn: dict[tuple[str, int], str] = {}
    blob_new: dict[tuple[str, int], bool] = {}  # touched by a highlighted op
    edges: list[tuple[str, str, bool]] = []  # (source, destination, highlighted)
    writer_edges = _writer_edges(all_ops, minimal == "dependency") if minimal else []
    runs = _repeated_runs(all_ops, chosen) if group and not minimal else {}
    in_run: dict[int, int] = {i: first for first, members in runs.items() for i in members}
    units: list[str] = []  # the op or group node of each drawn unit, in order
    columns = max(1, min(columns, len(chosen)))
    column_of = {op_id: k * columns // max(1, len(chosen)) for k, op_id in enumerate(chosen)}
    for first, members in runs.items():  # a group box sits in its first op's column
        for i in members:
            column_of[i] = column_of[first]
    node_column: dict[str, int] = {}
    fresh_inputs: dict[str, list[str]] = {}  # op node -> blob nodes first drawn as its inputs
    outputs: dict[str, list[str]] = {}  # op node -> its output blob nodes
    for op_id in chosen:
        op = all_ops[op_id]
        new = since is None or op_id >= since
        cats_used.setdefault(op_category(op), None)
        if op_id in in_run and in_run[op_id] != op_id:
            op_refs[op_id] = op_refs[in_run[op_id]]  # a later member of a group box
        else:
            if op_id in runs:
                op_node = _teaching_op_node(op, op_id, False, faded=not new,
                                            highlighted=since is not None and new)
                text = _group_label(all_ops, runs[op_id])
                op_node.set("label", _q(text))
                op_node.set_name(_q(text))
            elif op_node_producer is not None:
                op_node = op_node_producer(op, op_id)
            else:
                op_node = _teaching_op_node(op, op_id, append_output, faded=not new,
                                            highlighted=since is not None and new)
            op_refs[op_id] = _claim_op_node(ids, op_node)
            units.append(op_refs[op_id])
            node_column[op_refs[op_id]] = column_of[op_id]
            graph.add_node(op_node)
        if minimal:
            for p in writer_edges[op_id]:
                if p in op_refs:
                    edges.append((op_refs[p], op_refs[op_id], new))
            continue
        ins, outs = versions[op_id]
        grouped = op_id in in_run
        for key in ins:
            if grouped and not _group_keeps(op, key[0]):
                continue
            if key not in drawn:
                drawn[key] = ids.blob(*key)[0]
                node_column[_q(drawn[key])] = column_of[op_id]
                fresh_inputs.setdefault(op_refs[op_id], []).append(_q(drawn[key]))
            blob_new[key] = blob_new.get(key, False) or new
            edge = (_q(drawn[key]), op_refs[op_id], new)
            if not (grouped and edge in edges):  # a shared input: one edge to the box
                edges.append(edge)
        for key in outs:
            if grouped and not _group_keeps(op, key[0]):
                continue
            drawn[key] = ids.blob(*key)[0]
            node_column[_q(drawn[key])] = column_of[op_id]
            blob_new[key] = blob_new.get(key, False) or new
            edges.append((op_refs[op_id], _q(drawn[key]), new))
            outputs.setdefault(op_refs[op_id], []).append(_q(drawn[key]))
    for key, node_id in drawn.items():
        blob, version = key
        role = roles.get(blob, "activation")
        roles_used.setdefault(role, None)
        attrs = {"shape": "box", "margin": "0.06,0.03", "height": "0.3", **ROLE_STYLES[role]}
        attrs["style"] = ",".join(["rounded", *filter(None, [attrs.get("style")])])
        if since is not None and not blob_new[key]:
            attrs.update(fontcolor=_FADED_TEXT, color=_FADED_LINE)
        label = _blob_label(blob, version, last_version[blob] > 0, table.get(blob),
                            table.get(f"{blob}_grad"), version == last_version[blob])
        graph.add_node(pydot.Node(_q(node_id), label=_q(label), **attrs))
    graph.cross_edges = 0
    for src, dst, new in edges:
        attrs = {} if new else {"color": _FADED_LINE}
        if node_column[src] != node_column[dst]:  # into the next column: no pull on layout
            attrs["constraint"] = "false"
            graph.cross_edges += 1
        graph.add_edge(pydot.Edge(src, dst, **attrs))
    # many blobs around one op: rows of ROW_BLOBS, not one row as wide as all of them
    for nodes in outputs.values():
        for a, b in zip(nodes, nodes[ROW_BLOBS:], strict=False):
            graph.add_edge(pydot.Edge(a, b, style="invis"))
    for nodes in fresh_inputs.values():
        for a, b in zip(nodes, nodes[ROW_BLOBS:], strict=False):
            graph.add_edge(pydot.Edge(b, a, style="invis"))
    # creation order: an invisible edge from each op to the next keeps op i+1 after op i
    for a, b in zip(units, units[1:], strict=False):
        if node_column[a] == node_column[b]:
            graph.add_edge(pydot.Edge(a, b, style="invis", weight="4"))
    if columns > 1:  # the columns' first ops on one rank, left to right in order
        heads = [u for k, u in enumerate(units) if k == 0 or node_column[units[k - 1]] !=
                 node_column[u]]
        row = pydot.Subgraph(rank="same")
        for head in heads:
            row.add_node(pydot.Node(head))
        graph.add_subgraph(row)
        for a, b in zip(heads, heads[1:], strict=False):
            graph.add_edge(pydot.Edge(a, b, style="invis"))
    order_cats = [c for c in CATEGORY_COLORS if c in cats_used]
    order_roles = [r for r in ROLES if r in roles_used and r != "activation"]
    if not chosen:
        note = "\n".join(filter(None, ["(no ops to draw)", note]))
    if (legend if legend is not None else True) and (order_cats or order_roles):
        top = pydot.Subgraph(rank="source")
        top.add_node(_legend_node(order_cats, order_roles, since))
        graph.add_subgraph(top)
        if units:
            graph.add_edge(pydot.Edge('"legend"', units[0], style="invis"))
    if note:
        bottom = pydot.Subgraph(rank="sink")
        bottom.add_node(pydot.Node('"note"', shape="plaintext", label=_q(note),
                                   fontcolor="#202124"))
        graph.add_subgraph(bottom)
        if units:
            graph.add_edge(pydot.Edge(units[-1], '"note"', style="invis"))
    return graph


def GetGraphInJson(  # noqa: N802
    operators_or_net: Any, output_filepath: str | os.PathLike[str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The drawing as data: ``{"nodes": [...], "edges": [{"source", "target"}]}``.

    Op nodes are ``{id, label: "Type" or "name/Type", op_id, type: "op"}``, blob nodes
    ``{id, label, type: "blob"}`` with the same unique ids as the picture
    (Caffe2's ``name + version`` unless two nodes would share it). Written as JSON to
    ``output_filepath`` when given; always returned.
    """
    ops, _ = _rectify(operators_or_net, None)
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, str]] = []
    ids = NodeIds()
    for op_id, (op, (ins, outs)) in enumerate(zip(ops, blob_versions(ops), strict=True)):
        op_node = ids.claim(_op_label(op, op_id))
        label = f"{op.name}/{op.type}" if op.name else op.type
        nodes.append({"id": op_node, "label": label, "op_id": op_id, "type": "op"})
        for blob, version in ins:
            node_id, new = ids.blob(blob, version)
            if new:
                nodes.append({"id": node_id, "label": blob, "type": "blob"})
            edges.append({"source": node_id, "target": op_node})
        for blob, version in outs:
            node_id, _ = ids.blob(blob, version)
            nodes.append({"id": node_id, "label": blob, "type": "blob"})
            edges.append({"source": op_node, "target": node_id})
    result = {"nodes": nodes, "edges": edges}
    if output_filepath is not None:
        Path(output_filepath).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return result


# ---- legible pictures for notebooks -------------------------------------------------------


def _png_size(data: bytes) -> tuple[int, int]:
    """``(width, height)`` in pixels from a PNG's header."""
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _svg_size(data: bytes) -> tuple[int, int]:
    """``(width, height)`` in CSS pixels of a Graphviz SVG (it gives them in points)."""
    head = data[:4096].decode("utf-8", "replace")
    found = re.search(r'<svg[^>]*?width="([\d.]+)pt"[^>]*?height="([\d.]+)pt"', head, re.S)
    if not found:
        return 0, 0
    return round(float(found.group(1)) * 96 / 72), round(float(found.group(2)) * 96 / 72)


def _scalable_svg(data: bytes, width_px: int) -> str:
    """Graphviz SVG that shrinks to the cell width (``max-width: 100%``, its viewBox) and
    can be zoomed, instead of a fixed width in points that is cut off at the cell edge."""
    text = data.decode("utf-8")
    return re.sub(
        r'(<svg[^>]*?)width="[\d.]+pt"\s+height="[\d.]+pt"',
        lambda m: (f'{m.group(1)}width="{width_px}px" '
                   'style="max-width: 100%; height: auto"'),
        text, count=1, flags=re.S,
    )


@dataclass
class Picture:
    """A rendered net picture and how it is meant to be displayed.

    Attributes:
        data: PNG bytes, or SVG text for ``format="svg"``.
        format: ``"png"`` or ``"svg"``.
        width, height: natural size in CSS pixels (a PNG pixel is a CSS pixel here).
        note: why only part of the net is drawn and how to see the rest; ``""`` if whole.
        ops: the op indices drawn.
    """

    data: bytes | str
    format: str
    width: int
    height: int
    note: str
    ops: list[int]

    def displayed_scale(self, cell_width: int = CELL_WIDTH_PX) -> float:
        """The fraction of natural size a JupyterLab cell ``cell_width`` wide shows:
        1.0 when it fits (the display width is set to the natural width), else the cell
        shrinks it to its width."""
        return min(1.0, cell_width / self.width) if self.width else 1.0

    def metadata(self) -> dict[str, Any]:
        """Jupyter display metadata: the natural width, so the picture is shown 1:1."""
        return {"width": self.width} if self.format == "png" else {}

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
        mime = "image/png" if self.format == "png" else "image/svg+xml"
        text = f"<net picture {self.width}x{self.height}px>"
        if self.note:
            text += "\n" + self.note
        return {mime: self.data, "text/plain": text}, {mime: self.metadata()}


def _too_big_note(n_ops: int, drawn: list[int], why: str, minimal: bool = False) -> str:
    """What a partial or reduced picture leaves out, and the ways to see it."""
    first, last = drawn[0], drawn[-1]
    whole = len(drawn) == n_ops
    shown = "all ops" if whole else f"ops {first}-{last} of {n_ops}"
    lines = [f"Showing {shown}{', as ops only' if minimal else ''}: {why}", "Ways forward:"]
    if not whole and last + 1 < n_ops:
        step = last - first + 1
        lines.append(f"  show(net, ops=slice({last + 1}, {min(n_ops, last + 1 + step)}))"
                     "  the next ops")
    lines.append("  show(net, forward_only=True)  the forward part only")
    if not minimal:
        lines.append("  show(net, minimal=True)  ops only, no blobs")
    if n_ops <= MAX_TEACHING_OPS:
        lines.append('  show(net, format="svg")  the whole net, zoomable')
    else:
        lines.append(f'  show(net, format="svg", ops=slice(0, {MAX_TEACHING_OPS}))'
                     f"  {MAX_TEACHING_OPS} ops, zoomable")
    return "\n".join(lines)


def _render_checked(graph: NetGraph, fmt: str) -> tuple[bytes, int, int]:
    data = render(graph, format=fmt, timeout=60.0)
    width, height = _png_size(data) if fmt == "png" else _svg_size(data)
    return data, width, height


def picture(
    net: Any,
    *,
    format: str = "png",
    ops: slice | Sequence[int] | None = None,
    forward_only: bool = False,
    cell_width: int = CELL_WIDTH_PX,
    dpi: float = DPI,
    **options: Any,
) -> Picture:
    """Render ``net``'s teaching view so it is legible where it is shown.

    The rule: a picture shown in a JupyterLab cell ``cell_width`` (850) pixels wide is
    displayed at no less than :data:`MIN_SCALE` (0.6) of its natural size, so its 14 pt
    labels stay 11 CSS pixels or taller. Its width is set to its natural width (shown
    1:1 when it fits), it is never shrunk into a box, and it is at most
    :data:`MAX_HEIGHT_PX` tall. A picture taller than :data:`FOLD_HEIGHT_PX` whose net
    is chain-like is folded into up to :data:`MAX_COLUMNS` columns side by side when they
    fit the cell at full size. A net whose picture would break the rule is drawn in
    part: the first :data:`PART_OPS` ops if it has more than :data:`MAX_LEGIBLE_OPS`, and
    half as many again while the picture is still too big. A note under the picture
    says so and how to see the rest (the next ops, the forward part, the minimal view,
    SVG).

    ``format="svg"`` draws the whole net (up to :data:`MAX_TEACHING_OPS` ops) as SVG that
    shrinks to the cell's width through its viewBox and can be zoomed.

    ``dpi=192`` renders twice the pixels for high-density ("retina") screens; the display
    width stays the natural width in CSS pixels (half the PNG's pixel width), so the
    picture is as large and twice as sharp.

    Args:
        net: a ``core.Net``, ``NetDef``, ``ModelHelper`` (its ``params`` are used) or op
            list.
        ops: draw only these ops (a ``slice`` such as ``slice(8, 16)``, or indices).
        forward_only: draw only the forward ops (no gradient or update ops).
        options: :func:`teaching_graph`'s (``since``, ``params``, ``workspace``,
            ``minimal``, ``rankdir``, ``legend``, ``title``, ...).
    """
    if format not in ("png", "svg"):
        raise ValueError(f"format={format!r}: use 'png' or 'svg'.")
    all_ops, _ = _rectify(net, None)
    chosen = _select(len(all_ops), ops)
    if forward_only:
        chosen = [i for i in chosen if op_category(all_ops[i]) == "forward"]
    options.setdefault("rankdir", "TB")
    if options.get("params") is None:
        options["params"] = _model_params(net)
    base_note = options.pop("note", None) or ""

    def draw(indices: list[int], note: str, columns: int = 1) -> tuple[bytes, int, int]:
        text = "\n".join(t for t in (note, base_note) if t)
        graph = teaching_graph(net, ops=indices, note=text or None, columns=columns,
                               dpi=dpi if format == "png" else None, **options)
        graph.size_capped = False  # legible by choosing what to draw, never by shrinking
        if graph.cross_edges > 2 * (columns - 1):
            raise _NotAChainError
        data, width, height = _render_checked(graph, format)
        if format == "png":  # the natural size in CSS pixels
            width, height = round(width * 96 / dpi), round(height * 96 / dpi)
        return data, width, height

    if format == "svg":
        data, width, height = draw(chosen, "")
        return Picture(_scalable_svg(data, width), "svg", width, height, base_note, chosen)
    note = ""
    indices = chosen
    if len(chosen) > MAX_LEGIBLE_OPS:
        indices = chosen[:PART_OPS]
        note = _too_big_note(len(all_ops), indices, "the whole net is too big to read here.")
    data, width, height = draw(indices, note)
    max_width = cell_width / MIN_SCALE

    def too_big() -> bool:
        return width > max_width or height > MAX_HEIGHT_PX

    first = indices
    why = "the whole net is too big to read here."
    while too_big() and len(indices) > 1:
        indices = indices[: max(1, len(indices) // 2)]
        note = _too_big_note(len(all_ops), indices, why)
        data, width, height = draw(indices, note)
    if too_big() and not options.get("minimal"):
        # even one op is too wide: it reads or writes too many blobs to stand side by side
        options["minimal"] = True
        indices = first
        why = "an op reads or writes too many blobs to draw them side by side."
        note = _too_big_note(len(all_ops), indices, why, minimal=True)
        data, width, height = draw(indices, note)
        while too_big() and len(indices) > 1:
            indices = indices[: max(1, len(indices) // 2)]
            note = _too_big_note(len(all_ops), indices, why, minimal=True)
            data, width, height = draw(indices, note)
    if height > FOLD_HEIGHT_PX and "columns" not in options:
        data, width, height = _fold(draw, indices, note, (data, width, height), cell_width)
    return Picture(data, "png", width, height, "\n".join(t for t in (note, base_note) if t),
                   indices)


class _NotAChainError(Exception):
    """A folded drawing would have many edges between its columns: not worth folding."""


def _fold(
    draw: Callable[[list[int], str, int], tuple[bytes, int, int]],
    indices: list[int], note: str, unfolded: tuple[bytes, int, int], cell_width: int,
) -> tuple[bytes, int, int]:
    """Fold a tall picture into 2-4 columns when they fit the cell side by side at full
    size and the net is chain-like (few edges between columns); else keep it unfolded."""
    _, width, height = unfolded
    for columns in range(min(MAX_COLUMNS, -(-height // FOLD_HEIGHT_PX)), 1, -1):
        try:
            folded = draw(indices, note, columns)
        except _NotAChainError:
            return unfolded
        if folded[1] <= cell_width and folded[2] < height:
            return folded
    return unfolded


def show(net: Any, format: str = "png", width: int | None = None, **options: Any) -> Any:
    """Draw ``net``'s teaching view for a notebook: an ``IPython.display.Image`` (or ``SVG``).

    Legible where it is shown (see :func:`picture`): top to bottom, ops in creation order,
    displayed at its natural width. Options: ``ops=slice(8, 16)`` (a part of the net),
    ``forward_only=True``, ``since=k`` (highlight the ops from index ``k`` on, fade the
    earlier ones), ``workspace=True`` (shapes, and values of tiny blobs, from the
    current workspace), ``params``, ``minimal`` (True, or ``"dependency"``), ``legend``,
    ``rankdir``, ``title``, ``append_output``. A ``ModelHelper`` is drawn with its
    ``model.params``. ``width`` overrides the display width (in CSS pixels). Errors are
    raised, not hidden.

    ``style="classic"`` draws Caffe2's look instead (left to right, as ``GetPydotGraph``),
    shown at natural size.
    """
    from IPython.display import SVG, Image

    if options.pop("style", "teaching") == "classic":
        options.pop("workspace", None)
        minimal = options.pop("minimal", False)
        if minimal:
            graph = GetPydotGraphMinimal(net, minimal_dependency=minimal == "dependency",
                                         **options)
        else:
            graph = GetPydotGraph(net, **options)
        data = render(graph, format=format)
        if format == "svg":
            return SVG(data=data)
        return Image(data=data, format="png", width=width or _png_size(data)[0])
    pic = picture(net, format=format, **options)
    if format == "svg":
        return SVG(data=pic.data)
    return Image(data=pic.data, format="png", width=width or pic.width)


class Growth:
    """The sequence view: a net drawn as it grew, one legible picture per stage.

    Displayed in Jupyter as the panels one under the other. ``panels`` holds the
    :class:`Picture` of each stage, ``titles`` their titles.
    """

    def __init__(self, panels: list[Picture], titles: list[str]) -> None:
        self.panels = panels
        self.titles = titles

    def _ipython_display_(self) -> None:
        from IPython.display import display

        for pic in self.panels:
            display(pic)

    def __repr__(self) -> str:
        return "Growth(" + ", ".join(repr(t) for t in self.titles) + ")"


def _stage_ends(ops: Sequence[OperatorDef]) -> list[tuple[str, int, int]]:
    """``(title, start, end)`` of the forward, gradient and update stages of a train net:
    ops are appended in that order (forward ops, ``AddGradientOperators``, the optimizer)."""
    cats = [op_category(op) for op in ops]
    first_grad = next((i for i, c in enumerate(cats) if c == "gradient"), len(ops))
    first_update = next((i for i, c in enumerate(cats) if c == "update" and i >= first_grad),
                        len(ops))
    stages = [("forward", 0, first_grad)]
    if first_update > first_grad:
        stages.append(("+ gradients", first_grad, first_update))
    if first_update < len(ops):
        stages.append(("+ update", first_update, len(ops)))
    return [s for s in stages if s[2] > s[1]]


def show_growth(
    net: Any,
    init_net: Any = None,
    stages: Sequence[int] | None = None,
    **options: Any,
) -> Growth:
    """Draw a train net as it grew: init net | forward | + gradients | + update.

    Each panel is a legible picture (see :func:`picture`) of the net up to the end of a
    stage, with that stage's ops highlighted and the earlier ones faded. Every panel uses
    the finished net's blob roles, so ``W`` is a parameter from the first panel on.

    Args:
        net: the train net (a ``core.Net``, ``NetDef``, ``ModelHelper``: then its
            ``param_init_net`` is the init net unless ``init_net`` is given).
        init_net: drawn first, when given.
        stages: op counts where the stages end, e.g. ``[8, 12]`` (the last stage always
            ends at the net's end). Default: split by op kind (forward ops, then
            gradient ops, then update ops), the order they are added in.
        options: :func:`picture`'s (``workspace``, ``params``, ``rankdir``, ...).
    """
    all_ops, _ = _rectify(net, None)
    if init_net is None and hasattr(net, "param_init_net"):
        init_net = net.param_init_net
    params = options.pop("params", None)
    if params is None:
        params = _model_params(net)
    roles = blob_roles(all_ops, params)
    if stages is None:
        spans = _stage_ends(all_ops)
    else:
        ends = [int(e) for e in stages if 0 < int(e) < len(all_ops)] + [len(all_ops)]
        starts = [0, *ends[:-1]]
        spans = [(f"ops {a}-{b - 1}", a, b) for a, b in zip(starts, ends, strict=True)]
    panels: list[Picture] = []
    titles: list[str] = []
    number = 1
    if init_net is not None:
        init_ops, init_name = _rectify(init_net, None)
        title = f"{number}. init net {init_name!r}: {len(init_ops)} ops, run once"
        panels.append(picture(init_net, roles=roles, title=title, **options))
        titles.append(title)
        number += 1
    for stage, start, end in spans:
        if start == 0:
            title = f"{number}. {stage}: ops 0-{end - 1}"
            since = None
        else:
            title = f"{number}. {stage}: ops {start}-{end - 1} added (outlined)"
            since = start
        panels.append(picture(net, ops=slice(0, end), since=since, roles=roles,
                              title=title, **options))
        titles.append(title)
        number += 1
    return Growth(panels, titles)


# ---- Jupyter's automatic display --------------------------------------------------------

_DISPLAY_OPTIONS: dict[str, Any] = {
    "format": "png",
    "style": "teaching",
    "rankdir": "TB",
    "minimal": False,
    "workspace": None,
    "params": None,
    "enabled": True,
}


def set_display_options(**options: Any) -> dict[str, Any]:
    """Change how nets draw themselves in Jupyter; returns the options now in force.

    Keys: ``format`` (``"png"`` or ``"svg"``: SVG is zoomable but untrusted notebooks do
    not show it), ``style`` (``"teaching"``, legible, or ``"classic"``: Caffe2's look at
    natural size), ``rankdir``, ``minimal``, ``workspace``, ``params``, ``enabled``
    (False: text only). Example: ``set_display_options(workspace=True)``.
    """
    for key in options:
        if key not in _DISPLAY_OPTIONS:
            raise TypeError(
                f"set_display_options: unknown option {key!r}; known: "
                f"{', '.join(_DISPLAY_OPTIONS)}."
            )
    _DISPLAY_OPTIONS.update(options)
    return dict(_DISPLAY_OPTIONS)


def _classic_picture(net: Any, opts: Mapping[str, Any],
                     cell_width: int = CELL_WIDTH_PX) -> Picture:
    """Caffe2's look for the automatic display, at natural size (no size cap up to
    :data:`FAST_LAYOUT_OPS` ops). Its long left-to-right rows are often too wide to read
    in a cell: then a note, in letters large enough to read at the shrunken size, says so
    under the picture and names the legible view."""
    fmt = opts.get("format", "png")
    minimal = opts.get("minimal", False)
    rankdir = opts.get("rankdir", "LR")
    if minimal:
        graph = GetPydotGraphMinimal(net, rankdir=rankdir,
                                     minimal_dependency=minimal == "dependency")
    else:
        graph = GetPydotGraph(net, rankdir=rankdir, workspace=opts.get("workspace"))
    graph.size_capped = graph.n_ops <= FAST_LAYOUT_OPS
    data, width, height = _render_checked(graph, fmt)
    if fmt == "svg":
        return Picture(_scalable_svg(data, width), "svg", width, height, "", [])
    note = ""
    if width > cell_width / MIN_SCALE:
        scale = cell_width / width
        note = (f"Caffe2's look is {width} px wide: a cell shows it at {scale:.0%}, too small "
                "to read.\nnet_drawer.show(net) or set_display_options(style=\"teaching\") "
                "draws it legibly.")
        graph.set("label", _q(note))
        graph.set("labelloc", "b")
        graph.set("fontsize", f"{14 / scale:.0f}")
        data, width, height = _render_checked(graph, fmt)
    return Picture(data, "png", width, height, note, [])


def net_mimebundle(net: Any, text: str | None = None, **options: Any) -> Any:
    """Jupyter's ``_repr_mimebundle_`` for a net: ``(data, metadata)``.

    ``data`` is ``{"image/png": bytes, "text/plain": text}`` (``image/svg+xml`` with
    ``format="svg"``), ``metadata`` ``{"image/png": {"width": natural width}}`` so
    JupyterLab shows the picture 1:1 (see :func:`picture`); a note on a net too big to
    draw whole is added to the text. ``options`` override :func:`set_display_options`.
    If drawing fails (no renderer, a broken ``dot``, a net too big to lay out), only
    ``text/plain`` is returned, with the whole reason: a display never raises.
    """
    if text is None:
        ops, name = _rectify(net, None)
        text = f"net {name!r}: {len(ops)} ops"
    opts = {**_DISPLAY_OPTIONS, **options}
    if not opts.pop("enabled", True):
        return {"text/plain": text}, {}
    try:
        if opts.get("style", "teaching") == "classic":
            pic = _classic_picture(net, opts)
        else:
            opts.pop("style", None)
            pic = picture(net, **opts)
    except Exception as e:  # never break the notebook's display
        note = str(e) or type(e).__name__
        return {"text/plain": f"{text}\n(no drawing: {note})"}, {}
    mime = "image/png" if pic.format == "png" else "image/svg+xml"
    if pic.note:
        text = f"{text}\n{pic.note}"
    return {mime: pic.data, "text/plain": text}, {mime: pic.metadata()}


# ---- command line (graphlab.draw_cli) ---------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """The ``graphlab-draw`` command; see :func:`graphlab.draw_cli.main`."""
    from .draw_cli import main as draw_main  # imported late: draw_cli builds on this module

    return draw_main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
