"""configs/toy.yaml learns through the trainer: the greedy policy draws whole lines.

The toy dataset holds the 8 lines of the 3x3 grid; the unconditional WGAN-GP agent should draw
one of them (which one changes as the GAN goes on). Score of a snapshot: the share of 16 greedy
episodes whose final canvas is exactly one of the 8 patterns.
"""
import numpy as np
import pytest

from chainer_spiral.config import load_config
from chainer_spiral.datasets.toy import toy_patterns
from chainer_spiral.training import list_snapshots, load_agent, make_envs_from_config, train

from training_helpers import REPO

LINES = toy_patterns()[:, 0] < 0.5          # (8, 3, 3) ink masks


def line_rate(finals):
    """Share of final canvases, float32 (B, 1, 3, 3), that are exactly one of the 8 lines."""
    ink = finals[:, 0] < 0.5
    return float(np.mean([(ink[i] == LINES).all(axis=(1, 2)).any() for i in range(len(ink))]))


def greedy_line_rate(snapshot, n=16):
    cfg, agent, _ = load_agent(snapshot)
    return line_rate(agent.collect(make_envs_from_config(cfg, n), greedy=True).finals)


def test_line_rate_scores_whole_lines_only():
    blank = np.ones((1, 1, 3, 3), np.float32)
    half = toy_patterns()[:1].copy()
    half[0, 0, 0, 2] = 1.0                  # two cells of the top row
    assert line_rate(toy_patterns()) == 1.0
    assert line_rate(np.concatenate([blank, half, toy_patterns()[6:8]])) == 0.5


def train_toy(outdir, steps):
    cfg = load_config(REPO / 'configs' / 'toy.yaml', [f'train.steps={steps}'])
    train(cfg, outdir, progress=False)
    return {int(p.name): greedy_line_rate(p) for p in list_snapshots(outdir)}


@pytest.mark.slow
def test_toy_config_learns_to_draw_lines(tmp_path):
    rates = train_toy(tmp_path, steps=4000)
    assert rates[min(rates)] < 1.0          # the first snapshot (480 steps) does not draw lines yet
    assert max(rates.values()) == 1.0, rates


def test_toy_config_learning_path_fast(tmp_path):
    """The same path for 960 env steps: two snapshots, each scored."""
    rates = train_toy(tmp_path, steps=960)
    assert sorted(rates) == [480, 960]
    assert all(0.0 <= r <= 1.0 for r in rates.values())
