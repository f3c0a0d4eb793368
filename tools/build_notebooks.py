#!/usr/bin/env python3
"""Build the teaching notebooks from their sources and execute them, saving outputs.

Each ``notebooks/src/NN_name.py`` is a plain Python file in "percent" format: a line
``# %% [markdown]`` starts a markdown cell (its lines are ``# ``-prefixed text) and a line
``# %%`` starts a code cell. This script turns each source into ``notebooks/NN_name.ipynb``,
runs it top to bottom in a fresh kernel (working directory ``notebooks/``) and saves it
with its outputs, so the notebooks read well on GitHub.

    .venv/bin/python tools/build_notebooks.py            # all notebooks
    .venv/bin/python tools/build_notebooks.py 02         # those whose name starts with 02
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "notebooks" / "src"
OUT = ROOT / "notebooks"


def parse_cells(text: str) -> list[nbformat.NotebookNode]:
    """Split a percent-format source into notebook cells."""
    cells: list[nbformat.NotebookNode] = []
    kind: str | None = None
    lines: list[str] = []

    def flush() -> None:
        if kind is None:
            return
        body = "\n".join(lines).strip("\n")
        if kind == "markdown":
            md = "\n".join(
                ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in body.splitlines()
            )
            cells.append(nbformat.v4.new_markdown_cell(md))
        elif body:
            cells.append(nbformat.v4.new_code_cell(body))

    for line in text.splitlines():
        if line.startswith("# %% [markdown]"):
            flush()
            kind, lines = "markdown", []
        elif line.startswith("# %%"):
            flush()
            kind, lines = "code", []
        elif kind is not None:
            lines.append(line)
    flush()
    return cells


def build(src: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3", "language": "python"
    }
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = parse_cells(src.read_text(encoding="utf-8"))
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(OUT)}})
    client.execute()
    for cell in nb.cells:  # keep diffs small and stable
        cell.metadata.pop("execution", None)
    target = OUT / (src.stem + ".ipynb")
    nbformat.write(nb, target)
    return target


def main(argv: list[str]) -> int:
    # the kernel inherits this environment: a headless backend such as MPLBACKEND=Agg would
    # leave the saved notebooks without their pictures
    os.environ.pop("MPLBACKEND", None)
    sources = sorted(SRC.glob("[0-9]*.py"))
    if argv:
        sources = [s for s in sources if any(s.name.startswith(a) for a in argv)]
    for src in sources:
        print(f"building {src.name} ...", flush=True)
        print(f"  wrote {build(src).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
