"""Attacks that held in the second robustness round, kept so none can come back.

The promises: a created net run many times (trusted after two runs) gives the same bits
as the reference interpreter whatever is fed between runs; fetched and fed arrays are
copies; workspaces are independent, also in threads. (Random nets against checked runs
live in tests/test_trusted.py and tests/test_fuzz.py; checkpoints in
tests/test_attacks_checkpoint.py.)
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from seed_nets import seed_nets

from graphlab import core, workspace
from graphlab.errors import OperatorError
from graphlab.workspace import Workspace

_NAMES = ("W", "B", "ITER", "LR", "loss", "Y_pred")


def _refeeds() -> list[np.ndarray]:
    """One float32 X per layout a user could feed: C order, Fortran order, a strided
    view, big-endian, and back to plain C order. (float64 X is another matter: it turns
    the parameters float64, with a warning: tests/test_attacks_silent.py.)"""
    base = np.random.default_rng(3).standard_normal((64, 2)).astype(np.float32)
    wide = np.zeros((64, 4), np.float32)
    wide[:, ::2] = base
    return [base, np.asfortranarray(base), wide[:, ::2], base.astype(">f4"), base.copy()]


def _train(ws: Workspace, nets, feeds: list[np.ndarray], created: bool) -> list[bytes]:
    ws.run_net_once(nets.init_net)
    out = []
    if created:
        ws.create_net(nets.train_net)
    for x in feeds:
        for _ in range(3):
            ws.feed_blob("X", x)
            if created:
                ws.run_net(nets.train_net)
            else:
                ws.run_net_once(nets.train_net)
            out.append(b"".join(ws.fetch_blob(n).tobytes() for n in _NAMES))
    return out


def test_refeeds_in_every_layout_and_byte_order_match_the_interpreter():
    nets = seed_nets(random_data=False)
    fast = _train(Workspace(seed=1), nets, _refeeds(), created=True)
    reference = _train(Workspace(seed=1), nets, _refeeds(), created=False)
    assert fast == reference


def test_fetched_and_fed_arrays_are_copies():
    x = np.ones(3, np.float32)
    workspace.FeedBlob("X", x)
    x[:] = 7.0  # editing the fed array afterwards
    fetched = workspace.FetchBlob("X")
    fetched[:] = 9.0  # editing a fetched array in place
    assert workspace.FetchBlob("X").tolist() == [1.0, 1.0, 1.0]


def test_in_place_edits_of_fetched_parameters_do_not_reach_a_trusted_net():
    nets = seed_nets(random_data=False)
    workspace.RunNetOnce(nets.init_net)
    workspace.CreateNet(nets.train_net)
    workspace.RunNet(nets.train_net, num_iter=3)  # trusted from here on
    w = workspace.FetchBlob("W")
    w[:] = 1e6
    workspace.RunNet(nets.train_net)
    assert np.abs(workspace.FetchBlob("W")).max() < 10


def test_six_threads_on_six_workspaces_give_the_serial_results():
    nets = seed_nets(random_data=False)
    serial = _train(Workspace(seed=5), nets, _refeeds()[:2], created=True)
    results: list[list[bytes] | BaseException | None] = [None] * 6

    def work(k: int) -> None:
        try:
            results[k] = _train(Workspace(seed=5), nets, _refeeds()[:2], created=True)
        except BaseException as exc:  # noqa: BLE001 - checked below
            results[k] = exc

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        assert r == serial


@pytest.mark.parametrize("shape", [(10**12, 10**12), (2**62,)])
def test_huge_filler_shapes_fail_cleanly_and_change_nothing(shape):
    workspace.FeedBlob("X", np.ones(2, np.float32))
    before = workspace.FetchBlob("X").tobytes()
    op = core.CreateOperator("ConstantFill", [], ["X"], shape=list(shape), value=1.0)
    with pytest.raises(OperatorError, match=r"ConstantFill \(op #0\) failed: array is too big"):
        workspace.RunOperatorOnce(op)
    assert workspace.FetchBlob("X").tobytes() == before
