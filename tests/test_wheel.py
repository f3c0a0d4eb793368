"""What a teacher gets from ``pip install graphlab``: the built wheel, in a fresh venv.

One test builds the sdist and the wheel from this tree (``python -m build``: the wheel is built
from the sdist, as PyPI users get it), installs the wheel into a new virtual environment (only
the package registries are reached; the source tree is not on the path there), copies the
notebooks out with ``graphlab notebooks DIR``, executes the cheapest one in that venv's own
kernel, and draws a net with ``graphlab draw`` and ``graphlab-draw``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
#: The notebook executed in the fresh venv: the quickest to run (about 5 s here).
CHEAPEST = "01_workspace_blobs_operators.ipynb"


def _notebooks_in_tree() -> list[str]:
    """Every .ipynb under notebooks/ (any language folder), as posix paths relative to it."""
    found = sorted(p.relative_to(NOTEBOOKS).as_posix() for p in NOTEBOOKS.rglob("*.ipynb"))
    return [p for p in found if ".ipynb_checkpoints" not in p]


def _run(cmd: list[object], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True,
                          text=True)
    assert done.returncode == 0, (
        f"{' '.join(str(c) for c in cmd)} failed ({done.returncode}):\n"
        f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done.stdout


def test_wheel_in_a_fresh_venv_ships_and_copies_the_notebooks(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONNOUSERSITE"] = "1"

    # 1. sdist, then the wheel built from it
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "build", "--outdir", dist, ROOT], cwd=tmp_path, env=env)
    (wheel,) = dist.glob("graphlab-*.whl")
    (sdist,) = dist.glob("graphlab-*.tar.gz")
    expected = _notebooks_in_tree()
    assert CHEAPEST in expected
    with zipfile.ZipFile(wheel) as z:
        in_wheel = z.namelist()
    assert [n for n in in_wheel if n.startswith("graphlab/notebooks/")] == [
        f"graphlab/notebooks/{p}" for p in expected
    ], "the wheel must carry every notebook, and only the notebooks (not notebooks/src)"
    with tarfile.open(sdist) as t:
        in_sdist = t.getnames()
    top = sdist.name.removesuffix(".tar.gz")
    for p in expected:
        assert f"{top}/notebooks/{p}" in in_sdist

    # 2. a fresh venv with the wheel and just enough to run a notebook; pip is the one
    #    running these tests (``pip --python``), so the venv needs no pip of its own
    fresh = tmp_path / "fresh"
    venv.EnvBuilder(with_pip=False).create(fresh)
    bindir = fresh / ("Scripts" if os.name == "nt" else "bin")
    py = bindir / ("python.exe" if os.name == "nt" else "python")
    _run([sys.executable, "-m", "pip", "--python", py, "install", "-q",
          "--disable-pip-version-check", wheel, "ipykernel", "nbclient"], cwd=tmp_path, env=env)
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    where = _run([py, "-c", "import graphlab; print(graphlab.__file__)"], cwd=tmp_path, env=env)
    assert Path(where.strip()).resolve().is_relative_to(fresh.resolve()), where
    assert not Path(where.strip()).resolve().is_relative_to(ROOT)

    # 3. copy the notebooks out and read the instructions
    out = tmp_path / "my-notebooks"
    said = _run([bindir / "graphlab", "notebooks", out], cwd=tmp_path, env=env)
    assert f"jupyter lab {out}" in said
    copied = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.ipynb"))
    assert copied == expected
    for p in expected:
        assert (out / p).read_bytes() == (NOTEBOOKS / p).read_bytes()
    again = _run([bindir / "graphlab", "notebooks", out], cwd=tmp_path, env=env)
    assert "kept" in again and "copied" not in again  # a teacher's edits are never overwritten

    # 4. execute one in the fresh venv's kernel: it must run clean and draw its nets
    script = (
        "import sys, nbformat, nbclient\n"
        "nb = nbformat.read(sys.argv[1], as_version=4)\n"
        "nbclient.NotebookClient(nb, timeout=300, kernel_name='python3').execute()\n"
        "outs = [o for c in nb.cells if c.cell_type == 'code' for o in c.get('outputs', [])]\n"
        "assert not [o for o in outs if o.output_type == 'error'], 'error output'\n"
        "print(sum('image/png' in o.get('data', {}) for o in outs))\n"
    )
    images = _run([py, "-c", script, out / CHEAPEST], cwd=out, env=env)
    assert int(images.strip().splitlines()[-1]) > 0

    # 5. the drawer's command, both spellings
    net = tmp_path / "net.pbtxt"
    make_net = (
        "from graphlab import core\n"
        "net = core.Net('tiny')\n"
        "net.FC(['X', 'W', 'b'], 'Y')\n"
        f"open({str(net)!r}, 'w').write(str(net.Proto()))\n"
    )
    _run([py, "-c", make_net], cwd=tmp_path, env=env)
    _run([bindir / "graphlab", "draw", "--input", net, "--output_prefix", tmp_path / "a_"],
         cwd=tmp_path, env=env)
    _run([bindir / "graphlab-draw", "--input", net, "--output_prefix", tmp_path / "b_"],
         cwd=tmp_path, env=env)
    for prefix in ("a_", "b_"):
        assert (tmp_path / f"{prefix}tiny.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
