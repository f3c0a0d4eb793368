"""The teaching view: a net picture made to be read where it is shown.

:func:`teaching_graph` builds it (a :class:`graphlab.net_graph.NetGraph`);
:func:`graphlab.net_drawer.picture` and :func:`graphlab.net_drawer.show` render it so that
it stays legible in a notebook. What it draws, and why:

* ops in creation order down the page, each kept after the one before it (an invisible
  edge), for every ``rankdir``;
* forward / gradient / update ops in green / red / blue (:func:`graphlab.net_roles.op_category`);
* blobs styled by role (:func:`graphlab.net_roles.blob_roles`), explained by a legend;
* version labels (``W v0`` → ``W v1``), values of tiny blobs from a workspace;
* the ops added since a given point outlined, the earlier ones pale;
* repeated optimizer ops grouped into one box, many blobs of one op in rows, a long chain
  folded into columns on request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pydot

from .net_graph import (
    BlobInfo,
    NetGraph,
    NodeProducer,
    blob_table,
    claim_op_node,
    dot_quote,
    edge_span,
    html_escape,
    model_params,
    op_label,
    ops_and_name,
    writer_edges,
)
from .net_roles import ROLES, NodeIds, blob_roles, blob_versions, op_category
from .proto import OperatorDef
from .render import FAST_LAYOUT_OPS

__all__ = [
    "CATEGORY_COLORS",
    "DPI",
    "FADED_COLORS",
    "GROUP_MIN",
    "LONG_EDGES_PER_OP",
    "MAX_LEGIBLE_OPS",
    "MAX_TEACHING_OPS",
    "PARAM_FILL",
    "ROLE_LEGEND",
    "ROLE_STYLES",
    "ROW_BLOBS",
    "select_ops",
    "teaching_graph",
]

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

#: Teaching pictures are rendered at this resolution: one PNG pixel per CSS pixel.
DPI = 96
#: The teaching view of more ops than this is not laid out in one picture. Measured
#: (SVG): a chain of 600 FC ops 1.7 s, 1000 ops 3.3 s; a 305-op training net 3.3 s.
MAX_TEACHING_OPS = 500
#: The teaching view uses the fast layout (:data:`graphlab.render.FAST_LAYOUT_ATTRS`) for
#: nets of more than :data:`graphlab.render.FAST_LAYOUT_OPS` ops whose edges span more
#: than this many op steps per op on average (training nets: gradient ops read activations
#: from far back). Without it a 155-op training net takes minutes; with it a plain chain of
#: 61 ops is laid out 8000 px wide instead of 500, so chains go without.
LONG_EDGES_PER_OP = 3
#: Teaching pictures of up to this many ops are drawn at natural size (more are capped
#: like Caffe2's look); :func:`graphlab.net_drawer.picture` shows bigger nets in parts.
MAX_LEGIBLE_OPS = 120


def select_ops(n_ops: int, ops: slice | Sequence[int] | None) -> list[int]:
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
    text = dot_quote(op_label(op, op_id, append_output))
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
    return pydot.Node(text, label=text, tooltip=dot_quote(tip), **attrs)


def _blob_label(
    name: str, version: int, versioned: bool, info: BlobInfo | None,
    grad: BlobInfo | None, newest: bool,
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
        text = html_escape(ROLE_LEGEND[role])
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
    all_ops, graph_name = ops_and_name(operators_or_net, name)
    if params is None:
        params = model_params(operators_or_net)
    else:
        params = [str(p) for p in params]  # BlobReferences are welcome
    chosen = select_ops(len(all_ops), ops)
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
    table = blob_table(workspace, [*names, *(f"{b}_grad" for b in names)])

    graph = NetGraph(graph_name, len(chosen), fast_layout,
                     size_capped=len(chosen) > MAX_LEGIBLE_OPS,
                     rankdir=rankdir, nodesep="0.08", ranksep="0.3")
    if dpi is not None:
        graph.set("dpi", f"{dpi:g}")
    graph.span = edge_span(all_ops, chosen)
    graph.max_ops = MAX_TEACHING_OPS
    if fast_layout is None:  # Graphviz's iteration limits only where long edges need them
        graph.fast_layout = (len(chosen) > FAST_LAYOUT_OPS
                             and graph.span > LONG_EDGES_PER_OP * len(chosen))
    if title:
        graph.set("label", dot_quote(title))
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
    parents_of = writer_edges(all_ops, minimal == "dependency") if minimal else []
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
                op_node.set("label", dot_quote(text))
                op_node.set_name(dot_quote(text))
            elif op_node_producer is not None:
                op_node = op_node_producer(op, op_id)
            else:
                op_node = _teaching_op_node(op, op_id, append_output, faded=not new,
                                            highlighted=since is not None and new)
            op_refs[op_id] = claim_op_node(ids, op_node)
            units.append(op_refs[op_id])
            node_column[op_refs[op_id]] = column_of[op_id]
            graph.add_node(op_node)
        if minimal:
            for p in parents_of[op_id]:
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
                node_column[dot_quote(drawn[key])] = column_of[op_id]
                fresh_inputs.setdefault(op_refs[op_id], []).append(dot_quote(drawn[key]))
            blob_new[key] = blob_new.get(key, False) or new
            edge = (dot_quote(drawn[key]), op_refs[op_id], new)
            if not (grouped and edge in edges):  # a shared input: one edge to the box
                edges.append(edge)
        for key in outs:
            if grouped and not _group_keeps(op, key[0]):
                continue
            drawn[key] = ids.blob(*key)[0]
            node_column[dot_quote(drawn[key])] = column_of[op_id]
            blob_new[key] = blob_new.get(key, False) or new
            edges.append((op_refs[op_id], dot_quote(drawn[key]), new))
            outputs.setdefault(op_refs[op_id], []).append(dot_quote(drawn[key]))
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
        graph.add_node(pydot.Node(dot_quote(node_id), label=dot_quote(label), **attrs))
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
        bottom.add_node(pydot.Node('"note"', shape="plaintext", label=dot_quote(note),
                                   fontcolor="#202124"))
        graph.add_subgraph(bottom)
        if units:
            graph.add_edge(pydot.Edge(units[-1], '"note"', style="invis"))
    return graph
