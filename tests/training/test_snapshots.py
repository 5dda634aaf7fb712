"""Snapshots: atomic writes, exact round trips, and clear errors for incomplete ones."""
import json

import numpy as np
import pytest

from chainer_spiral.config import load_config
from chainer_spiral.runs import loading
from chainer_spiral.runs.snapshots import (Counters, SnapshotError, export_inference,
                                           init_from_snapshot, latest_snapshot, list_snapshots,
                                           load_snapshot, remove_stale_tmp, resolve_load,
                                           save_snapshot, verify_snapshot)
from training_helpers import REPO, assert_same, optimizer_arrays, parameters


def test_round_trip_restores_counters_parameters_optimizer_states_and_actions(toy_agent,
                                                                             tmp_path):
    cfg, agent, envs = toy_agent
    path = save_snapshot(agent, tmp_path, Counters(steps=16, updates=7, episodes=8), 12.5)
    assert path == tmp_path / '16'
    assert json.loads((path / 'counters.json').read_text()) == dict(
        steps=16, updates=7, episodes=8, elapsed=12.5)
    files = {'counters.json', 'generator.npz', 'discriminator.npz', 'gen_optimizer.npz',
             'dis_optimizer.npz'}
    assert {p.name for p in path.iterdir()} == files | {'manifest.json'}
    recorded = json.loads((path / 'manifest.json').read_text())
    assert set(recorded) == files
    assert all(recorded[f]['size'] == (path / f).stat().st_size for f in files)

    fresh = loading.build_agent_from_config(cfg, loading.make_dataset_from_config(cfg))
    fresh_before = parameters(fresh)
    counters, elapsed = load_snapshot(fresh, path)
    assert counters == Counters(16, 7, 8) and elapsed == 12.5
    assert_same(parameters(fresh), parameters(agent))
    assert any(not np.array_equal(fresh_before[k], parameters(agent)[k]) for k in fresh_before)
    saved = optimizer_arrays(agent)
    assert_same(optimizer_arrays(fresh), saved)
    assert saved['gen_optimizer/t'] == 7            # the update count, not a local count
    assert any(np.abs(v).sum() > 0 for k, v in saved.items() if k.endswith('/m'))
    agent.seed(3)
    fresh.seed(3)
    a = agent.collect(envs, greedy=True)
    b = fresh.collect(envs, greedy=True)
    for name in a.actions:
        np.testing.assert_array_equal(a.actions[name], b.actions[name])


def test_a_failure_mid_write_leaves_no_snapshot(toy_agent, tmp_path, monkeypatch):
    _, agent, _ = toy_agent
    real_save = type(agent).save

    def save_then_fail(self, dirname):
        real_save(self, dirname)            # the agent's files are written...
        raise OSError('No space left on device')   # ...then the disk fills up

    monkeypatch.setattr(type(agent), 'save', save_then_fail)
    with pytest.raises(OSError, match='No space left'):
        save_snapshot(agent, tmp_path, Counters(32, 2, 16), 1.0)
    assert list(tmp_path.iterdir()) == []
    assert latest_snapshot(tmp_path) is None


def test_an_existing_snapshot_is_not_overwritten(toy_agent, tmp_path):
    _, agent, _ = toy_agent
    first = save_snapshot(agent, tmp_path, Counters(16, 1, 8), 1.0)
    stamp = (first / 'generator.npz').stat().st_mtime_ns
    assert save_snapshot(agent, tmp_path, Counters(16, 1, 8), 2.0) == first
    assert (first / 'generator.npz').stat().st_mtime_ns == stamp


def test_listing_skips_temporary_and_foreign_directories(tmp_path):
    for name in ('32', '160', '48'):
        (tmp_path / name).mkdir()
        (tmp_path / name / 'counters.json').write_text('{}')
    (tmp_path / '64').mkdir()                     # no counters.json: not a snapshot
    (tmp_path / '.tmp-snapshot-80-123').mkdir()   # left by a killed run
    (tmp_path / 'finals').mkdir()
    assert [p.name for p in list_snapshots(tmp_path)] == ['32', '48', '160']
    assert latest_snapshot(tmp_path).name == '160'
    remove_stale_tmp(tmp_path)
    assert not (tmp_path / '.tmp-snapshot-80-123').exists()


def test_loading_an_incomplete_snapshot_is_a_one_line_error(toy_agent, tmp_path):
    _, agent, _ = toy_agent
    with pytest.raises(SnapshotError, match=r'nope: expected a snapshot directory, got no '):
        load_snapshot(agent, tmp_path / 'nope')
    (tmp_path / '16').mkdir()
    with pytest.raises(SnapshotError, match=r'16: expected a snapshot directory with '
                                            r'counters.json, got none'):
        load_snapshot(agent, tmp_path / '16')
    (tmp_path / '16' / 'counters.json').write_text('{"steps": 16}')
    with pytest.raises(SnapshotError, match=r"counters.json: expected the keys steps, updates, "
                                            r"episodes, elapsed, got \{'steps': 16\}"):
        load_snapshot(agent, tmp_path / '16')


def test_a_snapshot_of_another_architecture_is_a_one_line_error(toy_agent, tmp_path):
    cfg, agent, _ = toy_agent
    path = save_snapshot(agent, tmp_path, Counters(16, 1, 8), 1.0)
    other = load_config(REPO / 'configs' / 'toy.yaml', ['model.conditional=true'])
    conditional = loading.build_agent_from_config(other, loading.make_dataset_from_config(other))
    with pytest.raises(SnapshotError) as info:
        load_snapshot(conditional, path)
    assert str(info.value).startswith(f"{path}: expected a snapshot of this config's agent, got "
                                      'one that does not load into it (')
    assert '\n' not in str(info.value)


def three_snapshots(agent, run):
    return [save_snapshot(agent, run, Counters(steps=16 * k, updates=k, episodes=8 * k), 1.0)
            for k in (1, 2, 3)]


@pytest.mark.parametrize('damage', ['truncate', 'flip', 'delete'])
def test_a_damaged_file_is_named_and_nothing_loads(toy_agent, tmp_path, damage):
    cfg, agent, _ = toy_agent
    snapshot = save_snapshot(agent, tmp_path, Counters(steps=16, updates=1, episodes=8), 1.0)
    target = snapshot / 'generator.npz'
    data = target.read_bytes()
    if damage == 'truncate':
        target.write_bytes(data[:len(data) // 2])
    elif damage == 'flip':
        target.write_bytes(data[:100] + bytes([data[100] ^ 1]) + data[101:])
    else:
        target.unlink()
    fresh = loading.build_agent_from_config(cfg, loading.make_dataset_from_config(cfg))
    before = parameters(fresh)
    expected = {'truncate': rf'damaged: expected {len(data)} bytes, got {len(data) // 2}',
                'flip': 'damaged: its sha256 differs', 'delete': 'missing from the snapshot'}
    with pytest.raises(SnapshotError, match=rf'^{target}: {expected[damage]}'):
        load_snapshot(fresh, snapshot)
    assert_same(parameters(fresh), before)


def test_load_of_a_run_directory_takes_the_newest_good_snapshot(toy_agent, tmp_path, caplog):
    _, agent, _ = toy_agent
    first, second, third = three_snapshots(agent, tmp_path)
    assert resolve_load(tmp_path) == third
    (third / 'discriminator.npz').write_bytes(b'garbage')
    assert resolve_load(tmp_path) == second
    assert f'skipping {third}' in caplog.text
    with pytest.raises(SnapshotError, match=rf'^{third}/discriminator.npz: damaged: .*; the '
                                            rf'newest good snapshot of the run is {second}$'):
        resolve_load(third)
    assert resolve_load(first) == first
    for snapshot in (first, second):
        (snapshot / 'counters.json').write_text('{}')
    with pytest.raises(SnapshotError, match='every snapshot of the run is damaged'):
        resolve_load(tmp_path)
    with pytest.raises(SnapshotError, match='expected a snapshot directory .* or a run '
                                            'directory with snapshots, got neither'):
        resolve_load(tmp_path / 'nothing')


def test_snapshots_without_a_manifest_still_load(toy_agent, tmp_path):
    """Snapshots written before manifests existed (the shipped painters') load unchecked."""
    cfg, agent, _ = toy_agent
    snapshot = save_snapshot(agent, tmp_path, Counters(steps=16, updates=1, episodes=8), 1.0)
    (snapshot / 'manifest.json').unlink()
    fresh = loading.build_agent_from_config(cfg, loading.make_dataset_from_config(cfg))
    assert load_snapshot(fresh, snapshot)[0] == Counters(16, 1, 8)
    assert resolve_load(tmp_path) == snapshot


def test_init_takes_the_networks_and_leaves_the_optimizer_states_fresh(toy_agent, tmp_path):
    """``--init``: another run's painter, with this run's own (fresh) Adam states."""
    cfg, agent, _ = toy_agent
    path = save_snapshot(agent, tmp_path, Counters(steps=16, updates=7, episodes=8), 12.5)
    fresh = loading.build_agent_from_config(cfg, loading.make_dataset_from_config(cfg))
    init_from_snapshot(fresh, path)
    assert_same(parameters(fresh), parameters(agent))
    for optimizer in (fresh.gen_optimizer, fresh.dis_optimizer):   # as built: no Adam moments
        assert optimizer.t == 0
        assert all(p.update_rule.state is None for p in optimizer.target.params())
    assert optimizer_arrays(agent)['gen_optimizer/t'] > 0
    other = load_config(REPO / 'configs' / 'toy.yaml', ['model.conditional=true'])
    conditional = loading.build_agent_from_config(other, loading.make_dataset_from_config(other))
    with pytest.raises(SnapshotError, match=rf"^{path}: expected a snapshot of this config's "
                                            r"agent, got one that does not load into it \("):
        init_from_snapshot(conditional, path)


def test_a_half_precision_export_loads_within_float16_rounding_in_half_the_bytes(
        toy_agent, tmp_path):
    cfg, agent, _ = toy_agent
    full = save_snapshot(agent, tmp_path / 'run', Counters(steps=16, updates=7, episodes=8), 1.0)
    half = export_inference(full, tmp_path / 'half' / '16', half=True)
    verify_snapshot(half)
    for name in ('generator.npz', 'discriminator.npz'):
        with np.load(half / name) as f:
            assert {f[k].dtype for k in f.files} == {np.dtype(np.float16)}
        assert (half / name).stat().st_size < 0.6 * (full / name).stat().st_size
    fresh = loading.build_agent_from_config(cfg, loading.make_dataset_from_config(cfg))
    init_from_snapshot(fresh, half)
    got, want = parameters(fresh), parameters(agent)
    assert got.keys() == want.keys()
    for key in want:
        assert got[key].dtype == want[key].dtype
        np.testing.assert_allclose(got[key], want[key], rtol=2 ** -11, atol=2 ** -24)
    assert any(not np.array_equal(got[key], want[key]) for key in want)


def test_an_inference_only_export_draws_the_same_and_refuses_to_resume(toy_agent, tmp_path):
    cfg, agent, _ = toy_agent
    full = save_snapshot(agent, tmp_path / 'run', Counters(steps=16, updates=7, episodes=8), 1.0)
    (full / 'metrics.json').write_text('{}\n')
    light = export_inference(full, tmp_path / 'shipped' / '16')
    networks = {'counters.json', 'generator.npz', 'discriminator.npz', 'metrics.json'}
    assert {p.name for p in light.iterdir()} == networks | {'manifest.json'}
    assert set(json.loads((light / 'manifest.json').read_text())) == networks

    fresh = loading.build_agent_from_config(cfg, loading.make_dataset_from_config(cfg))
    assert init_from_snapshot(fresh, light) == Counters(steps=16, updates=7, episodes=8)
    assert_same(parameters(fresh), parameters(agent))
    with pytest.raises(SnapshotError, match=r'16: expected a snapshot with optimizer states to '
                       r'resume, got an inference-only one \(no gen_optimizer.npz, '
                       r'dis_optimizer.npz\); start a new run from its networks with --init$'):
        load_snapshot(fresh, light)
    with pytest.raises(SnapshotError, match='expected a new directory, got an existing one'):
        export_inference(full, light)
