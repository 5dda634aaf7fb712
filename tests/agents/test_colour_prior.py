"""`model.colour_prior` (models/decoder.py): a new policy's colour heads peak at the target's
colour along the stroke, acting and both recomputes agree, and the key refuses what it cannot
read."""
import numpy as np
import pytest

from chainer_spiral.config import ConfigError, config_from_dict
from chainer_spiral.models.decoder import COLOUR_HEADS

from test_local_features import ColourDataset, local_agent
from test_recompute import assert_acting_and_recomputes_agree
from test_spiral import mypaint_envs
from chainer_spiral.agents import build_agent

MODEL = {'conditional': True, 'local_features': True, 'colour_prior': True}


def flat_targets(rgb):
    """float32 (N, 3, 64, 64): each target one flat colour."""
    return np.broadcast_to(np.asarray(rgb, np.float32)[:, :, None, None],
                           (len(rgb), 3, 64, 64)).copy()


def test_a_new_policy_paints_the_targets_colour_within_a_bin_and_without_the_prior_does_not():
    agent, envs = local_agent(MODEL, n=3, T=1)
    rgb = np.array([[0.0, 0.5, 1.0], [1.0, 0.2, 0.7], [0.3, 0.9, 0.05]], np.float32)
    agent.seed(0)
    greedy = agent.collect(envs, targets=flat_targets(rgb), greedy=True)
    for c, name in enumerate(COLOUR_HEADS):
        np.testing.assert_allclose(greedy.actions[name][0], rgb[:, c] * 19, atol=1.0)
    without, _ = local_agent(dict(MODEL, colour_prior=False), n=3, T=1)
    without.seed(0)
    plain = without.collect(envs, targets=flat_targets(rgb), greedy=True)
    assert any(np.abs(plain.actions[name][0] - rgb[:, c] * 19).max() > 1.5
               for c, name in enumerate(COLOUR_HEADS))


def test_acting_and_both_recomputes_agree_with_the_colour_prior():
    agent, envs = local_agent(MODEL)
    targets = np.random.RandomState(0).rand(3, 3, 64, 64).astype(np.float32)
    assert_acting_and_recomputes_agree(agent, envs, targets, agent.generator.decoder.colour_scale)


@pytest.mark.parametrize('model,space', [
    ({'conditional': True, 'colour_prior': True}, 'paper'),
    ({'local_features': True, 'colour_prior': True}, 'paper'),
    (MODEL, 'spiral')])
def test_the_prior_needs_local_features_a_conditional_policy_and_the_papers_colours(model, space):
    with pytest.raises(ConfigError, match=r'model.colour_prior: expected model.local_features'):
        config_from_dict({'env': {'action_space': space}, 'data': {'problem': 'celeba'},
                          'model': model}, 'tiny', '.')
    envs = mypaint_envs(1, T=1, action_space=space)
    with pytest.raises(ValueError, match='colour_prior: expected local_features'):
        build_agent(envs[0], ColourDataset(), model, {'rollout_n': 1})
