"""scripts/action_statistics.py on a tiny untrained colour painter: the distance after reset is
the blank canvas's, the heads' figures are those of the drawings' actions."""
from pathlib import Path

import numpy as np

from chainer_spiral.config import load_config
from chainer_spiral.runs.loading import build_agent_from_config, make_envs_from_config

REPO = Path(__file__).resolve().parents[1]


def tiny_colour_painter():
    """(config, untrained agent) of configs/celeba.yaml on 16 x 16, R 8, T 3."""
    cfg = load_config(REPO / 'configs' / 'celeba.yaml',
                      ['env.imsize=16', 'env.pos_resolution=8', 'env.max_episode_steps=3'],
                      check_paths=False)
    return cfg, build_agent_from_config(cfg, None)


def test_step_statistics_of_a_tiny_colour_painter(load_script):
    script = load_script('action_statistics')
    cfg, agent = tiny_colour_painter()
    targets = np.random.RandomState(0).rand(5, 3, 16, 16).astype(np.float32)
    agent.seed(0)
    stats = script.step_statistics(agent, make_envs_from_config(cfg, 2), targets)
    assert len(stats['mse']) == 4
    # the canvas starts white
    np.testing.assert_allclose(stats['mse'][0], np.mean(np.square(1 - targets)), rtol=1e-5)
    assert set(stats['heads']) == {'end', 'control', 'flag', 'size', 'pressure', 'red', 'green',
                                   'blue'}
    for head in stats['heads'].values():
        assert len(head['top_share']) == len(head['distinct']) == 3
        for share, distinct in zip(head['top_share'], head['distinct']):
            # the top choice is taken by at least 1 of 5 and at least a 1/distinct share
            assert 1 / distinct - 1e-9 <= share <= 1 and 1 <= distinct <= 5
            assert share * 5 == round(share * 5)
    # the drawings' own actions, from which the heads' figures are counted
    sizes = np.array(stats['actions']['size'])
    assert sizes.shape == (3, 5)
    assert stats['heads']['size']['distinct'] == [len(set(row)) for row in sizes]
    agent.seed(0)
    again = script.step_statistics(agent, make_envs_from_config(cfg, 2), targets)
    assert again == stats


def test_resized_replays_change_only_the_strokes_from_the_step_given(load_script):
    script = load_script('action_statistics')
    from chainer_spiral.evaluation.evaluate import paint
    cfg, agent = tiny_colour_painter()
    targets = np.random.RandomState(1).rand(4, 3, 16, 16).astype(np.float32)
    agent.seed(0)
    envs = make_envs_from_config(cfg, 4)
    _, rollout = next(paint(agent, envs, 4, targets))
    out = script.resized_errors(envs, make_envs_from_config(cfg, 4), rollout.actions, targets,
                                [0, 3])
    painted = np.mean(np.square(rollout.finals - targets), axis=(1, 2, 3))
    np.testing.assert_allclose(out[None, None], painted, atol=1e-6)
    assert set(out) == {(None, None)} | {(k, s) for k in (0, 3) for s in range(4)}
    for size in range(4):  # from step T on nothing is left to change
        np.testing.assert_array_equal(out[3, size], out[None, None])
    # every stroke at each size in turn: the sizes paint differently
    assert len({tuple(out[0, size]) for size in range(4)}) == 4
