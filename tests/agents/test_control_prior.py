"""`model.control_prior` (models/decoder.py): the control head's prior peaks at the midpoint of
the pen and the end, a new policy bends its strokes little, acting and both recomputes agree,
and the key refuses what it cannot read."""
import numpy as np
import pytest

from chainer_spiral.agents import build_agent
from chainer_spiral.config import ConfigError, config_from_dict

from test_local_features import ColourDataset, local_agent
from test_recompute import assert_acting_and_recomputes_agree
from test_spiral import mypaint_envs

MODEL = {'conditional': True, 'local_features': True, 'control_prior': True}


def test_the_prior_peaks_at_the_midpoint_and_falls_half_a_nat_at_an_eighth_of_the_grid():
    agent, _ = local_agent(MODEL)
    decoder = agent.generator.decoder
    R = decoder.spec.R
    pens, ends = np.array([0, 5 * R + 9]), np.array([30 * R + 30, 5 * R + 1])
    prior = decoder._control_prior(pens, ends).array
    assert list(prior.argmax(axis=1)) == [15 * R + 15, 5 * R + 5]
    np.testing.assert_allclose(prior[:, [15 * R + 15, 5 * R + 5]].diagonal(), 0)
    np.testing.assert_allclose(prior[0, (15 + R // 8) * R + 15], -0.5)


def distances_to_midpoint(rollout, R):
    """Grid distances (T, B) of each step's control point from the midpoint of pen and end."""
    ends, controls = rollout.actions['end'], rollout.actions['control']
    pens = np.concatenate((np.zeros((1, ends.shape[1]), ends.dtype), ends[:-1]))
    mid_x, mid_y = (pens % R + ends % R) / 2, (pens // R + ends // R) / 2
    return np.hypot(controls % R - mid_x, controls // R - mid_y)


def test_a_new_policy_puts_its_control_points_near_the_midpoint_and_without_the_prior_does_not():
    targets = np.random.RandomState(0).rand(3, 3, 64, 64).astype(np.float32)
    shares = {}
    for on in (True, False):
        agent, envs = local_agent(dict(MODEL, control_prior=on), T=6)
        agent.seed(0)
        R = agent.generator.spec.R
        d = distances_to_midpoint(agent.collect(envs, targets=targets), R)
        shares[on] = float(np.mean(d <= R / 4))
    assert shares[True] > 0.6 and shares[False] < 0.4, shares


def test_acting_and_both_recomputes_agree_with_the_control_prior():
    agent, envs = local_agent(MODEL)
    targets = np.random.RandomState(0).rand(3, 3, 64, 64).astype(np.float32)
    assert_acting_and_recomputes_agree(agent, envs, targets, agent.generator.decoder.control_scale)


@pytest.mark.parametrize('model,space', [
    ({'conditional': True, 'control_prior': True}, 'paper'),
    (MODEL, 'spiral')])
def test_the_prior_needs_local_features_and_the_papers_control_point(model, space):
    with pytest.raises(ConfigError, match=r'model.control_prior: expected model.local_features'):
        config_from_dict({'env': {'action_space': space}, 'data': {'problem': 'celeba'},
                          'model': model}, 'tiny', '.')
    envs = mypaint_envs(1, T=1, action_space=space)
    with pytest.raises(ValueError, match='control_prior: expected local_features'):
        build_agent(envs[0], ColourDataset(), model, {'rollout_n': 1})
