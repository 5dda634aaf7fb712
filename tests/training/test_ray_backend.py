"""train.backend: ray on a local Ray cluster: learning, snapshots shared with the processes
backend, a lost worker, a lost learner, and the same gradients as a process worker.

The cluster runs on 127.0.0.1: a head and a second node started here, one CPU each (a worker
actor each; the learner needs no CPU), small object stores, no dashboard.
"""
import csv
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

# Ray resolves 127.0.0.1 to the machine's interface address unless its multi-node support is
# switched off (the switch is named for macOS and Windows, and read when ray is imported): this
# keeps the test cluster's nodes and the driver on the loopback.
os.environ.setdefault('RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER', '0')
ray = pytest.importorskip('ray')

from chainer_spiral.runs import loading  # noqa: E402
from chainer_spiral.runs.snapshots import Counters, list_snapshots, load_snapshot  # noqa: E402
from chainer_spiral.training import TrainingError, train  # noqa: E402
from chainer_spiral.training.ray_backend import export_state, import_state  # noqa: E402

from training_helpers import (REPO, assert_same, optimizer_arrays, toy_config,  # noqa: E402
                              train_toy)

MIB = 2 ** 20


@pytest.fixture(scope='module')
def cluster():
    """Ray's own test cluster: the head and one more node, both on 127.0.0.1."""
    from ray.cluster_utils import Cluster
    node = dict(num_cpus=1, object_store_memory=100 * MIB, node_ip_address='127.0.0.1')
    local = Cluster(initialize_head=True, head_node_args=dict(node, include_dashboard=False))
    local.add_node(**node)
    ray.init(address=local.address, _node_ip_address='127.0.0.1', log_to_driver=False)
    yield local
    ray.shutdown()
    local.shutdown()


def ray_config(*overrides):
    return toy_config('train.backend=ray', *overrides)


def fresh_agent(cfg):
    return loading.build_agent_from_config(cfg, loading.make_dataset_from_config(cfg))


def shared_parameters(agent):
    return {f'{net}{name}': np.array(p.array)
            for net in ('shared_generator', 'shared_discriminator')
            for name, p in getattr(agent, net).namedparams()}


def snapshot_arrays(path):
    """{file/key: array} of every npz file of a snapshot."""
    out = {}
    for npz in sorted(path.glob('*.npz')):
        with np.load(npz) as data:
            out.update((f'{npz.name}/{key}', data[key]) for key in data.files)
    return out


# -- without a cluster


def test_the_learner_state_round_trips_parameters_and_optimizer_states(toy_agent):
    cfg, trained, _ = toy_agent
    fresh = fresh_agent(cfg)
    import_state(fresh, export_state(trained))
    assert_same(shared_parameters(fresh), shared_parameters(trained))
    assert_same(optimizer_arrays(fresh), optimizer_arrays(trained))


def free_port():
    """A TCP port of 127.0.0.1 that nothing listens on."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_a_ray_address_where_nothing_answers_fails_at_once_in_one_line(tmp_path):
    """Ray would retry such an address for many minutes, printing warnings."""
    address = f'127.0.0.1:{free_port()}'
    start = time.monotonic()
    done = subprocess.run([sys.executable, str(REPO / 'train.py'), 'configs/toy.yaml',
                           str(tmp_path / 'run'), '--set', 'train.backend=ray', '--ray-address',
                           address], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert time.monotonic() - start < 30
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f'error: --ray-address {address}: no Ray cluster answers there (Connection refused); '
        f'start one with `ray start --head` or check the address']
    assert not (tmp_path / 'run').exists()


# -- on the cluster


def test_one_ray_worker_trains_exactly_as_one_process(cluster, tmp_path):
    """Same seeds, same rollouts: the Ray worker's gradients, applied by the learner, give the
    parameters and optimizer states of the process worker's own update, bit for bit, in every
    snapshot (the files have the same arrays)."""
    runs = {}
    for backend in ('processes', 'ray'):
        cfg = toy_config('train.processes=1', f'train.backend={backend}')
        runs[backend] = train(cfg, tmp_path / backend, progress=False)
    assert runs['ray']['counters'] == runs['processes']['counters'] == Counters(160, 10, 80)
    assert_same(shared_parameters(runs['ray']['agent']),
                shared_parameters(runs['processes']['agent']))
    steps = [p.name for p in list_snapshots(tmp_path / 'processes')]
    assert steps == [p.name for p in list_snapshots(tmp_path / 'ray')] == ['64', '128', '160']
    for step in steps:
        assert sorted(p.name for p in (tmp_path / 'ray' / step).iterdir()) == sorted(
            p.name for p in (tmp_path / 'processes' / step).iterdir())
        assert_same(snapshot_arrays(tmp_path / 'ray' / step),
                    snapshot_arrays(tmp_path / 'processes' / step))
    stats = runs['ray']['ray']
    assert stats['applied'] == 10 and stats['dropped'] == 0 and stats['policy_lag'] == 0
    assert stats['gradient_bytes'] > 0 and stats['parameter_bytes'] > 0


@pytest.mark.slow
def test_ray_snapshots_resume_in_processes_mode_and_back(cluster, tmp_path):
    first = train(ray_config('train.processes=2'), tmp_path / 'ray', progress=False)
    assert first['counters'] == Counters(160, 10, 80)
    agent = fresh_agent(ray_config())
    counters, _ = load_snapshot(agent, first['snapshot'])
    assert counters == first['counters']
    assert_same(optimizer_arrays(agent), optimizer_arrays(first['agent']))
    assert optimizer_arrays(agent)['gen_optimizer/t'] == 10

    shared = train(toy_config('train.processes=2', 'train.steps=224'), tmp_path / 'shared',
                   load=first['snapshot'], progress=False)
    assert shared['counters'] == Counters(224, 14, 112)

    # Back to Ray: one worker, so that the same run in the main process must match it exactly
    # (it would not, were the learner's optimizer states not the snapshot's).
    back = {backend: train(toy_config('train.processes=1', 'train.steps=256',
                                      f'train.backend={backend}'),
                           tmp_path / f'back-{backend}', load=shared['snapshot'], progress=False)
            for backend in ('ray', 'processes')}
    assert back['ray']['counters'] == back['processes']['counters'] == Counters(256, 16, 128)
    assert_same(optimizer_arrays(back['ray']['agent']),
                optimizer_arrays(back['processes']['agent']))
    assert_same(shared_parameters(back['ray']['agent']),
                shared_parameters(back['processes']['agent']))


def kill_actor_after_first_snapshot(outdir, prefix):
    """Kill the named actor starting with `prefix` once the run has a snapshot (a thread)."""
    killed = []

    def run():
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not killed:
            names = [n for n in ray.util.list_named_actors() if n.startswith(prefix)]
            if list_snapshots(outdir) and names:
                ray.kill(ray.get_actor(names[0]))
                killed.append(names[0])
            time.sleep(0.02)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, killed


@pytest.mark.slow
def test_a_killed_worker_actor_is_restarted_and_the_run_finishes(cluster, tmp_path, caplog):
    cfg = ray_config('train.processes=2', 'train.steps=1600', 'train.n_save_interval=10')
    thread, killed = kill_actor_after_first_snapshot(tmp_path, 'spiral-worker-0-')
    with caplog.at_level(logging.WARNING, logger='chainer_spiral.training.ray_backend'):
        summary = train(cfg, tmp_path, progress=False)
    thread.join()
    assert killed, 'the worker was not killed during the run'
    assert summary['counters'] == Counters(1600, 100, 800)
    assert summary['ray']['restarts'] == 1
    assert [w['index'] for w in summary['workers']] == [0, 1]   # the new worker 0 finished
    assert re.search(r'worker 0 died \(.*killed by `ray.kill`.*\): (its update was applied|its '
                     r'rollout of 16 env steps is lost); restarting it', caplog.text)
    agent = fresh_agent(cfg)
    for path in list_snapshots(tmp_path):
        counters, _ = load_snapshot(agent, path)
        assert counters.steps == int(path.name) == 16 * counters.updates
        assert counters.updates % 10 == 0 or path == summary['snapshot']


def test_a_killed_learner_stops_the_run_and_keeps_the_last_snapshot(cluster, tmp_path):
    cfg = ray_config('train.processes=2', 'train.steps=100000', 'train.n_save_interval=4')
    thread, killed = kill_actor_after_first_snapshot(tmp_path, 'spiral-learner-')
    with pytest.raises(TrainingError) as info:
        train(cfg, tmp_path, progress=False)
    thread.join()
    assert killed
    snapshots = list_snapshots(tmp_path)
    assert re.fullmatch(rf'the learner actor died \(.+\); stopped, the last snapshot, '
                        rf'{re.escape(str(snapshots[-1]))}, is intact', str(info.value))
    agent = fresh_agent(cfg)
    for path in snapshots:
        assert load_snapshot(agent, path)[0].steps == int(path.name)
    assert not list(tmp_path.glob('.tmp-*'))


@pytest.mark.slow
def test_a_stale_gradient_is_dropped_and_counted_as_nothing(cluster, tmp_path):
    """max_policy_lag 0 with two workers: every gradient computed while the other worker's
    update landed is dropped; the run still ends at the requested env steps, lag logged."""
    cfg = ray_config('train.processes=2', 'train.steps=320', 'train.max_policy_lag=0')
    summary = train(cfg, tmp_path, progress=False)
    assert summary['counters'] == Counters(320, 20, 160)
    assert summary['ray']['applied'] == 20
    with open(tmp_path / 'metrics.csv', newline='') as f:
        rows = list(csv.DictReader(f))
    assert [float(r['train/policy_lag']) for r in rows] == [0.0] * len(rows)
    assert float(rows[-1]['train/dropped_updates']) == summary['ray']['dropped']


@pytest.mark.slow
def test_the_toy_config_learns_to_draw_lines_through_ray(cluster, tmp_path):
    """The bar of test_toy_learning.py, with two asynchronous worker actors."""
    rates = train_toy(tmp_path, 4000, 'train.backend=ray', 'train.processes=2')
    assert rates[min(rates)] < 1.0
    assert max(rates.values()) == 1.0, rates


def test_the_toy_learning_path_through_ray_fast(cluster, tmp_path):
    """The same path for 960 env steps: two snapshots, each scored."""
    rates = train_toy(tmp_path, 960, 'train.backend=ray', 'train.processes=2')
    assert sorted(rates) == [480, 960]
    assert all(0.0 <= r <= 1.0 for r in rates.values())
