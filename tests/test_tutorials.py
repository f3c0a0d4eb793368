"""Caffe2 tutorial programs run under graphlab with only their import lines changed.

Each program below is written the way Caffe2's own tutorials were (the Basics notebook,
the 2017 toy regression the seed follows, and its 2018 ModelHelper/brew rewrite), with
``from caffe2.python import ...`` imports. :func:`port` rewrites *only* those import lines
to ``graphlab`` (and checks nothing else changed), the program is executed with its
printed output captured, and the tests compare what it printed with what Caffe2 printed:
protobuf text in field order, ``name: ""`` on every op, one ``arg { }`` block per keyword.

Randomness: the tutorials draw from NumPy and from filler ops; the tests fix both
(``np.random.seed`` and ``workspace.SetRandomSeed``) so every run is identical.
"""

from __future__ import annotations

import contextlib
import io
import re
import textwrap
from typing import Any

import numpy as np
import pytest

from graphlab import optimizer, workspace

# ---- running a Caffe2 program ---------------------------------------------------------------

_IMPORT = re.compile(r"^(?P<head>\s*(?:from|import) )caffe2\.python(?P<tail>[.\w]*\b)", re.M)


def port(source: str) -> str:
    """``from caffe2.python[.mod] import ...`` → ``from graphlab[.mod] import ...``; nothing else.

    Raises:
        AssertionError: the program mentions caffe2 anywhere but an import line.
    """
    ported = _IMPORT.sub(lambda m: f"{m['head']}graphlab{m['tail']}", source)
    changed = [
        (a, b) for a, b in zip(source.splitlines(), ported.splitlines(), strict=True) if a != b
    ]
    assert changed, "the program has no caffe2 import to change"
    for before, after in changed:
        assert re.match(r"\s*(from|import) caffe2\.python", before), before
        assert after == before.replace("caffe2.python", "graphlab", 1)
    assert "caffe2" not in ported, "caffe2 is used outside an import line"
    return ported


def run_program(source: str, name: str) -> tuple[dict[str, Any], str]:
    """Port ``source``, execute it, and return its namespace and everything it printed."""
    code = compile(port(textwrap.dedent(source)), f"<{name}>", "exec")
    namespace: dict[str, Any] = {"__name__": name}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code, namespace)  # noqa: S102 - running the tutorial is the point
    return namespace, out.getvalue()


def section(printed: str, title: str) -> str:
    """The text a program printed after the line ``== title ==`` up to the next header."""
    parts = re.split(r"^== (.+) ==\n", printed, flags=re.M)
    sections = dict(zip(parts[1::2], parts[2::2], strict=True))
    return sections[title]


def proto_text(text: str) -> str:
    """Dedent a hand-written protobuf printout (Caffe2 ends each message with a newline)."""
    return textwrap.dedent(text).lstrip("\n")


@pytest.fixture(autouse=True)
def _deterministic():
    np.random.seed(1234)
    workspace.SetRandomSeed(2018)
    optimizer.reset_optimizer_instance_count()
    yield


def test_port_changes_only_import_lines():
    src = "from caffe2.python import core\nfrom caffe2.python.brew import fc\nx = 1\n"
    assert port(src) == "from graphlab import core\nfrom graphlab.brew import fc\nx = 1\n"
    with pytest.raises(AssertionError):
        port("from caffe2.python import core\nprint('caffe2')\n")


# ---- 1. the Basics tutorial ------------------------------------------------------------------

BASICS = '''
import time

import numpy as np
from caffe2.python import core, workspace

print("== empty ==")
print("Blobs: {}".format(workspace.Blobs()))
print("Has X: {}".format(workspace.HasBlob("X")))

X = np.random.randn(2, 3).astype(np.float32)
print("== feed ==")
print(workspace.FeedBlob("X", X))
print("Blobs: {}".format(workspace.Blobs()))
print("Has X: {}".format(workspace.HasBlob("X")))
np.testing.assert_array_equal(X, workspace.FetchBlob("X"))

print("== missing ==")
try:
    workspace.FetchBlob("invincible_pink_unicorn")
except RuntimeError as err:
    print(err)

print("== workspaces ==")
print("Current workspace: {}".format(workspace.CurrentWorkspace()))
print("Blobs: {}".format(workspace.Blobs()))
workspace.SwitchWorkspace("gutentag", True)
print("Current workspace: {}".format(workspace.CurrentWorkspace()))
print("Blobs: {}".format(workspace.Blobs()))
workspace.SwitchWorkspace("default")
print("Current workspace: {}".format(workspace.CurrentWorkspace()))
print("Blobs: {}".format(workspace.Blobs()))
print(workspace.ResetWorkspace())

print("== relu op ==")
op = core.CreateOperator(
    "Relu",  # operator type
    ["X"],   # input blob names
    ["Y"],   # output blob names
)
print(str(op))
workspace.FeedBlob("X", np.random.randn(2, 3).astype(np.float32))
print(workspace.RunOperatorOnce(op))
relu_blobs = workspace.Blobs()
relu_x = workspace.FetchBlob("X")
relu_y = workspace.FetchBlob("Y")

print("== gaussian op ==")
op = core.CreateOperator(
    "GaussianFill",
    [],
    ["Z"],
    shape=[100, 100],
    mean=1.0,
    std=1.0,
)
print(str(op))
workspace.RunOperatorOnce(op)
Z = workspace.FetchBlob("Z")

print("== fresh net ==")
net = core.Net("my_first_net")
print(net.Proto())

print("== X added ==")
X = net.GaussianFill([], ["X"], mean=0.0, std=1.0, shape=[2, 3], run_once=0)
print(net.Proto())
print("Type of X: {}".format(type(X)))
print("Blob name: {}".format(str(X)))

W = net.GaussianFill([], ["W"], mean=0.0, std=1.0, shape=[5, 3], run_once=0)
b = net.ConstantFill([], ["b"], shape=[5,], value=1.0, run_once=0)
Y = X.FC([W, b], ["Y"])
print("== full net ==")
print(net.Proto())

from caffe2.python import net_drawer
from IPython import display
graph = net_drawer.GetPydotGraph(net, rankdir="LR")
picture = display.Image(graph.create_png(), width=800)

print("== run once ==")
workspace.ResetWorkspace()
print("Blobs: {}".format(workspace.Blobs()))
workspace.RunNetOnce(net)
print("Blobs: {}".format(workspace.Blobs()))
once = {}
for name in workspace.Blobs():
    once[name] = workspace.FetchBlob(name)

print("== create and run ==")
workspace.ResetWorkspace()
print("Blobs: {}".format(workspace.Blobs()))
workspace.CreateNet(net)
workspace.RunNet(net.Proto().name)
print("Blobs: {}".format(workspace.Blobs()))
created = {}
for name in workspace.Blobs():
    created[name] = workspace.FetchBlob(name)

print("== timing ==")
start = time.time()
for i in range(200):
    workspace.RunNetOnce(net)
per_run_once = (time.time() - start) / 200
start = time.time()
for i in range(200):
    workspace.RunNet(net.Proto().name)
per_run = (time.time() - start) / 200
print("RunNetOnce: {}".format(per_run_once))
print("RunNet: {}".format(per_run))
X_after_timing = workspace.FetchBlob("X")
'''

#: What Caffe2 printed for the two CreateOperator calls (Python 3.7+: arguments in call order).
RELU_OP = '''
    input: "X"
    output: "Y"
    name: ""
    type: "Relu"
'''
GAUSSIAN_OP = '''
    output: "Z"
    name: ""
    type: "GaussianFill"
    arg {
      name: "shape"
      ints: 100
      ints: 100
    }
    arg {
      name: "mean"
      f: 1.0
    }
    arg {
      name: "std"
      f: 1.0
    }
'''
FILL_OPS = '''
    op {
      output: "X"
      name: ""
      type: "GaussianFill"
      arg {
        name: "mean"
        f: 0.0
      }
      arg {
        name: "std"
        f: 1.0
      }
      arg {
        name: "shape"
        ints: 2
        ints: 3
      }
      arg {
        name: "run_once"
        i: 0
      }
    }
'''
MORE_OPS = '''
    op {
      output: "W"
      name: ""
      type: "GaussianFill"
      arg {
        name: "mean"
        f: 0.0
      }
      arg {
        name: "std"
        f: 1.0
      }
      arg {
        name: "shape"
        ints: 5
        ints: 3
      }
      arg {
        name: "run_once"
        i: 0
      }
    }
    op {
      output: "b"
      name: ""
      type: "ConstantFill"
      arg {
        name: "shape"
        ints: 5
      }
      arg {
        name: "value"
        f: 1.0
      }
      arg {
        name: "run_once"
        i: 0
      }
    }
    op {
      input: "X"
      input: "W"
      input: "b"
      output: "Y"
      name: ""
      type: "FC"
    }
'''


@pytest.fixture(scope="module")
def basics() -> tuple[dict[str, Any], str]:
    """The Basics program, run once for all the tests that read its output."""
    workspace.SwitchWorkspace("default")
    workspace.ResetWorkspace()
    np.random.seed(1234)
    workspace.SetRandomSeed(2018)
    ns, printed = run_program(BASICS, "basics")
    yield ns, printed
    workspace.SwitchWorkspace("default")


def test_basics_workspace_part(basics):
    ns, printed = basics
    assert section(printed, "empty") == "Blobs: []\nHas X: False\n"
    assert section(printed, "feed") == "True\nBlobs: ['X']\nHas X: True\n"
    message = section(printed, "missing")
    assert "invincible_pink_unicorn" in message and "Can't find blob" in message
    assert section(printed, "workspaces") == (
        "Current workspace: default\nBlobs: ['X']\n"
        "Current workspace: gutentag\nBlobs: []\n"
        "Current workspace: default\nBlobs: ['X']\n"
        "True\n"
    )


def test_basics_operators_print_and_run_like_caffe2(basics):
    ns, printed = basics
    # print(str(op)) shows the message and then print's own newline: a blank line follows
    assert section(printed, "relu op") == proto_text(RELU_OP) + "\nTrue\n"
    assert ns["relu_blobs"] == ["X", "Y"]
    np.testing.assert_array_equal(ns["relu_y"], np.maximum(ns["relu_x"], 0))
    assert section(printed, "gaussian op") == proto_text(GAUSSIAN_OP) + "\n"
    Z = ns["Z"]
    assert Z.shape == (100, 100) and Z.dtype == np.float32
    assert abs(Z.mean() - 1.0) < 0.05 and abs(Z.std() - 1.0) < 0.05


def test_basics_net_prints_like_caffe2(basics):
    ns, printed = basics
    name = ns["net"].Proto().name
    # "my_first_net" in a fresh process; another test may have used the name first, and
    # then the net is my_first_net_1, ... (as in Caffe2: names are unique per process).
    assert re.fullmatch(r"my_first_net(_\d+)?", name)
    header = f'name: "{name}"\n'
    assert section(printed, "fresh net") == header + "\n"
    assert section(printed, "X added") == (
        header + proto_text(FILL_OPS) + "\n"
        "Type of X: <class 'graphlab.core.BlobReference'>\nBlob name: X\n"
    )
    full = header + proto_text(FILL_OPS) + proto_text(MORE_OPS) + "\n"
    assert section(printed, "full net") == full
    # fillers only: no inputs come from outside the net, so no external_input lines
    assert ns["net"].Proto().external_input == []


def test_basics_net_draws_and_runs_both_ways(basics):
    ns, printed = basics
    assert ns["picture"].data[:8] == b"\x89PNG\r\n\x1a\n"
    labels = sorted(n.get_label() for n in ns["graph"].get_nodes())
    assert '"FC (op#3)"' in labels and '"GaussianFill (op#0)"' in labels
    blobs = "Blobs: []\nBlobs: ['W', 'X', 'Y', 'b']\n"
    assert section(printed, "run once") == blobs
    assert section(printed, "create and run") == blobs
    for run in (ns["once"], ns["created"]):
        assert run["X"].shape == (2, 3) and run["W"].shape == (5, 3)
        np.testing.assert_array_equal(run["b"], np.ones(5, np.float32))
        np.testing.assert_allclose(run["Y"], run["X"] @ run["W"].T + run["b"], rtol=1e-5)
    # run_once=0: the created net's fillers drew new numbers on every one of the timed runs
    assert not np.array_equal(ns["created"]["X"], ns["X_after_timing"])
    timing = section(printed, "timing").splitlines()
    assert [t.split(":")[0] for t in timing] == ["RunNetOnce", "RunNet"]
    assert all(float(t.split(": ")[1]) > 0 for t in timing)
