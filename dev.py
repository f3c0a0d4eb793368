#!/usr/bin/env python3
"""Set up graphlab in ./.venv and run something: ``python3 dev.py lab`` or ``python3 dev.py test``.

* ``lab``  — create the virtual environment if needed, install graphlab with the notebook
  extras, and open JupyterLab on ``notebooks/``.
* ``test`` — create the virtual environment if needed, install graphlab with the dev
  extras, then run ``ruff check`` and the whole pytest suite (notebooks included).

Needs only Python 3.10+ (no root, no system Graphviz): everything else comes from PyPI.
Extra arguments after ``test`` go to pytest; after ``lab`` to JupyterLab.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def _run(*cmd: object) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT)


def setup(extra: str) -> None:
    """Create .venv and install graphlab[extra] (skipped when nothing changed)."""
    if sys.version_info < (3, 10):  # noqa: UP036 - say so on an old Python
        sys.exit(f"graphlab needs Python 3.10 or newer; this is {sys.version.split()[0]}.")
    if not PY.exists():
        print(f"creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extra.encode()).hexdigest()
    stamp = VENV / f".graphlab-{extra}.stamp"
    if stamp.exists() and stamp.read_text() == digest:
        return
    _run(PY, "-m", "pip", "install", "--disable-pip-version-check", "-q", "--upgrade", "pip")
    _run(PY, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", f".[{extra}]")
    stamp.write_text(digest)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("lab", "test"):
        print(__doc__)
        return 2
    what, rest = argv[0], argv[1:]
    if what == "lab":
        setup("notebooks")
        lab = [str(PY), "-m", "jupyterlab", "--notebook-dir", str(ROOT / "notebooks"), *rest]
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # e.g. in a container
            lab.append("--allow-root")
        os.execv(str(PY), lab)
    setup("dev")
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED="0")
    print("+ ruff check .", flush=True)
    lint = subprocess.run([str(PY), "-m", "ruff", "check", "."], cwd=ROOT).returncode
    if lint:
        return lint
    print("+ pytest", " ".join(rest), flush=True)
    return subprocess.run([str(PY), "-m", "pytest", *rest], cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
