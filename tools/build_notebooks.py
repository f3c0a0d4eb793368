#!/usr/bin/env python3
"""Build the teaching notebooks, English and Chinese, from one set of sources.

Each ``notebooks/src/NN_name.py`` is a plain Python file in "percent" format:

* ``# %% [markdown]`` starts a markdown cell (its lines are ``# ``-prefixed text);
* ``# %%`` starts a code cell;
* ``# %% [solution]`` starts a code cell shown collapsed, input and output (an exercise's
  solution: JupyterLab shows a bar to click, the classic notebook a small ellipsis).

The Chinese edition is not a second copy of the notebooks. ``notebooks/src/zh/NN_name.md``
holds only translations: one block per markdown cell, headed ``<!-- en:HASH -->`` where
HASH is the first 10 hex digits of the SHA-256 of the English cell's text, and a block
``<!-- comments -->`` of pairs of lines (an English code comment, then its translation).
Code, blob names and outputs stay identical. When an English cell changes its hash
changes; the build then writes only the English notebook and says what is missing, and the
test suite fails until the translation is brought up to date, so the two editions cannot
drift apart.

This script executes each English notebook top to bottom in a fresh kernel (working
directory ``notebooks/``), saves it with its outputs as ``notebooks/NN_name.ipynb`` and
writes the Chinese one, with the same code cells and outputs, as ``notebooks/zh/NN_name.ipynb``.

    .venv/bin/python tools/build_notebooks.py            # all notebooks
    .venv/bin/python tools/build_notebooks.py 02         # those whose name starts with 02
    .venv/bin/python tools/build_notebooks.py --check    # only check the translations
    .venv/bin/python tools/build_notebooks.py --todo 02  # print what still needs translating
"""

from __future__ import annotations

import copy
import hashlib
import io
import os
import re
import sys
import tokenize
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "notebooks" / "src"
OUT = ROOT / "notebooks"
ZH_SRC = SRC / "zh"
ZH_OUT = OUT / "zh"

_MARK = re.compile(r"^# %%(?: \[(markdown|solution)\])?\s*$")
_BLOCK = re.compile(r"^<!-- (en:([0-9a-f]{10})|comments) -->\s*$")


class TranslationError(Exception):
    """The Chinese translation of a notebook is missing a cell or comment, or is stale."""


def parse_cells(text: str) -> list[nbformat.NotebookNode]:
    """Split a percent-format source into notebook cells."""
    cells: list[nbformat.NotebookNode] = []
    kind: str | None = None
    lines: list[str] = []

    def flush() -> None:
        body = "\n".join(lines).strip("\n")
        if kind == "markdown":
            md = "\n".join(
                ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in body.splitlines()
            )
            cells.append(nbformat.v4.new_markdown_cell(md))
        elif kind is not None and body:
            cell = nbformat.v4.new_code_cell(body)
            if kind == "solution":
                cell.metadata["jupyter"] = {"source_hidden": True, "outputs_hidden": True}
                cell.metadata["tags"] = ["solution"]
            cells.append(cell)

    for line in text.splitlines():
        match = _MARK.match(line)
        if match:
            flush()
            kind, lines = match.group(1) or "code", []
        elif kind is not None:
            lines.append(line)
    flush()
    return cells


def cell_hash(text: str) -> str:
    """The key of a markdown cell's translation: 10 hex digits of its SHA-256."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:10]


def parse_translation(text: str) -> tuple[dict[str, str], dict[str, str]]:
    """Read a ``zh/NN_name.md`` file: ``({hash: markdown}, {english comment: chinese})``."""
    cells: dict[str, str] = {}
    comments: dict[str, str] = {}
    key: str | None = None
    lines: list[str] = []

    def flush() -> None:
        if key == "comments":
            pairs = [ln.strip() for ln in lines if ln.strip()]
            if len(pairs) % 2:
                raise TranslationError(f"the comments block has an odd number of lines: "
                                       f"{pairs[-1]!r} has no translation")
            for en, zh in zip(pairs[::2], pairs[1::2]):
                comments[en] = zh
        elif key is not None:
            cells[key] = "\n".join(lines).strip("\n")

    for line in text.splitlines():
        match = _BLOCK.match(line)
        if match:
            flush()
            key, lines = match.group(2) or "comments", []
        elif key is not None:
            lines.append(line)
    flush()
    return cells, comments


def _comments(code: str) -> list[tokenize.TokenInfo]:
    tokens = tokenize.generate_tokens(io.StringIO(code).readline)
    return [t for t in tokens if t.type == tokenize.COMMENT]


def _comment_text(token: tokenize.TokenInfo) -> str:
    return token.string.lstrip("#").strip()


def translate_code(code: str, comments: dict[str, str], where: str) -> str:
    """``code`` with each comment replaced by its translation (code itself unchanged)."""
    lines = code.splitlines()
    for token in reversed(_comments(code)):  # from the end, so columns stay valid
        text = _comment_text(token)
        if not text or text.startswith(("noqa", "type:")):
            continue
        if text not in comments:
            raise TranslationError(f"{where}: comment not translated: {text!r}")
        row, col = token.start
        line = lines[row - 1]
        lines[row - 1] = line[:col] + "# " + comments[text] + line[col + len(token.string):]
    return "\n".join(lines)


def translate(cells: list[nbformat.NotebookNode], zh_file: Path) -> list[nbformat.NotebookNode]:
    """The Chinese cells for ``cells``; raises TranslationError naming every gap."""
    if not zh_file.exists():
        raise TranslationError(f"{zh_file.relative_to(ROOT)} is missing")
    translated, comments = parse_translation(zh_file.read_text(encoding="utf-8"))
    problems: list[str] = []
    out: list[nbformat.NotebookNode] = []
    for i, cell in enumerate(cells):
        zh = copy.deepcopy(cell)
        if cell.cell_type == "markdown":
            key = cell_hash(cell.source)
            if key not in translated:
                first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
                problems.append(f"cell {i} (en:{key}) has no translation: {first[:60]!r}")
            else:
                zh.source = translated[key]
        else:
            try:
                zh.source = translate_code(cell.source, comments, f"cell {i}")
            except TranslationError as err:
                problems.append(str(err))
        out.append(zh)
    if problems:
        raise TranslationError(f"{zh_file.relative_to(ROOT)}:\n  " + "\n  ".join(problems))
    return out


def todo(src: Path) -> str:
    """A skeleton of what ``src`` still needs translated, in the zh file's own format."""
    cells = parse_cells(src.read_text(encoding="utf-8"))
    zh_file = ZH_SRC / (src.stem + ".md")
    done, comments = ({}, {})
    if zh_file.exists():
        done, comments = parse_translation(zh_file.read_text(encoding="utf-8"))
    parts: list[str] = []
    missing_comments: list[str] = []
    for cell in cells:
        if cell.cell_type == "markdown":
            key = cell_hash(cell.source)
            if key not in done:
                parts.append(f"<!-- en:{key} -->\n{cell.source}\n")
        else:
            for token in _comments(cell.source):
                text = _comment_text(token)
                if text and text not in comments and text not in missing_comments \
                        and not text.startswith(("noqa", "type:")):
                    missing_comments.append(text)
    if missing_comments:
        parts.append("<!-- comments -->\n" + "\n\n".join(f"{c}\n" for c in missing_comments))
    return "\n".join(parts)


def _new_notebook(cells: list[nbformat.NotebookNode], language: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3", "language": "python"
    }
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["graphlab"] = {"language": language}
    nb.cells = cells
    return nb


def build(src: Path) -> list[Path]:
    """Execute ``src`` as the English notebook and write both editions; return their paths.

    The Chinese one is left out, with a message, while its translation is incomplete.
    """
    cells = parse_cells(src.read_text(encoding="utf-8"))
    try:
        zh_cells: list[nbformat.NotebookNode] | None = translate(
            cells, ZH_SRC / (src.stem + ".md"))
    except TranslationError as err:
        print(f"  not writing the Chinese edition: {err}", flush=True)
        zh_cells = None
    nb = _new_notebook(cells, "en")
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(OUT)}})
    client.execute()
    for cell in nb.cells:  # keep diffs small and stable
        cell.metadata.pop("execution", None)
    targets = [OUT / (src.stem + ".ipynb")]
    nbformat.write(nb, targets[0])
    if zh_cells is not None:
        for en, zh in zip(nb.cells, zh_cells):  # same code, so the same outputs
            if en.cell_type == "code":
                zh.outputs = copy.deepcopy(en.outputs)
                zh.execution_count = en.execution_count
        ZH_OUT.mkdir(exist_ok=True)
        targets.append(ZH_OUT / (src.stem + ".ipynb"))
        nbformat.write(_new_notebook(zh_cells, "zh"), targets[1])
    return targets


def main(argv: list[str]) -> int:
    # the kernel inherits this environment: a headless backend such as MPLBACKEND=Agg would
    # leave the saved notebooks without their pictures
    os.environ.pop("MPLBACKEND", None)
    mode = argv[0] if argv and argv[0] in ("--check", "--todo") else None
    prefixes = argv[1:] if mode else argv
    sources = sorted(SRC.glob("[0-9]*.py"))
    if prefixes:
        sources = [s for s in sources if any(s.name.startswith(a) for a in prefixes)]
    if mode == "--todo":
        for src in sources:
            print(f"==== {src.stem}\n{todo(src)}")
        return 0
    failed = 0
    for src in sources:
        if mode == "--check":
            try:
                translate(parse_cells(src.read_text(encoding="utf-8")),
                          ZH_SRC / (src.stem + ".md"))
            except TranslationError as err:
                print(err)
                failed += 1
            continue
        print(f"building {src.name} ...", flush=True)
        for target in build(src):
            print(f"  wrote {target.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
