#!/usr/bin/env python3
"""Set up graphlab in ./.venv and run something: ``python3 dev.py lab`` or ``python3 dev.py test``.

* ``lab``  — create the virtual environment if needed, install graphlab with the notebook
  extras, and open JupyterLab on ``notebooks/``.
* ``test`` — create the virtual environment if needed, install graphlab with the dev
  extras, then run ``ruff check`` and the whole pytest suite (notebooks included).
* ``oracle`` — build ``./.caffe2-venv``: real Caffe2 (the CPU build inside the PyTorch 1.4.0
  wheel for CPython 3.7), which the fidelity tests compare graphlab against. It needs a
  Python 3.7 (on PATH as ``python3.7`` or installed by pyenv); without it those tests are
  reported as skipped.
* ``floor`` — build ``./.venv-floor`` with the *lowest* NumPy that pyproject.toml declares
  (``numpy>=X.Y`` → ``numpy==X.Y.*``) and run the test suite there (notebooks excluded), so
  the declared floor is a tested fact, not a guess. CI runs it.

Needs only Python 3.10+ (no root, no system Graphviz): everything else comes from PyPI.
Extra arguments after ``test`` go to pytest; after ``lab`` to JupyterLab.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
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


ORACLE = ROOT / ".caffe2-venv"
ORACLE_PACKAGES = ["torch==1.4.0", "numpy<1.20", "protobuf<3.21", "future", "six", "pydot"]


def _python37() -> str | None:
    """A Python 3.7 that actually runs: python3.7 on PATH, else one that pyenv installed."""
    candidates = [shutil.which("python3.7") or ""]
    try:
        pyenv_root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout
    except OSError:
        pyenv_root = ""
    for root in (pyenv_root.strip(), os.path.expanduser("~/.pyenv")):
        if root:
            pattern = os.path.join(root, "versions", "3.7.*", "bin", "python")
            candidates += sorted(glob.glob(pattern))
    for exe in candidates:
        if not exe:
            continue
        probe = subprocess.run([exe, "-c", "import sys; print(sys.version_info[:2])"],
                               capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == "(3, 7)":
            return exe
    return None


def oracle() -> int:
    """Build ./.caffe2-venv with real Caffe2 (skipped when it already imports)."""
    py = ORACLE / "bin" / "python"
    check = [str(py), "-c", "from caffe2.python import core, workspace"]
    if py.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        print(f"real Caffe2 is ready in {ORACLE}")
        return 0
    exe = _python37()
    if exe is None:
        print("no Python 3.7 found (python3.7 on PATH or pyenv's versions/3.7.*): "
              "the fidelity tests will be skipped", flush=True)
        return 1
    _run(exe, "-m", "venv", "--clear", ORACLE)
    _run(py, "-m", "pip", "install", "--disable-pip-version-check", "-q", *ORACLE_PACKAGES)
    return subprocess.run(check).returncode


FLOOR_VENV = ROOT / ".venv-floor"


def numpy_floor() -> str:
    """The X.Y in pyproject.toml's ``numpy>=X.Y`` requirement."""
    for line in (ROOT / "pyproject.toml").read_text().splitlines():
        line = line.strip().strip(",").strip('"')
        if line.startswith("numpy>="):
            return line.removeprefix("numpy>=")
    raise SystemExit("pyproject.toml declares no numpy>= requirement")


def floor(rest: list[str]) -> int:
    """Run the tests (no notebooks) against the lowest NumPy the package declares."""
    low = numpy_floor()
    py = FLOOR_VENV / "bin" / "python"
    if not py.exists():
        venv.EnvBuilder(with_pip=True).create(FLOOR_VENV)
    _run(py, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", ".[dev]",
         f"numpy=={low}.*")
    version = subprocess.run([str(py), "-c", "import numpy; print(numpy.__version__)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    print(f"+ pytest with NumPy {version} (the declared floor numpy>={low})", flush=True)
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED="0")
    cmd = [str(py), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
           "tests", *rest]
    return subprocess.run(cmd, cwd=ROOT, env=env).returncode


def main(argv: list[str]) -> int:
    if argv and argv[0] == "oracle":
        return oracle()
    if argv and argv[0] == "floor":
        return floor(argv[1:])
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
