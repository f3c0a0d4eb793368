"""The ``graphlab`` command: ``graphlab notebooks DIR`` and ``graphlab draw ...``.

* ``graphlab notebooks DIR`` copies the teaching notebooks (every ``.ipynb``, English and
  any translations such as ``zh/``) into ``DIR`` and prints how to open them. The notebooks
  travel inside the wheel as package data (``graphlab/notebooks/``); in a clone they are read
  from the repository's ``notebooks/`` folder instead.
* ``graphlab draw ...`` is the net drawer's command line, the same as ``graphlab-draw ...``
  (see :mod:`graphlab.draw_cli`).

Files that already exist in ``DIR`` are left alone (a teacher may have edited them) unless
``--force`` is given.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from . import __version__, draw_cli

__all__ = ["copy_notebooks", "main", "notebooks_source"]

_PACKAGE_DIR = Path(__file__).resolve().parent


def notebooks_source() -> Path:
    """The folder the notebooks are copied from.

    An installed wheel carries them in ``graphlab/notebooks/``; a clone (or an editable
    install) has them in the repository's ``notebooks/`` beside the package.
    """
    packaged = Path(str(resources.files("graphlab") / "notebooks"))
    if packaged.is_dir():
        return packaged
    in_clone = _PACKAGE_DIR.parent / "notebooks"
    if in_clone.is_dir():
        return in_clone
    raise FileNotFoundError(
        f"no notebooks found: neither {packaged} (an installed wheel) nor {in_clone} "
        "(a clone) exists. Reinstall graphlab from a wheel or a clone."
    )


def _notebook_files(source: Path) -> list[Path]:
    """Every ``.ipynb`` under ``source`` (relative paths, sorted), checkpoints left out."""
    found = sorted(p.relative_to(source) for p in source.rglob("*.ipynb"))
    return [p for p in found if ".ipynb_checkpoints" not in p.parts]


def copy_notebooks(dest: str | Path, force: bool = False) -> tuple[list[Path], list[Path]]:
    """Copy the notebooks into ``dest`` (created if missing), keeping sub-folders (``zh/``).

    Returns ``(copied, skipped)``: destination paths written, and those left alone because
    they already existed (pass ``force=True`` to overwrite them).
    """
    source = notebooks_source()
    dest = Path(dest).expanduser()
    copied: list[Path] = []
    skipped: list[Path] = []
    for rel in _notebook_files(source):
        target = dest / rel
        if target.exists() and not force:
            skipped.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / rel, target)
        copied.append(target)
    return copied, skipped


def _notebooks_command(args: argparse.Namespace) -> int:
    try:
        copied, skipped = copy_notebooks(args.dir, force=args.force)
    except FileNotFoundError as e:
        print(e, file=sys.stderr)
        return 1
    dest = Path(args.dir).expanduser()
    for path in copied:
        print(f"copied  {path}")
    for path in skipped:
        print(f"kept    {path} (it exists; --force overwrites it)")
    if not copied and not skipped:
        print("no notebooks to copy", file=sys.stderr)
        return 1
    print()
    print("Open them in JupyterLab (if it is not installed yet: pip install jupyterlab "
          "ipywidgets, or install graphlab with its [notebooks] extra):")
    print(f"    jupyter lab {dest}")
    print("Start with 01_workspace_blobs_operators.ipynb; zh/ (when present) holds the Chinese "
          "edition.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``graphlab notebooks DIR [--force]`` or ``graphlab draw --input net.pbtxt ...``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # ``draw`` hands every remaining argument to the drawer's own parser unchanged.
    if argv[:1] == ["draw"]:
        return draw_cli.main(argv[1:], prog="graphlab draw")
    parser = argparse.ArgumentParser(
        prog="graphlab",
        description="graphlab: how a deep-learning framework works from the inside.",
    )
    parser.add_argument("--version", action="version", version=f"graphlab {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    nb = sub.add_parser("notebooks", help="copy the teaching notebooks into a folder")
    nb.add_argument("dir", help="folder to copy them into (created if missing)")
    nb.add_argument("--force", action="store_true", help="overwrite notebooks already there")
    sub.add_parser("draw", help="draw a net saved as protobuf text (graphlab draw --help)",
                   add_help=False)
    args = parser.parse_args(argv)
    return _notebooks_command(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
