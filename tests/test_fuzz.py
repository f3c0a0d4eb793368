"""Property tests (hypothesis): random nets, random blobs, random text, damaged files.

* Checkpoints: any set of arrays (every supported dtype, any blob names) survives
  Save → Load bit-exactly; a damaged file either loads the same data or raises a
  CheckpointError, and the workspace keeps its blobs.
* Text: any NetDef survives print → parse; mangled text parses or raises a
  TextFormatError, never anything else.
* Nets: random small nets of differentiable ops (random shapes, blob reuse, in-place
  where the schema allows) → the gradient builder does not raise (in-place rewrites may
  be refused, with an error naming the overwritten blob), gradients match finite
  differences, the net draws to DOT, its blobs round-trip through Save/Load and its text
  round-trips.

Examples are derandomized so a run is deterministic, and bounded so the file takes a
few seconds.
"""

from __future__ import annotations

import copy
import os
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from graphlab import checkpoint, core, gradient_checker, net_drawer
from graphlab.checkpoint import CheckpointError
from graphlab.errors import GradientError, GraphlabError
from graphlab.proto import Argument, DeviceOption, NetDef, OperatorDef, format_float
from graphlab.registry import get_schema
from graphlab.textformat import TextFormatError, parse_net, parse_op
from graphlab.workspace import Workspace

FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def scratch():
    # A private directory (not pytest's numbered basetemp, which a concurrent pytest
    # session may prune while this module runs).
    with tempfile.TemporaryDirectory(prefix="graphlab-fuzz-") as d:
        yield d


def _identical(a: np.ndarray, b: np.ndarray) -> bool:
    return (a.dtype == b.dtype and a.shape == b.shape
            and np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes())


# ---- checkpoints ----------------------------------------------------------------------------

_DTYPES = st.sampled_from([np.float32, np.float64, np.int32, np.int64, np.bool_, np.uint8,
                           np.float16, np.dtype("<U4"), np.dtype("S3")])
_ARRAYS = _DTYPES.flatmap(lambda dt: hnp.arrays(dt, hnp.array_shapes(min_dims=0, max_dims=3,
                                                                     min_side=0, max_side=4)))
# a name ending in NUL cannot go into the name table and is refused (tested below)
_NAMES = st.text(min_size=1, max_size=12).filter(lambda n: not n.endswith("\x00"))
_BLOBS = st.dictionaries(_NAMES, _ARRAYS, min_size=0, max_size=5)


@FUZZ
@given(blobs=_BLOBS)
def test_save_load_round_trip_is_bit_exact(scratch, blobs):
    path = os.path.join(scratch, "roundtrip.npz")
    src = Workspace()
    for name, value in blobs.items():
        src.feed_blob(name, value)
    src.run_operator_once(core.CreateOperator("Save", list(blobs), [], db=path,
                                              absolute_path=1))
    dst = Workspace()
    dst.run_operator_once(core.CreateOperator("Load", [], [], db=path, absolute_path=1,
                                              load_all=1))
    assert dst.blobs() == sorted(blobs)
    for name, value in blobs.items():
        assert _identical(dst.fetch_blob(name), value), name


def test_a_blob_name_ending_in_nul_is_refused_and_nothing_is_written(scratch):
    path = os.path.join(scratch, "nul.npz")
    src = Workspace()
    src.feed_blob("W\x00", np.ones(2, np.float32))
    with pytest.raises(GraphlabError, match="ends in a NUL character"):
        src.run_operator_once(core.CreateOperator("Save", ["W\x00"], [], db=path,
                                                  absolute_path=1))
    assert not os.path.exists(path)


def _sample_file(path: str) -> dict[str, np.ndarray]:
    data = {"W": np.arange(12, dtype=np.float32).reshape(3, 4), "ITER": np.array([5]),
            "names": np.array(["a", "bc"]), "model/b:0": np.ones(2, np.float64)}
    checkpoint.write_checkpoint(path, data)
    return data


@FUZZ
@given(st.data())
def test_damaged_checkpoints_fail_cleanly(scratch, data):
    path = os.path.join(scratch, "damaged.npz")
    original = _sample_file(path)
    raw = bytearray(open(path, "rb").read())
    kind = data.draw(st.sampled_from(["flip", "truncate", "splice"]))
    if kind == "flip":
        for pos in data.draw(st.lists(st.integers(0, len(raw) - 1), min_size=1, max_size=4)):
            raw[pos] ^= data.draw(st.integers(1, 255))
    elif kind == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    else:
        pos = data.draw(st.integers(0, len(raw)))
        raw[pos:pos] = data.draw(st.binary(min_size=1, max_size=16))
    with open(path, "wb") as f:
        f.write(bytes(raw))
    ws = Workspace()
    ws.feed_blob("W", np.full(2, -1.0, np.float32))
    load = core.CreateOperator("Load", [], [], db=path, absolute_path=1, load_all=1)
    try:
        ws.run_operator_once(load)
    except GraphlabError as exc:
        assert path in str(exc)
        assert ws.blobs() == ["W"] and ws.fetch_blob("W").tolist() == [-1.0, -1.0]
        with pytest.raises(CheckpointError):
            checkpoint.read_checkpoint(path)
        event(f"{kind}: refused")
        return
    event(f"{kind}: harmless")
    # The damage hit bytes that do not matter (e.g. a timestamp): the data must be intact.
    for name, value in original.items():
        assert _identical(ws.fetch_blob(name), value)


# ---- text ---------------------------------------------------------------------------------------


def _printed_float(x: float) -> float:
    """The float the text format can hold (float32, shortest repr), as the printer writes it."""
    return float(format_float(x))


_FLOATS = st.floats(allow_nan=False, width=32).map(_printed_float)
_INTS = st.integers(-(2**63), 2**63 - 1)
_TEXT = st.text(max_size=10)


def _arguments(nets: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.builds(Argument, name=_TEXT, f=_FLOATS),
        st.builds(Argument, name=_TEXT, i=_INTS),
        st.builds(Argument, name=_TEXT, s=_TEXT),
        st.builds(Argument, name=_TEXT, n=nets),
        st.builds(Argument, name=_TEXT, floats=st.lists(_FLOATS, max_size=3)),
        st.builds(Argument, name=_TEXT, ints=st.lists(_INTS, max_size=3)),
        st.builds(Argument, name=_TEXT, strings=st.lists(_TEXT, max_size=3)),
        st.builds(Argument, name=_TEXT, nets=st.lists(nets, max_size=2)),
    )


_DEVICE = st.none() | st.builds(
    DeviceOption,
    device_type=st.none() | st.integers(0, 1),
    device_id=st.none() | st.integers(0, 8),
    random_seed=st.none() | st.integers(0, 2**32),
    node_name=st.none() | _TEXT,
)


def _ops(args: st.SearchStrategy) -> st.SearchStrategy:
    return st.builds(
        OperatorDef,
        input=st.lists(_TEXT, max_size=3),
        output=st.lists(_TEXT, max_size=2),
        name=_TEXT,
        type=_TEXT,
        arg=st.lists(args, max_size=3),
        device_option=_DEVICE,
        engine=st.none() | _TEXT,
        control_input=st.lists(_TEXT, max_size=1),
        is_gradient_op=st.booleans(),
        debug_info=st.none() | _TEXT,
    )


def _netdefs(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.builds(
        NetDef,
        name=_TEXT,
        op=st.lists(_ops(_arguments(children)), max_size=3),
        type=st.none() | _TEXT,
        num_workers=st.none() | st.integers(0, 64),
        device_option=_DEVICE,
        arg=st.lists(_arguments(children), max_size=2),
        external_input=st.lists(_TEXT, max_size=3),
        external_output=st.lists(_TEXT, max_size=2),
    )


_NETDEFS = st.recursive(st.builds(NetDef, name=_TEXT), _netdefs, max_leaves=4)


@FUZZ
@given(net=_NETDEFS)
def test_any_netdef_round_trips_through_text(net):
    text = str(net)
    assert parse_net(text) == net
    for op in net.op:
        assert parse_op(str(op)) == op


@FUZZ
@given(net=_NETDEFS, data=st.data())
def test_mangled_text_parses_or_raises_text_format_error(net, data):
    text = str(net)
    for _ in range(data.draw(st.integers(1, 3))):
        pos = data.draw(st.integers(0, len(text)))
        action = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = data.draw(st.sampled_from(list('{}<>[]:;,"\'\\#-.\n 0x1e9aZ_')) | _TEXT)
        if action == "insert":
            text = text[:pos] + piece + text[pos:]
        elif action == "delete":
            text = text[:pos] + text[pos + data.draw(st.integers(1, 8)):]
        else:
            text = text[:pos] + piece + text[pos + len(piece):]
    try:
        parsed = parse_net(text)
    except TextFormatError as exc:
        first = str(exc).splitlines()[0]
        assert first.startswith("line ") and ", column " in first
        return
    assert isinstance(parsed, NetDef)
    # whatever was read prints stably (floats settle to their float32 text)
    assert str(parse_net(str(parsed))) == str(parsed)


# ---- regressions found by fuzzing: dtypes with the default float32 seed, full reductions ----

#: Ops whose gradient kernel once returned float32 for a float64 input with a float32 dY.
_DTYPE_REGRESSIONS = {"LeakyRelu"}


@pytest.mark.parametrize("op_type", sorted(_DTYPE_REGRESSIONS))
def test_gradient_kernels_promote_a_float32_seed(op_type):
    net = core.Net("gap")
    getattr(net, op_type)(["x"], ["y"])
    grad_map = net.AddGradientOperators(["y"])
    ws = Workspace()
    ws.feed_blob("x", np.linspace(-1.0, 1.0, 4))
    ws.run_net_once(net)
    assert ws.fetch_blob(grad_map["x"]).dtype == np.float64


@pytest.mark.parametrize("op_type", ["ReduceSum", "ReduceMean"])
def test_full_reductions_store_arrays(op_type):
    ws = Workspace()
    ws.feed_blob("x", np.arange(3.0))
    ws.run_operator_once(core.CreateOperator(op_type, ["x"], ["s"], axes=[0], keepdims=0))
    assert isinstance(ws.store["s"], np.ndarray)


def test_passthrough_gradient_is_the_seed():
    # Sum passes its output's gradient straight through (no op), so x's gradient *is* the
    # float32 loss seed: right values, float32 (design.md: the seed is float32; kernels that
    # compute a gradient promote to float64, a pass-through has no kernel).
    net = core.Net("passthrough")
    net.Sum(["x"], ["y"])
    grad_map = net.AddGradientOperators(["y"])
    assert grad_map["x"] == grad_map["y"] == "y_autogen_grad"
    ws = Workspace()
    ws.feed_blob("x", np.ones(3))
    ws.run_net_once(net)
    np.testing.assert_array_equal(ws.fetch_blob(grad_map["x"]), np.ones(3))


# ---- random nets of differentiable ops -----------------------------------------------


#: Shape-preserving ops with one input, and their extra arguments.
_UNARY = {
    "Relu": {}, "LeakyRelu": {"alpha": 0.1}, "Sigmoid": {}, "Tanh": {}, "Negative": {},
    "Scale": {"scale": 0.5}, "Sqr": {}, "Abs": {}, "Copy": {}, "Softmax": {},
}
_BINARY = ["Add", "Sub", "Mul"]


def _inplace_ok(op_type: str) -> bool:
    """The schema allows output 0 over input 0 (the builder may still refuse it)."""
    inplace = get_schema(op_type).inplace
    return inplace == "all" or (0, 0) in inplace


class _NetBuilder:
    """Grows a random net op by op, tracking each blob's shape."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data
        self.net = core.Net("fuzz")
        self.shapes: dict[str, tuple[int, ...]] = {}
        self.feeds: dict[str, np.ndarray] = {}
        self.rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="values"))
        self.inplace_used = False
        self.last = ""
        self.count = 0

    def leaf(self, shape: tuple[int, ...], prefix: str = "x") -> str:
        name = f"{prefix}{len(self.feeds)}"
        self.feeds[name] = self.rng.uniform(-1.5, 1.5, size=shape)
        self.shapes[name] = shape
        return name

    def fresh(self, op_type: str) -> str:
        self.count += 1
        return f"{op_type.lower()}_{self.count}"

    def pick(self, ndim: int | None = None) -> str:
        pool = [b for b, s in self.shapes.items() if ndim is None or len(s) == ndim]
        return self.data.draw(st.sampled_from(pool))

    def step(self) -> None:
        kinds = ["unary", "binary", "sum", "fc", "matmul", "transpose", "reduce"]
        kind = self.data.draw(st.sampled_from(kinds))
        two_d = [b for b, s in self.shapes.items() if len(s) == 2]
        if kind in ("fc", "matmul", "transpose") and not two_d:
            kind = "unary"
        if kind == "unary":
            op_type = self.data.draw(st.sampled_from(sorted(_UNARY)))
            x = self.pick(2 if op_type == "Softmax" and two_d else None)
            if op_type == "Softmax" and len(self.shapes[x]) != 2:
                op_type = "Tanh"
            out = self.fresh(op_type)
            if (_inplace_ok(op_type)
                    and self.data.draw(st.booleans(), label="in-place")):
                out = x
                self.inplace_used = True
            self.add(op_type, [x], out, self.shapes[x], **_UNARY[op_type])
        elif kind in ("binary", "sum"):
            a = self.pick()
            same = [b for b, s in self.shapes.items() if s == self.shapes[a]]
            n = 2 if kind == "binary" else self.data.draw(st.integers(2, 3))
            others = [self.data.draw(st.sampled_from(same)) for _ in range(n - 1)]  # reuse ok
            op_type = self.data.draw(st.sampled_from(_BINARY)) if kind == "binary" else "Sum"
            self.add(op_type, [a, *others], self.fresh(op_type), self.shapes[a])
        elif kind == "fc":
            x = self.pick(2)
            m = self.data.draw(st.integers(1, 3))
            w = self.leaf((m, self.shapes[x][1]), "w")
            b = self.leaf((m,), "b")
            self.add("FC", [x, w, b], self.fresh("FC"), (self.shapes[x][0], m))
        elif kind == "matmul":
            a = self.pick(2)
            m = self.data.draw(st.integers(1, 3))
            b = self.leaf((self.shapes[a][1], m), "m")
            self.add("MatMul", [a, b], self.fresh("MatMul"), (self.shapes[a][0], m))
        elif kind == "transpose":
            x = self.pick(2)
            self.add("Transpose", [x], self.fresh("Transpose"), self.shapes[x][::-1])
        else:
            x = self.pick()
            op_type = self.data.draw(st.sampled_from(["ReduceSum", "ReduceMean"]))
            shape = self.shapes[x]
            if not shape:
                return
            self.add(op_type, [x], self.fresh(op_type), shape[1:], axes=[0], keepdims=0)

    def add(self, op_type: str, inputs: list[str], out: str, shape: tuple[int, ...],
            **args) -> None:
        getattr(self.net, op_type)(inputs, [out], **args)
        self.shapes[out] = tuple(shape)
        self.last = out


def _random_net(data: st.DataObject) -> _NetBuilder:
    b = _NetBuilder(data)
    for _ in range(data.draw(st.integers(1, 2))):
        b.leaf((data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))))
    for _ in range(data.draw(st.integers(1, 5), label="ops")):
        b.step()
    return b


@settings(FUZZ, max_examples=80)
@given(st.data())
def test_random_nets_gradients_drawing_and_round_trips(scratch, data):
    b = _random_net(data)
    forward = copy.deepcopy(b.net.Proto().op)
    # A random float64 seed dY for the last blob: L = Σ dY ⊙ y depends on every element.
    # (The default float32 ones seed is covered by the dtype tests above.)
    seed = "dY"
    b.feeds[seed] = b.rng.normal(size=b.shapes[b.last])
    try:
        grad_map = b.net.AddGradientOperators({b.last: seed})
    except GradientError as exc:
        # Only an in-place rewrite may make a net non-differentiable, and the error must
        # say which blob was overwritten.
        assert b.inplace_used, str(exc)
        assert "in-place" in str(exc) or "overwritten" in str(exc) or "version" in str(exc)
        event("in-place rewrite refused by the gradient builder")
        return
    event("differentiated a net" + (" with in-place ops" if b.inplace_used else ""))
    assert all(str(k) in b.shapes for k in grad_map)

    # gradients agree with finite differences, with the blobs' own dtype and shape
    wrt = [n for n in b.feeds if n != seed]
    result = gradient_checker.check_gradient(forward, {b.last: seed}, b.feeds, wrt,
                                             rtol=1e-4, atol=1e-6)
    assert result.ok, repr(result)

    # the full net (forward + backward) draws, with one node per op
    proto = b.net.Proto()
    dot = net_drawer.GetPydotGraph(proto, proto.name).to_string()
    for i, op in enumerate(proto.op):
        assert f"{op.type} (op#{i})" in dot

    # its text round-trips
    assert parse_net(str(proto)) == proto

    # and every blob it computes survives Save/Load bit-exactly
    ws = Workspace(seed=0)
    for name, value in b.feeds.items():
        ws.feed_blob(name, value)
    ws.run_net_once(proto)
    names = ws.blobs()
    path = os.path.join(scratch, "net_blobs.npz")
    ws.run_operator_once(core.CreateOperator("Save", names, [], db=path, absolute_path=1))
    other = Workspace()
    other.run_operator_once(core.CreateOperator("Load", [], names, db=path, absolute_path=1))
    for n in names:
        assert _identical(other.fetch_blob(n), ws.fetch_blob(n)), n
