"""The trainer end to end: outputs of a run, faults in workers, and resuming exactly."""
import csv
import json
import os
import re
import signal
import sys

import numpy as np
import pytest
import yaml

from chainer_spiral.agents import SPIRAL, rewards
from chainer_spiral.config import load_config
from chainer_spiral.evaluation import evaluate_snapshot, quality
from chainer_spiral.cli import train_main
from chainer_spiral.evaluation.evaluate import (classifier_config, draw, problem_classifier,
                                              summarise)
from chainer_spiral.runs import loading
from chainer_spiral.runs.snapshots import Counters, list_snapshots, load_snapshot
from chainer_spiral.training import TrainingError, train
from chainer_spiral.training.trainer import RAY_MISSING

from training_helpers import REPO, assert_same, optimizer_arrays, read_events, toy_config


def rows(outdir):
    with open(outdir / 'metrics.csv', newline='') as f:
        return list(csv.DictReader(f))


def test_a_toy_run_in_the_main_process_writes_every_output(tmp_path):
    cfg = toy_config('train.processes=1')
    summary = train(cfg, tmp_path, argv=['train.py', 'configs/toy.yaml', str(tmp_path)],
                    progress=False)
    # 160 steps = 10 updates of 8 episodes x 2 steps
    assert summary['counters'] == Counters(steps=160, updates=10, episodes=80)
    assert [p.name for p in list_snapshots(tmp_path)] == ['64', '128', '160']
    assert summary['snapshot'] == tmp_path / '160'
    assert json.loads((tmp_path / '64' / 'counters.json').read_text())['updates'] == 4
    table = rows(tmp_path)
    assert [int(r['updates']) for r in table] == [2, 4, 6, 8, 10]
    assert [int(r['steps']) for r in table] == [32, 64, 96, 128, 160]
    assert all(float(r['time/sps']) > 0 and np.isfinite(float(r['train/d_loss'])) for r in table)
    assert float(table[-1]['time/elapsed']) > float(table[0]['time/elapsed'])
    assert {'train/pi_loss', 'train/R', 'time/share_update'} <= set(table[0])
    assert sorted(p.name for p in (tmp_path / 'finals').iterdir()) == [
        '000000000064.png', '000000000128.png']
    tags = {tag for tag, _, _ in read_events(tmp_path / 'tb')}
    assert {'train/d_loss', 'time/sps', 'updates'} <= tags
    assert load_config(tmp_path / 'config.yaml') == cfg
    assert (tmp_path / 'command.txt').read_text() == f'train.py configs/toy.yaml {tmp_path}\n'
    assert re.fullmatch(r'revision: [0-9a-f]{40}\ndirty: (true|false)\n',
                        (tmp_path / 'git.txt').read_text())
    # What ChainerRL's prepare_output_dir records (the tests run in the repository's checkout).
    args = json.loads((tmp_path / 'args.txt').read_text())
    assert args['agent']['rollout_n'] == cfg.agent.rollout_n
    assert 'PATH' in json.loads((tmp_path / 'environ.txt').read_text())
    assert re.fullmatch(r'[0-9a-f]{40}\n', (tmp_path / 'git-head.txt').read_text())
    assert all((tmp_path / f'git-{name}.txt').is_file() for name in ('status', 'log', 'diff'))
    header = (tmp_path / 'scores.txt').read_text().splitlines()[0].split('\t')
    assert header[:8] == ['steps', 'episodes', 'elapsed', 'mean', 'median', 'stdev', 'max', 'min']


def fail_at(n, action):
    """A SPIRAL.update that runs `action(agent)` instead of this process's update number n."""
    real_update = SPIRAL.update

    def update(self, rollout):
        if self.update_n == n:
            action(self)
        return real_update(self, rollout)
    return update


def raise_runtime_error(agent):
    raise RuntimeError('injected failure\nsecond line')


def kill_own_process(agent):
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_worker_that_raises_stops_the_run_and_keeps_the_last_snapshot(tmp_path, monkeypatch):
    monkeypatch.setattr(SPIRAL, 'update', fail_at(3, raise_runtime_error))
    cfg = toy_config('train.processes=2', 'train.steps=100000', 'train.n_save_interval=2')
    with pytest.raises(TrainingError) as info:
        train(cfg, tmp_path, progress=False)
    assert re.fullmatch(r'worker [01]: RuntimeError: injected failure', str(info.value))
    # A worker fails in its 4th update, which cannot start before the snapshot after the
    # 2nd update is written; the snapshots there are complete, and none follows the fault.
    snapshots = list_snapshots(tmp_path)
    assert snapshots
    agent = loading.build_agent_from_config(cfg, loading.make_dataset_from_config(cfg))
    for path in snapshots:
        counters, _ = load_snapshot(agent, path)
        assert counters.steps == int(path.name) == 16 * counters.updates
        assert counters.updates <= 6
    assert not list(tmp_path.glob('.tmp-*'))


def test_a_killed_worker_stops_the_run_without_a_final_snapshot(tmp_path, monkeypatch):
    monkeypatch.setattr(SPIRAL, 'update', fail_at(1, kill_own_process))
    cfg = toy_config('train.processes=2', 'train.steps=100000', 'train.n_save_interval=0')
    with pytest.raises(TrainingError,
                       match=r'^worker [01] \(pid \d+\) was killed by SIGKILL$'):
        train(cfg, tmp_path, progress=False)
    assert list_snapshots(tmp_path) == []


def test_a_non_finite_loss_stops_the_run_with_no_new_snapshot(tmp_path, monkeypatch):
    real_scores = rewards.WGANGP.scores
    calls = []

    def nan_scores(self, *args):
        calls.append(1)
        scores = real_scores(self, *args)
        return scores * np.nan if len(calls) > 4 else scores
    monkeypatch.setattr(rewards.WGANGP, 'scores', nan_scores)
    cfg = toy_config('train.processes=1', 'train.steps=100000')
    with pytest.raises(TrainingError) as info:
        train(cfg, tmp_path, progress=False)
    assert re.fullmatch(r'worker 0: non-finite loss, stopped before updating the parameters: '
                        r'NonFiniteLossError: .*', str(info.value))
    assert [p.name for p in list_snapshots(tmp_path)] == ['64']   # after update 4, not later


@pytest.fixture(scope='module')
def mnist_run(tmp_path_factory, shared_data):
    """A 2-process run of configs/mnist.yaml on the shared MNIST files: 12 updates of
    2 workers x 4 episodes x 10 steps (480 env steps), every second snapshot evaluated."""
    outdir = tmp_path_factory.mktemp('mnist')
    overrides = ['agent.rollout_n=4', 'train.steps=480', 'train.n_save_interval=4',
                 'train.log_interval=2', 'train.n_save_final_obs_interval=6',
                 'train.eval_interval=2', 'train.eval_n=50', f'data.path={shared_data / "mnist"}']
    cfg = load_config(REPO / 'configs' / 'mnist.yaml', overrides)
    assert cfg.train.processes == 2
    return cfg, outdir, train(cfg, outdir, progress=False, evaluate=summarise)


def test_a_two_process_mnist_run_writes_snapshots_metrics_events_and_grids(mnist_run):
    cfg, outdir, summary = mnist_run
    assert summary['counters'] == Counters(steps=480, updates=12, episodes=48)
    assert len(summary['workers']) == 2 and {w['index'] for w in summary['workers']} == {0, 1}
    snapshots = list_snapshots(outdir)
    assert snapshots[-1] == outdir / '480' == summary['snapshot']
    assert len(snapshots) >= 3       # after ~4, ~8 updates and the final one
    table = rows(outdir)
    assert [int(r['updates']) for r in table] == [2, 4, 6, 8, 10, 12]
    assert all(np.isfinite(float(r['train/d_loss'])) for r in table)
    grids = sorted((outdir / 'finals').glob('*.png'))
    assert len(grids) == 2
    assert {'train/pi_loss', 'time/sps'} <= {tag for tag, _, _ in read_events(outdir / 'tb')}
    written = yaml.safe_load((outdir / 'config.yaml').read_text())
    assert written['train']['processes'] == 2 and written['agent']['rollout_n'] == 4


def test_the_mnist_run_logs_quality_of_every_second_snapshot_and_the_last(mnist_run):
    cfg, outdir, summary = mnist_run
    with open(outdir / 'quality.csv', newline='') as f:
        quality = list(csv.DictReader(f))
    second = list_snapshots(outdir)[1]
    assert [int(r['steps']) for r in quality] == [int(second.name), 480]
    for r in quality:
        assert 0.5 < float(r['fd_normalised']) < 1.5  # an untrained painter draws like one
        assert float(r['fd_floor']) < float(r['fd']) and float(r['time/elapsed']) > 0
        assert 0 < float(r['class_entropy']) <= np.log(10) + 1e-9
    assert {'quality/fd_normalised', 'quality/class_entropy'} <= {
        tag for tag, _, _ in read_events(outdir / 'tb')}
    assert json.loads((outdir / 'calibration.json').read_text())['n=50 seed=0'][
        'reference_size'] == 50
    assert not list(outdir.glob('.quality-*'))


def test_repeated_evaluations_share_the_first_ones_reference_and_calibration(mnist_run):
    cfg, outdir, summary = mnist_run
    once = evaluate_snapshot(summary['snapshot'], n=50)['quality']
    thrice = evaluate_snapshot(summary['snapshot'], n=50, repeats=3)['quality']
    values = thrice['fd_normalised_repeats']
    assert len(values) == 3 and values[0] == once['fd_normalised']
    assert len(set(values)) == 3          # other sampling seeds draw other drawings
    assert thrice['fd_normalised_mean'] == pytest.approx(np.mean(values))
    assert thrice['fd_normalised_std'] == pytest.approx(np.std(values)) and thrice[
        'fd_normalised_std'] > 0
    # the second set: the drawings of sampling seed 1 against seed 0's reference and scale
    snapshot_cfg, agent, dataset = loading.load_agent(str(summary['snapshot']))
    classifier = problem_classifier(
        loading.make_dataset_from_config(classifier_config(snapshot_cfg)))[0]
    reference, _ = quality.reference_sets(dataset.images(True), 50, 0)
    agent.seed(1)
    drawings, _, _ = draw(agent, loading.make_envs_from_config(snapshot_cfg, 20), 50)
    fd = quality.frechet_distance(quality.features(classifier, drawings),
                                  quality.features(classifier, reference))
    assert values[1] == pytest.approx(quality.normalised_fd(fd, once), rel=1e-6)
    assert set(json.loads((outdir / 'calibration.json').read_text())) == {'n=50 seed=0'}


def test_an_evaluation_on_another_canvas_has_its_own_calibration(mnist_run):
    cfg, outdir, summary = mnist_run
    own = evaluate_snapshot(summary['snapshot'], n=50)
    small = evaluate_snapshot(summary['snapshot'], n=50, imsize=32)
    assert (own['imsize'], small['imsize']) == (64, 32)
    # the same drawings (the same actions), replayed on 32 x 32 and measured there
    assert small['strokes_per_drawing'] == own['strokes_per_drawing']
    assert small['ink_coverage'] == pytest.approx(own['ink_coverage'], abs=0.02)
    scale = json.loads((outdir / 'calibration_32.json').read_text())
    assert set(scale) == {'n=50 seed=0'}
    assert scale['n=50 seed=0']['fd_untrained'] == small['quality']['fd_untrained']
    assert small['quality']['fd_floor'] != own['quality']['fd_floor']   # the 32 x 32 classifier


def test_resuming_the_mnist_run_restores_counters_and_optimizer_state_exactly(mnist_run,
                                                                              tmp_path):
    cfg, outdir, summary = mnist_run
    final = summary['snapshot']
    agent = loading.build_agent_from_config(cfg, loading.make_dataset_from_config(cfg))
    counters, elapsed = load_snapshot(agent, final)
    assert counters == summary['counters']
    assert elapsed > 0
    assert_same(optimizer_arrays(agent), optimizer_arrays(summary['agent']))
    for name, param in summary['agent'].shared_generator.namedparams():
        np.testing.assert_array_equal(dict(agent.shared_generator.namedparams())[name].array,
                                      param.array)
    # and training goes on from there: two more updates per worker
    more = load_config(outdir / 'config.yaml', ['train.steps=640'])
    resumed = train(more, tmp_path, load=final, progress=False)
    assert resumed['counters'] == Counters(steps=640, updates=16, episodes=64)
    assert float(rows(tmp_path)[0]['time/elapsed']) > elapsed


def test_a_conditional_run_shows_its_targets_under_the_finals(tmp_path, monkeypatch):
    grids, rollouts = [], []
    monkeypatch.setattr('chainer_spiral.training.supervisor.save_finals_grid',
                        lambda path, finals, reals: grids.append((path.name, finals, reals)))
    real_collect = SPIRAL.collect
    monkeypatch.setattr(SPIRAL, 'collect', lambda self, envs, **kw: rollouts.append(
        real_collect(self, envs, **kw)) or rollouts[-1])
    cfg = toy_config('model.conditional=true', 'train.processes=1', 'train.steps=64')
    train(cfg, tmp_path, progress=False)
    [(name, finals, reals)] = grids            # after update 4 = the last rollout
    assert name == '000000000064.png'
    np.testing.assert_array_equal(finals, rollouts[-1].finals)
    np.testing.assert_array_equal(reals, rollouts[-1].targets)


@pytest.mark.parametrize('processes', [1, 2])
def test_a_snapshot_that_cannot_be_written_stops_the_run_with_one_line(tmp_path, monkeypatch,
                                                                       processes):
    """Disk full (or a read-only OUTDIR) when a snapshot is due: the run stops with one line
    and the previous snapshot stays intact."""
    import errno
    real_save = SPIRAL.save
    calls = []

    def save(self, dirname):
        calls.append(dirname)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, 'No space left on device')
        return real_save(self, dirname)
    monkeypatch.setattr(SPIRAL, 'save', save)
    cfg = toy_config(f'train.processes={processes}', 'train.steps=100000')
    with pytest.raises(TrainingError) as info:
        train(cfg, tmp_path, progress=False)
    first, = list_snapshots(tmp_path)
    assert re.fullmatch(rf'{tmp_path}: cannot write the snapshot of \d+ env steps \(No space left '
                        rf'on device\); stopped, the last snapshot, {first}, is intact',
                        str(info.value))
    assert not list(tmp_path.glob('.tmp-*'))
    fresh = loading.build_agent_from_config(cfg, loading.make_dataset_from_config(cfg))
    assert load_snapshot(fresh, first)[0].steps == int(first.name)


def test_the_final_snapshot_is_not_evaluated_twice(tmp_path):
    """Its periodic snapshot is the final one: one quality row for it."""
    cfg = toy_config('train.processes=1', 'train.steps=32', 'train.n_save_interval=2',
                     'train.eval_interval=1', 'train.eval_n=10')
    train(cfg, tmp_path, progress=False, evaluate=summarise)
    with open(tmp_path / 'quality.csv', newline='') as f:
        assert [r['steps'] for r in csv.DictReader(f)] == ['32']


def test_the_ray_backend_without_ray_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, 'ray', None)       # import ray raises ImportError
    # and the backend imports it again, even after other tests have imported the backend
    monkeypatch.delitem(sys.modules, 'chainer_spiral.training.ray_backend', raising=False)
    with pytest.raises(TrainingError, match=f'^{re.escape(RAY_MISSING)}$'):
        train(toy_config('train.backend=ray'), tmp_path / 'run', progress=False)
    assert not (tmp_path / 'run').exists()
    status = train_main([str(REPO / 'configs' / 'toy.yaml'), str(tmp_path / 'run'),
                         '--set', 'train.backend=ray'])
    assert status == 1
    assert capsys.readouterr().err == f'error: {RAY_MISSING}\n'
    assert 'pip install -e .[ray]' in RAY_MISSING


def test_a_ray_address_needs_the_ray_backend(tmp_path):
    with pytest.raises(TrainingError, match=r'^--ray-address auto: expected train.backend ray, '
                                            r'got processes \(add --set train.backend=ray\)$'):
        train(toy_config(), tmp_path, progress=False, ray_address='auto')


def test_init_starts_a_new_run_from_another_runs_networks(tmp_path, monkeypatch, capsys):
    cfg = toy_config('train.processes=1', 'train.steps=32', 'train.n_save_interval=2')
    source = train(cfg, tmp_path / 'source', progress=False)['snapshot']
    saved = loading.build_agent_from_config(cfg, loading.make_dataset_from_config(cfg))
    load_snapshot(saved, source)
    first_update = {}
    real_update = SPIRAL.update

    def update(self, rollout):
        if self.update_n == 0:
            first_update.update({k: np.array(p.array)
                                 for k, p in self.shared_generator.namedparams()})
        return real_update(self, rollout)
    monkeypatch.setattr(SPIRAL, 'update', update)
    summary = train(cfg, tmp_path / 'tuned', progress=False, init=tmp_path / 'source')
    assert summary['counters'] == Counters(steps=32, updates=2, episodes=16)
    assert_same(first_update, {k: np.array(p.array)
                               for k, p in saved.shared_generator.namedparams()})
    with pytest.raises(TrainingError, match=r'tuned: expected a new run for --init, got one '
                                            r'with snapshots \(resume it with --load '):
        train(cfg, tmp_path / 'tuned', progress=False, init=source)
    status = train_main([str(REPO / 'configs' / 'toy.yaml'), str(tmp_path / 'both'), '--init',
                         str(source), '--load', str(source)])
    assert status == 1
    assert capsys.readouterr().err == (f'error: --init {source}: expected a new run, got --load '
                                       f'{source} as well (--load resumes a run, --init starts '
                                       "one from another's painter)\n")
    assert not (tmp_path / 'both').exists()
