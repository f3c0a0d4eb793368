"""The notebooks as learners see them: JupyterLab in a real (headless) Chromium.

nbmake proves the notebooks execute; this proves JupyterLab *shows* them well. A module-wide
fixture copies every notebook (``notebooks/*.ipynb`` and any translation such as
``notebooks/zh/*.ipynb``) to a temporary folder, starts JupyterLab there on a free local port
with a random token, and drives Debian's Chromium with Playwright. For each notebook it
restarts the kernel, runs all cells, waits until every code cell has run and the kernel is
idle, and then checks what the page shows:

* no error and no stderr output;
* as many inline images as the committed ``.ipynb`` has (counted from its outputs, so the
  test follows the notebooks as they change);
* every **net drawing** displayed at no less than 0.6 of its natural width
  (``img.clientWidth / img.naturalWidth``), so its labels stay legible in a notebook column
  about 850 px wide (the legibility rule of docs/drawing.md). A drawing is an image output
  that is not a matplotlib figure;
* progress bars render as widgets (as many widget views drawn by ipywidgets as the committed
  outputs have, each with its bar, and no tqdm bar printed as text).

A screenshot of each notebook (at its first drawing, else where the run left it) and what
was measured (image sizes, seconds) are saved in ``test-artifacts/browser/`` (git-ignored).

Without Chromium or Playwright the tests are skipped with the command that installs them.
Playwright's own browser download is not used: Chromium comes from Debian's package.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: Chromium on a closed network: no background requests, no GPU, no sandbox (CI runs as root).
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
#: A 1280 px browser window with the file browser open: JupyterLab's output column is then
#: about 850 px wide (checked by
#: ``test_the_notebook_column_is_about_850_px_wide``), the width the legibility rule assumes.
VIEWPORT = {"width": 1280, "height": 1400}
MIN_SCALE = 0.6
RUN_TIMEOUT_S = 120  # one notebook; all of them take well under two minutes together
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
TEXT_PROGRESS_BAR = re.compile(r"\d+%\|")  # tqdm's text bar, e.g. " 40%|████      | 2/5"

if not os.path.exists(CHROMIUM):
    pytest.skip("no Chromium: install it with `sudo apt-get install -y chromium` (Debian)",
                allow_module_level=True)
try:
    from playwright.sync_api import Page, sync_playwright
except ImportError:
    pytest.skip("no Playwright: install it with `.venv/bin/pip install playwright` "
                "(python3 dev.py test installs the dev extra, which has it)",
                allow_module_level=True)
try:
    import jupyterlab  # noqa: F401
except ImportError:
    pytest.skip("no JupyterLab: python3 dev.py test installs the dev extra, which has it",
                allow_module_level=True)


def _notebooks() -> list[str]:
    found = sorted(p.relative_to(NOTEBOOKS).as_posix() for p in NOTEBOOKS.rglob("*.ipynb"))
    return [p for p in found if ".ipynb_checkpoints" not in p]


# ---- what the committed notebook says the page should show -------------------------------


@dataclass
class Expected:
    images: int            # inline PNG/JPEG outputs
    drawings: list[int]    # indices (among the images) of net drawings
    widgets: int           # widget views (progress bars)
    code_cells: int        # non-empty code cells, each of which must run


def expected_from_ipynb(path: Path) -> Expected:
    """Count what the committed outputs show: images, which are drawings, widget views."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    images, drawings, widgets, code_cells = 0, [], 0, 0
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        if "".join(cell["source"]).strip():
            code_cells += 1
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_MIME in data:
                widgets += 1
            elif "image/png" in data or "image/jpeg" in data:
                text = "".join(data.get("text/plain", ""))
                if not text.startswith("<Figure"):  # matplotlib's repr; anything else is a net
                    drawings.append(images)
                images += 1
    return Expected(images, drawings, widgets, code_cells)


# ---- JupyterLab and the browser -----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Lab:
    url: str
    token: str
    root: Path


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab on a copy of the notebooks, a free port, a random token, own settings."""
    base = tmp_path_factory.mktemp("lab")
    root = base / "notebooks"
    for rel in _notebooks():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(NOTEBOOKS / rel, root / rel)
    settings = base / "settings"
    for plugin, values in {
        # every cell in the DOM, so images below the fold are laid out and measurable
        "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
        # nothing to fetch from the internet, no pop-up asking
        "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                        "checkForUpdates": False},
    }.items():
        file = settings / f"{plugin}.jupyterlab-settings"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(values), encoding="utf-8")
    port, token = _free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # the kernel draws inline
    env["JUPYTER_CONFIG_DIR"] = str(base / "config")
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
           "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root}", f"--LabApp.user_settings_dir={settings}",
           f"--LabApp.workspaces_dir={base / 'workspaces'}", "--LabApp.expose_app_in_browser=True",
           "--ServerApp.port_retries=0"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = (base / "lab.log").open("w")
    server = subprocess.Popen(cmd, cwd=base, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start:\n"
                                + (base / "lab.log").read_text(errors="replace")[-3000:])
                time.sleep(0.3)
        yield Lab(url, token, root)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


# JavaScript run in the page (JupyterLab exposes its application as window.jupyterapp).
_OPENED_AND_IDLE = """(path) => {
  const nb = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const ctx = nb && nb.sessionContext;
  return !!(ctx && nb.context.path === path && ctx.session && ctx.session.kernel
            && ctx.session.kernel.status === 'idle');
}"""
_ALL_RAN = """(count) => {
  const nb = window.jupyterapp.shell.currentWidget;
  const ctx = nb.sessionContext;
  if (!ctx.session || !ctx.session.kernel || ctx.session.kernel.status !== 'idle') return false;
  const cells = nb.content.widgets.filter(
      c => c.model.type === 'code' && c.model.sharedModel.getSource().trim() !== '');
  if (cells.length !== count) return false;
  return cells.every(
      c => c.model.executionCount !== null && !c.promptNode.textContent.includes('*'));
}"""
_IMAGES_LOADED = """() => Array.from(
    window.jupyterapp.shell.currentWidget.node.querySelectorAll('.jp-OutputArea-output img'))
    .every(img => img.complete && img.naturalWidth > 0)"""
_MEASURE = """() => {
  const root = window.jupyterapp.shell.currentWidget.node;  // this notebook's panel only
  const out = (sel) => Array.from(root.querySelectorAll(sel));
  return {
    images: out('.jp-OutputArea-output img').map(img => ({
        client: img.clientWidth, natural: img.naturalWidth,
        column: img.closest('.jp-OutputArea-output').clientWidth})),
    stderr: out('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
        .map(e => e.innerText.slice(0, 500)),
    text: out('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"], '
              + '.jp-OutputArea-output[data-mime-type="text/plain"]').map(e => e.innerText),
    // a widget view is an output whose content ipywidgets drew (class jupyter-widgets)
    widgets: out('.jp-OutputArea-output').filter(
        e => e.querySelector(':scope > .jupyter-widgets') !== null).map(e => ({
        progress: e.querySelector('.widget-hprogress, .widget-progress, .progress-bar') !== null,
        text: e.innerText.slice(0, 200)})),
  };
}"""

_SCROLL_TO_IMAGE = """(k) => window.jupyterapp.shell.currentWidget.node
    .querySelectorAll('.jp-OutputArea-output img')[k].scrollIntoView({block: 'center'})"""
_CLOSE = """async () => {
  const nb = window.jupyterapp.shell.currentWidget;
  await nb.sessionContext.shutdown();
  nb.dispose();  // close the tab without asking to save: the copy is thrown away
}"""


@dataclass
class Seen:
    images: list[dict]
    stderr: list[str]
    text: list[str]
    widgets: list[dict]
    seconds: float


def run_in_browser(page: Page, lab: Lab, rel: str, expected: Expected) -> Seen:
    """Open a notebook, restart its kernel and run all cells as a learner would; measure."""
    start = time.monotonic()
    if "/lab" not in page.url:  # the first notebook loads JupyterLab; later ones reuse it
        page.goto(f"{lab.url}/lab/tree/{rel}?token={lab.token}")
    else:
        page.evaluate("(path) => { window.jupyterapp.commands.execute('docmanager:open', "
                      "{path}); }", rel)
    page.wait_for_function(_OPENED_AND_IDLE, arg=rel, timeout=60_000)
    # clear the committed outputs first, so everything measured comes from this run
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:restart-run-all'); }")
    page.locator(".jp-Dialog .jp-mod-accept").click(timeout=30_000)  # "Restart" (the kernel)
    page.wait_for_function(_ALL_RAN, arg=expected.code_cells, timeout=RUN_TIMEOUT_S * 1000,
                           polling=250)
    page.wait_for_function(_IMAGES_LOADED, timeout=30_000)
    seen = page.evaluate(_MEASURE)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if expected.drawings and len(seen["images"]) > expected.drawings[0]:
        page.evaluate(_SCROLL_TO_IMAGE, expected.drawings[0])
    stem = ARTIFACTS / rel.replace("/", "__")
    page.screenshot(path=f"{stem}.png")
    page.evaluate(_CLOSE)
    result = Seen(seen["images"], seen["stderr"], seen["text"], seen["widgets"],
                  time.monotonic() - start)
    Path(f"{stem}.json").write_text(json.dumps(
        {"seconds": round(result.seconds, 1), "images": result.images,
         "drawings": expected.drawings, "stderr": result.stderr, "widgets": result.widgets},
        indent=1), encoding="utf-8")
    return result


_results: dict[str, Seen] = {}


@pytest.fixture(scope="module")
def page(browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT)
    yield context.new_page()
    context.close()


def _seen(page: Page, lab: Lab, rel: str) -> tuple[Expected, Seen]:
    expected = expected_from_ipynb(NOTEBOOKS / rel)
    if rel not in _results:
        _results[rel] = run_in_browser(page, lab, rel, expected)
    return expected, _results[rel]


# ---- the checks -----------------------------------------------------------------------------


@pytest.mark.parametrize("rel", _notebooks())
def test_notebook_runs_clean_in_jupyterlab(page, lab, rel):
    expected, seen = _seen(page, lab, rel)
    assert len(seen.images) == expected.images, (
        f"{rel}: {len(seen.images)} inline images, the committed notebook has {expected.images}")
    bars = [t for t in seen.text + seen.stderr if TEXT_PROGRESS_BAR.search(t)]
    assert bars == [], f"{rel}: a progress bar printed as text instead of a widget: {bars}"
    assert len(seen.widgets) == expected.widgets, (
        f"{rel}: {len(seen.widgets)} widget views, the committed notebook has {expected.widgets}")
    assert seen.stderr == [], f"{rel}: error or stderr output in the browser: {seen.stderr}"
    assert all(w["progress"] for w in seen.widgets), (
        f"{rel}: widget views without a progress bar (not drawn by ipywidgets?): {seen.widgets}")


@pytest.mark.parametrize("rel", _notebooks())
def test_net_drawings_are_shown_at_legible_size(page, lab, rel):
    expected, seen = _seen(page, lab, rel)
    if len(seen.images) != expected.images:
        pytest.fail(f"{rel}: image count differs; see test_notebook_runs_clean_in_jupyterlab")
    small = []
    for k in expected.drawings:
        img = seen.images[k]
        scale = img["client"] / img["natural"]
        if scale < MIN_SCALE:
            small.append(f"drawing #{k} (image {k + 1} of {len(seen.images)}): shown "
                         f"{img['client']} px of {img['natural']} px = {scale:.3f}")
    assert small == [], (
        f"{rel}: net drawings below {MIN_SCALE} of their natural width (labels too small "
        f"to read) in a {VIEWPORT['width']} px window:\n  " + "\n  ".join(small))


def test_the_notebook_column_is_about_850_px_wide(page, lab):
    """The legibility rule assumes an ~850 px output column; check this window gives one."""
    rel = _notebooks()[0]
    _, seen = _seen(page, lab, rel)
    assert seen.images, f"{rel} shows no image to measure the column by"
    column = seen.images[0]["column"]
    assert 800 <= column <= 900, f"output column is {column} px wide"
