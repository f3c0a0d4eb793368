"""Draw nets as Graphviz pictures: Caffe2's ``net_drawer``, plus a teaching view.

The seed tutorial draws its train net like this (unchanged in graphlab, Caffe2's look)::

    graph = net_drawer.GetPydotGraph(train_net.Proto().op, "train", rankdir="LR")
    display.Image(graph.create_png(), width=800)

This module builds the picture (pure Python: ``pydot`` objects, the DOT text is
deterministic) and shows it in Jupyter. The pieces every picture shares are in
:mod:`graphlab.net_graph`, the teaching view in :mod:`graphlab.teaching_view`, what each op
and blob is in :mod:`graphlab.net_roles`; the names users need are available here too.
Turning DOT into PNG needs a ``dot`` program;
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

import io
import json
import os
import re
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydot

from .net_graph import (
    TINY_BLOB,
    BlobInfo,
    NetGraph,
    NodeProducer,
    blob_table,
    claim_op_node,
    dot_quote,
    edge_span,
    model_params,
    op_label,
    ops_and_name,
    writer_edges,
)
from .net_roles import (
    UPDATE_FAMILY,
    UPDATE_OP_TYPES,
    NodeIds,
    blob_roles,
    blob_versions,
    detect_params,
    op_category,
)
from .proto import OperatorDef
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
from .teaching_view import (  # the teaching view lives in graphlab.teaching_view
    CATEGORY_COLORS,
    DPI,
    FADED_COLORS,
    MAX_LEGIBLE_OPS,
    MAX_TEACHING_OPS,
    PARAM_FILL,
    ROLE_STYLES,
    ROW_BLOBS,
    select_ops,
    teaching_graph,
)

__all__ = [
    "BLOB_STYLE",
    "CATEGORY_COLORS",
    "CELL_WIDTH_PX",
    "DPI",
    "FADED_COLORS",
    "DOT_ENV_VAR",
    "FAST_LAYOUT_ATTRS",
    "FAST_LAYOUT_OPS",
    "MAX_DRAW_OPS",
    "MAX_LAYOUT_SPAN",
    "MAX_LEGIBLE_OPS",
    "MAX_SIZE_INCHES",
    "MAX_TEACHING_OPS",
    "MIN_SCALE",
    "OP_STYLE",
    "PARAM_FILL",
    "ROLE_STYLES",
    "ROW_BLOBS",
    "TINY_BLOB",
    "UPDATE_FAMILY",
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

STYLES = ("classic", "teaching")

#: The width of a JupyterLab output cell, in CSS pixels, that pictures are made to fit.
CELL_WIDTH_PX = 850
#: A picture shown inline is never displayed smaller than this fraction of its natural
#: size: Graphviz's 14 pt labels are 18.7 px at 96 dpi, so they stay 11 px or taller.
MIN_SCALE = 0.6
#: A legible picture is at most this many CSS pixels tall (about 20 screens of 800 px).
MAX_HEIGHT_PX = 16000
#: A legible picture taller than this is folded into columns when they fit side by side.
FOLD_HEIGHT_PX = 2400
MAX_COLUMNS = 4
#: A net of more than :data:`MAX_LEGIBLE_OPS` ops is shown this many ops at a time.
PART_OPS = 40


def GetOpNodeProducer(append_output: bool, **kwargs: str) -> NodeProducer:  # noqa: N802
    """A function ``(op, op_id) -> pydot.Node`` making op nodes with attributes ``kwargs``.

    The node's id and label are ``Type (op#i)`` (``name/Type (op#i)`` for a named op);
    with ``append_output`` each output name follows on its own line.
    """

    def produce(op: OperatorDef, op_id: int) -> pydot.Node:
        text = dot_quote(op_label(op, op_id, append_output))
        return pydot.Node(text, label=text, **kwargs)

    return produce


# ---- Caffe2's look ----------------------------------------------------------------------


def _classic_blob_attrs(name: str, shapes: Mapping[str, BlobInfo]) -> dict[str, str]:
    label = name if name not in shapes else f"{name}\n{shapes[name].layout}"
    return {"label": dot_quote(label), **BLOB_STYLE}


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
    ops, graph_name = ops_and_name(operators_or_net, name)
    graph = NetGraph(graph_name, len(ops), fast_layout, rankdir=rankdir or "LR")
    graph.span = edge_span(ops, range(len(ops)))
    if op_node_producer is None:
        op_node_producer = GetOpNodeProducer(append_output, **OP_STYLE)
    shapes = blob_table(workspace, dict.fromkeys(b for op in ops for b in [*op.input,
                                                                            *op.output]))
    ids = NodeIds()
    for op_id, (op, (ins, outs)) in enumerate(zip(ops, blob_versions(ops), strict=True)):
        op_node = op_node_producer(op, op_id)
        op_ref = claim_op_node(ids, op_node)
        graph.add_node(op_node)
        for blob, version in ins:
            node_id, new = ids.blob(blob, version)
            if new:
                graph.add_node(pydot.Node(dot_quote(node_id), **_classic_blob_attrs(blob, shapes)))
            graph.add_edge(pydot.Edge(dot_quote(node_id), op_ref))
        for blob, version in outs:
            node_id, _ = ids.blob(blob, version)
            graph.add_node(pydot.Node(dot_quote(node_id), **_classic_blob_attrs(blob, shapes)))
            graph.add_edge(pydot.Edge(op_ref, dot_quote(node_id)))
    return graph


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
    ops, graph_name = ops_and_name(operators_or_net, name)
    graph = NetGraph(graph_name, len(ops), fast_layout, rankdir=rankdir or "LR")
    graph.span = edge_span(ops, range(len(ops)))
    if op_node_producer is None:
        op_node_producer = GetOpNodeProducer(append_output, **OP_STYLE)
    ids = NodeIds()
    node_ids: list[str] = []
    for op_id, (op, parents) in enumerate(
            zip(ops, writer_edges(ops, minimal_dependency), strict=True)):
        node = op_node_producer(op, op_id)
        node_ids.append(claim_op_node(ids, node))
        graph.add_node(node)
        for p in parents:
            graph.add_edge(pydot.Edge(node_ids[p], node_ids[op_id]))
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
    ops, _ = ops_and_name(operators_or_net, None)
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, str]] = []
    ids = NodeIds()
    for op_id, (op, (ins, outs)) in enumerate(zip(ops, blob_versions(ops), strict=True)):
        op_node = ids.claim(op_label(op, op_id))
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


def _compact_png(data: bytes) -> bytes:
    """The same picture in a 256-colour palette: about half the bytes of Graphviz's
    32-bit PNG (notebooks keep their pictures) and no visible difference, since a drawing
    has a few colours and their anti-aliased edges. Unchanged if Pillow (a matplotlib
    dependency) is missing."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - matplotlib always brings Pillow
        return data
    image = Image.open(io.BytesIO(data)).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
        out, format="PNG", optimize=True)
    smaller = out.getvalue()
    return smaller if len(smaller) < len(data) else data


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
    all_ops, _ = ops_and_name(net, None)
    chosen = select_ops(len(all_ops), ops)
    if forward_only:
        chosen = [i for i in chosen if op_category(all_ops[i]) == "forward"]
    options.setdefault("rankdir", "TB")
    if options.get("params") is None:
        options["params"] = model_params(net)
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
    full_note = "\n".join(t for t in (note, base_note) if t)
    return Picture(_compact_png(data), "png", width, height, full_note, indices)


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
    all_ops, _ = ops_and_name(net, None)
    if init_net is None and hasattr(net, "param_init_net"):
        init_net = net.param_init_net
    params = options.pop("params", None)
    if params is None:
        params = model_params(net)
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
        init_ops, init_name = ops_and_name(init_net, None)
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
        graph.set("label", dot_quote(note))
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
        ops, name = ops_and_name(net, None)
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
