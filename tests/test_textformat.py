"""Nets as text: parse what proto.py prints, hand-written variants, errors, files."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from seed_nets import seed_nets

from graphlab import core, workspace
from graphlab.errors import GraphlabError
from graphlab.proto import MAX_NESTING, Argument, DeviceOption, NetDef, OperatorDef
from graphlab.textformat import TextFormatError, load_net, parse_net, parse_op, save_net


def _rich_net() -> NetDef:
    net = core.Net("rich")
    net.FC(["X", "W", "b"], "Y", axis=1)
    net.Relu("Y", "Y")
    net.Save(["Y"], [], db="out.npz", blob_name_overrides=["y_saved"], absolute_path=1)
    proto = net.Proto()
    inner = NetDef(name="inner", op=[OperatorDef(input=["q"], output=["q"], type="Relu")],
                   external_input=["q"])
    proto.op.append(OperatorDef(
        input=['we"ird\\name', "line\nbreak", "tab\there", "ctl\x01\x7f", "ünï 🙂", ""],
        output=["model/fc1:0"],
        name="custom op",
        type="Anything",
        arg=[
            Argument(name="f", f=0.1),
            Argument(name="tiny", f=1e-08),
            Argument(name="neg", f=-2.5),
            Argument(name="inf", f=float("inf")),
            Argument(name="i", i=-(2**40)),
            Argument(name="s", s="say \"hi\"\n"),
            Argument(name="floats", floats=[1.0, -0.5, 3e20]),
            Argument(name="ints", ints=[1, 2, 3]),
            Argument(name="strings", strings=["a", "b/c", ""]),
            Argument(name="n", n=inner),
            Argument(name="nets", nets=[NetDef(name="a"), NetDef(name="b", op=[])]),
            Argument(name="empty"),
        ],
        device_option=DeviceOption(device_type=0, device_id=1, random_seed=42, node_name="n0"),
        engine="CUDNN",
        control_input=["ctl"],
        is_gradient_op=True,
        debug_info="debug",
    ))
    proto.type = "simple"
    proto.num_workers = 4
    proto.device_option = DeviceOption(random_seed=7)
    proto.arg.append(Argument(name="net_arg", ints=[5]))
    proto.external_output.append("Y")
    return proto


# ---- round trips ------------------------------------------------------------------------------


def test_round_trip_of_a_rich_net():
    proto = _rich_net()
    text = str(proto)
    parsed = parse_net(text)
    assert parsed == proto
    assert str(parsed) == text


def test_round_trip_of_each_op():
    for op in _rich_net().op:
        assert parse_op(str(op)) == op


def test_nan_round_trips_through_text():
    proto = NetDef(name="n", arg=[Argument(name="x", f=float("nan")),
                                  Argument(name="y", floats=[float("nan"), 1.0])])
    parsed = parse_net(str(proto))
    assert math.isnan(parsed.arg[0].f) and math.isnan(parsed.arg[1].floats[0])
    assert str(parsed) == str(proto)


def test_empty_net_and_empty_text():
    assert parse_net(str(NetDef(name="my_first_net"))) == NetDef(name="my_first_net")
    assert parse_net("") == NetDef()
    assert parse_net("  # only a comment\n") == NetDef()


def test_parsed_net_can_be_rebuilt_and_run():
    net = core.Net("tiny")
    net.Relu(["X"], ["Y"])
    rebuilt = core.Net(parse_net(str(net.Proto())))
    workspace.FeedBlob("X", np.array([-1.0, 2.0], np.float32))
    workspace.RunNetOnce(rebuilt)
    assert workspace.FetchBlob("Y").tolist() == [0.0, 2.0]


# ---- the wider text format -------------------------------------------------------------------


def test_hand_written_variants():
    text = """
    # a comment before everything
    name: 'hand' # trailing comment
    op: {
      input: "a" "b"          # adjacent strings concatenate
      output: 'c\\x41\\101\\u00e9'
      type: "Relu";
      arg < name: "xs" ints: [1, -2, 0x10] >
      arg { name: "fs", floats: [1.5f, -inf, .25, 2e3] }
      arg { name: "empty" strings: [] }
      is_gradient_op: True
    }
    external_input: "ab", external_input: "z"
    """
    net = parse_net(text)
    op = net.op[0]
    assert net.name == "hand"
    assert op.input == ["ab"] and op.output == ["cAAé"] and op.is_gradient_op
    assert op.arg[0].ints == [1, -2, 16]
    assert op.arg[1].floats == [1.5, -math.inf, 0.25, 2000.0]
    assert op.arg[2].strings == []
    assert net.external_input == ["ab", "z"]


def test_octal_escapes_are_utf8_bytes():
    assert parse_op('input: "\\303\\251"').input == ["é"]


def test_deep_nesting_is_read_up_to_the_limit_and_refused_beyond():
    depth = MAX_NESTING // 2  # two levels each: arg { n { ... } }
    text = "arg { name: \"a\" n { " * depth + "name: \"bottom\"" + " } }" * depth
    net = parse_net(text)
    node = net
    for _ in range(depth):
        node = node.arg[0].n
    assert node.name == "bottom"
    deeper = "arg { name: \"a\" n { " * 3000 + " } }" * 3000
    with pytest.raises(TextFormatError, match=f"nest more than {MAX_NESTING} deep"):
        parse_net(deeper)


# ---- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where", "pattern"),
    [
        ('name: "x"\nop {\n  input: 3\n}', "line 3, column 10", "expected a quoted string"),
        ('nme: "x"', "line 1, column 1", "no field 'nme'. Did you mean 'name'"),
        ('op {\n  typo: "Relu"\n}', "line 2, column 3", "OperatorDef has no field 'typo'"),
        ('op { type: "A"', "line 1, column 15", "expected '}' to close 'op' opened at line 1"),
        ('name: "x" name: "y"', "line 1, column 11", "'name' of NetDef is set twice"),
        ('op { arg { name: "a" f: abc } }', "line 1, column 25", "expected a number for 'f'"),
        ('op { arg { name: "a" i: 1.5 } }', "line 1, column 25", "expected an integer"),
        ('}', "line 1, column 1", "unexpected '}'"),
        ('name "x"', "line 1, column 6", "expected ':' after the field name 'name'"),
        ('op "x"', "line 1, column 4", "expected '{' to open the OperatorDef 'op'"),
        ('name: "abc', "line 1, column 7", "unterminated string"),
        ('name: "a\\qb"', "line 1, column 9", "unknown escape"),
        ('name: "x" @', "line 1, column 11", "unexpected character '@'"),
        ('op { is_gradient_op: maybe }', "line 1, column 22", "expected true or false"),
        ('op { arg { ints: [1 2] } }', "line 1, column 21", "expected ',' or ']'"),
        ('op { arg { name: "a" } >', "line 1, column 24", "expected '}' to close 'op'"),
        ('name: "\\377"', "line 1, column 7", "not valid UTF-8"),
    ],
)
def test_errors_name_line_column_and_expectation(text, where, pattern):
    with pytest.raises(TextFormatError) as info:
        parse_net(text)
    msg = str(info.value)
    assert msg.startswith(where + ":"), msg
    assert pattern in msg, msg
    assert "^" in msg.splitlines()[-1]


def test_error_is_a_value_error_and_shows_the_line():
    with pytest.raises(ValueError) as info:
        parse_net('name: "n"\nop {\n  input: X\n}\n')
    lines = str(info.value).splitlines()
    assert lines[1].strip() == "input: X"
    assert lines[2].index("^") == lines[1].index("X")


def test_source_name_appears_in_errors():
    with pytest.raises(TextFormatError, match=r"^train\.pbtxt:1:1: "):
        parse_net("bogus: 1", source="train.pbtxt")


# ---- files ---------------------------------------------------------------------------------------


def test_save_and_load_net_files(tmp_path):
    proto = _rich_net()
    path = tmp_path / "rich.pbtxt"
    assert save_net(proto, path) == str(path)
    assert os.listdir(tmp_path) == ["rich.pbtxt"]
    loaded = load_net(path)
    assert loaded == proto
    # ops remember the line of the file they came from
    text_lines = path.read_text(encoding="utf-8").splitlines()
    for op in loaded.op:
        file_name, line = op.origin.rsplit(":", 1)
        assert file_name == str(path)
        assert text_lines[int(line) - 1].strip() == "op {"


def test_save_net_accepts_a_core_net_and_overwrites(tmp_path):
    net = core.Net("saved")
    net.Relu(["X"], ["Y"])
    path = tmp_path / "n.pbtxt"
    path.write_text("old contents")
    save_net(net, path)
    assert path.read_text(encoding="utf-8") == str(net.Proto())
    assert os.listdir(tmp_path) == ["n.pbtxt"]


def test_loaded_op_failure_points_into_the_file(tmp_path):
    net = core.Net("fails")
    net.FC(["X", "W", "b"], "Y")
    path = tmp_path / "fails.pbtxt"
    save_net(net, path)
    workspace.FeedBlob("X", np.ones((2, 3), np.float32))
    workspace.FeedBlob("W", np.ones((4, 5), np.float32))
    workspace.FeedBlob("b", np.ones(4, np.float32))
    with pytest.raises(GraphlabError, match=rf"created at {path}:2"):
        workspace.RunNetOnce(load_net(path))


def test_load_net_errors(tmp_path):
    with pytest.raises(GraphlabError, match="does not exist"):
        load_net(tmp_path / "missing.pbtxt")
    ckpt = tmp_path / "ckpt.npz"
    np.savez(ckpt, a=np.ones(2))
    with pytest.raises(GraphlabError, match="zip archive"):
        load_net(ckpt)
    binary = tmp_path / "bin.pbtxt"
    binary.write_bytes(b"\xff\xfe\x00name")
    with pytest.raises(GraphlabError, match="not UTF-8"):
        load_net(binary)
    bad = tmp_path / "bad.pbtxt"
    bad.write_text('name: "x"\nop {\n', encoding="utf-8")
    with pytest.raises(TextFormatError, match=rf"{bad}:3:1: expected '}}'"):
        load_net(bad)


def test_real_programs_round_trip():
    # The seed program (forward, gradients, updates) and a ModelHelper/brew/optimizer model.
    from graphlab import brew, model_helper, optimizer

    seed = seed_nets()
    init_net, train_net = seed.init_net, seed.train_net
    model = model_helper.ModelHelper(name="mlp")
    hidden = brew.fc(model, "data", "hidden", dim_in=2, dim_out=4)
    hidden = brew.relu(model, hidden, hidden)
    pred = brew.fc(model, hidden, "pred", dim_in=4, dim_out=1)
    dist = model.net.SquaredL2Distance([pred, "target"], "dist")
    loss = model.net.AveragedLoss(dist, "loss")
    model.AddGradientOperators([loss])
    optimizer.build_sgd(model, base_learning_rate=0.1, policy="step", stepsize=10, gamma=0.9)
    nets = [init_net, train_net, model.param_init_net, model.net]
    for net in nets:
        proto = net.Proto()
        assert len(proto.op) > 0
        assert parse_net(str(proto)) == proto


def test_load_net_accepts_crlf_and_a_bom(tmp_path):
    path = tmp_path / "win.pbtxt"
    path.write_bytes(b'\xef\xbb\xbfname: "w"\r\nop {\r\n  type: "Relu"\r\n}\r\n')
    net = load_net(path)
    assert net.name == "w" and net.op[0].type == "Relu"
