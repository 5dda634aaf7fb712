"""SharedState: claims stop at the budget, counters move together, the snapshot gate."""
import multiprocessing as mp
import threading
import time

from chainer_spiral.runs.snapshots import Counters
from chainer_spiral.training.state import SharedState

CTX = mp.get_context('fork')


def test_claims_stop_at_the_first_multiple_at_or_above_the_budget():
    state = SharedState(CTX, Counters(), total_steps=100, save_interval=0)
    granted = 0
    while state.claim(32):
        granted += 32
    assert granted == 128            # 0, 32, 64, 96 < 100: four claims
    assert not state.claim(32)


def test_a_resumed_state_claims_from_its_counters():
    state = SharedState(CTX, Counters(steps=96, updates=3, episodes=48), 100, 0)
    assert state.claim(32) and not state.claim(32)
    assert state.counters() == Counters(96, 3, 48)


def test_end_update_counts_steps_updates_and_episodes_together():
    state = SharedState(CTX, Counters(10, 1, 5), 1000, save_interval=0)
    assert state.begin_update() == 1
    assert not state.quiescent
    assert state.end_update(steps=20, episodes=4) == Counters(30, 2, 9)
    assert state.quiescent
    assert state.begin_update() == 2
    state.abort_update()             # a failed update counts nothing
    assert state.counters() == Counters(30, 2, 9) and state.quiescent


def test_the_update_completing_an_interval_holds_back_new_updates_until_resume():
    state = SharedState(CTX, Counters(), 1000, save_interval=2)
    for _ in range(2):
        state.begin_update()
        state.end_update(10, 1)
    assert state.snapshot_pending
    entered = []
    thread = threading.Thread(target=lambda: entered.append(state.begin_update()))
    thread.start()
    time.sleep(0.1)
    assert entered == []             # blocked while the snapshot is pending
    state.resume()
    thread.join(2)
    assert entered == [2]


def test_stop_ends_claims_and_releases_waiting_updates():
    state = SharedState(CTX, Counters(), 1000, save_interval=1)
    state.begin_update()
    state.end_update(10, 1)
    assert state.snapshot_pending
    state.request_stop()
    assert state.begin_update() is None
    assert not state.claim(10)
    assert state.stopping
