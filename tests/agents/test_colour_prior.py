"""`model.colour_prior` (models/decoder.py): a new policy's colour heads peak at the target's
colour along the stroke, and the key refuses what it cannot read (acting and both recomputes
agree: test_local_features.py)."""
import numpy as np
import pytest

from chainer_spiral.models.decoder import COLOUR_HEADS

from test_local_features import assert_prior_refused, local_agent

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


@pytest.mark.parametrize('model,space', [
    ({'conditional': True, 'colour_prior': True}, 'paper'),
    ({'local_features': True, 'colour_prior': True}, 'paper'),
    (MODEL, 'spiral')])
def test_the_prior_needs_local_features_a_conditional_policy_and_the_papers_colours(model, space):
    assert_prior_refused('colour_prior', model, space)
