"""core: building nets, naming, BlobReference sugar, printing, and build-time errors."""

from __future__ import annotations

import numpy as np
import pytest
from caffe2_oracle import requires_caffe2, run_caffe2

from graphlab import core, workspace
from graphlab.errors import ArgumentError
from graphlab.proto import Argument, make_argument


def test_net_names_are_unique_per_process():
    a = core.Net("uniq_test")
    b = core.Net("uniq_test")
    c = core.Net("uniq_test")
    assert (a.Name(), b.Name(), c.Name()) == ("uniq_test", "uniq_test_1", "uniq_test_2")
    assert str(b) == b.Proto().name == "uniq_test_1"


def test_fresh_net_prints_only_its_name():
    net = core.Net("my_first_net_test")
    assert str(net.Proto()) == 'name: "my_first_net_test"\n'


def test_ops_print_in_protobuf_text_format():
    net = core.Net("print_test")
    net.FC(["X", "W", "b"], "Y", axis=1)
    net.Relu("Y", "Z")
    expected = (
        'name: "print_test"\n'
        "op {\n"
        '  input: "X"\n  input: "W"\n  input: "b"\n  output: "Y"\n  name: ""\n  type: "FC"\n'
        '  arg {\n    name: "axis"\n    i: 1\n  }\n'
        "}\n"
        "op {\n"
        '  input: "Y"\n  output: "Z"\n  name: ""\n  type: "Relu"\n'
        "}\n"
        'external_input: "X"\nexternal_input: "W"\nexternal_input: "b"\n'
    )
    assert str(net.Proto()) == expected


def test_create_operator_prints_like_caffe2():
    op = core.CreateOperator("Relu", ["X"], ["Y"])
    assert str(op) == 'input: "X"\noutput: "Y"\nname: ""\ntype: "Relu"\n'


@pytest.mark.parametrize(
    ("value", "field", "expected"),
    [
        (1.0, "f", 1.0),
        (3, "i", 3),
        (True, "i", 1),
        ("step", "s", "step"),
        ([1, 2], "ints", [1, 2]),
        ([0.5, 1.5], "floats", [0.5, 1.5]),
        (["a", "b"], "strings", ["a", "b"]),
        (np.float32(0.25), "f", 0.25),
        (np.array([2, 3]), "ints", [2, 3]),
    ],
)
def test_keyword_values_become_typed_arguments(value, field, expected):
    arg = make_argument("x", value)
    assert arg.field_name == field
    assert arg.value == expected


def test_mixed_list_argument_is_rejected():
    with pytest.raises(TypeError, match="mixing"):
        make_argument("values", [1, 2.5])


def test_float_arguments_print_shortest():
    assert str(Argument(name="lr", f=-0.1)) == 'name: "lr"\nf: -0.1\n'
    assert str(Argument(name="eps", f=1e-8)) == 'name: "eps"\nf: 1e-08\n'


def test_auto_output_names_skip_underscore_one():
    net = core.Net("auto_name_test")
    y1 = net.Relu(["X"])
    y2 = net.Relu(["X"])
    y3 = net.Relu(["X"])
    assert [str(y1), str(y2), str(y3)] == [
        "auto_name_test/Relu",
        "auto_name_test/Relu_2",
        "auto_name_test/Relu_3",
    ]


def test_output_count_gives_numbered_names_and_tuple():
    net = core.Net("count_test")
    outs = net.FCGradient(["X", "W", "dY"], 3)
    assert isinstance(outs, tuple)
    assert [str(o) for o in outs] == [f"count_test/FCGradient:{i}" for i in range(3)]


def test_return_values_by_output_count():
    net = core.Net("ret_test")
    one = net.Relu(["X"], ["Y"])
    assert isinstance(one, core.BlobReference) and one == "Y"
    assert one.Net() is net


def test_external_inputs_in_first_use_order():
    net = core.Net("ext_test")
    net.FC(["X", "W", "b"], "Y")
    net.FC(["Y", "W2", "b"], "Z")
    assert net.Proto().external_input == ["X", "W", "b", "W2"]
    assert net.Proto().external_output == []


def test_method_form_puts_blob_first_and_uses_its_net():
    net = core.Net("method_test")
    x = net.Relu(["A"], "X")
    other = core.Net("method_other")
    y = x.FC(["W", "b"], "Y")
    assert net.Proto().op[-1].input == ["X", "W", "b"]
    assert len(other.Proto().op) == 0
    assert y.Net() is net


def test_method_form_mutates_list_and_rejects_tuple():
    net = core.Net("mutate_test")
    x = net.Relu(["A"], "X")
    others = ["W", "b"]
    x.FC(others, "Y")
    assert others == ["X", "W", "b"]
    with pytest.raises(AttributeError, match="list"):
        x.FC(("W", "b"), "Y2")


def test_blob_reference_equals_its_name():
    ref = core.BlobReference("W")
    assert ref == "W" and hash(ref) == hash("W")
    assert {ref: 1}["W"] == 1
    assert repr(ref) == 'BlobReference("W")'
    assert (ref + "_grad") == "W_grad"
    with pytest.raises(RuntimeError):
        ref + 1  # noqa: B018


def test_blob_without_net_explains_how_to_add_ops():
    with pytest.raises(RuntimeError, match="net.Scale"):
        core.BlobReference("W_grad").Scale([], "S")


def test_unknown_op_suggests_close_names():
    net = core.Net("typo_test")
    with pytest.raises(AttributeError, match="Did you mean 'FC'"):
        net.FCC  # noqa: B018
    with pytest.raises(AttributeError, match="Relu"):
        net.Rleu  # noqa: B018


def test_dir_lists_operators_for_tab_completion():
    net = core.Net("dir_test")
    assert "FC" in dir(net) and "Relu" in dir(net)
    assert "FC" in dir(net.Relu(["X"], "Y"))


def test_wrong_input_count_names_op_and_usage():
    net = core.Net("arity_test")
    with pytest.raises(ArgumentError) as e:
        net.FC(["X", "W"], "Y")
    msg = str(e.value)
    assert "FC takes 3 input(s)" in msg and "got 2" in msg
    assert "usage: FC(X, W, b" in msg
    assert "test_core.py" in msg  # the creating line


def test_comma_separated_blob_string_is_explained():
    net = core.Net("comma_test")
    with pytest.raises(ArgumentError) as e:
        net.FC("X, W, b", "Y")  # one string where a list of three names belongs
    msg = str(e.value)
    assert "FC takes 3 input(s) (X, W, b), got 1." in msg
    assert "the input 'X, W, b' is ONE blob name" in msg
    assert "['X', 'W', 'b']" in msg


def test_string_for_a_list_argument_suggests_the_parsed_list():
    net = core.Net("list_arg_test")
    with pytest.raises(ArgumentError, match=r"not a string, e\.g\. \[2, 3\]\."):
        net.GaussianFill([], "X", shape="2,3")
    with pytest.raises(ArgumentError, match=r"Give a list, e\.g\. \[3\]\."):
        net.GaussianFill([], "X", shape=3)


def test_misspelt_argument_suggests_the_right_one():
    net = core.Net("arg_typo_test")
    with pytest.raises(ArgumentError, match="no argument 'axs'. Did you mean 'axis'"):
        net.FC(["X", "W", "b"], "Y", axs=1)


def test_argument_of_wrong_type_is_rejected_with_fix():
    net = core.Net("arg_type_test")
    with pytest.raises(ArgumentError, match="'axis' expects int, got 1.0.*integer: 1"):
        net.FC(["X", "W", "b"], "Y", axis=1.0)


def test_framework_arguments_are_accepted():
    net = core.Net("engine_test")
    net.FC(["X", "W", "b"], "Y", engine="CUDNN")
    assert net.Proto().op[0].engine == "CUDNN"


def test_illegal_in_place_is_rejected_at_creation():
    net = core.Net("inplace_test")
    with pytest.raises(ArgumentError, match="in place"):
        net.FC(["X", "W", "b"], "X")
    net.Relu(["Y"], ["Y"])  # Relu allows it


def test_creating_line_is_recorded():
    net = core.Net("origin_test")
    net.Relu(["X"], "Y")
    assert net.Proto().op[0].origin.endswith(f"test_core.py:{_line() - 1}")


def _line() -> int:
    import inspect

    return inspect.currentframe().f_back.f_lineno


def test_clone_is_independent_and_remaps():
    net = core.Net("clone_src")
    net.Relu(["X"], "Y")
    clone = net.Clone("clone_dst", blob_remap={"X": "X2"})
    assert clone.Proto().op[0].input == ["X2"]
    assert net.Proto().op[0].input == ["X"]
    assert clone.Proto().external_input == ["X2"]
    clone.Relu(["Y"], "Z")
    assert len(net.Proto().op) == 1


def test_data_type_values_match_caffe2():
    d = core.DataType
    assert (d.FLOAT, d.INT32, d.BOOL, d.INT64, d.FLOAT16, d.DOUBLE) == (1, 2, 5, 10, 12, 13)
    assert not hasattr(d, "ELEVEN")


def test_proto_is_live():
    net = core.Net("live_test")
    proto = net.Proto()
    net.Relu(["X"], "Y")
    assert len(proto.op) == 1


def test_nothing_runs_at_build_time():
    net = core.Net("lazy_test")
    net.Relu(["X"], "Y")
    assert not workspace.HasBlob("Y")


def _append_example():
    a = core.Net("append_a")
    a.AddExternalInput("x")
    y = a.Relu("x", "y")
    a.AddExternalOutput(y)
    b = core.Net("append_b")
    b.AddExternalInput("y", "w")
    z = b.Mul(["y", "w"], "z")
    b.Sigmoid("q", "r")
    b.AddExternalOutput(z)
    return a, b


def test_append_net_copies_ops_and_merges_external_blobs():
    a, b = _append_example()
    assert a.AppendNet(b) is a
    proto = a.Proto()
    assert [(op.type, op.input, op.output) for op in proto.op] == [
        ("Relu", ["x"], ["y"]), ("Mul", ["y", "w"], ["z"]), ("Sigmoid", ["q"], ["r"])]
    # y is made by a's Relu, so it stays internal; w and q come from outside
    assert proto.external_input == ["x", "w", "q"]
    assert proto.external_output == ["y", "z"]
    b.Proto().op[0].type = "Add"  # copies: editing b afterwards leaves a alone
    assert proto.op[1].type == "Mul"
    a.Tanh("r", "t")  # b's outputs count as defined in a now
    assert proto.external_input == ["x", "w", "q"]
    workspace.ResetWorkspace()
    for name in ("x", "w", "q"):
        workspace.FeedBlob(name, np.array([-1.0, 2.0], dtype=np.float32))
    workspace.RunNetOnce(a)
    np.testing.assert_allclose(workspace.FetchBlob("z"), [0.0, 4.0])
    workspace.ResetWorkspace()


def test_append_net_device_option_and_errors():
    a, b = _append_example()
    option = core.DeviceOption(0)
    a.AppendNet(b, device_option=option)
    assert [op.device_option == option for op in a.Proto().op] == [False, True, True]
    with pytest.raises(TypeError, match="core.Net\\(netdef\\)"):
        a.AppendNet(b.Proto())


@requires_caffe2
def test_append_net_matches_caffe2():
    a, b = _append_example()
    a.AppendNet(b)
    theirs = run_caffe2(
        "from caffe2.python import core\n"
        "a = core.Net('append_a'); a.AddExternalInput('x'); y = a.Relu('x', 'y')\n"
        "a.AddExternalOutput(y)\n"
        "b = core.Net('append_b'); b.AddExternalInput('y', 'w')\n"
        "z = b.Mul(['y', 'w'], 'z'); b.Sigmoid('q', 'r'); b.AddExternalOutput(z)\n"
        "a.AppendNet(b)\n"
        "p = a.Proto()\n"
        "OUTPUTS['ops'] = [[op.type, list(op.input), list(op.output)] for op in p.op]\n"
        "OUTPUTS['ext'] = [list(p.external_input), list(p.external_output)]\n")
    ours = a.Proto()
    assert [[op.type, op.input, op.output] for op in ours.op] == theirs["ops"]
    assert [ours.external_input, ours.external_output] == theirs["ext"]
