"""The notebooks as a learner meets them: built from their sources, in two languages, each
opening with its goals and ending with a way on, exercises with hidden solutions, and every
code cell safe to run twice in a row.

(The suite also executes every committed notebook top to bottom, through nbmake.)
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import build_notebooks as bn  # noqa: E402

SOURCES = sorted(bn.SRC.glob("[0-9]*.py"))
IDS = [s.stem for s in SOURCES]


def _cells(src: Path) -> list[nbformat.NotebookNode]:
    return bn.parse_cells(src.read_text(encoding="utf-8"))


def _same_cells(built: list[nbformat.NotebookNode], committed: nbformat.NotebookNode) -> None:
    assert [c.cell_type for c in committed.cells] == [c.cell_type for c in built]
    for i, (want, got) in enumerate(zip(built, committed.cells)):
        assert got.source == want.source, f"cell {i} differs from its source"
        assert got.metadata.get("jupyter") == want.metadata.get("jupyter"), f"cell {i} metadata"


@pytest.mark.parametrize("src", SOURCES, ids=IDS)
def test_committed_notebooks_are_built_from_their_sources(src: Path) -> None:
    """Edit notebooks/src/, then run tools/build_notebooks.py: the two never disagree."""
    cells = _cells(src)
    _same_cells(cells, nbformat.read(bn.OUT / (src.stem + ".ipynb"), as_version=4))
    zh = bn.translate(cells, bn.ZH_SRC / (src.stem + ".md"))
    _same_cells(zh, nbformat.read(bn.ZH_OUT / (src.stem + ".ipynb"), as_version=4))


@pytest.mark.parametrize("src", SOURCES, ids=IDS)
def test_the_chinese_edition_is_complete_and_keeps_the_code(src: Path) -> None:
    cells = _cells(src)
    zh = bn.translate(cells, bn.ZH_SRC / (src.stem + ".md"))  # raises on a gap or a stale cell
    for en_cell, zh_cell in zip(cells, zh):
        if en_cell.cell_type == "markdown":
            assert any("\u4e00" <= ch <= "\u9fff" for ch in zh_cell.source), en_cell.source[:60]
        else:  # the same code: only the comments are translated
            strip = [ln.split("#")[0].rstrip() for ln in en_cell.source.splitlines()]
            assert [ln.split("#")[0].rstrip() for ln in zh_cell.source.splitlines()] == strip


def test_a_changed_english_cell_makes_its_translation_stale(tmp_path: Path) -> None:
    src = SOURCES[0]
    cells = _cells(src)
    cells[0].source += "\nOne more sentence."
    with pytest.raises(bn.TranslationError, match="cell 0 .* has no translation"):
        bn.translate(cells, bn.ZH_SRC / (src.stem + ".md"))
    cells = _cells(src)
    code = next(c for c in cells if c.cell_type == "code" and "#" in c.source)
    code.source += "  # an untranslated comment"
    with pytest.raises(bn.TranslationError, match="comment not translated"):
        bn.translate(cells, bn.ZH_SRC / (src.stem + ".md"))


@pytest.mark.parametrize("src", SOURCES, ids=IDS)
def test_each_notebook_opens_with_goals_and_ends_with_a_way_on(src: Path) -> None:
    cells = _cells(src)
    first = cells[0].source
    for part in ("**You will learn**", "**You need**", "**Time:**"):
        assert part in first, f"{src.name}: the opening box lacks {part}"
    last_md = [c for c in cells if c.cell_type == "markdown"][-1].source
    if src != SOURCES[-1]:
        assert "**Next →**" in last_md
        target = last_md.split("**Next →**")[1].split("(")[1].split(")")[0]
        assert (bn.OUT / target).exists() or (bn.SRC / target.replace(".ipynb", ".py")).exists()


@pytest.mark.parametrize("src", SOURCES, ids=IDS)
def test_exercises_have_hints_and_hidden_solutions(src: Path) -> None:
    cells = _cells(src)
    solutions = [c for c in cells if "solution" in c.metadata.get("tags", [])]
    exercises = "".join(c.source for c in cells if c.cell_type == "markdown").count("<details>")
    if "## Exercises" not in "".join(c.source for c in cells if c.cell_type == "markdown"):
        return
    assert solutions, f"{src.name} has exercises but no solution cells"
    assert exercises >= len(solutions), "each solved exercise needs a hint"
    for cell in solutions:
        assert cell.metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}


@pytest.mark.parametrize("src", SOURCES, ids=IDS)
def test_every_code_cell_can_run_twice_in_a_row(src: Path) -> None:
    """A learner re-runs cells: running each one twice gives no error and no warning."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    for cell in _cells(src):
        if cell.cell_type == "code":
            nb.cells += [nbformat.v4.new_code_cell(cell.source),
                         nbformat.v4.new_code_cell(cell.source)]
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(bn.OUT)}}).execute()
    for i, cell in enumerate(nb.cells):
        for out in cell.outputs:
            text = out.get("text", "")
            assert out.output_type != "error", f"cell {i // 2}: {out.get('evalue')}"
            assert not (out.output_type == "stream" and out.name == "stderr"
                        and "Warning" in text), f"cell {i // 2} run {i % 2 + 1}: {text}"
