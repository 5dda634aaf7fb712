"""The shipped painters: each loads, draws, and its model card quotes its own measured files."""
import json
import re
import subprocess
import sys
from pathlib import Path

import imageio.v2 as imageio
import numpy as np
import pytest

from chainer_spiral.runs.loading import load_agent, make_envs_from_config

REPO = Path(__file__).resolve().parents[1]
MODELS = sorted(p for p in (REPO / 'trained_models').iterdir() if (p / 'config.yaml').is_file())


def snapshot_of(model_dir):
    steps = [p for p in model_dir.iterdir() if p.is_dir() and p.name.isdigit()]
    assert len(steps) == 1, f'{model_dir}: expected one snapshot, got {steps}'
    return steps[0]


def test_the_shipped_painters_are_all_there():
    assert {p.name for p in MODELS} >= {'mnist', 'toy', 'mnist_conditional', 'mnist_conditional64',
                                       'mnist_conditional64_traced', 'mnist_conditional_l2',
                                       'kmnist_conditional', 'quickdraw', 'mnist7',
                                       'celeba_conditional'}


@pytest.mark.parametrize('model_dir', MODELS, ids=[p.name for p in MODELS])
def test_model_card_lists_every_leg_of_command_txt(model_dir):
    legs = (model_dir / 'command.txt').read_text().strip().splitlines()
    card = (model_dir / 'MODEL_CARD.md').read_text()
    if len(legs) == 1:
        assert f'- Command: `{legs[0]}`' in card
    else:
        listed = re.findall(r'^  \d+\. `(.+)`$', card.split('## Metrics')[0], re.M)
        assert listed == legs


@pytest.mark.parametrize('model_dir', MODELS, ids=[p.name for p in MODELS])
def test_model_loads_and_draws(model_dir):
    """Without its data files (as `make demo` and Docker run them, and as a clone without
    ../shared tests them); a conditional painter paints given targets."""
    cfg, agent, _ = load_agent(str(snapshot_of(model_dir)), with_dataset=False)
    channels, size = agent.generator.channels, cfg.env.imsize
    targets = None
    if cfg.model.conditional:
        targets = np.random.RandomState(0).rand(2, channels, size, size).astype(np.float32)
    rollout = agent.collect(make_envs_from_config(cfg, 2), targets=targets)
    assert rollout.finals.shape == (2, channels, size, size)
    assert np.isfinite(rollout.finals).all() and (rollout.finals < 1).any()  # it painted


@pytest.mark.parametrize('model_dir', MODELS, ids=[p.name for p in MODELS])
def test_model_card_quotes_the_counters_and_the_evaluation(model_dir):
    snapshot = snapshot_of(model_dir)
    card = (model_dir / 'MODEL_CARD.md').read_text()
    counters = json.loads((snapshot / 'counters.json').read_text())
    metrics = json.loads((snapshot / 'metrics.json').read_text())
    assert f'{counters["steps"]} env steps, {counters["updates"]} updates' in card
    sampled = metrics['sampled']
    assert f'{sampled["strokes_per_drawing"]:.2f} strokes per drawing' in card
    assert f'{sampled["episodes"]} drawings' in card
    for image in re.findall(r'!\[[^\]]*\]\(([^)]+)\)', card):
        assert (model_dir / image).is_file(), image


def test_make_demo_renders_the_mnist7_painter(tmp_path):
    make = subprocess.run(['make', '-s', '-n', 'demo', 'VENV=' + str(Path(sys.executable).parents[1])],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    command = make.stdout.strip().splitlines()[-1].split()
    assert command[1:3] == ['demo.py', 'movie'] and command[-1] == '--without_dataset'
    assert Path(REPO / command[3]) == snapshot_of(REPO / 'trained_models' / 'mnist7')
    out = tmp_path / 'result.mp4'
    run = subprocess.run([sys.executable, str(REPO / 'demo.py'), 'movie', command[3], str(out),
                          '--n', '2', '--without_dataset'], cwd=REPO, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    frames = list(imageio.get_reader(out).iter_data())
    T = load_agent(str(REPO / command[3]), with_dataset=False)[0].env.max_episode_steps
    assert len(frames) == T + 1
