"""`model.spatial_skip` (models/spatial.py): a new skip leaves the policy as it was, the acting
pass and both recomputes agree with it, and its map reaches the grid heads where it points."""
import chainer
import numpy as np
import pytest

from chainer_spiral.agents import build_agent
from chainer_spiral.models.action_spec import ActionSpec
from chainer_spiral.models.spatial import SpatialSkip

from test_recompute import assert_acting_and_recomputes_agree
from test_spiral import BlankDataset, mypaint_envs


def skip_agent(model, action_space='spiral', n=3, T=2):
    envs = mypaint_envs(n, T=T, action_space=action_space)
    return build_agent(envs[0], BlankDataset(), model, {'rollout_n': n}), envs


def disturb(skip):
    """Random weights in the skip's zero-initialised last layer, so that it matters."""
    rng = np.random.RandomState(7)
    skip.out.W.array[...] = rng.normal(0, 0.5, skip.out.W.shape)
    skip.out.b.array[...] = rng.normal(0, 0.5, skip.out.b.shape)


def test_a_new_skip_leaves_the_policy_unchanged():
    plain, envs = skip_agent({'coord_channels': True})
    skipped, _ = skip_agent({'coord_channels': True, 'spatial_skip': True})
    plain.seed(3)
    skipped.seed(3)
    a, b = plain.collect(envs), skipped.collect(envs)
    for name in a.actions:
        np.testing.assert_array_equal(a.actions[name], b.actions[name])
    np.testing.assert_allclose(a.log_probs, b.log_probs, rtol=1e-6)


@pytest.mark.parametrize('action_space, model', [
    ('spiral', {'spatial_skip': True}),
    ('paper', {'spatial_skip': True}),
    ('spiral', {'conditional': True, 'coord_channels': True, 'spatial_skip': True}),
])
def test_acting_and_both_recomputes_agree_with_the_skip(action_space, model):
    agent, envs = skip_agent(model, action_space)
    disturb(agent.generator.skip)
    targets = None
    if model.get('conditional'):
        targets = np.random.RandomState(0).rand(3, 1, 64, 64).astype(np.float32)
    assert_acting_and_recomputes_agree(agent, envs, targets, agent.generator.skip.c1.W)


def test_the_skip_map_raises_the_logits_where_it_points():
    """Ink in one grid cell of the target, and a skip whose last layer reads the target's
    channel: the position head's log-probability rises at that cell above every other."""
    skip = SpatialSkip(8, 2, 4, 1)
    skip.c1.W.array[...] = 0
    skip.c1.W.array[0, 1, 2, 2] = 1  # channel 0 copies the target (input channel 1)
    skip.c1.b.array[...] = 0
    skip.c2.W.array[...] = 0
    skip.c2.W.array[0, 0, 2, 2] = 1
    skip.out.W.array[...] = 0
    skip.out.W.array[0, 0] = 5
    images = np.zeros((1, 8, 8, 2), np.float32)
    images[0, 4:6, 2:4, 1] = 1  # target ink on grid column 1, row 2
    with chainer.no_backprop_mode():
        logits = skip(images, np.array([0])).array
    assert logits.shape == (1, 1, 16)
    assert logits[0, 0].argmax() == 2 * 4 + 1 and np.sort(logits[0, 0])[-2] == 0


def test_the_pen_channel_is_the_previous_position():
    spec = ActionSpec('spiral', 4)
    actions = {'position': np.array([[5, 6], [7, 8], [9, 10]]), 'prob': np.zeros((3, 2), int)}
    np.testing.assert_array_equal(spec.previous_positions(actions), [[0, 0], [5, 6], [7, 8]])
    skip = SpatialSkip(4, 1, 4, 1)
    seen = []
    skip.c1.forward = lambda x, relu: seen.append(x.array) or chainer.Variable(
        np.zeros((len(x), 4, 4, 16), np.float32))
    skip(np.zeros((2, 4, 4, 1), np.float32), np.array([5, 15]))
    pen = seen[0][..., 1].reshape(2, 16)
    assert pen[0].argmax() == 5 and pen[1].argmax() == 15 and pen.sum() == 2


def test_the_skip_refuses_a_blind_policy_and_a_grid_that_does_not_divide_the_image():
    with pytest.raises(ValueError, match='blind'):
        skip_agent({'spatial_skip': True, 'blind': True, 'conditional': True})
    with pytest.raises(ValueError, match='multiple of pos_resolution'):
        SpatialSkip(64, 1, 24, 1)
