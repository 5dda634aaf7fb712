"""Pen strokes traced from images (datasets/tracing.py) and scripts/trace_demonstrations.py."""
import json
from pathlib import Path

import numpy as np
import pytest

from chainer_spiral.agents.demonstrations import read_demonstrations
from chainer_spiral.config import load_config
from chainer_spiral.datasets.tracing import skeleton, trace_strokes
from chainer_spiral.runs.loading import make_dataset_from_config

REPO_ROOT = Path(__file__).resolve().parents[2]


def disc(image, centre, radius):
    rows, cols = np.indices(image.shape)
    return (rows - centre[0]) ** 2 + (cols - centre[1]) ** 2 <= radius ** 2


def thick_line(shape, start, end, width):
    """A boolean image of a line (row, col) start -> end, `width` pixels thick."""
    ink = np.zeros(shape, bool)
    for s in np.linspace(0, 1, 200):
        ink |= disc(ink, np.add(start, np.multiply(s, np.subtract(end, start))), width / 2)
    return ink


def test_the_skeleton_of_a_thick_bar_is_one_pixel_wide_and_spans_it():
    ink = np.zeros((32, 48), bool)
    ink[10:16, 6:42] = True
    thin = skeleton(ink)
    assert thin.sum() > 25 and not (thin & ~ink).any()
    columns = thin[:, 10:38].sum(axis=0)
    assert (columns == 1).all()
    assert np.ptp(np.nonzero(thin)[1]) >= 28


def test_a_line_traces_to_one_stroke_along_it_from_end_to_end():
    image = np.where(thick_line((64, 64), (16, 10), (16, 54), 5), 0.0, 1.0)
    strokes = trace_strokes(image)
    assert len(strokes) == 1
    stroke = strokes[0]
    assert np.abs(stroke[:, 1] - 16.5 / 64).max() < 2 / 64
    ends = sorted([stroke[0, 0], stroke[-1, 0]])
    assert ends[0] < 14 / 64 and ends[1] > 50 / 64


def test_a_ring_traces_to_one_closed_stroke_and_a_cross_to_strokes_that_meet():
    ring = disc(np.zeros((64, 64)), (32, 32), 20) & ~disc(np.zeros((64, 64)), (32, 32), 15)
    (loop,) = trace_strokes(np.where(ring, 0.0, 1.0))
    assert np.linalg.norm(loop[0] - loop[-1]) < 3 / 64
    radii = np.linalg.norm(loop - 0.5, axis=1) * 64
    assert 15 < radii.min() and radii.max() < 20.5 and len(loop) > 80
    cross = thick_line((64, 64), (32, 8), (32, 56), 5) | thick_line((64, 64), (8, 32), (56, 32), 5)
    strokes = trace_strokes(np.where(cross, 0.0, 1.0))
    assert 2 <= len(strokes) <= 4
    lengths = [np.linalg.norm(np.diff(s, axis=0), axis=1).sum() for s in strokes]
    assert lengths == sorted(lengths, reverse=True)
    # Every stroke reaches the junction, and together they reach the four arms' ends.
    assert all(np.linalg.norm(s - 0.5, axis=1).min() < 3 / 64 for s in strokes)
    points = np.concatenate(strokes)
    for end in [(8.5, 32.5), (56.5, 32.5), (32.5, 8.5), (32.5, 56.5)]:
        assert np.linalg.norm(points - np.divide(end, 64), axis=1).min() < 4 / 64
    assert trace_strokes(np.ones((64, 64))) == []


def test_traced_digits_played_on_the_canvas_look_like_their_targets(shared_data, load_script):
    """100 held-out MNIST digits traced (`--heldout --measure`), each as 20 steps on the paper's
    64 x 64 canvas and R 32 grid: far closer to the targets than a blank canvas, and the
    classifier reads them as their digits."""
    trace = load_script('trace_demonstrations')
    cfg = load_config(REPO_ROOT / 'configs' / 'mnist_conditional_fast.yaml',
                      [f'data.path={shared_data / "mnist"}', 'env.max_episode_steps=20'])
    programs, images, labels, kept = trace.traced_programs(cfg, 100, train=False)
    assert len(programs) == 100 and kept == list(range(100))
    assert (images == make_dataset_from_config(cfg).images(False)[:100]).all()
    figures = trace.measure(cfg, programs, images, labels, kept)
    assert figures['l2_gain'] > 0.55 and figures['target_class_share'] > 0.85
    # An image left without a program counts as a blank canvas.
    assert trace.measure(cfg, programs[1:], images, labels, kept[1:])['heldout_l2'] > (
        figures['heldout_l2'])


def test_the_script_writes_the_traced_training_images_as_demonstrations(tmp_path, shared_data,
                                                                         load_script, capsys):
    trace = load_script('trace_demonstrations')
    config = str(REPO_ROOT / 'configs' / 'mnist_conditional_fast.yaml')
    sets = ['--set', f'data.path={shared_data / "mnist"}', '--set', 'env.max_episode_steps=20']
    out = tmp_path / 'traced.json'
    trace.main([config, str(out), '--n', '12', '--measure'] + sets)
    printed = capsys.readouterr().out.splitlines()
    assert '12 programs traced from 12 training images' in printed[0]
    assert json.loads(printed[1])['l2_gain'] > 0.4
    drawings = read_demonstrations(out)
    assert len(drawings) == 12 and all(1 <= len(d) <= 10 for d in drawings)
    for args, message in [([config, str(out), '--n', '0'] + sets, '--n 0: expected 1 to'),
                          ([config, str(tmp_path / 'traced.txt')] + sets, 'expected a .json'),
                          ([config, str(out), '--set', 'env.action_space=paper'] + sets[:2],
                           "expected 'spiral'")]:
        with pytest.raises(SystemExit):
            trace.main(args)
        err = capsys.readouterr().err.strip().splitlines()
        assert message in err[-1]
