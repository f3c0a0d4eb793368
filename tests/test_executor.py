"""The compiled plan: RunNet/RunNetOnce semantics, errors, buffers, deferred outputs, guard."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from graphlab import core, workspace
from graphlab.diagnostics import DivergenceError
from graphlab.errors import GraphlabError, GraphlabWarning, OperatorError, RepeatedOpWarning
from graphlab.fast.blobstore import BlobStore
from graphlab.fast.compiled import OutBuffer, compiles
from graphlab.registry import register_op

# ---- test-only ops with compile hooks ----------------------------------------------------

CALLS: dict[str, int] = {"plain": 0, "fast": 0}


@register_op("_EXScaleTwice", outputs=2)
def _ex_scale_twice(X: np.ndarray, *, scale: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """``Y = scale·X``, ``Z = X + 1`` (Z is the output the plan may defer)."""
    CALLS["plain"] += 1
    return X * np.asarray(scale, X.dtype), X + np.ones((), X.dtype)


@compiles("_EXScaleTwice")
def _ex_scale_twice_fast(args: dict[str, Any], needed: tuple[bool, ...]):
    scale = args["scale"]
    y_buf = OutBuffer()

    def run(X: np.ndarray):
        CALLS["fast"] += 1
        y = y_buf.get(X.shape, X.dtype)
        np.multiply(X, np.asarray(scale, X.dtype), out=y)
        z = X + np.ones((), X.dtype) if needed[1] else None
        return y, z

    return run


@register_op("_EXBuffered")
def _ex_buffered(X: np.ndarray) -> np.ndarray:
    """``Y = X + 1`` (its compile hook writes into the previous output buffer)."""
    return X + np.ones((), X.dtype)


@compiles("_EXBuffered")
def _ex_buffered_fast(args: dict[str, Any], needed: tuple[bool, ...]):
    buf = OutBuffer()

    def run(X: np.ndarray) -> np.ndarray:
        y = buf.get(X.shape, X.dtype)
        np.add(X, np.ones((), X.dtype), out=y)
        return y

    return run


def _counter_net(name: str = "count") -> core.Net:
    net = core.Net(name)
    net.Iter("ITER", "ITER")
    return net


def _ws() -> workspace.Workspace:
    return workspace.CurrentWorkspaceObject()


# ---- RunNet / RunNetOnce / CreateNet ------------------------------------------------------


def test_run_net_num_iter_runs_the_net_that_many_times():
    workspace.FeedBlob("ITER", np.zeros(1, np.int64))
    net = _counter_net()
    workspace.CreateNet(net)
    workspace.RunNet(net.Proto().name, num_iter=5)
    workspace.RunNet(net, 3)
    assert workspace.FetchBlob("ITER").tolist() == [8]
    workspace.RunNet(net, 0)
    assert workspace.FetchBlob("ITER").tolist() == [8]


def test_run_net_once_makes_fresh_operators_and_run_net_keeps_them():
    net = core.Net("fill")
    net.GaussianFill([], "X", shape=[3], run_once=1)
    workspace.RunNetOnce(net)
    first = workspace.FetchBlob("X")
    workspace.RunNetOnce(net)
    second = workspace.FetchBlob("X")
    assert not np.array_equal(first, second)  # run_once ignored by fresh instances
    workspace.CreateNet(net)
    workspace.RunNet(net)
    created = workspace.FetchBlob("X")
    workspace.RunNet(net, 4)
    np.testing.assert_array_equal(workspace.FetchBlob("X"), created)  # filled once only


def test_created_random_stream_continues_between_runs():
    net = core.Net("noise")
    net.GaussianFill([], "X", shape=[4], run_once=0)
    workspace.CreateNet(net)
    workspace.RunNet(net)
    a = workspace.FetchBlob("X")
    workspace.RunNet(net)
    assert not np.array_equal(a, workspace.FetchBlob("X"))


def test_identical_create_is_a_no_op_and_changed_net_needs_overwrite():
    workspace.FeedBlob("ITER", np.zeros(1, np.int64))
    net = _counter_net()
    workspace.CreateNet(net)
    plan = _ws().plan(net)
    assert workspace.CreateNet(net) is True
    assert _ws().plan(net) is plan
    with pytest.warns(RepeatedOpWarning, match="Did this cell run twice"):
        net.Iter("ITER", "ITER")
    with pytest.raises(GraphlabError, match="overwrite=True"):
        workspace.CreateNet(net)
    workspace.CreateNet(net, overwrite=True)
    assert _ws().plan(net) is not plan
    workspace.RunNet(net)
    assert workspace.FetchBlob("ITER").tolist() == [2]


def test_ops_added_after_create_net_are_not_seen_until_overwrite():
    workspace.FeedBlob("ITER", np.zeros(1, np.int64))
    net = _counter_net()
    workspace.CreateNet(net)
    with pytest.warns(RepeatedOpWarning):
        net.Iter("ITER", "ITER")
    with pytest.warns(GraphlabWarning, match="overwrite=True"):
        workspace.RunNet(net)
    assert workspace.FetchBlob("ITER").tolist() == [1]


def test_run_net_of_unknown_net_names_it():
    with pytest.raises(GraphlabError, match="Can't find net 'nope'"):
        workspace.RunNet("nope")


def test_num_iter_must_be_an_int():
    workspace.FeedBlob("ITER", np.zeros(1, np.int64))
    net = _counter_net()
    workspace.CreateNet(net)
    with pytest.raises(TypeError, match="num_iter"):
        workspace.RunNet(net, 2.5)


def test_plan_source_has_one_line_per_op():
    workspace.FeedBlob("X", np.ones((2, 3), np.float32))
    net = core.Net("src")
    net.Relu("X", "Y")
    net.Relu("Y", "Z")
    workspace.CreateNet(net)
    text = _ws().plan(net).source()
    assert "blobs['Y'] = _f0(blobs['X'])" in text
    assert "blobs['Z'] = _f1(blobs['Y'])" in text


# ---- errors ---------------------------------------------------------------------------------


def _fc_net() -> core.Net:
    net = core.Net("fcnet")
    net.Relu("X", "H")
    net.FC(["H", "W", "b"], "Y")
    return net


def _feed_fc(k_in: int = 3) -> None:
    workspace.FeedBlob("X", np.ones((4, 3), np.float32))
    workspace.FeedBlob("W", np.ones((2, k_in), np.float32))
    workspace.FeedBlob("b", np.zeros(2, np.float32))


def test_failing_op_message_names_everything_and_leaves_blobs_intact():
    _feed_fc()
    net = _fc_net()
    workspace.CreateNet(net)
    workspace.RunNet(net)
    y_before = workspace.FetchBlob("Y")
    workspace.FeedBlob("X", np.full((4, 5), -2.0, np.float32))  # wrong feature size now
    with pytest.raises(OperatorError) as info:
        workspace.RunNet(net)
    msg = str(info.value)
    assert msg.startswith(f"FC (op #1 of net '{net.Name()}') failed:")
    assert "H: float32[4, 5]" in msg and "W: float32[2, 3]" in msg and "b: float32[2]" in msg
    assert "created at" in msg and "test_executor.py" in msg
    assert "hint:" in msg
    # the op before the failure ran; the failing op wrote nothing
    np.testing.assert_array_equal(workspace.FetchBlob("H"), np.zeros((4, 5), np.float32))
    np.testing.assert_array_equal(workspace.FetchBlob("Y"), y_before)


def test_failure_in_a_later_iteration_says_which_and_run_net_once_agrees():
    _feed_fc(k_in=5)
    net = _fc_net()
    with pytest.raises(OperatorError) as once:
        workspace.RunNetOnce(net)
    workspace.FeedBlob("Y", np.zeros((4, 2), np.float32))
    workspace.CreateNet(net)
    with pytest.raises(OperatorError) as created:
        workspace.RunNet(net, 3)
    assert str(once.value) == str(created.value)
    assert f"FC (op #1 of net '{net.Name()}') failed" in str(created.value)


def test_iteration_number_appears_when_it_is_not_the_first():
    workspace.FeedBlob("X", np.ones((4, 3), np.float32))
    workspace.FeedBlob("W", np.ones((2, 3), np.float32))
    workspace.FeedBlob("b", np.zeros(2, np.float32))
    net = core.Net("shrink")
    net.FC(["X", "W", "b"], "H")
    net.Copy("H", "X")  # X [4, 3] -> [4, 2]: the second run no longer fits
    workspace.CreateNet(net)
    with pytest.raises(OperatorError) as info:
        workspace.RunNet(net, 3)
    assert f"FC (op #0 of net '{net.Name()}', iteration 2) failed" in str(info.value)
    assert "X: float32[4, 2]" in str(info.value)
    assert workspace.FetchBlob("X").shape == (4, 2)


def test_missing_input_after_create_net_is_reported_with_a_hint():
    _feed_fc()
    net = _fc_net()
    workspace.CreateNet(net)
    _ws().remove_blob("W")
    with pytest.raises(OperatorError) as info:
        workspace.RunNet(net)
    msg = str(info.value)
    assert f"FC (op #1 of net '{net.Name()}') failed: missing input blob" in msg
    assert "W: <missing>" in msg and "FeedBlob('W', value)" in msg


def test_create_net_before_init_net_fails_naming_the_blob():
    net = _fc_net()
    with pytest.raises(OperatorError, match="'W' is needed by FC"):
        workspace.CreateNet(net)


# ---- buffers and dtypes ------------------------------------------------------------------------


def test_buffer_reuse_never_changes_a_fetched_array():
    workspace.FeedBlob("X", np.zeros(3, np.float32))
    net = core.Net("buf")
    net._EXBuffered("X", "X1")
    net._EXBuffered("X1", "X")  # X grows by 2 per run
    workspace.CreateNet(net)
    workspace.RunNet(net)
    fetched = workspace.FetchBlob("X1")
    held = _ws().store["X1"]  # a reference kept by someone: must not be overwritten
    held_copy = held.copy()
    workspace.RunNet(net, 3)
    np.testing.assert_array_equal(fetched, [1, 1, 1])
    np.testing.assert_array_equal(held, held_copy)
    np.testing.assert_array_equal(workspace.FetchBlob("X1"), [7, 7, 7])
    np.testing.assert_array_equal(workspace.FetchBlob("X"), [8, 8, 8])


def test_out_buffer_reuses_only_unshared_arrays():
    buf = OutBuffer()
    store = BlobStore()
    store["Y"] = buf.get((2,), np.float32)
    first = id(store["Y"])
    assert id(buf.get((2,), np.float32)) == first  # only buffer and store hold it
    keep = store["Y"]
    assert buf.get((2,), np.float32) is not keep  # someone else holds it
    assert buf.get((3,), np.float32).shape == (3,)
    assert buf.get((3,), np.float64).dtype == np.float64


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_training_net_keeps_its_float_dtype(dtype):
    rng = np.random.default_rng(0)
    workspace.FeedBlob("X", rng.standard_normal((8, 2)).astype(dtype))
    workspace.FeedBlob("Y", rng.standard_normal((8, 1)).astype(dtype))
    workspace.FeedBlob("W", np.zeros((1, 2), dtype))
    workspace.FeedBlob("B", np.zeros(1, dtype))
    workspace.FeedBlob("ONE", np.ones(1, dtype))
    workspace.FeedBlob("ITER", np.zeros(1, np.int64))
    net = core.Net("dtype")
    pred = net.FC(["X", "W", "B"], "pred")
    dist = net.SquaredL2Distance([pred, "Y"], "dist")
    loss = net.AveragedLoss(dist, "loss")
    grads = net.AddGradientOperators([loss])
    net.Iter("ITER", "ITER")
    net.LearningRate("ITER", "LR", base_lr=-0.1, policy="fixed")
    net.WeightedSum(["W", "ONE", grads["W"], "LR"], "W")
    workspace.CreateNet(net)
    workspace.RunNet(net, 3)
    for name in ["pred", "dist", "loss", "W", "B_grad", "W_grad", "pred_grad"]:
        assert workspace.FetchBlob(name).dtype == dtype, name


# ---- deferred outputs ------------------------------------------------------------------------


def _deferring_net() -> core.Net:
    net = core.Net("defer")
    net._EXScaleTwice("X", ["Y", "Z"], scale=3.0)
    net.Relu("Y", "R")
    return net


def test_unread_output_is_deferred_and_fetch_gives_the_right_value():
    workspace.FeedBlob("X", np.arange(3, dtype=np.float32))
    net = _deferring_net()
    workspace.CreateNet(net)
    assert _ws().plan(net).deferred_outputs == ["Z"]
    CALLS.update(plain=0, fast=0)
    workspace.RunNet(net, 2)
    assert CALLS == {"plain": 0, "fast": 2}
    assert _ws().store.is_deferred("Z")
    assert "Z" in workspace.Blobs() and workspace.HasBlob("Z")
    workspace.FeedBlob("X", np.full(3, 10, np.float32))  # later changes must not leak in
    np.testing.assert_array_equal(workspace.FetchBlob("Z"), [1, 2, 3])
    assert CALLS["plain"] == 1
    np.testing.assert_array_equal(workspace.FetchBlob("Z"), [1, 2, 3])
    assert CALLS["plain"] == 1  # computed once, then stored


def test_deferred_blob_is_computed_for_another_net_and_for_run_operator_once():
    workspace.FeedBlob("X", np.ones(2, np.float32))
    net = _deferring_net()
    workspace.CreateNet(net)
    workspace.RunNet(net)
    reader = core.Net("reader")
    reader.Relu("Z", "Z2")
    workspace.RunNetOnce(reader)
    np.testing.assert_array_equal(workspace.FetchBlob("Z2"), [2, 2])
    workspace.RunNet(net)
    workspace.RunOperatorOnce(core.CreateOperator("Relu", ["Z"], ["Z3"]))
    np.testing.assert_array_equal(workspace.FetchBlob("Z3"), [2, 2])


def test_outputs_that_the_net_reads_or_exports_are_not_deferred():
    workspace.FeedBlob("X", np.ones(2, np.float32))
    reads = core.Net("reads")
    reads._EXScaleTwice("X", ["Y", "Z"])
    reads.Relu("Z", "R")
    exports = _deferring_net()
    exports.AddExternalOutput("Z")
    later = core.Net("later")  # read by an earlier op: seen on the next iteration
    later.Relu("Z", "R")
    later._EXScaleTwice("X", ["Y", "Z"])
    workspace.FeedBlob("Z", np.zeros(2, np.float32))
    for net in (reads, exports, later):
        workspace.CreateNet(net)
        assert "Z" not in _ws().plan(net).deferred_outputs
        workspace.RunNet(net)
        assert not _ws().store.is_deferred("Z")


def test_defer_unread_false_computes_everything():
    workspace.FeedBlob("X", np.ones(2, np.float32))
    net = _deferring_net()
    _ws().create_net(net, defer_unread=False)
    workspace.RunNet(net)
    assert not _ws().store.is_deferred("Z")
    np.testing.assert_array_equal(workspace.FetchBlob("Z"), [2, 2])


def test_seed_style_fc_gradient_x_grad_fetch_matches_formula():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((16, 3)).astype(np.float32)
    workspace.FeedBlob("X", X)
    workspace.FeedBlob("W", rng.standard_normal((1, 3)).astype(np.float32))
    workspace.FeedBlob("B", np.zeros(1, np.float32))
    workspace.FeedBlob("T", rng.standard_normal((16, 1)).astype(np.float32))
    net = core.Net("xgrad")
    pred = net.FC(["X", "W", "B"], "pred")
    loss = net.AveragedLoss(net.SquaredL2Distance([pred, "T"], "dist"), "loss")
    net.AddGradientOperators([loss])
    workspace.CreateNet(net)
    workspace.RunNet(net)
    W = workspace.FetchBlob("W")
    dpred = (workspace.FetchBlob("pred") - workspace.FetchBlob("T")) / 16
    np.testing.assert_allclose(workspace.FetchBlob("X_grad"), dpred @ W, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(workspace.FetchBlob("W_grad"), dpred.T @ X, rtol=1e-5, atol=1e-7)


def test_blob_store_behaves_like_a_dict_with_deferred_entries():
    store = BlobStore()
    store["a"] = 1
    calls = []
    store.defer("b", lambda: calls.append(1) or 2)
    assert "b" in store and len(store) == 2 and sorted(store) == ["a", "b"]
    assert list(store.keys()) == ["a", "b"] and calls == []
    assert store.get("b") == 2 and calls == [1]
    store.defer("c", lambda: 3)
    store["c"] = 4  # a write replaces the recipe
    assert store["c"] == 4 and len(store) == 3
    store.defer("d", lambda: 5)
    del store["d"]
    assert "d" not in store and store.get("d", "gone") == "gone"
    assert dict(store.items()) == {"a": 1, "b": 2, "c": 4}
    with pytest.raises(KeyError):
        store["zzz"]


# ---- the divergence guard ------------------------------------------------------------------------


def _diverging_net(base_lr: float) -> core.Net:
    rng = np.random.default_rng(0)
    workspace.FeedBlob("X", rng.standard_normal((32, 2)).astype(np.float32) * 10)
    workspace.FeedBlob("T", rng.standard_normal((32, 1)).astype(np.float32))
    workspace.FeedBlob("W", np.zeros((1, 2), np.float32))
    workspace.FeedBlob("B", np.zeros(1, np.float32))
    workspace.FeedBlob("ONE", np.ones(1, np.float32))
    workspace.FeedBlob("ITER", np.zeros(1, np.int64))
    net = core.Net("diverge")
    pred = net.FC(["X", "W", "B"], "pred")
    loss = net.AveragedLoss(net.SquaredL2Distance([pred, "T"], "dist"), "loss")
    grads = net.AddGradientOperators([loss])
    net.Iter("ITER", "ITER")
    net.LearningRate("ITER", "LR", base_lr=base_lr, policy="fixed")
    net.WeightedSum(["W", "ONE", grads["W"], "LR"], "W")
    net.WeightedSum(["B", "ONE", grads["B"], "LR"], "B")
    return net


def test_guard_off_lets_nan_through():
    net = _diverging_net(-10.0)
    workspace.CreateNet(net)
    with np.errstate(all="ignore"):
        workspace.RunNet(net, 60)
    assert not np.isfinite(workspace.FetchBlob("W")).all()


@pytest.mark.parametrize("how", ["create", "run", "workspace", "once"])
def test_guard_names_the_first_op_that_produced_nan_or_inf(how):
    net = _diverging_net(-10.0)
    with np.errstate(all="ignore"), pytest.raises(DivergenceError) as info:
        if how == "create":
            workspace.CreateNet(net, check_finite=True)
            workspace.RunNet(net, 60)
        elif how == "run":
            workspace.CreateNet(net)
            workspace.RunNet(net, 60, check_finite=True)
        elif how == "workspace":
            workspace.SetDivergenceGuard(True)
            workspace.CreateNet(net)
            workspace.RunNet(net, 60)
        else:
            workspace.SetDivergenceGuard(True)
            for _ in range(60):
                workspace.RunNetOnce(net)
    msg = str(info.value)
    assert msg.startswith("Divergence guard: ")
    assert "created at" in msg and "test_executor.py" in msg
    assert "all inputs were finite" in msg and "smaller base_lr" in msg
    assert "NOT finite" in msg and "previous value" in msg
    first_line = msg.splitlines()[0]
    op_type = first_line.split(": ", 1)[1].split(" ")[0]
    assert op_type in {"FC", "SquaredL2Distance", "AveragedLoss", "SquaredL2DistanceGradient",
                       "FCGradient", "WeightedSum", "AveragedLossGradient"}
    # the op's outputs were not written: every blob is still finite
    for name in ["W", "B", "pred", "dist"]:
        assert np.isfinite(workspace.FetchBlob(name)).all(), name


def test_guard_blames_nan_data_on_the_input():
    net = _diverging_net(-0.01)
    X = workspace.FetchBlob("X")
    X[3, 1] = np.nan
    workspace.FeedBlob("X", X)
    workspace.CreateNet(net)
    with pytest.raises(DivergenceError) as info:
        workspace.RunNet(net, check_finite=True)
    msg = str(info.value)
    assert msg.startswith("Divergence guard: FC (op #0")
    assert "X: float32[32, 2] NOT finite (1 NaN of 64)" in msg
    assert "'X' were already non-finite" in msg


def test_guard_off_adds_no_code_and_on_checks_every_output():
    net = _diverging_net(-0.1)
    workspace.CreateNet(net)
    plan = _ws().plan(net)
    assert "_nonfinite" not in plan.source()
    n_float_outputs = sum(len(op.output) for op in net.Proto().op) - 1  # ITER is an int
    assert plan.source(check_finite=True).count("_nonfinite(") >= n_float_outputs
    workspace.RunNet(net, 5, check_finite=True)  # finite run: no error


# ---- parsed-argument cache and the benchmark's baseline ------------------------------------


def test_changed_arguments_are_parsed_again():
    op = core.CreateOperator("ConstantFill", [], ["C"], shape=[2], value=1.0)
    workspace.RunOperatorOnce(op)
    np.testing.assert_array_equal(workspace.FetchBlob("C"), [1, 1])
    op.arg[1].f = 3.0  # edit the OperatorDef in place: same op object, new value
    workspace.RunOperatorOnce(op)
    np.testing.assert_array_equal(workspace.FetchBlob("C"), [3, 3])


def test_benchmark_hand_numpy_step_is_the_same_computation():
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_runnet.py"
    spec = importlib.util.spec_from_file_location("bench_runnet", path)
    bench = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_runnet", bench)  # dataclasses look their module up
    spec.loader.exec_module(bench)
    assert bench.check_same_result(bench.Problem(64, 2, False)) == 0.0
    assert bench.check_same_result(bench.Problem(256, 8, True)) == 0.0
    timing = bench.basics(rounds=2, target_s=0.001)
    assert set(timing.samples) == {"RunNetOnce", "RunNet"}
    assert all(len(s) == 2 for s in timing.samples.values())
    paired = [a / b for a, b in zip(timing.samples["RunNetOnce"], timing.samples["RunNet"])]
    # the median of the per-round ratios, not the ratio of the medians
    assert timing.ratio("RunNetOnce", "RunNet") == pytest.approx((paired[0] + paired[1]) / 2)


def test_blob_store_matches_a_plain_dict_under_any_sequence_of_operations():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    names = st.sampled_from(["a", "b", "c"])
    ops = st.lists(st.tuples(st.sampled_from(["set", "defer", "get", "del", "pop", "iter"]),
                             names, st.integers(0, 9)), max_size=30)

    @settings(max_examples=100, deadline=None)
    @given(ops)
    def check(sequence):
        store, model = BlobStore(), {}
        for action, name, value in sequence:
            if action == "set":
                store[name] = model[name] = value
            elif action == "defer":
                store.defer(name, lambda v=value: v)
                model[name] = value
            elif action == "get":
                assert store.get(name) == model.get(name)
                assert (name in store) == (name in model)
            elif action in ("del", "pop") and name in model:
                del model[name]
                if action == "del":
                    del store[name]
                else:
                    store.pop(name)
            elif action == "iter":
                assert sorted(store) == sorted(model) and len(store) == len(model)
        assert dict(store.items()) == model

    check()


def test_blob_store_copy_is_a_table_of_its_own():
    import copy

    store = BlobStore()
    store["a"] = 1
    store.defer("b", lambda: 2)
    twin = copy.copy(store)
    twin["c"] = 3
    del twin["a"]
    assert sorted(store) == ["a", "b"] and sorted(twin) == ["b", "c"]
    assert twin["b"] == 2 and store.is_deferred("b")  # computing in the copy leaves the original
    assert store.copy() == {"a": 1, "b": 2}
