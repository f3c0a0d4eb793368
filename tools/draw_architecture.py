"""Draw graphlab's layers (docs/architecture.png) with graphlab's own renderer.

Run from the repository root::

    .venv/bin/python tools/draw_architecture.py

Each box is a layer and lists its modules; an arrow ``A → B`` means "B builds on A" (B
imports A). ``LAYERS`` is also what ``tests/test_imports.py`` checks the code against:
every import of a graphlab module points to its own layer or a layer drawn above it, so
the picture cannot drift away from the code; the one exception (``UPWARD``) is drawn
dashed. A module that is not listed counts as belonging to the top layer (tools built on
everything else).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: (layer title, module-name prefixes), from the bottom of the stack to the top
LAYERS: list[tuple[str, list[str]]] = [
    ("proto and files: nets, tensors and DBs as data", [
        "graphlab.proto", "graphlab.errors", "graphlab.nets", "graphlab.textformat",
        "graphlab.caffe2_pb2", "graphlab.wire", "graphlab.tensors", "graphlab.schedules",
        "graphlab.checkpoint", "graphlab.db", "graphlab.blobdb", "graphlab.capi",
        "graphlab.flags", "graphlab.files",
    ]),
    ("registry and ops: what each operator is", [
        "graphlab.registry", "graphlab.ops", "graphlab.pyfunc",
    ]),
    ("interpreter: what running a net means", [
        "graphlab.interpreter", "graphlab.diagnostics",
    ]),
    ("gradients, workspace, fast", [
        "graphlab.gradients", "graphlab.workspace", "graphlab.fast",
    ]),
    ("core: Caffe2's Net and CreateOperator", ["graphlab.core", "graphlab"]),
    ("drawer, visualize, model helpers", [
        "graphlab.net_drawer", "graphlab.teaching_view", "graphlab.net_graph",
        "graphlab.net_roles", "graphlab.render", "graphlab.draw_cli", "graphlab.visualize",
        "graphlab.training", "graphlab.model_helper", "graphlab.brew", "graphlab.cnn",
        "graphlab.optimizer", "graphlab.gradient_checker", "graphlab.utils",
        "graphlab.datasets", "graphlab.predictor", "graphlab.onnx", "graphlab.cli",
    ]),
]

#: imports that point up, each with its reason (drawn dashed)
UPWARD: dict[tuple[str, str], str] = {
    ("graphlab.core", "graphlab.net_drawer"):
        "a Net shows itself as its drawing in Jupyter (imported when it is shown)",
}

#: above the package: what learners open
TOP = ("notebooks", ["notebooks/*.ipynb", "benchmarks", "your code"])


def layer_of(module: str) -> int:
    """The index in :data:`LAYERS` of ``module`` (the longest matching prefix); modules
    nobody listed belong to the top layer."""
    best, best_len = len(LAYERS) - 1, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            # "graphlab" is the package's __init__ alone, not everything under it
            below = prefix != "graphlab" and module.startswith(prefix + ".")
            matches = module == prefix or below
            if matches and len(prefix) > best_len:
                best, best_len = i, len(prefix)
    return best


def architecture_dot() -> str:
    """The picture as DOT text: one box per layer, bottom to top."""
    import pydot

    graph = pydot.Dot("graphlab", graph_type="digraph", rankdir="BT", nodesep="0.3",
                      ranksep="0.35", bgcolor="white")
    graph.set_node_defaults(shape="box", style="rounded,filled", fontname="Helvetica",
                            fontsize="12", fillcolor="#E8F0FE", color="#4285F4")
    names = []
    for i, (title, modules) in enumerate([*LAYERS, TOP]):
        shown = [m.replace("graphlab.", "") if m != "graphlab" else "graphlab/__init__"
                 for m in modules]
        lines = [shown[k:k + 5] for k in range(0, len(shown), 5)]
        label = title + "\\n" + "\\n".join(", ".join(line) for line in lines)
        name = f"layer{i}"
        fill = "#FEF7E0" if i == 2 else "#E6F4EA" if i == len(LAYERS) else "#E8F0FE"
        graph.add_node(pydot.Node(name, label=f'"{label}"', fillcolor=fill))
        names.append(name)
    for lower, upper in zip(names, names[1:]):
        graph.add_edge(pydot.Edge(lower, upper, color="#5F6368"))
    for (importer, imported) in UPWARD:
        graph.add_edge(pydot.Edge(f"layer{layer_of(imported)}", f"layer{layer_of(importer)}",
                                  style="dashed", color="#9AA0A6", constraint="false",
                                  label='"Net display"', fontsize="10", fontname="Helvetica"))
    return graph.to_string()


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from graphlab.render import render

    png = render(architecture_dot(), format="png")
    out = ROOT / "docs" / "architecture.png"
    out.write_bytes(png)
    print(f"wrote {out} ({len(png)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
