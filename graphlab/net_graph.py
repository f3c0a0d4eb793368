"""The building blocks every net picture shares: DOT quoting, nets in, blobs' values, the graph.

:mod:`graphlab.net_drawer` (Caffe2's look and the notebook display) and
:mod:`graphlab.teaching_view` (the teaching view) both draw with these:

* :func:`dot_quote` writes any name as a valid, unambiguous DOT id or label;
* :func:`ops_and_name` accepts a ``core.Net``, ``NetDef``, ``ModelHelper`` or op list;
* :func:`blob_table` reads dtypes, shapes and tiny values from a workspace;
* :class:`NetGraph` is a ``pydot.Dot`` that renders through :mod:`graphlab.render` (no
  system Graphviz needed) and carries the hints the renderer uses;
* :func:`writer_edges`, :func:`edge_span` and :func:`claim_op_node` are small graph facts
  and bookkeeping the drawers share.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pydot

from .net_roles import NodeIds
from .nets import as_netdef
from .proto import NetDef, OperatorDef
from .render import MAX_DRAW_OPS, RendererNotFoundError, find_dot, render

__all__ = [
    "TINY_BLOB",
    "BlobInfo",
    "NetGraph",
    "NodeProducer",
    "blob_table",
    "claim_op_node",
    "dot_quote",
    "dot_unquote",
    "edge_span",
    "html_escape",
    "model_params",
    "op_label",
    "ops_and_name",
    "writer_edges",
]

NodeProducer = Callable[[OperatorDef, int], pydot.Node]


def dot_quote(text: str) -> str:
    """DOT-safe quoted id or label: JSON string syntax, non-ASCII kept as UTF-8.

    JSON escapes ``"`` and ``\\`` and writes a newline as ``\\n``, which DOT also reads
    as a line break in labels, so every name (``/``, ``:``, spaces, quotes, unicode) is a
    valid, unambiguous DOT id.
    """
    return json.dumps(text, ensure_ascii=False)


def dot_unquote(node_name: str) -> str:
    """The raw text of a node name made by :func:`dot_quote` (other names are returned as given)."""
    if len(node_name) >= 2 and node_name[0] == '"' and node_name[-1] == '"':
        try:
            return str(json.loads(node_name))
        except ValueError:
            return node_name
    return node_name


def html_escape(text: str) -> str:
    """Escape ``text`` for a Graphviz HTML-like label."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def op_label(op: OperatorDef, op_id: int, append_output: bool = False) -> str:
    label = f"{op.name}/{op.type} (op#{op_id})" if op.name else f"{op.type} (op#{op_id})"
    if op.type in ("Python", "PythonGradient"):  # which function runs: net.Python's token
        label += f"\nfunction {op.args().get('token', '?')}"
    if append_output:
        label += "".join("\n" + name for name in op.output)
    return label


def ops_and_name(operators_or_net: Any, name: str | None) -> tuple[list[OperatorDef], str]:
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


def model_params(obj: Any) -> list[str] | None:
    """A ModelHelper's ``params`` as names (anything with ``params`` and
    ``param_init_net``); None for nets and op lists."""
    if hasattr(obj, "params") and hasattr(obj, "param_init_net"):
        return [str(p) for p in obj.params]
    return None


@dataclass
class BlobInfo:
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


def blob_table(workspace: Any, names: Iterable[str]) -> dict[str, BlobInfo]:
    """``{blob: BlobInfo}`` for the blobs in ``names`` that ``workspace`` holds.

    ``workspace``: True (the current workspace), a :class:`graphlab.workspace.Workspace`,
    or a mapping ``{name: array or shape tuple}``.
    """
    if workspace is None or workspace is False:
        return {}
    if workspace is True:
        from .workspace import CurrentWorkspaceObject

        workspace = CurrentWorkspaceObject()
    table: dict[str, BlobInfo] = {}
    for name in names:
        if isinstance(workspace, Mapping):
            if name not in workspace:
                continue
            value = workspace[name]
            if isinstance(value, (tuple, list)):
                table[name] = BlobInfo(str(list(value)))
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
        table[name] = BlobInfo(f"{arr.dtype}{list(arr.shape)}",
                                _format_values(arr) if tiny else None)
    return table


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
        super().__init__(dot_quote(graph_name), graph_type="digraph", **attrs)
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


def edge_span(ops: Sequence[OperatorDef], chosen: Sequence[int]) -> int:
    """How many op steps the edges between the ``chosen`` ops span in total: an input of op
    ``i`` last written by op ``j`` spans ``i - j`` (see :data:`graphlab.render.MAX_LAYOUT_SPAN`)."""
    writer: dict[str, int] = {}
    total = 0
    for k, i in enumerate(chosen):
        for b in ops[i].input:
            if b in writer:
                total += k - writer[b]
        for b in ops[i].output:
            writer[b] = k
    return total


def claim_op_node(ids: NodeIds, node: pydot.Node) -> str:
    """Register an op node's id with ``ids``, renaming the node if the id is taken."""
    raw = dot_unquote(node.get_name())
    got = ids.claim(raw)
    if got != raw:
        node.set_name(dot_quote(got))
    return node.get_name()


def writer_edges(ops: Sequence[OperatorDef], minimal_dependency: bool) -> list[list[int]]:
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
