"""evaluate_snapshot and scripts/evaluate.py on snapshots written by the real trainer."""
import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import imageio
import numpy as np
import pytest

from chainer_spiral.config import load_config
from chainer_spiral.evaluation import evaluate_run, evaluate_snapshot, summary
from chainer_spiral.evaluation.evaluate import classifier_config, painter_class
from chainer_spiral.runs.loading import (load_agent, make_dataset_from_config,
                                         make_envs_from_config)
from chainer_spiral.training import train

REPO = Path(__file__).resolve().parents[2]
TINY = ['agent.rollout_n=8', 'train.steps=64', 'train.n_save_interval=0',
        'train.n_save_final_obs_interval=0', 'train.log_interval=2']


def toy_snapshot(root, *overrides):
    cfg = load_config(REPO / 'configs' / 'toy.yaml', TINY + list(overrides))
    return train(cfg, root / 'run', argv=['tiny'], progress=False)['snapshot']


@pytest.fixture(scope='module')
def unconditional(tmp_path_factory):
    return toy_snapshot(tmp_path_factory.mktemp('toy'))


@pytest.fixture(scope='module')
def conditional(tmp_path_factory):
    return toy_snapshot(tmp_path_factory.mktemp('toy_cond'), 'model.conditional=true',
                        'agent.reward_mode=l2')


def test_unconditional_figures(unconditional):
    m = evaluate_snapshot(unconditional, n=24, seed=3)
    assert m['episodes'] == 24 and m['env_steps'] == 64 and m['updates'] == 4
    T = 2
    assert 0 <= m['strokes_per_drawing'] <= T and 0 <= m['drawn_step_fraction'] <= 1
    assert 0 <= m['ink_coverage'] <= 1 and 0 <= m['empty_share'] <= 1
    assert sum(m['nearest_real']['histogram']) == 24 and len(m['nearest_real']['histogram']) == 8
    assert 'classifier' not in m          # 8 toy patterns are too few to train a classifier on
    assert 'heldout_l2' not in m
    assert evaluate_snapshot(unconditional, n=24, seed=3) == m


def test_a_temperature_is_recorded_and_changes_the_drawings_not_the_policy(unconditional):
    plain = evaluate_snapshot(unconditional, n=24, seed=3)
    flat = evaluate_snapshot(unconditional, n=24, seed=3, temperature=50.0)
    assert (plain['temperature'], flat['temperature']) == (1.0, 50.0)
    assert flat['nearest_real'] != plain['nearest_real'] or (
        flat['strokes_per_drawing'] != plain['strokes_per_drawing'])
    cfg, agent, _ = load_agent(str(unconditional))
    agent.seed(3)
    rollout = agent.collect(make_envs_from_config(cfg, 24), temperature=50.0)
    # the log-probabilities recorded are the policy's of the actions taken, not the flattened
    # distribution's (at temperature 50 every action is near uniform)
    recomputed, _, _ = agent.generator.evaluate(rollout, None)
    np.testing.assert_allclose(rollout.log_probs.ravel(), recomputed.array, rtol=1e-4, atol=1e-5)


def test_conditional_heldout_l2_is_the_mse_of_the_greedy_drawings(conditional):
    m = evaluate_snapshot(conditional, n=8, greedy=True)
    cfg, agent, dataset = load_agent(str(conditional))
    targets = dataset.images(train=False)[:8]
    rollout = agent.collect(make_envs_from_config(cfg, 8), targets=targets, greedy=True)
    l2 = ((rollout.finals - targets) ** 2).mean(axis=(1, 2, 3))
    np.testing.assert_allclose(m['heldout_l2'], l2.mean(), rtol=1e-6)
    blank = rollout.canvases[0].transpose(0, 3, 1, 2) / 255.0
    np.testing.assert_allclose(m['blank_l2'], ((blank - targets) ** 2).mean(), rtol=1e-6)
    assert m['blank_l2'] != m['heldout_l2']
    assert 'nearest_real' not in m and 'classifier' not in m


def test_repeats_are_for_unconditional_painters_and_at_least_one(unconditional, conditional):
    with pytest.raises(ValueError, match='repeats: expected 1 or more .* got 2'):
        evaluate_snapshot(conditional, n=8, repeats=2)
    with pytest.raises(ValueError, match='got 0'):
        evaluate_snapshot(unconditional, n=8, repeats=0)


def test_a_conditional_painter_is_measured_on_twice_its_canvas(shared_data):  # held-out MNIST
    snapshot = REPO / 'trained_models' / 'mnist_conditional' / '200000'
    own = evaluate_snapshot(snapshot, n=20, greedy=True)
    assert own['imsize'] == 32
    # replayed as programs on its own canvas, the drawings and every figure are the same
    assert evaluate_snapshot(snapshot, n=20, greedy=True, imsize=32) == own
    large = evaluate_snapshot(snapshot, n=20, greedy=True, imsize=64)
    assert large['imsize'] == 64 and large['strokes_per_drawing'] == own['strokes_per_drawing']
    assert large['blank_l2'] != own['blank_l2']          # the 64 x 64 targets
    assert large['l2_gain'] > 0.3 and large['target_class_share'] >= 0.7
    with pytest.raises(ValueError, match=r'imsize 33: expected a mypaint canvas whose 32 px and '
                                         r'grid of 16 scale to a whole grid, got mypaint and a '
                                         r'grid of 16\.5'):
        evaluate_snapshot(snapshot, n=4, imsize=33)


def test_script_writes_metrics_json(unconditional):
    out = subprocess.run([sys.executable, str(REPO / 'scripts' / 'evaluate.py'), str(unconditional),
                          '--n', '8'], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    written = json.loads((Path(unconditional) / 'metrics.json').read_text())
    assert written == json.loads(out.stdout) and written['episodes'] == 8


def test_script_refuses_a_folder_that_is_no_snapshot(tmp_path):
    out = subprocess.run([sys.executable, str(REPO / 'scripts' / 'evaluate.py'), str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 2
    assert 'expected a snapshot directory' in out.stderr.strip().splitlines()[-1]


def test_classifier_data_has_every_class_of_the_problem(shared_data):
    cfg = load_config(REPO / 'configs' / 'quickdraw.yaml', ['data.label=0'])
    assert list(cfg.data.categories) == ['apple']
    full = make_dataset_from_config(classifier_config(cfg))
    names = sorted(p.stem.split('_')[1] for p in (shared_data / 'quickdraw').glob('quickdraw_*.npy'))
    assert sorted(full.class_names) == names and len(names) == 6
    assert set(np.unique(full.labels(True))) == set(range(6))
    assert full.class_names[painter_class(cfg, full)] == 'apple'
    mnist = load_config(REPO / 'configs' / 'mnist.yaml', ['data.label=3'])
    assert classifier_config(mnist).data.label is None
    assert painter_class(mnist, None) == 3
    assert painter_class(load_config(REPO / 'configs' / 'mnist.yaml'), None) is None


def test_evaluate_run_measures_every_snapshot(tmp_path):
    last = toy_snapshot(tmp_path, 'train.n_save_interval=2', 'train.steps=96',
                        'model.conditional=true', 'agent.reward_mode=l2')
    run = Path(last).parent
    rows = evaluate_run(run, n=8, seed=1)
    assert [(r['steps'], r['updates']) for r in rows] == [(32, 2), (64, 4), (96, 6)]
    m = evaluate_snapshot(last, n=8, seed=1)
    assert rows[-1] == {'steps': 96, 'updates': 6, **summary(m)}
    assert rows[-1]['heldout_l2'] == m['heldout_l2'] and 'classifier_confidence' not in rows[-1]
    assert evaluate_run(run, n=8, seed=1, every=2) == rows[::2]
    assert evaluate_run(run, n=8, seed=1, every=5) == [rows[0], rows[-1]]

    out = subprocess.run([sys.executable, str(REPO / 'scripts' / 'evaluate_run.py'), str(run),
                          '--n', '8', '--seed', '1'], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    with open(run / 'evaluation.csv', newline='') as f:
        written = list(csv.DictReader(f))
    assert [int(r['steps']) for r in written] == [32, 64, 96]
    assert float(written[-1]['heldout_l2']) == pytest.approx(m['heldout_l2'])

    other = tmp_path / 'other'
    shutil.copytree(run, other)
    png = tmp_path / 'both.png'
    plot = subprocess.run([sys.executable, str(REPO / 'scripts' / 'plot_scores.py'), str(run),
                           str(other), str(png), '--csv', 'evaluation.csv'],
                          capture_output=True, text=True, timeout=120)
    assert plot.returncode == 0, plot.stderr
    assert imageio.imread(png).ndim == 3
    missing = subprocess.run([sys.executable, str(REPO / 'scripts' / 'plot_scores.py'), str(run),
                              str(png), '--csv', 'nothing.csv'], capture_output=True, text=True,
                             timeout=120)
    assert missing.returncode == 2 and 'nothing.csv' in missing.stderr


def test_summary_takes_the_headline_figures():
    m = {'strokes_per_drawing': 2.0, 'ink_coverage': 0.1, 'episodes': 5,
         'classifier': {'samples': {'mean_confidence': 0.5, 'histogram': [1, 4]},
                        'real_heldout': {'mean_confidence': 0.9}, 'painter_class_share': 0.8}}
    assert summary(m) == {'strokes_per_drawing': 2.0, 'ink_coverage': 0.1,
                          'classifier_confidence': 0.5, 'real_confidence': 0.9,
                          'painter_class_share': 0.8}
