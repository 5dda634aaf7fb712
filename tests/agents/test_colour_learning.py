"""A tiny colour conditional painter learns (the paper's action space, local features, L2 reward).

Task: MyPaintEnv 16 x 16, R 2, T 1; each target is one stroke of the largest brush from the pen's
start (grid point 0) through grid point 1 to grid point 3, in a colour drawn at random (training
and held-out colours differ). The painter must find the stroke and read its colour off the
target. Measured: greedy held-out MSE over RGB (evaluation/colour.py) against the flat-canvas
baselines, white paper and each target's own mean colour everywhere.
"""
import numpy as np

from chainer_spiral.agents import build_agent
from chainer_spiral.datasets import SpiralDataset
from chainer_spiral.envs import make_env
from chainer_spiral.evaluation import colour

B = 16
AGENT = {'reward_mode': 'l2', 'rollout_n': B, 'lr': 3.0e-3, 'reward_standardisation': 'batch'}


def stroke_targets(env, n, seed):
    """uint8 (n, 3, 16, 16): the task's stroke in n random colours."""
    out = []
    for rgb in np.random.RandomState(seed).randint(0, 20, (n, 3)):
        env.reset()
        obs, _, _, _ = env.step({'flag': 1, 'end': 3, 'control': 1, 'size': 3, 'pressure': 9,
                                 'red': rgb[0], 'green': rgb[1], 'blue': rgb[2]})
        out.append(obs['image'].transpose(2, 0, 1))
    return np.stack(out)


def setup(seed=0):
    envs = [make_env('mypaint', imsize=16, pos_resolution=2, action_space='paper',
                     max_episode_steps=1) for _ in range(B)]
    dataset = SpiralDataset('strokes', stroke_targets(envs[0], 64, 1),
                            stroke_targets(envs[0], B, 2), seed=seed)
    agent = build_agent(envs[0], dataset, {'conditional': True, 'local_features': True}, AGENT,
                        seed=seed)
    return agent, envs, dataset.images(train=False)


def greedy_finals(agent, envs, targets):
    agent.seed(0)
    return agent.collect(envs, targets=targets, greedy=True).finals


def train(agent, envs, targets, updates, record_at=None):
    """Trains; returns the greedy held-out finals after `updates` (and after `record_at`)."""
    recorded = None
    for i in range(1, updates + 1):
        agent.update(agent.collect(envs))
        if i == record_at:
            recorded = greedy_finals(agent, envs, targets)
    return greedy_finals(agent, envs, targets), recorded


def test_a_colour_painter_beats_the_flat_canvases_deterministically():
    agent, envs, targets = setup()
    base = colour.baselines(targets)
    assert colour.figures(greedy_finals(agent, envs, targets), targets)['mse'] >= (
        base['mean_colour']['mse'])
    finals, early = train(agent, envs, targets, 30, record_at=3)
    mse = colour.figures(finals, targets)['mse']
    assert mse < base['mean_colour']['mse'] < base['white']['mse']
    again, _ = train(*setup(), 3)
    np.testing.assert_array_equal(again, early)
