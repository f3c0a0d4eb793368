"""The central contract: the fast path equals the interpreter.

:mod:`graphlab.interpreter` defines what running a net does. ``CreateNet`` + ``RunNet``
(:mod:`graphlab.fast`) must leave exactly the same blobs, bit for bit, whether its runs
are checked or trusted, with deferred outputs or without. Every test here runs the same
program three ways, each in its own workspace with the same random seed:

* ``interpreter``: the net run op by op through :func:`graphlab.interpreter.run_net`,
  keeping the ops' contexts from run to run (as a created net keeps its op instances:
  random streams continue, ``run_once`` fillers fill once);
* ``checked``: ``create_net(net, trust_layouts=False)``, every op checked on every run;
* ``fast``: ``create_net(net)``, trusted runs and deferred outputs allowed;

and compares every blob of the three workspaces: shape, dtype and bytes. The only thing
normalised is what IEEE arithmetic leaves unspecified: NaN payloads and the sign of zero.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ops_generic import FORWARD

from graphlab import core
from graphlab.errors import GraphlabError
from graphlab.gradient_checker import op_blob_names
from graphlab.interpreter import run_net
from graphlab.proto import NetDef
from graphlab.registry import NO_GRADIENT, OpContext, get_schema, register_op
from graphlab.workspace import Workspace

MODES = ("interpreter", "checked", "fast")


# ---- running one program three ways ---------------------------------------------------------


@dataclass
class Runner:
    """One workspace running one net, the way ``mode`` says."""

    mode: str
    ws: Workspace
    net: NetDef
    contexts: dict[int, OpContext]

    @classmethod
    def make(cls, mode: str, net: NetDef, feeds: dict[str, np.ndarray], root: str = "",
             defer: bool = True) -> Runner:
        ws = Workspace(seed=0)
        ws.root_folder = root or None
        for name, value in feeds.items():
            ws.feed_blob(name, value)
        runner = cls(mode, ws, net, {})
        if mode != "interpreter":
            ws.create_net(net, trust_layouts=mode == "fast", defer_unread=defer)
        return runner

    def run(self, num_iter: int = 1, check_finite: bool = False) -> None:
        if self.mode == "interpreter":
            for _ in range(num_iter):
                run_net(self.net, self.ws, check_finite, contexts=self.contexts)
        else:
            self.ws.run_net(self.net.name, num_iter, check_finite=check_finite)

    def blobs(self) -> dict[str, np.ndarray]:
        return {name: self.ws.fetch_blob(name) for name in self.ws.blobs()}


def _canonical(a: Any) -> tuple[str, tuple[int, ...], bytes]:
    """dtype, shape and bytes, with NaN payloads and signed zeros made uniform."""
    a = np.asarray(a)
    if a.dtype.kind in "fc":
        a = np.where(np.isnan(a), np.nan, a).astype(a.dtype) + a.dtype.type(0)
    return a.dtype.str, a.shape, np.ascontiguousarray(a).tobytes()


def _same_bits(a: Any, b: Any) -> bool:
    """Same dtype, shape and bytes (the quick test before :func:`_canonical`)."""
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind in "OUS":
        return a.tobytes() == b.tobytes()
    return np.array_equal(a.reshape(-1).view(np.uint8), b.reshape(-1).view(np.uint8))


def assert_same_blobs(runners: list[Runner]) -> None:
    first = runners[0].blobs()
    for other in runners[1:]:
        blobs = other.blobs()
        assert sorted(blobs) == sorted(first), (other.mode, sorted(blobs), sorted(first))
        for name, value in first.items():
            if _same_bits(blobs[name], value):
                continue
            assert _canonical(blobs[name]) == _canonical(value), (
                f"blob {name!r}: {other.mode} differs from {runners[0].mode}:\n"
                f"{blobs[name]!r}\n{value!r}")


def each(runners: list[Runner], action: Callable[[Runner], Any]) -> None:
    """Do ``action`` in every runner; an error must happen in all of them or in none."""
    errors = []
    for r in runners:
        try:
            action(r)
            errors.append(None)
        except GraphlabError as exc:
            errors.append(type(exc))
    assert len(set(errors)) == 1, list(zip(MODES, errors))


# ---- every op case ----------------------------------------------------------------------------


def _one_op_net(op_type: str, case: Any, inputs: list[np.ndarray]) -> NetDef:
    """The case's op in a net of its own, followed by its gradient ops when it has some."""
    if case.n_outputs is not None:
        n_out = case.n_outputs
    else:
        want = case.reference(*[x.copy() for x in inputs], **case.args)
        n_out = len(want) if isinstance(want, tuple) else 1
    in_names, out_names = op_blob_names(op_type, len(inputs), n_out, case.inplace)
    net = core.Net(f"contract_{op_type}")
    net.Proto().op.append(core.CreateOperator(op_type, in_names, out_names, **case.args))
    if get_schema(op_type).differentiable and not case.skip_grad:
        ys = [o for k, o in enumerate(out_names)
              if case.grad_outputs is None or k in case.grad_outputs]
        try:
            net.AddGradientOperators(ys)
        except (GraphlabError, ValueError, TypeError):
            pass  # e.g. an integer output: the forward op alone
    return net.Proto()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # in-place Exp, run 4 times, overflows
@pytest.mark.parametrize(("op_type", "case"), FORWARD)
def test_every_op_case_created_net_equals_interpreter(op_type: str, case: Any, tmp_path: Any):
    """Each op case (with its gradient ops) as a net run four times: checked, checked,
    then trusted where the net allows it; every blob equals the interpreter's."""
    inputs = [np.asarray(x) for x in case.make_inputs(np.random.default_rng(0))]
    net = _one_op_net(op_type, case, inputs)
    feeds = dict(zip(net.op[0].input, inputs))
    runners = []
    for mode in MODES:
        (tmp_path / mode).mkdir()
        runners.append(Runner.make(mode, net, feeds, str(tmp_path / mode)))
    for _ in range(2):
        each(runners, lambda r: r.run(2))
    assert_same_blobs(runners)


# ---- known gaps, closed ------------------------------------------------------------------------


def test_averaged_loss_over_more_than_2_to_the_24_float32_elements():
    """float32(2**24 + 1) is 2**24: the plain kernel divides by the float32 size, and so
    must the compiled form (it used to divide by the exact size from its second run)."""
    X = np.ones((2**24 + 1,), np.float32)
    X[-7:] = 3.0
    net = core.Net("big_mean")
    loss = net.AveragedLoss(["X"], "loss")
    net.AddGradientOperators([loss])
    runners = [Runner.make(mode, net.Proto(), {"X": X}) for mode in MODES]
    each(runners, lambda r: r.run(3))  # checked, checked (the compiled road), trusted
    assert_same_blobs(runners)
    expected = np.float32(X.sum(dtype=np.float32)) / np.float32(X.size)
    assert runners[2].ws.fetch_blob("loss") == expected


def test_fc_gradient_on_an_empty_batch_inside_a_net():
    """M = 0 rows: FC gives [0, N], FCGradient gives zero dW and db and an empty dX (its
    kernel used to reshape with -1, which NumPy cannot infer from a size of 0)."""
    net = core.Net("empty_batch")
    y = net.FC(["X", "W", "b"], "Y")
    net.SquaredL2Distance([y, "T"], "dist")
    net.AddGradientOperators(["dist"])
    feeds = {"X": np.zeros((0, 3), np.float32), "W": np.ones((2, 3), np.float32),
             "b": np.ones((2,), np.float32), "T": np.zeros((0, 2), np.float32)}
    runners = [Runner.make(mode, net.Proto(), feeds) for mode in MODES]
    for _ in range(3):
        each(runners, lambda r: r.run())
    assert_same_blobs(runners)
    ws = runners[2].ws
    np.testing.assert_array_equal(ws.fetch_blob("W_grad"), np.zeros((2, 3), np.float32))
    np.testing.assert_array_equal(ws.fetch_blob("b_grad"), np.zeros((2,), np.float32))
    assert ws.fetch_blob("X_grad").shape == (0, 3)


# ---- random training nets, random programs ----------------------------------------------------


_ACTIVATIONS = ["Relu", "Tanh", "Sigmoid", "LeakyRelu", "Scale", "Copy"]
_POLICIES = [{"policy": "fixed"}, {"policy": "step", "stepsize": 3, "gamma": 0.5},
             {"policy": "inv", "gamma": 0.01, "power": 0.5}]


@dataclass
class Model:
    net: NetDef
    init: NetDef
    feeds: dict[str, np.ndarray]
    data: list[str]  # fed data blobs (refed by programs)
    params: list[str]


def _model(draw: Any) -> Model:
    """A seed-like training net: data (fed, or drawn by GaussianFill ops), FC layers with
    activations, a loss, the gradient ops, and SGD updates (Iter, LearningRate,
    WeightedSum)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    n, d = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    init, train = core.Net("contract_init"), core.Net("contract_train")
    feeds: dict[str, np.ndarray] = {}
    data: list[str] = []
    if draw(st.booleans()):  # the seed's way: data drawn inside the net
        x = train.GaussianFill([], "X", shape=[n, d], mean=0.0, std=1.0,
                               run_once=draw(st.sampled_from([0, 1])))
    else:
        feeds["X"] = rng.normal(size=(n, d)).astype(np.float32)
        x, data = core.BlobReference("X"), ["X"]
    params = []
    width = d
    for layer in range(draw(st.integers(1, 3))):
        out = draw(st.integers(1, 3))
        w, b = f"W{layer}", f"b{layer}"
        init.GaussianFill([], w, shape=[out, width], mean=0.0, std=0.5, run_once=0)
        init.ConstantFill([], b, shape=[out], value=draw(st.sampled_from([0.0, 0.25])))
        params += [w, b]
        x = train.FC([x, w, b], f"h{layer}")
        act = draw(st.sampled_from(_ACTIVATIONS))
        extra = {"alpha": 0.1} if act == "LeakyRelu" else {"scale": 0.5} if act == "Scale" else {}
        if draw(st.booleans()):
            x = getattr(train, act)([x], f"a{layer}", **extra)
        width = out
    if draw(st.booleans()):
        feeds["T"] = rng.normal(size=(n, width)).astype(np.float32)
        data.append("T")
        if draw(st.booleans()):
            noise = train.GaussianFill(["T"], "noise", mean=0.0, std=0.1, run_once=0)
            target = train.Add(["T", noise], "T_noisy")
        else:
            target = core.BlobReference("T")
        dist = train.SquaredL2Distance([x, target], "dist")
        loss = train.AveragedLoss([dist], "loss")
    else:
        loss = train.AveragedLoss([x], "loss")
    train.AddGradientOperators([loss])
    init.ConstantFill([], "ONE", shape=[1], value=1.0)
    init.ConstantFill([], "ITER", shape=[1], value=0, dtype=core.DataType.INT64)
    train.Iter("ITER", "ITER")
    lr = train.LearningRate("ITER", "LR", base_lr=-draw(st.sampled_from([0.01, 0.1])),
                            **draw(st.sampled_from(_POLICIES)))
    for p in params:
        train.WeightedSum([p, "ONE", f"{p}_grad", lr], p)
    return Model(train.Proto(), init.Proto(), feeds, data, params)


def _refeed(value: np.ndarray, how: str, rng: np.random.Generator) -> np.ndarray:
    """New data for a fed blob: same layout, another batch size, Fortran order, float64."""
    if how == "same":
        return rng.normal(size=value.shape).astype(value.dtype)
    if how == "rows":
        return rng.normal(size=(value.shape[0] + 2, *value.shape[1:])).astype(value.dtype)
    if how == "fortran":
        return np.asfortranarray(rng.normal(size=value.shape).astype(value.dtype))
    return rng.normal(size=value.shape)  # float64


# float64 refeeds beside float32 parameters are part of the programs, on purpose: the
# warning that the parameters' dtype changed (docs/errors.md) is expected here
@pytest.mark.filterwarnings("ignore::graphlab.errors.GraphlabWarning")
@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.data())
def test_random_training_nets_and_programs_match_the_interpreter(data: st.DataObject):
    model = _model(data.draw)
    defer = data.draw(st.booleans(), label="defer_unread")
    runners = []
    for mode in MODES:
        ws = Workspace(seed=0)
        for name, value in model.feeds.items():
            ws.feed_blob(name, value)
        ws.run_net_once(model.init)
        if mode != "interpreter":
            ws.create_net(model.net, trust_layouts=mode == "fast", defer_unread=defer)
        runners.append(Runner(mode, ws, model.net, {}))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="refeeds"))
    names = sorted({*model.params, "X", "loss", "ITER", "LR", *[
        b for op in model.net.op for b in op.output]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a big step may overflow: fine
        for _ in range(data.draw(st.integers(1, 6), label="actions")):
            action = data.draw(st.sampled_from(["run", "run", "guarded run", "feed", "fetch"]))
            if action.endswith("run"):
                k = data.draw(st.integers(0, 4), label="num_iter")
                guard = action == "guarded run"  # the divergence guard: checked, unfused
                each(runners, lambda r, k=k, g=guard: r.run(k, g))
            elif action == "feed" and model.data:
                name = data.draw(st.sampled_from(model.data))
                how = data.draw(st.sampled_from(["same", "rows", "fortran", "float64"]))
                value = _refeed(runners[0].ws.fetch_blob(name), how, rng)
                if how == "rows":  # every fed blob takes the new batch size
                    for other in model.data:
                        old = runners[0].ws.fetch_blob(other)
                        new = _refeed(old, "rows", rng) if other != name else value
                        each(runners, lambda r, o=other, v=new: r.ws.feed_blob(o, v))
                else:
                    each(runners, lambda r, v=value, n=name: r.ws.feed_blob(n, v))
            elif action == "fetch":
                name = data.draw(st.sampled_from(names))
                each(runners, lambda r, n=name: r.ws.fetch_blob(n))
    assert_same_blobs(runners)


# ---- an op whose author never heard of layouts ------------------------------------------------


@register_op("_CTRowsFromCounter", grad=NO_GRADIENT)
def _rows_from_counter(counter: np.ndarray, X: np.ndarray) -> np.ndarray:
    """The first ``counter % 3 + 1`` rows of X: the output's shape follows a *value*. The
    op declares nothing about that (no ``shape_from_values``), as a new op's author would."""
    return X[: int(counter.reshape(-1)[0]) % 3 + 1].copy()


def test_an_op_whose_output_layout_follows_values_needs_no_declaration():
    """A created net stays exact even when a plain op's output changes shape from one
    iteration to the next while the net's inputs stay the same objects: the fast path
    notices and finishes the iteration with checks."""
    net = core.Net("rows_from_counter")
    net.Iter("ITER", "ITER")
    rows = net._CTRowsFromCounter(["ITER", "X"], "rows")
    y = net.FC([rows, "W", "b"], "Y")
    net.AveragedLoss([y], "loss")  # its trusted form divides by the size it last checked
    feeds = {"ITER": np.zeros((1,), np.int64), "X": np.arange(12, dtype=np.float32).reshape(4, 3),
             "W": np.ones((2, 3), np.float32), "b": np.ones((2,), np.float32)}
    runners = [Runner.make(mode, net.Proto(), feeds) for mode in MODES]
    for k in (1, 1, 1, 1, 3, 1, 5):
        each(runners, lambda r, k=k: r.run(k))
        assert_same_blobs(runners)
    # the trusted function checks the plain op's output right after it
    assert "return _resume(store, 2, _it, n)" in runners[2].ws.plan(net).source(trusted=True)


@register_op("_CTRowsAfterTwo", grad=NO_GRADIENT)
def _rows_after_two(counter: np.ndarray, X: np.ndarray) -> np.ndarray:
    """One row of X while ``counter < 3``, then two (undeclared, as above)."""
    return X[: 1 if int(counter.reshape(-1)[0]) < 3 else 2].copy()


def test_an_op_failing_after_a_layout_change_in_a_trusted_run_is_reported_as_usual():
    """Runs 1 and 2 are checked, run 3 is trusted until the plain op's output grows; the
    rest of run 3 goes op by op with checks, and SquaredL2Distance fails there exactly as
    in the interpreter, with the usual message, leaving the same blobs."""
    net = core.Net("grows_then_fails")
    net.Iter("ITER", "ITER")
    rows = net._CTRowsAfterTwo(["ITER", "X"], "rows")
    y = net.FC([rows, "W", "b"], "Y")
    net.SquaredL2Distance([y, "T"], "dist")
    feeds = {"ITER": np.zeros((1,), np.int64), "X": np.ones((4, 3), np.float32),
             "W": np.ones((2, 3), np.float32), "b": np.ones((2,), np.float32),
             "T": np.zeros((1, 2), np.float32)}
    runners = [Runner.make(mode, net.Proto(), feeds) for mode in MODES]
    for _ in range(2):
        each(runners, lambda r: r.run())
    assert runners[2].ws.plan(net).trusted
    messages = []
    for r in runners:
        with pytest.raises(GraphlabError) as info:
            r.run()
        messages.append(str(info.value))
    assert "SquaredL2Distance (op #3 of net 'grows_then_fails') failed" in messages[0]
    assert messages[0] == messages[1] == messages[2]  # the same diagnostics, word for word
    assert not runners[2].ws.plan(net).trusted
    assert_same_blobs(runners)


def test_a_malformed_op_fails_before_any_op_runs_in_both_engines():
    """Arguments are checked for every op before the first runs (the interpreter and
    CreateNet alike), so a net with a bad op changes no blob."""
    from graphlab.proto import OperatorDef, make_argument

    net = core.Net("bad_second_op")
    net.ConstantFill([], "A", shape=[2], value=3.0)
    net.Proto().op.append(OperatorDef(type="Scale", input=["A"], output=["B"],
                                      arg=[make_argument("scael", 2.0)]))
    for run in (lambda ws: ws.run_net_once(net), lambda ws: ws.create_net(net)):
        ws = Workspace()
        with pytest.raises(GraphlabError, match="scael"):
            run(ws)
        assert ws.blobs() == []
