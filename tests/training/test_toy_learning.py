"""configs/toy.yaml learns through the trainer: the greedy policy draws whole lines.

The toy dataset holds the 8 lines of the 3x3 grid; the unconditional WGAN-GP agent should draw
one of them (which one changes as the GAN goes on). Score of a snapshot: the share of 16 greedy
episodes whose final canvas is exactly one of the 8 patterns.
"""
import numpy as np
import pytest

from chainer_spiral.datasets.toy import toy_patterns

from training_helpers import line_rate, train_toy


def test_line_rate_scores_whole_lines_only():
    blank = np.ones((1, 1, 3, 3), np.float32)
    half = toy_patterns()[:1].copy()
    half[0, 0, 0, 2] = 1.0                  # two cells of the top row
    assert line_rate(toy_patterns()) == 1.0
    assert line_rate(np.concatenate([blank, half, toy_patterns()[6:8]])) == 0.5


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
