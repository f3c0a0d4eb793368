"""The teaching view's rules (graphlab.net_drawer.picture/show/show_growth, graphlab.net_roles):
legible where shown, parameters right, unique ids, creation order, big nets explained.

These test the rules, not pixels: the displayed scale and label size a JupyterLab cell
850 px wide gives, which blobs are parameters, which ids exist, where ops sit.
"""

from __future__ import annotations

import re
import struct

import numpy as np
import pytest
from seed_nets import seed_nets

from graphlab import brew, model_helper, net_drawer, net_roles, optimizer, render, workspace
from graphlab.proto import NetDef, OperatorDef

PNG = b"\x89PNG\r\n\x1a\n"
CELL = net_drawer.CELL_WIDTH_PX


def op(type_: str, inputs: list[str], outputs: list[str], **kw) -> OperatorDef:
    return OperatorDef(input=list(inputs), output=list(outputs), type=type_, **kw)


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG)
    return struct.unpack(">II", data[16:24])


def mlp_with_adam() -> model_helper.ModelHelper:
    """A 21-op ModelHelper MLP (3 FC layers, 2 Relu, softmax loss) trained by Adam."""
    model = model_helper.ModelHelper(name="mlp")
    x = "data"
    dims = [4, 8, 8, 3]
    for i in range(3):
        x = brew.fc(model, x, f"fc{i}", dim_in=dims[i], dim_out=dims[i + 1])
        if i < 2:
            x = brew.relu(model, x, f"relu{i}")
    _, loss = model.net.SoftmaxWithLoss([x, "label"], ["softmax", "loss"])
    model.AddGradientOperators([loss])
    optimizer.build_adam(model, base_learning_rate=0.01)
    return model


def displayed(bundle_and_meta, dpi: float = net_drawer.DPI) -> tuple[float, float]:
    """(displayed scale, smallest label height in CSS px) of a PNG mimebundle shown in a
    JupyterLab cell CELL px wide: the image gets its metadata width, and the cell
    shrinks anything wider than itself (max-width: 100%)."""
    bundle, meta = bundle_and_meta
    return _displayed(bundle["image/png"], meta["image/png"]["width"], dpi)


def _displayed(png: bytes, width: int, dpi: float) -> tuple[float, float]:
    png_width, _ = png_size(png)
    css_width = min(width, CELL)
    natural_css = png_width * 96 / dpi  # the size at which 1 pt is 96/72 CSS px
    scale = css_width / natural_css
    label_px = 14 * dpi / 72 * css_width / png_width  # Graphviz's 14 pt labels
    return scale, label_px


# ---- legible where shown -----------------------------------------------------------------


@pytest.fixture
def seed():
    workspace.ResetWorkspace()
    return seed_nets("updates")


def test_no_label_drawn_smaller_than_14_points(seed):
    for graph in (net_drawer.teaching_graph(seed.train_net, since=8),
                  net_drawer.teaching_graph(mlp_with_adam(), note="a note", title="a title")):
        assert "fontsize" not in graph.to_string()  # every label keeps Graphviz's 14 pt


def test_seed_net_is_legible_in_a_jupyterlab_cell(seed):
    for net in (seed.train_net, seed.init_net):
        bundle = net_drawer.net_mimebundle(net, "text")
        scale, label_px = displayed(bundle)
        assert scale >= net_drawer.MIN_SCALE and label_px >= 11
        assert "Showing ops" not in bundle[0]["text/plain"]  # drawn whole
    pic = net_drawer.picture(seed.train_net)
    assert pic.ops == list(range(16)) and pic.note == ""
    assert pic.width <= CELL  # top to bottom: it fits, shown 1:1
    image = net_drawer.show(seed.train_net)
    assert image.width == png_size(image.data)[0]


def test_mlp_with_adam_is_legible_whole():
    model = mlp_with_adam()
    assert len(model.net.Proto().op) == 21
    for bundle in (net_drawer.net_mimebundle(model, "model"), model._repr_mimebundle_()):
        scale, label_px = displayed(bundle)
        assert scale >= net_drawer.MIN_SCALE and label_px >= 11
    pic = net_drawer.picture(model)
    assert pic.ops == list(range(21)) and pic.note == ""
    # twice the pixels for a high-density screen, shown at the same size
    sharp = net_drawer.picture(model, dpi=192)
    assert png_size(sharp.data)[0] == pytest.approx(2 * pic.width, abs=4)
    assert sharp.width == pytest.approx(pic.width, abs=2)
    scale, label_px = _displayed(sharp.data, sharp.metadata()["width"], 192)
    assert scale >= net_drawer.MIN_SCALE and label_px >= 11


def test_a_net_too_big_to_read_whole_is_shown_in_part_with_the_ways_forward():
    ops = [op("FC", [f"x{i}", f"W{i}", f"b{i}"], [f"x{i + 1}"]) for i in range(300)]
    pic = net_drawer.picture(ops)
    assert pic.ops == list(range(net_drawer.PART_OPS))
    for way in ("Showing ops 0-39 of 300: the whole net is too big to read here.",
                "show(net, ops=slice(40, 80))",
                "show(net, forward_only=True)", "show(net, minimal=True)",
                'show(net, format="svg")'):
        assert way in pic.note
    assert pic.displayed_scale() >= net_drawer.MIN_SCALE
    assert pic.height <= net_drawer.MAX_HEIGHT_PX
    # the note is drawn under the picture too, and given as text
    graph = net_drawer.teaching_graph(ops, ops=slice(0, 40), note=pic.note)
    assert '"note" [' in graph.to_string()
    # the next part keeps its op numbers
    part = net_drawer.picture(ops, ops=slice(40, 80))
    assert part.ops == list(range(40, 80)) and part.note == ""


def _svg_positions_of(graph) -> dict[str, tuple[float, float]]:
    return _svg_positions(graph.create_svg())


def test_a_long_chain_is_folded_into_columns_that_fit():
    from graphlab import core

    net = core.Net("deep")
    x = "data"
    for i in range(30):
        x = net.Relu(net.FC([x, f"w{i}", f"b{i}"], f"fc{i}"), f"r{i}")
    pic = net_drawer.picture(net)
    assert pic.ops == list(range(60)) and pic.note == ""
    assert pic.width <= CELL and pic.displayed_scale() == 1.0
    unfolded = net_drawer.teaching_graph(net)
    folded = net_drawer.teaching_graph(net, columns=2)
    assert folded.cross_edges == 1  # r14 -> FC (op#30), from the first column to the next
    assert png_size(pic.data)[1] < png_size(unfolded.create_png())[1] / 1.5
    # the second column starts at the top, to the right of the first
    pos = _svg_positions_of(folded)
    assert pos["FC (op#30)"][0] > pos["FC (op#0)"][0]
    assert abs(pos["FC (op#30)"][1] - pos["FC (op#0)"][1]) < 5
    # a training net is a web, not a chain: it is not folded
    net.AveragedLoss(net.SquaredL2Distance([x, "t"], "d"), "loss")
    net.AddGradientOperators(["loss"])
    assert net_drawer.teaching_graph(net, ops=slice(0, 100), columns=2).cross_edges > 2


def test_an_op_too_wide_to_draw_falls_back_to_the_minimal_view():
    ops = [op("Sum", [f"term_number_{i}" for i in range(40)], ["total"]),
           op("Relu", ["total"], ["y"])]
    pic = net_drawer.picture(ops)
    assert pic.ops == [0, 1] and pic.displayed_scale() >= net_drawer.MIN_SCALE
    assert pic.note.startswith("Showing all ops, as ops only: an op reads or writes too many")
    assert "minimal=True" not in pic.note and 'format="svg"' in pic.note


def test_svg_scales_to_the_cell_through_its_viewbox(seed):
    pic = net_drawer.picture(seed.train_net, format="svg")
    assert pic.format == "svg"
    head = pic.data[: pic.data.index(">", pic.data.index("<svg"))]
    assert f'width="{pic.width}px"' in head and "max-width: 100%" in head
    assert "viewBox" in head and 'pt"' not in head  # no fixed size in points


def test_forward_only_and_minimal_views(seed):
    pic = net_drawer.picture(seed.train_net, forward_only=True)
    assert pic.ops == list(range(8))
    graph = net_drawer.teaching_graph(seed.train_net, minimal=True)
    assert "rounded" not in graph.to_string()  # no blob nodes
    assert net_drawer.picture(seed.train_net, minimal="dependency").data.startswith(PNG)


# ---- parameters right --------------------------------------------------------------------


def _param_nodes(graph) -> list[str]:
    """Labels of the nodes drawn as parameters, without their version suffix."""
    found = []
    for node in graph.get_node_list():
        attrs = node.get_attributes()
        if attrs.get("fillcolor") == net_drawer.PARAM_FILL:
            found.append(attrs["label"].strip('"').split("\\n")[0].split(" v")[0])
    return list(dict.fromkeys(found))


def test_model_params_are_exactly_the_parameters():
    model = mlp_with_adam()
    params = [str(p) for p in model.params]
    roles = net_roles.blob_roles(model.net.Proto().op, params)
    assert [b for b, r in roles.items() if r == "parameter"] == params
    assert _param_nodes(net_drawer.teaching_graph(model, group=False)) == params
    # the plain net gives the same answer from its update ops alone
    assert net_roles.detect_params(model.net.Proto().op) == params
    for blob in ("data", "label"):
        assert roles[blob] == "data"  # they receive a gradient, but are not learned
    lr = next(o.output[0] for o in model.net.Proto().op if o.type == "LearningRate")
    for blob in ("fc0_w_first_moment", "fc2_b_second_moment", "optimizer_iteration",
                 "iteration_mutex", lr):
        assert roles[blob] == "optimizer"
    assert roles["fc1_w_grad"] == "gradient" and roles["relu0"] == "activation"


def test_show_model_uses_model_params():
    model = mlp_with_adam()
    model.params = model.params[:2]  # the model says which blobs it learns
    pic = net_drawer.picture(model, group=False)
    assert pic.data.startswith(PNG)
    graph = net_drawer.teaching_graph(model, group=False)
    assert _param_nodes(graph) == ["fc0_w", "fc0_b"]


def test_seed_roles(seed):
    roles = net_roles.blob_roles(seed.train_net.Proto().op)
    assert [b for b, r in roles.items() if r == "parameter"] == ["W", "B"]
    assert {b: roles[b] for b in ("X", "noise", "W_gt", "B_gt", "ITER", "LR", "ONE",
                                  "W_grad", "loss")} == {
        "X": "data", "noise": "data", "W_gt": "ground_truth", "B_gt": "ground_truth",
        "ITER": "optimizer", "LR": "optimizer", "ONE": "optimizer", "W_grad": "gradient",
        "loss": "activation"}


def test_update_ops_come_from_the_registry_family():
    assert net_roles.op_category(op("Adam", ["p", "m", "v", "g", "lr", "it"],
                                    ["p", "m", "v"])) == "update"
    assert net_roles.op_category(op("CreateMutex", [], ["mutex"])) == "update"
    assert net_roles.op_category(op("Ftrl", ["w"], ["w"])) == "update"  # not registered
    assert net_roles.op_category(op("WeightedSumGradient", ["dy"], ["dx"])) == "gradient"


def test_repeated_optimizer_ops_are_one_box():
    model = mlp_with_adam()
    text = net_drawer.teaching_graph(model).to_string()
    assert "6 × Adam (op#15-20)" in text
    assert "fc0_w_first_moment" not in re.findall(r"^\"[^\"]*\" \[", text, re.M)
    ungrouped = net_drawer.teaching_graph(model, group=False).to_string()
    assert all(f'"Adam (op#{i})"' in ungrouped for i in range(15, 21))


# ---- values on the picture ---------------------------------------------------------------


def _label(graph, node_id: str) -> str:
    nodes = graph.get_node(f'"{node_id}"')
    assert nodes, node_id
    return nodes[0].get_attributes()["label"].strip('"').replace("\\n", "\n")


def test_values_of_the_seed_can_be_read_off_the_picture(seed):
    workspace.RunNetOnce(seed.init_net)
    workspace.CreateNet(seed.train_net)
    workspace.RunNet(seed.train_net.Proto().name, 3)
    graph = net_drawer.teaching_graph(seed.train_net, workspace=True)
    fetch = workspace.FetchBlob

    def shown(x) -> str:
        return f"{float(x):.4g}"

    w, w_grad, b = fetch("W").ravel(), fetch("W_grad").ravel(), fetch("B").ravel()
    w_label = _label(graph, "W1")
    assert w_label.startswith("W v1\nfloat32[1, 2]\n")
    assert all(shown(v) in w_label for v in w)
    assert "grad [[" + shown(w_grad[0]) in w_label
    assert shown(b[0]) in _label(graph, "B1")
    assert shown(fetch("LR")) in _label(graph, "LR0")
    assert shown(fetch("loss")) in _label(graph, "loss0")
    assert shown(fetch("B_grad").ravel()[0]) in _label(graph, "B_grad0")
    # the first version only shows its layout: the workspace holds the newest value
    assert _label(graph, "W0") == "W v0\nfloat32[1, 2]"
    assert _label(graph, "X0") == "X\nfloat32[64, 2]"  # big blobs: layout only


# ---- growth ------------------------------------------------------------------------------


def test_since_highlights_new_ops_and_fades_earlier_ones(seed):
    graph = net_drawer.teaching_graph(seed.train_net, since=12)
    old = graph.get_node('"FC (op#5)"')[0].get_attributes()
    new = graph.get_node('"Iter (op#12)"')[0].get_attributes()
    assert old["fillcolor"] == net_drawer.FADED_COLORS["forward"]
    assert new["fillcolor"] == net_drawer.CATEGORY_COLORS["update"] and new["penwidth"] == "3"
    assert ">new op<" in graph.to_string()  # the legend explains the outline


def test_sequence_view_panels(seed):
    growth = net_drawer.show_growth(seed.train_net, init_net=seed.init_net)
    assert [t.split(":")[0].split(" '")[0] for t in growth.titles] == [
        "1. init net", "2. forward", "3. + gradients", "4. + update"]
    assert [p.ops[-1] for p in growth.panels] == [5, 7, 11, 15]
    for pic in growth.panels:
        assert pic.displayed_scale() >= net_drawer.MIN_SCALE and pic.note == ""
    explicit = net_drawer.show_growth(seed.train_net, stages=[8, 12])
    assert [p.ops[-1] for p in explicit.panels] == [7, 11, 15]


# ---- correct graphs ----------------------------------------------------------------------


def _collisions_net() -> list[OperatorDef]:
    # "x" rewritten ten times is x10 in Caffe2's scheme, as is "x1" at version 0
    ops = [op("Relu", ["x"], ["x"]) for _ in range(10)]
    ops.append(op("Relu", ["x1"], ["y"]))
    # with append_output the op id "FC (op#11)\nY1" equals blob "FC (op#11)\nY" at v1
    ops.append(op("FC", ["FC (op#11)\nY"], ["Y1"]))
    ops.append(op("Relu", ["FC (op#11)\nY"], ["FC (op#11)\nY"]))
    ops.append(op("Copy", ["a b0"], ["a b"]))  # "a b" v0 could fall back to "a b v0"
    ops.append(op("Copy", ["a b"], ["a b"]))
    return ops


@pytest.mark.parametrize("style", ["classic", "teaching"])
def test_node_ids_never_collide(style):
    ops = _collisions_net()
    graph = net_drawer.GetPydotGraph(ops, append_output=True, style=style, legend=False)
    names = [n.get_name() for n in graph.get_node_list()]
    assert len(names) == len(set(names))
    versions = {key for ins, outs in net_roles.blob_versions(ops) for key in [*ins, *outs]}
    assert len(names) == len(ops) + len(versions)
    # every edge joins the right blob version: x v10 keeps Caffe2's id x10, so blob x1 v0
    # (x10 in Caffe2, the same node) gets a longer one
    edges = [(e.get_source(), e.get_destination()) for e in graph.get_edge_list()
             if "style" not in e.get_attributes()]
    assert len(edges) == sum(len(o.input) + len(o.output) for o in ops)
    assert ('"Relu (op#9)\\nx"', '"x10"') in edges
    assert ('"x1 v0"', '"Relu (op#10)\\ny"') in edges


def test_ids_stay_caffe2s_where_unique_and_json_ids_are_unique():
    plain = [op("Relu", ["x"], ["x"]), op("Relu", ["x"], ["y"])]
    text = net_drawer.GetPydotGraph(plain).to_string()
    assert '"x0"' in text and '"x1"' in text and '"y0"' in text
    data = net_drawer.GetGraphInJson(_collisions_net())
    ids = [n["id"] for n in data["nodes"]]
    assert len(ids) == len(set(ids))
    known = set(ids)
    assert all(e["source"] in known and e["target"] in known for e in data["edges"])


def _svg_positions(svg: bytes) -> dict[str, tuple[float, float]]:
    """``{node title: (x, y)}`` of the first text of each node in Graphviz's SVG."""
    text = svg.decode("utf-8")
    found = re.findall(r'class="node">\s*<title>(.*?)</title>.*?<text[^>]*?x="([-\d.]+)" '
                       r'y="([-\d.]+)"', text, re.S)
    return {title: (float(x), float(y)) for title, x, y in found}


@pytest.mark.parametrize("rankdir", ["TB", "LR", "BT", "RL"])
def test_ops_in_creation_order_for_every_rankdir(rankdir):
    # an init net: six fillers with no inputs, all on the first rank without help
    init = NetDef(name="init", op=[op("ConstantFill", [], [f"b{i}"]) for i in range(6)])
    svg = net_drawer.teaching_graph(init, rankdir=rankdir, legend=False).create_svg()
    pos = _svg_positions(svg)
    axis, sign = {"TB": (1, 1), "BT": (1, -1), "LR": (0, 1), "RL": (0, -1)}[rankdir]
    along = [sign * pos[f"ConstantFill (op#{i})"][axis] for i in range(6)]
    assert along == sorted(along) and len(set(along)) == 6


# ---- big nets ----------------------------------------------------------------------------


def test_5000_op_net_stops_with_a_reason_or_shows_a_part():
    ops = []
    for i in range(2500):
        ops.append(op("FC", [f"x{i}", f"W{i}", f"b{i}"], [f"y{i}"]))
        ops.append(op("Relu", [f"y{i}"], [f"x{i + 1}"]))
    with pytest.raises(render.NetTooBigError) as info:
        net_drawer.GetPydotGraph(ops).create_png()
    message = str(info.value)
    for part in ("5000 ops", "limited to 2000 ops", "ops=slice(0, 100)", "check_size=False"):
        assert part in message
    # the teaching view's slower layout stops sooner, whoever asks for it
    with pytest.raises(render.NetTooBigError, match="limited to 500 ops"):
        net_drawer.GetPydotGraph(ops[:600], style="teaching").create_svg()
    # the inline display shows the first part, legibly, and says how to see the rest
    bundle, meta = net_drawer.net_mimebundle(ops, "big")
    assert bundle["image/png"].startswith(PNG)
    assert "Showing ops 0-39 of 5000" in bundle["text/plain"]
    assert 'show(net, format="svg", ops=slice(0, 500))' in bundle["text/plain"]
    svg_bundle, _ = net_drawer.net_mimebundle(ops, "big", format="svg")
    assert "(no drawing: This drawing has 5000 ops" in svg_bundle["text/plain"]
    assert "limited to 500 ops" in svg_bundle["text/plain"]


def test_a_training_net_with_long_edges_stops_before_a_minutes_long_layout():
    # 100 FC+Relu layers with gradients and updates: 605 ops whose forward activations are
    # read again by their gradient ops hundreds of ops later (Graphviz: about a minute)
    from graphlab import core

    net = core.Net("deep")
    x = "data"
    for i in range(100):
        x = net.Relu(net.FC([x, f"w{i}", f"b{i}"], f"fc{i}"), f"r{i}")
    loss = net.AveragedLoss(net.SquaredL2Distance([x, "target"], "d"), "loss")
    grads = net.AddGradientOperators([loss])
    for i in range(100):
        for p in (f"w{i}", f"b{i}"):
            net.WeightedSum([p, "ONE", grads[p], "LR"], p)
    graph = net_drawer.GetPydotGraph(net)
    assert graph.span > render.MAX_LAYOUT_SPAN and graph.n_ops < render.MAX_DRAW_OPS
    with pytest.raises(render.NetTooBigError, match="long edges"):
        graph.create_png()
    assert net_drawer.GetPydotGraph(net.Proto().op[:100]).span < render.MAX_LAYOUT_SPAN


def test_invalid_size_failures_are_explained(monkeypatch):
    def fake_run(args, **kwargs):
        import types

        return types.SimpleNamespace(
            returncode=1, stdout=b"",
            stderr=b"Error: Rendering error: rasterizing the SVG: SVG has an invalid size")

    monkeypatch.setattr(render.subprocess, "run", fake_run)
    with pytest.raises(render.RenderError, match="less than a pixel"):
        render.render("digraph { a }")


def test_values_table_accepts_shapes_and_skips_values_of_big_blobs():
    graph = net_drawer.teaching_graph(
        [op("FC", ["X", "W", "b"], ["Y"])],
        workspace={"X": np.zeros((64, 2), np.float32), "W": (1, 2), "b": np.array([0.5])})
    assert _label(graph, "X0") == "X\nfloat32[64, 2]"
    assert _label(graph, "W0") == "W\n[1, 2]"
    assert _label(graph, "b0") == "b\nfloat64[1]\n[0.5]"


def test_classic_display_too_wide_to_read_says_so_under_the_picture(seed):
    old = net_drawer.set_display_options()
    try:
        net_drawer.set_display_options(style="classic", rankdir="LR")
        bundle, meta = net_drawer.net_mimebundle(seed.train_net, "train")
    finally:
        net_drawer.set_display_options(**old)
    assert meta["image/png"]["width"] == png_size(bundle["image/png"])[0]
    assert "too small to read" in bundle["text/plain"]
    assert "net_drawer.show(net)" in bundle["text/plain"]
    # the seed's own call is untouched: no note, Caffe2's DOT
    text = net_drawer.GetPydotGraph(seed.train_net.Proto().op, "train", rankdir="LR").to_string()
    assert "too small" not in text and "label=" not in text.splitlines()[1]


def test_cli_teaching_style_draws_top_to_bottom(tmp_path, seed):
    from pathlib import Path

    from graphlab import draw_cli

    src = tmp_path / "train.pbtxt"
    src.write_text(str(seed.train_net.Proto()))
    prefix = str(tmp_path / "t_")
    assert draw_cli.main(["--input", str(src), "--output_prefix", prefix,
                          "--style", "teaching"]) == 0
    name = seed.train_net.Proto().name
    text = Path(f"{prefix}{name}.dot").read_text()
    assert "rankdir=TB;" in text and '"legend" [' in text and '"W v1"' in text
    assert png_size(Path(f"{prefix}{name}.png").read_bytes())[0] <= CELL


def test_every_picture_in_the_notebooks_is_shown_legibly():
    """Each PNG a committed notebook shows is displayed at >= MIN_SCALE of its size in a
    JupyterLab cell CELL px wide (its metadata width if any, shrunk to the cell)."""
    import base64
    import json
    from pathlib import Path

    notebooks = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
    assert notebooks
    seen = 0
    for path in notebooks:
        for cell in json.loads(path.read_text())["cells"]:
            for output in cell.get("outputs", []):
                png = output.get("data", {}).get("image/png")
                if png is None:
                    continue
                width, _ = png_size(base64.b64decode(png))
                shown = output.get("metadata", {}).get("image/png", {}).get("width", width)
                scale = min(int(shown), CELL) / width
                assert scale >= net_drawer.MIN_SCALE, (path.name, "".join(cell["source"]))
                seen += 1
    assert seen >= 10


def test_many_blobs_of_one_op_are_drawn_in_rows():
    ops = [op("WeightedSum", [f"p{i}", "ONE", f"p{i}_grad", "LR"], [f"p{i}"]) for i in range(8)]
    graph = net_drawer.teaching_graph(ops)
    assert "8 × WeightedSum (op#0-7)" in graph.to_string()
    pos = _svg_positions_of(graph)
    rows = sorted({round(pos[f"p{i}1"][1]) for i in range(8)})
    assert len(rows) == 2  # 6 in the first row, 2 below
    assert sum(round(pos[f"p{i}1"][1]) == rows[0] for i in range(8)) == net_drawer.ROW_BLOBS


def test_empty_nets_and_empty_parts_still_draw():
    from graphlab import core

    bundle, _ = core.Net("empty")._repr_mimebundle_()
    assert bundle["image/png"].startswith(PNG)
    assert "(no ops to draw)" in net_drawer.teaching_graph(NetDef(name="e")).to_string()
    ops = [op("Relu", ["x"], ["y"])]
    assert net_drawer.picture(ops, ops=slice(5, 9)).ops == []
    with pytest.raises(IndexError, match=r"ops=\[3\]: the net has ops 0..0"):
        net_drawer.picture(ops, ops=[3])


def test_fast_layout_only_for_nets_with_long_edges():
    from graphlab import core

    chain = [op("FC", [f"x{i}", f"W{i}", f"b{i}"], [f"x{i + 1}"]) for i in range(100)]
    assert net_drawer.teaching_graph(chain).fast_layout is False
    net = core.Net("deep")
    x = "data"
    for i in range(15):
        x = net.Relu(net.FC([x, f"w{i}", f"b{i}"], f"fc{i}"), f"r{i}")
    net.AveragedLoss(net.SquaredL2Distance([x, "target"], "d"), "loss")
    net.AddGradientOperators(["loss"])
    assert len(net.Proto().op) > net_drawer.FAST_LAYOUT_OPS
    assert net_drawer.teaching_graph(net).fast_layout is True
    assert net_drawer.teaching_graph(net, fast_layout=False).fast_layout is False


def test_lenet_training_net_is_legible_whole():
    """The MNIST tutorial's LeNet with SGD (32 ops: convolutions, pooling, gradients)."""
    model = model_helper.ModelHelper(name="mnist_train")
    conv1 = brew.conv(model, "data", "conv1", dim_in=1, dim_out=20, kernel=5)
    pool1 = brew.max_pool(model, conv1, "pool1", kernel=2, stride=2)
    conv2 = brew.conv(model, pool1, "conv2", dim_in=20, dim_out=50, kernel=5)
    pool2 = brew.max_pool(model, conv2, "pool2", kernel=2, stride=2)
    fc3 = brew.fc(model, pool2, "fc3", dim_in=50 * 4 * 4, dim_out=500)
    pred = brew.fc(model, brew.relu(model, fc3, "relu3"), "pred", dim_in=500, dim_out=10)
    softmax = brew.softmax(model, pred, "softmax")
    loss = model.AveragedLoss(model.LabelCrossEntropy([softmax, "label"], "xent"), "loss")
    model.AddGradientOperators([loss])
    optimizer.build_sgd(model, base_learning_rate=0.1, policy="step", stepsize=1, gamma=0.999)
    scale, label_px = displayed(net_drawer.net_mimebundle(model, "lenet"))
    assert scale >= net_drawer.MIN_SCALE and label_px >= 11
    assert net_drawer.picture(model).note == ""  # drawn whole
    assert _param_nodes(net_drawer.teaching_graph(model, group=False)) == [
        str(p) for p in model.params]


def test_pictures_are_stored_in_a_palette(seed):
    raw = net_drawer.teaching_graph(seed.train_net).create_png()
    pic = net_drawer.picture(seed.train_net)
    assert pic.data[25] == 3  # PNG colour type 3: a palette of at most 256 colours
    assert png_size(pic.data) == png_size(raw) and len(pic.data) < len(raw)
