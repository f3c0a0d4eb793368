"""Run a program in real Caffe2 and bring its results back, for the fidelity tests.

Real Caffe2 lives in the PyTorch 1.4.0 wheel for CPython 3.7. ``python3 dev.py oracle``
builds it into ``./.caffe2-venv``; the environment variable ``GRAPHLAB_CAFFE2_PYTHON`` may
name another interpreter that has it. Tests that need it use :data:`requires_caffe2`, so
they are reported as skipped (with the command that fixes that) when it is missing.

The program runs in its own process. It finds its inputs in a dict ``INPUTS`` (arrays, from
an .npz file) and ``PARAMS`` (anything JSON can carry), and puts what it wants back into a
dict ``OUTPUTS``: NumPy arrays travel as .npz, every other value as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
ORACLE_ENV = "GRAPHLAB_CAFFE2_PYTHON"
HOW_TO_GET_IT = "real Caffe2 not found: run `python3 dev.py oracle` (needs a Python 3.7)"

_PRELUDE = '''
import json, sys
import numpy as np
_dir = sys.argv[1]
with np.load(_dir + "/inputs.npz", allow_pickle=False) as _f:
    INPUTS = {k: _f[k] for k in _f.files}
with open(_dir + "/params.json") as _f:
    PARAMS = json.load(_f)
OUTPUTS = {}
'''

_EPILOGUE = '''
_arrays = {k: np.asarray(v) for k, v in OUTPUTS.items() if isinstance(v, np.ndarray)}
_other = {k: v for k, v in OUTPUTS.items() if not isinstance(v, np.ndarray)}
np.savez(_dir + "/outputs.npz", **_arrays)
with open(_dir + "/outputs.json", "w") as _f:
    json.dump(_other, _f)
'''


@cache
def oracle_python() -> str | None:
    """The interpreter that has real Caffe2, or None when there is none."""
    named = os.environ.get(ORACLE_ENV)
    candidates = [named] if named else [str(ROOT / ".caffe2-venv" / "bin" / "python")]
    for exe in candidates:
        if not Path(exe).exists():
            continue
        probe = subprocess.run([exe, "-c", "from caffe2.python import core, workspace"],
                               capture_output=True, timeout=120)
        if probe.returncode == 0:
            return exe
    return None


requires_caffe2 = pytest.mark.skipif(oracle_python() is None, reason=HOW_TO_GET_IT)


class Caffe2Error(RuntimeError):
    """The program failed in its process (real Caffe2's, or graphlab's in
    :func:`run_graphlab`); the message holds its stderr."""


def run_caffe2(program: str, inputs: dict[str, np.ndarray] | None = None,
               params: Any = None, timeout: float = 300) -> dict[str, Any]:
    """Run ``program`` under real Caffe2 and return its ``OUTPUTS`` dict.

    Raises:
        Caffe2Error: the program raised (or Caffe2 aborted) in the other process.
    """
    exe = oracle_python()
    if exe is None:
        pytest.skip(HOW_TO_GET_IT)
    return run_in_process(exe, program, inputs, params, timeout)


def run_graphlab(program: str, inputs: dict[str, np.ndarray] | None = None,
                 params: Any = None, timeout: float = 300) -> dict[str, Any]:
    """Run ``program`` with graphlab in a fresh process of this interpreter, the same way.

    A fresh process starts from the same state as the Caffe2 one (no nets named yet, no
    optimizer counted), so the names both give can be compared.
    """
    return run_in_process(sys.executable, program, inputs, params, timeout, src=ROOT)


def run_in_process(exe: str, program: str, inputs: dict[str, np.ndarray] | None = None,
                   params: Any = None, timeout: float = 300,
                   src: Path | None = None) -> dict[str, Any]:
    """Run ``program`` with interpreter ``exe`` in its own process; return its ``OUTPUTS``.

    ``src`` is put first on the module path (for graphlab from this checkout).

    Raises:
        Caffe2Error: the program raised (or the process aborted).
    """
    with tempfile.TemporaryDirectory(prefix="caffe2-oracle-") as tmp:
        np.savez(os.path.join(tmp, "inputs.npz"), **(inputs or {}))
        with open(os.path.join(tmp, "params.json"), "w") as f:
            json.dump(params, f)
        script = os.path.join(tmp, "program.py")
        with open(script, "w") as f:
            f.write(_PRELUDE + textwrap.dedent(program) + _EPILOGUE)
        # PYTHONHASHSEED: Caffe2's gradient builder orders the Sum ops that accumulate
        # one gradient op's outputs by set iteration order, which varies from process to
        # process with string hashing (docs/caffe2-compatibility.md); fixed, runs repeat.
        env = dict(os.environ, GLOG_minloglevel="2", PYTHONWARNINGS="ignore",
                   MPLBACKEND="Agg", PYTHONHASHSEED="0")
        if src is not None:
            env["PYTHONPATH"] = os.pathsep.join([str(src), env.get("PYTHONPATH", "")])
        done = subprocess.run([exe, script, tmp], capture_output=True, text=True,
                              timeout=timeout, env=env, cwd=tmp)
        if done.returncode != 0:
            raise Caffe2Error(
                f"the program failed (exit {done.returncode}):\n{done.stderr[-4000:]}")
        with np.load(os.path.join(tmp, "outputs.npz"), allow_pickle=False) as f:
            result: dict[str, Any] = {k: f[k] for k in f.files}
        with open(os.path.join(tmp, "outputs.json")) as f:
            result.update(json.load(f))
    return result
