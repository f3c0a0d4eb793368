"""Reproducibility: seeds give bit-identical programs; random ops draw independent streams.

The program is the seed's toy regression (init net + train net with GaussianFill data,
gradients, Iter/LearningRate/WeightedSum updates).
"""

from __future__ import annotations

import numpy as np
import pytest
from seed_nets import seed_nets

from graphlab import core, workspace
from graphlab.workspace import Workspace


def build_toy_regression(random_data: bool = True) -> tuple[core.Net, core.Net]:
    """The seed program's two nets (new Net objects, so new unique names each call)."""
    nets = seed_nets(random_data=random_data)
    return nets.init_net, nets.train_net


TRACKED = ("W", "B", "loss", "LR", "X")


def train(ws: Workspace, init_net: core.Net, train_net: core.Net, iters: int = 50,
          tracked: tuple[str, ...] = TRACKED) -> list[dict[str, bytes]]:
    """Run the program in ``ws``; every tracked blob's bytes after each iteration."""
    ws.run_net_once(init_net)
    ws.create_net(train_net)
    history = []
    for _ in range(iters):
        ws.run_net(train_net.Name())
        history.append({n: ws.fetch_blob(n).tobytes() for n in tracked})
    return history


@pytest.fixture
def keep_numpy_global_state():
    state = np.random.get_state()
    yield
    np.random.set_state(state)


# ---- seeded workspaces -----------------------------------------------------------------------


def test_same_seed_gives_bit_identical_training_in_fresh_workspaces():
    init_net, train_net = build_toy_regression()
    first = train(Workspace(seed=123), init_net, train_net)
    second = train(Workspace(seed=123), init_net, train_net)
    assert first == second
    other = train(Workspace(seed=124), init_net, train_net)
    assert other[0]["X"] != first[0]["X"] and other[-1]["W"] != first[-1]["W"]


def test_rebuilding_the_program_reproduces_it():
    # Re-running a notebook top to bottom builds new nets, named train_1, init_1 ...;
    # the seed must not depend on those names.
    first = train(Workspace(seed=5), *build_toy_regression())
    second = train(Workspace(seed=5), *build_toy_regression())
    assert first == second


def test_module_functions_with_set_random_seed_and_reset():
    init_net, train_net = build_toy_regression()

    def program() -> list[bytes]:
        workspace.RunNetOnce(init_net)
        workspace.CreateNet(train_net, overwrite=True)
        out = []
        for _ in range(20):
            workspace.RunNet(train_net.Proto().name)
            out.append(workspace.FetchBlob("W").tobytes() + workspace.FetchBlob("X").tobytes())
        return out

    workspace.SetRandomSeed(2024)
    first = program()
    workspace.ResetWorkspace()  # keeps the seed, starts the streams afresh
    assert program() == first
    workspace.ResetWorkspace()
    workspace.SetRandomSeed(2025)
    assert program() != first


def test_debugging_ops_do_not_change_the_numbers(tmp_path):
    init_net, train_net = build_toy_regression()
    plain = train(Workspace(seed=11), init_net, train_net, iters=5)
    init2, train2 = build_toy_regression()
    # A learner adds a checkpoint and a printout at the front of the train net.
    extra = [
        core.CreateOperator("Save", ["W"], [], db=str(tmp_path / "w.npz"), absolute_path=1),
        core.CreateOperator("Print", ["W"], [], to_file=1),
    ]
    train2.Proto().op[:0] = extra
    ws = Workspace(seed=11)
    ws.root_folder = str(tmp_path)  # Print(to_file=1) writes W.log here
    assert train(ws, init2, train2, iters=5) == plain


def test_run_net_once_twice_continues_but_program_repeats():
    init_net, _ = build_toy_regression()
    workspace.SetRandomSeed(9)
    workspace.RunNetOnce(init_net)
    w1 = workspace.FetchBlob("W")
    workspace.RunNetOnce(init_net)
    w2 = workspace.FetchBlob("W")
    assert not np.array_equal(w1, w2)  # a second run draws new numbers
    workspace.ResetWorkspace()
    workspace.RunNetOnce(init_net)
    assert np.array_equal(workspace.FetchBlob("W"), w1)
    workspace.RunNetOnce(init_net)
    assert np.array_equal(workspace.FetchBlob("W"), w2)


def test_created_net_stream_continues_between_runs():
    net = core.Net("draws")
    net.GaussianFill([], "X", shape=[4])
    ws = Workspace(seed=1)
    ws.create_net(net)
    seen = []
    for _ in range(3):
        ws.run_net(net.Name())
        seen.append(ws.fetch_blob("X").tobytes())
    assert len(set(seen)) == 3
    again = Workspace(seed=1)
    again.create_net(net)
    for expected in seen:
        again.run_net(net.Name())
        assert again.fetch_blob("X").tobytes() == expected


@pytest.mark.parametrize("seed", [0, None])
def test_two_fillers_in_one_net_draw_independent_streams(seed):
    net = core.Net("two_fillers")
    net.GaussianFill([], "a", shape=[3, 3])
    net.GaussianFill([], "b", shape=[3, 3])
    net.UniformFill([], "c", shape=[3, 3])
    net.UniformFill([], "d", shape=[3, 3])
    ws = Workspace(seed=seed)
    ws.run_net_once(net)
    a, b, c, d = (ws.fetch_blob(n) for n in "abcd")
    assert not np.array_equal(a, b)
    assert not np.array_equal(c, d)
    # independent streams, not one stream shifted: no value of a reappears in b
    assert not np.isin(a, b).any()


# ---- no seed: NumPy's global generator decides -----------------------------------------------


def test_numpy_global_seed_fixes_unseeded_runs(keep_numpy_global_state):
    init_net, train_net = build_toy_regression()
    np.random.seed(42)
    first = train(Workspace(), init_net, train_net, iters=10)
    np.random.seed(42)
    second = train(Workspace(), init_net, train_net, iters=10)
    assert first == second
    np.random.seed(43)
    assert train(Workspace(), init_net, train_net, iters=10) != first


def test_unseeded_runs_differ(keep_numpy_global_state):
    init_net, _ = build_toy_regression()
    a, b = Workspace(), Workspace()
    a.run_net_once(init_net)
    b.run_net_once(init_net)
    assert not np.array_equal(a.fetch_blob("W"), b.fetch_blob("W"))


# ---- per-op seeds (Net.set_rand_seed, random_seed=) ------------------------------------------


def test_set_rand_seed_reseeds_every_instantiation():
    net = core.Net("fixed")
    net.GaussianFill([], "a", shape=[5])
    net.GaussianFill([], "b", shape=[5])
    net.set_rand_seed(100)
    assert [op.device_option.random_seed for op in net.Proto().op] == [100, 101]
    draws = []
    for ws_seed in (None, 1, 2):
        ws = Workspace(seed=ws_seed)
        ws.run_net_once(net)
        ws.run_net_once(net)  # same numbers again: the op seed wins, as in Caffe2
        draws.append((ws.fetch_blob("a").tobytes(), ws.fetch_blob("b").tobytes()))
    assert draws[0] == draws[1] == draws[2]
    assert draws[0][0] != draws[0][1]


def test_random_seed_argument_on_one_op():
    op = core.CreateOperator("UniformFill", [], ["u"], shape=[6], random_seed=3)
    values = []
    for ws_seed in (None, 7):
        ws = Workspace(seed=ws_seed)
        ws.run_operator_once(op)
        values.append(ws.fetch_blob("u").tobytes())
    assert values[0] == values[1]


# ---- checkpoints resume a run exactly --------------------------------------------------------


def test_resuming_from_a_checkpoint_is_bit_identical(tmp_path):
    # The data is fixed in the init net, so the train net holds no random state and the
    # blobs alone (W, B, ITER ...) determine the rest of the run.
    init_net, train_net = build_toy_regression(random_data=False)
    tracked = ("W", "B", "loss", "LR", "ITER")
    straight = train(Workspace(seed=0), init_net, train_net, iters=40, tracked=tracked)

    first = Workspace(seed=0)
    half = train(first, init_net, train_net, iters=20, tracked=tracked)
    first.save_blobs(tmp_path / "half.npz")

    resumed = Workspace(seed=999)  # a different seed: nothing random is left to draw
    resumed.load_blobs(tmp_path / "half.npz")
    resumed.create_net(train_net)
    rest = []
    for _ in range(20):
        resumed.run_net(train_net.Name())
        rest.append({n: resumed.fetch_blob(n).tobytes() for n in tracked})
    assert half + rest == straight
