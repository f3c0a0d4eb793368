"""Tests for graphlab.net_drawer (DOT text, versioned blobs, styles, Jupyter) with the
renderer (graphlab.render) and the command line (graphlab.draw_cli) it uses."""

from __future__ import annotations

import copy
import os
import pickle
import re
import struct
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from seed_nets import STAGES as SEED_STAGES
from seed_nets import TRAIN_OPS as SEED_TRAIN_OPS
from seed_nets import seed_nets

from graphlab import core, draw_cli, net_drawer, render, workspace
from graphlab.proto import NetDef, OperatorDef
from graphlab.registry import has_op

PNG = b"\x89PNG\r\n\x1a\n"


def op(type_: str, inputs: list[str], outputs: list[str], **kw) -> OperatorDef:
    return OperatorDef(input=list(inputs), output=list(outputs), type=type_, **kw)


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG)
    return struct.unpack(">II", data[16:24])


def svg_node_titles(svg: bytes) -> list[str]:
    """The <title> of every node group in graphviz SVG output."""
    text = svg.decode("utf-8")
    return re.findall(r'<g id="node\d+" class="node">\s*<title>(.*?)</title>', text)


# ---- the seed's train net, hand-written OperatorDefs (caffe2-semantics.md §5.7) ----------

# Plain OperatorDefs (no op registry involved) from the hand-written listing; ops 9-11 are
# the gradient kernels' ops (is_gradient_op), the loss seed's ConstantFill (op 8) is not.
SEED_DEFS = [op(t, i, o, is_gradient_op=k in range(9, 12))
             for k, (t, i, o) in enumerate(SEED_TRAIN_OPS)]
FORWARD, GRADIENTS, UPDATES = SEED_DEFS[:8], SEED_DEFS[8:12], SEED_DEFS[12:]
# (ops, expected node count, expected edge count) at the seed's three drawing stages
STAGES = {
    "forward": (FORWARD, 8 + 12, 20),
    "gradients": (FORWARD + GRADIENTS, 12 + 19, 20 + 16),
    "updates": (FORWARD + GRADIENTS + UPDATES, 16 + 25, 20 + 16 + 14),
}


# ---- DOT text -----------------------------------------------------------------------------


def test_exact_dot_with_in_place_versions_and_duplicate_inputs():
    ops = [
        op("FC", ["X", "W", "b"], ["Y"]),
        op("Relu", ["Y"], ["Y"]),
        op("Add", ["Y", "Y"], ["S"], name="double"),
    ]
    graph = net_drawer.GetPydotGraph(ops, "tiny")
    box = 'shape=box, color="#0F9D58", style=filled, fontcolor="#FFFFFF"'
    expected = "\n".join([
        'digraph "tiny" {',
        "rankdir=LR;",
        f'"FC (op#0)" [label="FC (op#0)", {box}];',
        '"X0" [label="X", shape=octagon];',
        '"X0" -> "FC (op#0)";',
        '"W0" [label="W", shape=octagon];',
        '"W0" -> "FC (op#0)";',
        '"b0" [label="b", shape=octagon];',
        '"b0" -> "FC (op#0)";',
        '"Y0" [label="Y", shape=octagon];',
        '"FC (op#0)" -> "Y0";',
        f'"Relu (op#1)" [label="Relu (op#1)", {box}];',
        '"Y0" -> "Relu (op#1)";',
        '"Y1" [label="Y", shape=octagon];',
        '"Relu (op#1)" -> "Y1";',
        f'"double/Add (op#2)" [label="double/Add (op#2)", {box}];',
        '"Y1" -> "double/Add (op#2)";',
        '"Y1" -> "double/Add (op#2)";',
        '"S0" [label="S", shape=octagon];',
        '"double/Add (op#2)" -> "S0";',
        "}",
        "",
    ])
    assert graph.to_string() == expected


def test_seed_call_gives_caffe2_node_ids():
    ops = FORWARD + GRADIENTS + UPDATES
    graph = net_drawer.GetPydotGraph(ops, "train", rankdir="LR")
    names = [n.get_name() for n in graph.get_node_list()]
    for versioned in ('"W0"', '"W1"', '"B0"', '"B1"', '"ITER0"', '"ITER1"', '"Y_noise0"',
                      '"Y_noise1"'):
        assert versioned in names
    assert '"W2"' not in names and '"X1"' not in names
    ops_labels = [n for n in names if "(op#" in n]
    assert ops_labels[0] == '"GaussianFill (op#0)"' and ops_labels[-1] == '"WeightedSum (op#15)"'
    # the later FC reads the *new* Y_noise node, the FCGradient reads the first W
    edges = [(e.get_source(), e.get_destination()) for e in graph.get_edge_list()]
    assert ('"Y_noise1"', '"SquaredL2Distance (op#6)"') in edges
    assert ('"W0"', '"FCGradient (op#11)"') in edges
    assert ('"WeightedSum (op#14)"', '"W1"') in edges


AWKWARD = ["a/b:c", "two words (x)", 'say "hi"', "Ünïcødé_λ", "back\\slash", "node", "1:2"]


def test_awkward_names_are_escaped_in_dot():
    ops = [op("Copy", [name], [name + "_out"]) for name in AWKWARD]
    text = net_drawer.GetPydotGraph(ops, "weird net/1").to_string()
    assert text.startswith('digraph "weird net/1" {')
    assert '"a/b:c0" [label="a/b:c", shape=octagon];' in text
    assert '"say \\"hi\\"0" [label="say \\"hi\\"", shape=octagon];' in text
    assert '"Ünïcødé_λ0" [label="Ünïcødé_λ", shape=octagon];' in text  # UTF-8, not \u escapes
    assert '"back\\\\slash0" [label="back\\\\slash", shape=octagon];' in text
    assert '"node0" [label="node", shape=octagon];' in text


def test_awkward_names_render_as_written():
    ops = [op("Copy", [name], [name + "_out"]) for name in AWKWARD]
    graph = net_drawer.GetPydotGraph(ops)
    svg = graph.create_svg()
    titles = svg_node_titles(svg)
    assert len(titles) == 3 * len(AWKWARD)
    text = svg.decode("utf-8")
    for label in ["a/b:c", "two words (x)", "say &quot;hi&quot;", "Ünïcødé_λ", "back\\slash",
                  "1:2"]:
        assert f">{label}</text>" in text, label


def test_append_output_and_custom_node_producer():
    ops = [op("FC", ["X", "W", "b"], ["Y"]), op("Relu", ["Y"], ["Z"])]
    text = net_drawer.GetPydotGraph(ops, append_output=True).to_string()
    assert '"FC (op#0)\\nY" [label="FC (op#0)\\nY"' in text
    producer = net_drawer.GetOpNodeProducer(False, shape="ellipse")
    text = net_drawer.GetPydotGraph(ops, op_node_producer=producer).to_string()
    assert '"Relu (op#1)" [label="Relu (op#1)", shape=ellipse];' in text


def test_accepts_net_netdef_proto_holder_and_op_list():
    net = core.Net("drawme")
    net.Relu(["X"], ["Y"])
    name = net.Name()
    assert net_drawer.GetPydotGraph(net).net_name == name
    assert net_drawer.GetPydotGraph(net.Proto()).net_name == name
    assert net_drawer.GetPydotGraph(net.Proto().op).net_name == "unnamed"
    assert net_drawer.GetPydotGraph(net.Proto().op, "given").net_name == "given"
    holder = types.SimpleNamespace(Proto=lambda: net.Proto())
    assert net_drawer.GetPydotGraphMinimal(holder).net_name == name
    assert net_drawer.GetPydotGraph(net).to_string() == net_drawer.GetPydotGraph(
        net.Proto().op, name).to_string()


def test_bad_inputs_give_clear_errors():
    with pytest.raises(RuntimeError, match="Expecting NetDef, but got dict"):
        net_drawer.GetPydotGraph(types.SimpleNamespace(Proto=lambda: {}))
    with pytest.raises(TypeError, match="Element 1 of the op list is a str"):
        net_drawer.GetPydotGraph([op("Relu", ["X"], ["Y"]), "Relu"])
    with pytest.raises(TypeError, match="core.Net, a NetDef"):
        net_drawer.GetPydotGraph("train")
    with pytest.raises(ValueError, match="style='fancy'"):
        net_drawer.GetPydotGraph([], style="fancy")


# ---- minimal graphs -----------------------------------------------------------------------


def _edges(graph) -> list[tuple[str, str]]:
    return [(e.get_source(), e.get_destination()) for e in graph.get_edge_list()]


def test_minimal_graph_edges_and_transitive_reduction():
    ops = [
        op("A", ["in"], ["x"]),
        op("B", ["x"], ["y"]),
        op("C", ["x", "y", "y"], ["z"]),
    ]
    full = net_drawer.GetPydotGraphMinimal(ops)
    assert [n.get_name() for n in full.get_node_list()] == ['"A (op#0)"', '"B (op#1)"',
                                                            '"C (op#2)"']
    assert _edges(full) == [
        ('"A (op#0)"', '"B (op#1)"'),
        ('"A (op#0)"', '"C (op#2)"'),
        ('"B (op#1)"', '"C (op#2)"'),
        ('"B (op#1)"', '"C (op#2)"'),
    ]
    reduced = net_drawer.GetPydotGraphMinimal(ops, minimal_dependency=True)
    assert _edges(reduced) == [
        ('"A (op#0)"', '"B (op#1)"'),
        ('"B (op#1)"', '"C (op#2)"'),
        ('"B (op#1)"', '"C (op#2)"'),
    ]


def test_minimal_graph_uses_latest_writer():
    ops = FORWARD + GRADIENTS + UPDATES
    graph = net_drawer.GetPydotGraphMinimal(ops, "train")
    edges = _edges(graph)
    # SquaredL2Distance reads Y_noise as rewritten by StopGradient, not Add
    assert ('"StopGradient (op#4)"', '"SquaredL2Distance (op#6)"') in edges
    assert ('"Add (op#3)"', '"SquaredL2Distance (op#6)"') not in edges
    # LearningRate reads ITER after Iter; W, B, ONE have no producer in this net
    assert ('"Iter (op#12)"', '"LearningRate (op#13)"') in edges
    assert [s for s, d in edges if d == '"WeightedSum (op#14)"'] == [
        '"FCGradient (op#11)"', '"LearningRate (op#13)"']


# ---- teaching style -----------------------------------------------------------------------


def _node_attrs(graph, name: str) -> dict:
    nodes = graph.get_node(name)
    if not nodes:
        for sub in graph.get_subgraph_list():
            nodes = sub.get_node(name)
            if nodes:
                break
    assert nodes, name
    return nodes[0].get_attributes()


def test_op_categories():
    cat = net_drawer.op_category
    assert [cat(o) for o in FORWARD] == ["forward"] * 8  # StopGradient is forward
    assert [cat(o) for o in GRADIENTS] == ["gradient"] * 4  # incl. the loss-seed ConstantFill
    assert [cat(o) for o in UPDATES] == ["update"] * 4
    assert cat(op("Sum", ["_X_grad_autosplit_0", "_X_grad_autosplit_1"], ["X_grad"])) == \
        "gradient"
    assert cat(op("ReluGradient", ["Y", "Y_grad"], ["X_grad"])) == "gradient"
    assert cat(op("ConstantFill", [], ["B"])) == "forward"


def test_teaching_style_colours_ops_and_roles_and_has_a_legend():
    ops = FORWARD + GRADIENTS + UPDATES
    graph = net_drawer.GetPydotGraph(ops, "train", style="teaching")
    colors = net_drawer.CATEGORY_COLORS
    assert _node_attrs(graph, '"FC (op#5)"')["fillcolor"] == colors["forward"]
    assert _node_attrs(graph, '"ConstantFill (op#8)"')["fillcolor"] == colors["gradient"]
    assert _node_attrs(graph, '"Iter (op#12)"')["fillcolor"] == colors["update"]
    assert "WeightedSum(W, ONE, W_grad, LR) -> W" in _node_attrs(
        graph, '"WeightedSum (op#14)"')["tooltip"]
    # parameters: W and B (rewritten by WeightedSum from W_grad / B_grad); not ITER, X, ONE
    for name in ('"W0"', '"W1"', '"B0"', '"B1"'):
        assert _node_attrs(graph, name).get("fillcolor") == net_drawer.PARAM_FILL
    for name in ('"ITER0"', '"X0"', '"W_gt0"', '"ONE0"', '"LR0"'):
        assert _node_attrs(graph, name).get("fillcolor") != net_drawer.PARAM_FILL
    assert _node_attrs(graph, '"W_grad0"')["color"] == colors["gradient"]
    assert "dashed" in _node_attrs(graph, '"ONE0"')["style"]  # optimizer state
    # versions are labelled where a blob has more than one
    assert _node_attrs(graph, '"W1"')["label"] == '"W v1"'
    assert _node_attrs(graph, '"X0"')["label"] == '"X"'
    legend = _node_attrs(graph, '"legend"')["label"]
    for entry in ("forward op", "gradient op", "update op", "parameter (learned)", "gradient",
                  "optimizer state", "data, labels", "ground truth (*_gt)"):
        assert f">{entry}<" in legend, entry
    assert '"legend" [' in net_drawer.GetPydotGraph(FORWARD, style="teaching").to_string()
    assert '"legend"' not in net_drawer.GetPydotGraph(ops).to_string()  # classic: no legend


def test_explicit_params_and_forward_only_net():
    graph = net_drawer.GetPydotGraph(FORWARD, style="teaching")
    # no update ops yet: nothing is a parameter, W is an input like the data
    assert _node_attrs(graph, '"W0"')["fillcolor"] != net_drawer.PARAM_FILL
    graph = net_drawer.GetPydotGraph(FORWARD, style="teaching", params=["W_gt"])
    assert _node_attrs(graph, '"W_gt0"')["fillcolor"] == net_drawer.PARAM_FILL


def test_blob_shapes_from_workspace(tmp_path):
    ws = workspace.Workspace()
    ws.feed_blob("X", np.zeros((64, 2), np.float32))
    ws.feed_blob("ITER", np.zeros((1,), np.int64))
    ops = [op("FC", ["X", "W", "b"], ["Y"]), op("Iter", ["ITER"], ["ITER"])]
    graph = net_drawer.GetPydotGraph(ops, workspace=ws)
    assert _node_attrs(graph, '"X0"')["label"] == '"X\\nfloat32[64, 2]"'
    assert _node_attrs(graph, '"ITER1"')["label"] == '"ITER\\nint64[1]"'
    assert _node_attrs(graph, '"W0"')["label"] == '"W"'  # not in the workspace
    workspace.FeedBlob("W", np.ones((1, 2)))
    graph = net_drawer.GetPydotGraph(ops, workspace=True)
    assert _node_attrs(graph, '"W0"')["label"] == '"W\\nfloat64[1, 2]"'
    graph = net_drawer.GetPydotGraph(ops, workspace={"b": (1,), "Y": np.zeros(3)})
    assert _node_attrs(graph, '"b0"')["label"] == '"b\\n[1]"'
    assert _node_attrs(graph, '"Y0"')["label"] == '"Y\\nfloat64[3]"'
    with pytest.raises(TypeError, match="workspace= must be"):
        net_drawer.GetPydotGraph(ops, workspace="default")


# ---- big nets -----------------------------------------------------------------------------


def test_3000_op_chain_draws_without_recursion():
    ops = [op("FC", [f"x{i}", f"W{i}", "b"], [f"x{i + 1}"]) for i in range(3000)]
    graph = net_drawer.GetPydotGraph(ops, "chain")
    assert len(graph.get_node_list()) == 3000 + 3001 + 3000 + 1
    assert len(graph.get_edge_list()) == 3000 * 4
    text = graph.to_string()
    assert '"FC (op#2999)" -> "x30000";' in text
    minimal = net_drawer.GetPydotGraphMinimal(ops, minimal_dependency=True)
    assert len(minimal.get_edge_list()) == 2999


def test_300_op_net_renders_capped_with_fast_layout():
    ops = [op("FC", [f"x{i}", f"W{i}", f"b{i}"], [f"x{i + 1}"]) for i in range(300)]
    graph = net_drawer.GetPydotGraph(ops, "chain")
    flags = render._layout_args(graph)
    assert "-Gsplines=line" in flags and f"-Gsize={net_drawer.MAX_SIZE_INCHES:g},60" in flags
    data = graph.create_png()
    width, height = png_size(data)
    cap_px = net_drawer.MAX_SIZE_INCHES * 96
    assert width <= cap_px + 1 and height <= cap_px + 1
    assert net_drawer.size_cap(8) == 14.0
    assert net_drawer.size_cap(10_000) == net_drawer.MAX_SIZE_INCHES


def test_layout_flags_small_nets_and_overrides():
    small = net_drawer.GetPydotGraph(FORWARD)
    assert render._layout_args(small) == ["-Gsize=14,14"]
    forced = net_drawer.GetPydotGraph(FORWARD, fast_layout=True)
    assert "-Gnslimit=0.2" in render._layout_args(forced)
    own = net_drawer.GetPydotGraph(FORWARD, fast_layout=True)
    own.set_size('"5,5"')
    own.set("splines", "ortho")
    flags = render._layout_args(own)
    assert not any(f.startswith(("-Gsize", "-Gsplines")) for f in flags)
    assert png_size(own.create_png())[0] <= 5 * 96 + 1


# ---- rendering the seed's train net -------------------------------------------------------


@pytest.mark.parametrize("stage", list(STAGES))
def test_seed_stages_render_png(stage):
    ops, n_nodes, n_edges = STAGES[stage]
    graph = net_drawer.GetPydotGraph(ops, "train", rankdir="LR")
    assert len(graph.get_node_list()) == n_nodes
    assert len(graph.get_edge_list()) == n_edges
    data = graph.create_png()
    assert data.startswith(PNG)
    width, height = png_size(data)
    assert width > 3 * height  # left to right
    assert len(svg_node_titles(graph.create_svg())) == n_nodes


SEED_OPS = ["GivenTensorFill", "ConstantFill", "UniformFill", "GaussianFill", "FC", "Add",
            "StopGradient", "SquaredL2Distance", "AveragedLoss", "Iter", "LearningRate",
            "WeightedSum"]


def _build_seed_train_net():
    missing = [t for t in SEED_OPS if not has_op(t)]
    if missing:
        pytest.skip(f"ops not registered yet: {', '.join(missing)}")
    stages = {stage: seed_nets(stage).train_net.Proto() for stage in SEED_STAGES}
    nets = seed_nets("updates")
    return nets.init_net, nets.train_net, stages


def test_seed_train_net_built_with_real_ops_draws_at_each_stage():
    init_net, train_net, stages = _build_seed_train_net()
    for stage, netdef in stages.items():
        _, n_nodes, n_edges = STAGES[stage]
        # the seed's call: ops list, explicit name, rankdir
        graph = net_drawer.GetPydotGraph(netdef.op, "train", rankdir="LR")
        assert len(graph.get_node_list()) == n_nodes, stage
        assert len(graph.get_edge_list()) == n_edges, stage
        assert graph.create_png().startswith(PNG)
    workspace.RunNetOnce(init_net)
    workspace.CreateNet(train_net)
    workspace.RunNet(train_net.Proto().name)
    graph = net_drawer.GetPydotGraph(train_net, style="teaching", workspace=True)
    assert _node_attrs(graph, '"Y_pred0"')["label"] == '"Y_pred\\nfloat32[64, 1]"'
    assert graph.create_png().startswith(PNG)


# ---- finding the renderer -----------------------------------------------------------------


def _write_script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return path


posix_only = pytest.mark.skipif(os.name != "posix", reason="uses /bin/sh scripts")


def test_graphviz_pure_found_next_to_interpreter_without_path(monkeypatch, tmp_path):
    monkeypatch.delenv(net_drawer.DOT_ENV_VAR, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot, no graphviz-pure on PATH
    exe = net_drawer.find_dot()
    assert Path(exe).name.startswith("graphviz-pure")
    assert Path(exe).parent == Path(sys.executable).parent
    graph = net_drawer.GetPydotGraph(FORWARD, "train")
    assert graph.prog == exe
    assert graph.create_png().startswith(PNG)


def _no_renderer(monkeypatch, tmp_path):
    monkeypatch.delenv(net_drawer.DOT_ENV_VAR, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(render, "_interpreter_dirs", lambda: [tmp_path])


def test_clear_error_when_no_renderer_exists(monkeypatch, tmp_path):
    _no_renderer(monkeypatch, tmp_path)
    with pytest.raises(net_drawer.RendererNotFoundError) as info:
        net_drawer.find_dot()
    message = str(info.value)
    for route in ("GRAPHLAB_DOT", "graphviz-pure", "'dot' on PATH", str(tmp_path),
                  "pip install graphviz-pure"):
        assert route in message
    graph = net_drawer.GetPydotGraph(FORWARD)
    assert graph.to_string().startswith("digraph")  # DOT text needs no renderer
    with pytest.raises(net_drawer.RendererNotFoundError):
        graph.create_png()


@posix_only
def test_env_var_wins_and_is_used(monkeypatch, tmp_path):
    real = net_drawer.find_dot()
    log = tmp_path / "calls.txt"
    wrapper = _write_script(tmp_path / "mydot", f'echo "$@" >> "{log}"\nexec "{real}" "$@"')
    monkeypatch.setenv(net_drawer.DOT_ENV_VAR, str(wrapper))
    assert net_drawer.find_dot() == str(wrapper.resolve())
    assert net_drawer.GetPydotGraph(FORWARD).create_png().startswith(PNG)
    assert "-Tpng" in log.read_text() and "-Kdot" not in log.read_text()
    # an explicit argument beats the environment variable
    assert net_drawer.find_dot(real) == str(Path(real).resolve())


def test_command_line_given_to_the_renderer(monkeypatch):
    calls = []

    def fake_run(args, **kwargs):
        calls.append(args)
        return types.SimpleNamespace(returncode=0, stdout=PNG + b"rest", stderr=b"")

    monkeypatch.setattr(render.subprocess, "run", fake_run)
    pure = net_drawer.find_dot()
    graph = net_drawer.GetPydotGraph(FORWARD)
    assert graph.create_png() == PNG + b"rest"
    assert calls[-1] == [pure, "-Kdot", "-Tpng", "-Gsize=14,14"]
    assert graph.create_png(prog=[pure, "-Gdpi=50"]) == PNG + b"rest"
    assert calls[-1][-1] == "-Gdpi=50"
    with pytest.raises(net_drawer.RendererNotFoundError, match="no-such-renderer"):
        graph.create_png(prog="no-such-renderer")


def test_env_var_naming_nothing_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv(net_drawer.DOT_ENV_VAR, str(tmp_path / "no-such-dot"))
    with pytest.raises(net_drawer.RendererNotFoundError, match="GRAPHLAB_DOT"):
        net_drawer.find_dot()


@posix_only
def test_failing_renderer_reports_its_stderr(monkeypatch, tmp_path):
    broken = _write_script(tmp_path / "brokendot", 'echo "Error: layout exploded" >&2\nexit 3')
    monkeypatch.setenv(net_drawer.DOT_ENV_VAR, str(broken))
    with pytest.raises(net_drawer.RenderError, match="exit code 3(.|\n)*layout exploded"):
        net_drawer.GetPydotGraph(FORWARD).create_png()
    garbage = _write_script(tmp_path / "garbagedot", 'cat > /dev/null\necho "not a picture"')
    monkeypatch.setenv(net_drawer.DOT_ENV_VAR, str(garbage))
    with pytest.raises(net_drawer.RenderError, match="no png data"):
        net_drawer.GetPydotGraph(FORWARD).create_png()
    assert net_drawer.GetGraphPngSafe(net_drawer.GetPydotGraph, FORWARD).startswith(PNG)


def test_rendering_names_stay_available_from_net_drawer():
    for name in ("find_dot", "render", "RendererNotFoundError", "RenderError", "DOT_ENV_VAR",
                 "GetGraphPngSafe", "size_cap", "MAX_SIZE_INCHES", "FAST_LAYOUT_ATTRS",
                 "FAST_LAYOUT_OPS"):
        assert getattr(net_drawer, name) is getattr(render, name), name
        assert name in net_drawer.__all__ and name in render.__all__


def test_render_dot_text_and_svg():
    svg = net_drawer.render('digraph { "a" -> "b" }', format="svg")
    assert b"<svg" in svg
    assert net_drawer.render('digraph { "a" -> "b" }').startswith(PNG)


def test_net_graph_survives_pickle_and_deepcopy():
    graph = net_drawer.GetPydotGraph(FORWARD, "train")
    for clone in (pickle.loads(pickle.dumps(graph)), copy.deepcopy(graph)):
        assert clone.net_name == "train" and clone.n_ops == 8
        assert clone.to_string() == graph.to_string()
        assert clone.create_png().startswith(PNG)


# ---- Jupyter ------------------------------------------------------------------------------


def test_net_repr_mimebundle_is_png_and_text():
    net = core.Net("shown")
    net.FC(["X", "W", "b"], "Y")
    net.Relu("Y", "Y")
    bundle, metadata = net._repr_mimebundle_()
    assert set(bundle) == {"image/png", "text/plain"}
    assert isinstance(bundle["image/png"], bytes) and bundle["image/png"].startswith(PNG)
    assert "Relu(Y) -> Y" in bundle["text/plain"]
    # shown 1:1: the display width is the picture's natural width
    assert metadata["image/png"]["width"] == png_size(bundle["image/png"])[0]


def test_mimebundle_svg_on_request_and_options():
    bundle, _ = net_drawer.net_mimebundle(NetDef(name="n", op=list(FORWARD)), "t", format="svg")
    assert set(bundle) == {"image/svg+xml", "text/plain"}
    svg = bundle["image/svg+xml"]
    assert "<svg" in svg and "max-width: 100%" in svg and "viewBox" in svg
    old = net_drawer.set_display_options()
    try:
        net_drawer.set_display_options(enabled=False)
        assert net_drawer.net_mimebundle(FORWARD, "t") == ({"text/plain": "t"}, {})
        net_drawer.set_display_options(enabled=True, style="classic", rankdir="LR")
        classic, _ = net_drawer.net_mimebundle(FORWARD, "t")
        width, height = png_size(classic["image/png"])
        assert width > 3 * height  # Caffe2's left-to-right look on request
    finally:
        net_drawer.set_display_options(**old)
    with pytest.raises(TypeError, match="unknown option 'colour'"):
        net_drawer.set_display_options(colour="red")


def test_mimebundle_falls_back_to_text(monkeypatch, tmp_path):
    _no_renderer(monkeypatch, tmp_path)
    bundle, _ = core.Net("nodraw")._repr_mimebundle_()
    assert set(bundle) == {"text/plain"}
    assert "(no drawing: No renderer for net drawings was found" in bundle["text/plain"]
    assert "pip install graphviz-pure" in bundle["text/plain"]  # the whole reason, not cut


def test_show_returns_ipython_image():
    pytest.importorskip("IPython")
    image = net_drawer.show(FORWARD + GRADIENTS, width=600, workspace=None)
    assert image.data.startswith(PNG) and image.width == 600
    natural = net_drawer.show(FORWARD + GRADIENTS)
    assert natural.width == png_size(natural.data)[0]
    assert hasattr(image, "_repr_png_")
    minimal = net_drawer.show(FORWARD, minimal="dependency", style="classic")
    assert minimal.data.startswith(PNG)
    svg = net_drawer.show(FORWARD, format="svg")
    assert "<svg" in svg.data


# ---- JSON export and CLI ------------------------------------------------------------------


def test_graph_in_json(tmp_path):
    out = tmp_path / "g.json"
    data = net_drawer.GetGraphInJson(FORWARD[3:5], out)
    assert data["nodes"] == [
        {"id": "Add (op#0)", "label": "Add", "op_id": 0, "type": "op"},
        {"id": "Y_gt0", "label": "Y_gt", "type": "blob"},
        {"id": "noise0", "label": "noise", "type": "blob"},
        {"id": "Y_noise0", "label": "Y_noise", "type": "blob"},
        {"id": "StopGradient (op#1)", "label": "StopGradient", "op_id": 1, "type": "op"},
        {"id": "Y_noise1", "label": "Y_noise", "type": "blob"},
    ]
    assert data["edges"][-2:] == [
        {"source": "Y_noise0", "target": "StopGradient (op#1)"},
        {"source": "StopGradient (op#1)", "target": "Y_noise1"},
    ]
    assert out.read_text().startswith("{")


def test_cli_writes_dot_and_png(tmp_path, capsys):
    netdef = NetDef(name="train", op=list(FORWARD + GRADIENTS + UPDATES))
    src = tmp_path / "train.pbtxt"
    src.write_text(str(netdef))
    prefix = str(tmp_path / "out_")
    assert draw_cli.main(["--input", str(src), "--output_prefix", prefix]) == 0
    dot_text = Path(prefix + "train.dot").read_text()
    assert dot_text == net_drawer.GetPydotGraph(netdef).to_string()
    assert Path(prefix + "train.png").read_bytes().startswith(PNG)
    assert "wrote" in capsys.readouterr().out
    assert draw_cli.main(["--input", str(src), "--output_prefix", prefix + "m_", "--minimal",
                            "--minimal_dependency", "--rankdir", "TB"]) == 0
    minimal_text = Path(prefix + "m_train.dot").read_text()
    assert "rankdir=TB;" in minimal_text and "octagon" not in minimal_text


def test_cli_keeps_dot_when_png_fails(tmp_path, monkeypatch, capsys):
    _no_renderer(monkeypatch, tmp_path)
    src = tmp_path / "n.pbtxt"
    src.write_text(str(NetDef(name="a/b", op=list(FORWARD))))
    assert draw_cli.main(["--input", str(src), "--output_prefix", str(tmp_path) + "/",
                          "--append_output"]) == 1
    assert (tmp_path / "a_b.dot").exists() and not (tmp_path / "a_b.png").exists()
    assert "the .dot file was written" in capsys.readouterr().err
