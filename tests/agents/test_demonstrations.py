"""Demonstrations: Omniglot's pen trajectories as actions, and behaviour cloning that makes the
policy take them."""
import logging
import zipfile
from pathlib import Path

import numpy as np
import pytest

from chainer_spiral.agents import build_agent
from chainer_spiral.agents.demonstrations import (behaviour_cloning, demonstration_batch,
                                                  strokes_to_actions)
from chainer_spiral.config import load_config
from chainer_spiral.datasets import DatasetError, make_dataset
from chainer_spiral.datasets.omniglot import parse_strokes, read_strokes
from chainer_spiral.envs import make_env
from chainer_spiral.training import train


REPO = Path(__file__).resolve().parents[2]
# Two strokes: (0.15, 0.15) -> (0.95, 0.15), then (0.55, 0.25) -> (0.55, 0.85), in 105 units.
TEXT = 'START\n15.75,-15.75,0\n99.75,-15.75,50\nBREAK\n57.75,-26.25,60\n57.75,-89.25,90\nBREAK\n'


def test_parse_strokes_flips_y_and_scales_to_the_unit_square():
    strokes = parse_strokes(TEXT, 'x.txt')
    np.testing.assert_allclose(strokes[0], [[0.15, 0.15], [0.95, 0.15]], atol=1e-6)
    np.testing.assert_allclose(strokes[1], [[0.55, 0.25], [0.55, 0.85]], atol=1e-6)
    with pytest.raises(DatasetError, match=r"^y\.txt: expected lines x,y,t, START or BREAK, "
                                           r"got 'oops'$"):
        parse_strokes('START\noops\n', 'y.txt')
    with pytest.raises(DatasetError, match='expected pen strokes, found none'):
        parse_strokes('START\nBREAK\n', 'z.txt')


def test_the_shared_strokes_match_the_images(shared_data):
    drawings = read_strokes(shared_data / 'omniglot' / 'strokes_background_small1.zip')
    with zipfile.ZipFile(shared_data / 'omniglot' / 'images_background_small1.zip') as zf:
        images = {'/'.join(m[:-4].split('/')[-3:]) for m in zf.namelist()
                  if m.endswith('.png') and '__MACOSX' not in m}
    assert set(drawings) == images and len(drawings) == 2720
    for strokes in list(drawings.values())[:50]:
        assert all(s.ndim == 2 and s.shape[1] == 2 and 0 <= s.min() and s.max() <= 1
                   for s in strokes)


def test_strokes_to_actions_moves_then_draws_each_stroke():
    strokes = parse_strokes(TEXT, 'x.txt')
    a = strokes_to_actions(strokes, R=10, T=6)
    # stroke 1: move to cell (column 1, row 1), draw through (5, 1) to (9, 1);
    # stroke 2: move to (5, 2), draw through (5, 5) to (5, 8)
    assert list(a['prob']) == [0, 1, 1, 0, 1, 1]
    assert list(a['position']) == [11, 15, 19, 25, 55, 85]
    # T = 4: one draw each; T = 9: the spare step stays without drawing.
    assert list(strokes_to_actions(strokes, 10, 4)['prob']) == [0, 1, 0, 1]
    nine = strokes_to_actions(strokes, 10, 9)
    assert list(nine['prob']).count(0) == 2 and len(nine['prob']) == 9
    # More strokes than T // 2: the later ones are dropped.
    many = strokes_to_actions([strokes[0]] * 5, 10, 4)
    assert list(many['prob']) == [0, 1, 0, 1]
    batch = demonstration_batch([strokes, strokes[:1]], 10, 6)
    assert batch['position'].shape == (6, 2) and list(batch['prob'][:, 1]) == [0, 1, 1, 1, 1, 1]


@pytest.mark.parametrize('conditional', [False, True])
def test_behaviour_cloning_makes_the_policy_draw_the_demonstration(conditional):
    """ToyEnv (3x3 grid, T 4): after cloning one demonstration, the greedy policy takes its
    actions."""
    envs = [make_env('toy', imsize=3, pos_resolution=3, max_episode_steps=4) for _ in range(4)]
    agent = build_agent(envs[0], make_dataset('toy', 3, label=0), {'conditional': conditional},
                        {'rollout_n': 4, 'lr': 3.0e-3})
    demo = [np.array([[0.1, 0.8], [0.9, 0.8]]), np.array([[0.5, 0.1], [0.5, 0.5]])]
    expected = strokes_to_actions(demo, 3, 4)
    rng = np.random.RandomState(0)
    losses = [behaviour_cloning(agent, envs, [demo], rng) for _ in range(60)]
    assert losses[-1] < 0.1 * losses[0]
    targets = None
    if conditional:
        from chainer_spiral.agents.demonstrations import painted_targets
        targets = painted_targets(envs, agent.spec, demonstration_batch([demo] * 4, 3, 4), 1)
    r = agent.collect(envs, targets=targets, greedy=True)
    for name in ('position', 'prob'):
        np.testing.assert_array_equal(r.actions[name][:, 0], expected[name])


def test_a_new_run_starts_with_behaviour_cloning(tmp_path, caplog):
    path = tmp_path / 'strokes.zip'
    with zipfile.ZipFile(path, 'w') as zf:
        zf.writestr('strokes/Alpha/character01/0001_01.txt', TEXT)
    cfg = load_config(REPO / 'configs' / 'toy.yaml',
                      ['agent.rollout_n=8', 'train.steps=32', 'train.processes=1',
                       f'agent.demonstrations={path}', 'agent.demo_updates=12'])
    with caplog.at_level(logging.INFO):
        train(cfg, tmp_path / 'run', progress=False)
    assert 'behaviour cloning 12/12 on 1 demonstrations: loss' in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO):  # a resumed run does not clone again
        train(load_config(REPO / 'configs' / 'toy.yaml', [
            'agent.rollout_n=8', 'train.steps=48', 'train.processes=1',
            f'agent.demonstrations={path}', 'agent.demo_updates=12']),
            tmp_path / 'run', load=tmp_path / 'run' / '32', progress=False)
    assert 'behaviour cloning' not in caplog.text
