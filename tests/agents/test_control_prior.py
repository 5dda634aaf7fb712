"""`model.control_prior` (models/decoder.py): the control head's prior peaks at the midpoint of
the pen and the end, a new policy bends its strokes little, and the key refuses what it cannot
read (acting and both recomputes agree: test_local_features.py)."""
import numpy as np
import pytest

from test_local_features import assert_prior_refused, local_agent

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


@pytest.mark.parametrize('model,space', [
    ({'conditional': True, 'control_prior': True}, 'paper'),
    (MODEL, 'spiral')])
def test_the_prior_needs_local_features_and_the_papers_control_point(model, space):
    assert_prior_refused('control_prior', model, space)
