"""The Python op: ``net.Python(f, grad_f=None, pass_workspace=False)``.

The conformance program below is this project's own, written for these tests; it makes
exactly the API calls of Caffe2's Python_Op tutorial (forward with ``feed``; ``reshape``
then ``data[...] =``; ``pass_workspace=True`` reading ``workspace.blobs[name].fetch()``;
a gradient function run by ``AddGradientOperators``). It runs under graphlab with only
its import line changed and, when the oracle is there, under real Caffe2 too: both must
print the same.
"""

from __future__ import annotations

import numpy as np
import pytest
from caffe2_oracle import requires_caffe2, run_caffe2
from caffe2_programs import port, run_program

from graphlab import core, net_drawer, workspace
from graphlab.errors import GradientError, GraphlabError
from graphlab.ops.python import TensorCPU

PYTHON_OP_TUTORIAL = '''
from caffe2.python import core, workspace
import numpy as np

def triple(inputs, outputs):
    outputs[0].feed(3 * inputs[0].data)

workspace.ResetWorkspace()
net = core.Net("python_op_forward")
net.Python(triple)(["a"], ["b"])
workspace.FeedBlob("a", np.array([1.5, -2.0]))
workspace.RunNetOnce(net)
print("feed:", workspace.FetchBlob("b"))

def halve_in_place(inputs, outputs):
    outputs[0].reshape(inputs[0].shape)
    outputs[0].data[...] = inputs[0].data / 2

workspace.ResetWorkspace()
net = core.Net("python_op_reshape")
net.Python(halve_in_place)(["a"], ["c"])
workspace.FeedBlob("a", np.array([[4.0, 6.0], [1.0, -8.0]]))
workspace.RunNetOnce(net)
print("reshape:", workspace.FetchBlob("c"), workspace.FetchBlob("c").dtype)

def from_workspace(inputs, outputs, workspace):
    outputs[0].feed(workspace.blobs["hidden"].fetch() + 1)

workspace.ResetWorkspace()
net = core.Net("python_op_workspace")
net.Python(from_workspace, pass_workspace=True)([], ["d"])
workspace.FeedBlob("hidden", np.array([10.0, 20.0]))
workspace.RunNetOnce(net)
print("workspace:", workspace.FetchBlob("d"))

def cube(inputs, outputs):
    outputs[0].reshape(inputs[0].shape)
    outputs[0].data[...] = inputs[0].data ** 3

def cube_grad(inputs, outputs):
    x, dy = inputs[0], inputs[2]
    outputs[0].reshape(x.shape)
    outputs[0].data[...] = 3 * x.data ** 2 * dy.data

workspace.ResetWorkspace()
net = core.Net("python_op_gradient")
net.Python(cube, cube_grad)(["x"], ["y"])
workspace.FeedBlob("x", np.array([2.0, -1.0, 0.5]))
net.AddGradientOperators(["y"])
workspace.RunNetOnce(net)
print("gradient:", workspace.FetchBlob("x_grad"))
print("ops:", [op.type for op in net.Proto().op])
'''


def test_tutorial_program_runs_with_only_the_import_changed() -> None:
    _, printed = run_program(PYTHON_OP_TUTORIAL, "python_op_tutorial")
    lines = printed.splitlines()
    assert lines[0] == "feed: [ 4.5 -6. ]"
    assert lines[1].startswith("reshape: [[ 2.") and lines[2].endswith("float32")
    assert "workspace: [11. 21.]" in lines
    assert "gradient: [12.    3.    0.75]" in lines
    assert lines[-1] == "ops: ['Python', 'ConstantFill', 'PythonGradient']"
    assert port(PYTHON_OP_TUTORIAL).count("graphlab") == 1


@requires_caffe2
def test_tutorial_program_prints_what_caffe2_printed() -> None:
    program = PYTHON_OP_TUTORIAL + '''
import io, contextlib
'''
    capture = '''
import io, contextlib
_buf = io.StringIO()
with contextlib.redirect_stdout(_buf):
    exec(PARAMS, {"__name__": "tutorial"})
OUTPUTS["printed"] = _buf.getvalue()
'''
    theirs = run_caffe2(capture, params=program)
    _, ours = run_program(program, "python_op_tutorial")
    assert ours == theirs["printed"]


_PROTO = '''
from caffe2.python import core
import numpy as np

def python_op_proto_f(inputs, outputs):
    outputs[0].feed(inputs[0].data)

def python_op_proto_g(inputs, outputs):
    outputs[0].feed(inputs[2].data)

net = core.Net("python_op_proto")
net.Python(python_op_proto_f, python_op_proto_g)(["x"], ["y"])
net.Python(python_op_proto_f, python_op_proto_g, grad_input_indices=[0])(["y"], ["z"])
net.AddGradientOperators(["z"])
OUTPUTS["text"] = str(net.Proto())
'''


@requires_caffe2
def test_the_ops_and_their_gradient_print_as_in_caffe2() -> None:
    theirs = run_caffe2(_PROTO)["text"]
    ns, _ = run_program(_PROTO.replace("OUTPUTS", "RESULT").replace(
        "import numpy as np", "import numpy as np\nRESULT = {}"), "python_op_proto")
    assert ns["RESULT"]["text"] == theirs


def _double(inputs, outputs):
    outputs[0].feed(2 * inputs[0].data)


def test_tokens_are_the_function_name_then_numbered() -> None:
    def some_unique_function_name(inputs, outputs):
        outputs[0].feed(inputs[0].data)

    net = core.Net("tokens")
    net.Python(some_unique_function_name)(["a"], ["b"])
    net.Python(some_unique_function_name)(["b"], ["c"])
    tokens = [op.args()["token"] for op in net.Proto().op]
    assert tokens == ["some_unique_function_name", "some_unique_function_name:1"]


def test_the_drawer_shows_the_function_name() -> None:
    def scale_rows(inputs, outputs):
        outputs[0].feed(inputs[0].data)

    net = core.Net("drawn")
    net.Python(scale_rows)(["a"], ["b"])
    graph = net_drawer.GetPydotGraph(net)
    labels = [n.get_label() for n in graph.get_nodes()]
    assert any("Python (op#0)" in str(lbl) and "function scale_rows" in str(lbl)
               for lbl in labels), labels


def test_inputs_are_read_only_and_outputs_must_be_set() -> None:
    def writes_input(inputs, outputs):
        inputs[0].data[0] = 5.0

    def forgets_output(inputs, outputs):
        pass

    workspace.ResetWorkspace()
    workspace.FeedBlob("a", np.array([1.0, 2.0]))
    net = core.Net("bad_python_ops")
    net.Python(writes_input)(["a"], ["b"])
    with pytest.raises(GraphlabError, match="read-only"):
        workspace.RunNetOnce(net)
    np.testing.assert_array_equal(workspace.FetchBlob("a"), [1.0, 2.0])
    net = core.Net("forgetful")
    net.Python(forgets_output)(["a"], ["b"])
    with pytest.raises(GraphlabError, match="did not set its output #0"):
        workspace.RunNetOnce(net)
    assert not workspace.HasBlob("b")


def test_no_gradient_function_is_an_error_when_the_backward_pass_reaches_it() -> None:
    net = core.Net("no_grad_f")
    net.Python(_double)(["a"], ["b"])
    with pytest.raises(GradientError, match="no gradient function"):
        net.AddGradientOperators(["b"])


def test_gradient_indices_select_what_grad_f_reads_and_writes() -> None:
    def two_in_two_out(inputs, outputs):
        outputs[0].feed(inputs[0].data * inputs[1].data)
        outputs[1].feed(inputs[0].data + 100)

    def grad(inputs, outputs):
        # inputs: a, b, p, q, dp (only output 0's gradient); outputs: da only
        a, b, dp = inputs[0].data, inputs[1].data, inputs[4].data
        assert len(inputs) == 5 and len(outputs) == 1
        outputs[0].feed(dp * b + 0 * a)

    workspace.ResetWorkspace()
    workspace.FeedBlob("a", np.array([1.0, 2.0]))
    workspace.FeedBlob("b", np.array([3.0, 4.0]))
    net = core.Net("indices")
    net.Python(two_in_two_out, grad, grad_output_indices=[0], grad_input_indices=[0])(
        ["a", "b"], ["p", "q"])
    grads = net.AddGradientOperators(["p"])
    assert "b" not in grads
    assert [list(op.input) for op in net.Proto().op[2:]] == [
        ["a", "b", "p", "q", "p_autogen_grad"]]
    workspace.RunNetOnce(net)
    np.testing.assert_array_equal(workspace.FetchBlob("a_grad"), [3.0, 4.0])


def test_a_created_net_calls_the_function_on_every_run() -> None:
    calls = []

    def count(inputs, outputs):
        calls.append(1)
        outputs[0].feed(inputs[0].data + len(calls))

    workspace.ResetWorkspace()
    workspace.FeedBlob("a", np.zeros(2, np.float32))
    net = core.Net("python_op_created")
    net.Python(count)(["a"], ["b"])
    workspace.CreateNet(net)
    for _ in range(4):
        workspace.RunNet(net)
    assert len(calls) == 4
    np.testing.assert_array_equal(workspace.FetchBlob("b"), [4.0, 4.0])


def test_tensor_wrapper_reshape_keeps_the_dtype_of_an_existing_output() -> None:
    t = TensorCPU("out", np.zeros(3, np.int32), writable=True)
    t.reshape((2, 2))
    assert t.data.dtype == np.int32 and t.shape == (2, 2)
    new = TensorCPU("fresh", None, writable=True)
    assert new.shape == (0,) and not new.is_set
    new.reshape([3])
    assert new.data.dtype == np.float32
    with pytest.raises(ValueError, match="read-only"):
        TensorCPU("in", np.ones(2)).feed(np.zeros(2))
