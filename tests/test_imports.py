"""No import loops in graphlab: no module imports a module that imports it back.

The test reads every module's source (it imports nothing), collects its imports of
graphlab modules wherever they are written, at the top or inside a function, and leaves
out only those under ``if TYPE_CHECKING:`` (they never run). Then it looks for a loop in
the resulting graph and names every module of each loop it finds.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "graphlab"


def _module_name(path: Path) -> str:
    parts = ["graphlab", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_lines(tree: ast.AST) -> set[int]:
    """Line numbers inside ``if TYPE_CHECKING:`` blocks."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", "")
            if name == "TYPE_CHECKING":
                for inner in node.body:
                    for sub in ast.walk(inner):
                        if hasattr(sub, "lineno"):
                            lines.add(sub.lineno)
    return lines


def _imports(name: str, path: Path, modules: dict[str, Path]) -> list[str]:
    """The graphlab modules that module ``name`` imports (outside TYPE_CHECKING)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: list[str] = []
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # ``from .x import y`` imports y as a module when there is one
            submodules = [f"{target}.{a.name}" for a in node.names
                          if f"{target}.{a.name}" in modules]
            found += submodules or [target]
    return [m for m in dict.fromkeys(found) if m in modules and m != name]


def import_graph() -> dict[str, list[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def import_loops(graph: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm,
    written with an explicit stack)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: dict[str, bool] = {}
    stack: list[str] = []
    loops: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack[node] = True
            edges = graph[node]
            if i < len(edges):
                work.append((node, i + 1))
                nxt = edges[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif on_stack.get(nxt):
                    low[node] = min(low[node], index[nxt])
                continue
            if work:  # hand the low-link back to the parent
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack[member] = False
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    loops.append(sorted(component))
    return loops


def test_the_checker_finds_a_loop():
    assert import_loops({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]
    assert import_loops({"a": ["b"], "b": [], "c": ["a", "b"]}) == []


def test_the_graph_sees_imports_inside_functions_but_not_type_checking(tmp_path):
    graph = import_graph()
    assert "graphlab.registry" in graph["graphlab.ops.nn"]
    assert "graphlab.interpreter" in graph["graphlab.workspace"]


def test_graphlab_has_no_import_loops():
    loops = import_loops(import_graph())
    assert not loops, "import loops:\n" + "\n".join(" <-> ".join(loop) for loop in loops)


def _architecture():
    """tools/draw_architecture.py, which draws docs/architecture.png from its LAYERS."""
    spec = importlib.util.spec_from_file_location(
        "draw_architecture", PACKAGE.parent / "tools" / "draw_architecture.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_import_points_down_the_layers_of_the_architecture_picture():
    """docs/architecture.png: a module imports only from its own layer or the layers
    below it (proto → registry and ops → interpreter → gradients, workspace, fast → core
    → drawer, visualize, model helpers)."""
    arch = _architecture()
    graph = import_graph()
    upward = [f"{name} (layer {arch.layer_of(name)}) imports {m} (layer {arch.layer_of(m)})"
              for name, imports in graph.items() for m in imports
              if arch.layer_of(m) > arch.layer_of(name) and (name, m) not in arch.UPWARD]
    assert not upward, "imports pointing up the layers:\n" + "\n".join(upward)
    assert arch.layer_of("graphlab.ops.nn") == 1 and arch.layer_of("graphlab.fast.plan") == 3


def test_the_registry_does_not_import_the_ops_and_the_ops_know_no_fast_path():
    graph = import_graph()
    assert not [m for m in graph["graphlab.registry"] if m.startswith("graphlab.ops")]
    for name, imports in graph.items():
        if name.startswith("graphlab.ops"):
            assert not [m for m in imports if m.startswith("graphlab.fast")], name


# ---- private state stays private ---------------------------------------------------------------


def _private_names_defined(tree: ast.AST) -> set[str]:
    """``_x`` names a module defines: ``self._x = ...``, ``def _x``, class attributes."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name.startswith("_"):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.add(node.value)  # __slots__ entries
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def private_reaches() -> list[str]:
    """Every place a module reads a private attribute (``obj._x``) that it does not define
    itself, or imports a private name (``from .m import _x``) from another module."""
    found = []
    for name, path in _modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        own = _private_names_defined(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                attr = node.attr
                if not attr.startswith("_") or attr.startswith("__") or attr in own:
                    continue
                if isinstance(node.value, ast.Name) and node.value.id == "sys":
                    continue  # the standard library's sys._getframe
                found.append(f"{name}:{node.lineno}: {ast.unparse(node)}")
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        found.append(f"{name}:{node.lineno}: imports {alias.name}")
    return found


def test_no_module_reaches_into_another_modules_private_state():
    reaches = private_reaches()
    assert not reaches, "private state used across modules:\n" + "\n".join(reaches)
