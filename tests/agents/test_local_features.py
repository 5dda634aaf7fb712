"""`model.local_features` (models/local.py): off is the network as it was, zero weights on the
local inputs act as off, acting and both recomputes agree, and the features are the image's at
the chosen points."""
import chainer
import numpy as np
import pytest

from chainer_spiral.agents import build_agent
from chainer_spiral.config import ConfigError, config_from_dict
from chainer_spiral.models.generator import POLICY_HIDDEN
from chainer_spiral.models.local import LocalFeatures

from test_recompute import assert_acting_and_recomputes_agree
from test_spiral import mypaint_envs


class ColourDataset:
    """Stands in for a 64x64 colour dataset: random colour images."""
    channels, imsize = 3, 64

    def __init__(self):
        self.rng = np.random.RandomState(0)

    def get_example(self, train=True):
        return self.rng.rand(3, 64, 64).astype(np.float32)


def local_agent(model, action_space='paper', n=3, T=2, seed=0):
    envs = mypaint_envs(n, T=T, action_space=action_space)
    return build_agent(envs[0], ColourDataset(), model, {'rollout_n': n}, seed=seed), envs


def assert_prior_refused(key, model, space):
    """The config and build_agent both refuse `model` on the `space` action space, naming
    model.<key> (a prior of models/decoder.py) and what it expects first: local features."""
    with pytest.raises(ConfigError, match=rf'model.{key}: expected model.local_features'):
        config_from_dict({'env': {'action_space': space}, 'data': {'problem': 'celeba'},
                          'model': model}, 'tiny', '.')
    envs = mypaint_envs(1, T=1, action_space=space)
    with pytest.raises(ValueError, match=f'{key}: expected local_features'):
        build_agent(envs[0], ColourDataset(), model, {'rollout_n': 1})


def non_spatial_heads(generator):
    return [(h, link) for h, link in zip(generator.spec.heads, generator.decoder.heads)
            if not h.spatial]


def test_off_builds_the_network_as_it_was():
    """Off: no local link, and every non-spatial head reads z alone, as before the key."""
    agent, _ = local_agent({'conditional': True})
    assert agent.generator.local is None
    for _, link in non_spatial_heads(agent.generator):
        assert link.W.shape[1] == POLICY_HIDDEN
    names = {name for name, _ in agent.generator.namedparams()}
    assert not any(name.startswith('/local') for name in names)


def test_zero_weights_on_the_local_inputs_act_as_off():
    model = {'conditional': True, 'coord_channels': True, 'spatial_skip': True}
    off, envs = local_agent(model)
    on, _ = local_agent(dict(model, local_features=True))
    theirs = dict(off.generator.namedparams())
    for name, p in on.generator.namedparams():
        if name.startswith('/local'):
            continue
        if p.shape == theirs[name].shape:
            p.array[...] = theirs[name].array
        else:  # a non-spatial head's weight: z's columns first, then the local inputs
            p.array[...] = 0
            p.array[:, :POLICY_HIDDEN] = theirs[name].array
    targets = np.random.RandomState(1).rand(3, 3, 64, 64).astype(np.float32)
    off.seed(5)
    on.seed(5)
    a, b = off.collect(envs, targets=targets), on.collect(envs, targets=targets)
    for name in a.actions:
        np.testing.assert_array_equal(a.actions[name], b.actions[name])
    np.testing.assert_allclose(a.log_probs, b.log_probs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('action_space, model, trained', [
    ('paper', {'conditional': True, 'local_features': True}, '/local/conv/W'),
    ('spiral', {'conditional': True, 'coord_channels': True, 'spatial_skip': True,
                'local_features': True}, '/local/conv/W'),
    # the priors of models/decoder.py, which read the local features' points
    ('paper', {'conditional': True, 'local_features': True, 'colour_prior': True},
     '/decoder/colour_scale'),
    ('paper', {'conditional': True, 'local_features': True, 'control_prior': True},
     '/decoder/control_scale'),
])
def test_acting_and_both_recomputes_agree_with_local_features(action_space, model, trained):
    agent, envs = local_agent(model, action_space)
    targets = np.random.RandomState(0).rand(3, 3, 64, 64).astype(np.float32)
    assert_acting_and_recomputes_agree(agent, envs, targets,
                                       dict(agent.generator.namedparams())[trained])


def test_the_features_are_the_images_at_the_points():
    """On a 2x2 grid over 4x4 images, a cell's first features are the pooled image there."""
    local = LocalFeatures(4, 3, 2)
    images = np.zeros((2, 4, 4, 3), np.float32)
    images[0, 2:, :2] = (1.0, 0.5, 0.25)  # image 0: colour in cell 2 (row 1, column 0)
    images[1, :2, 2:, 1] = 1.0            # image 1: green in cell 1
    with chainer.no_backprop_mode():
        maps = local(images, np.array([2, 0]))
        np.testing.assert_array_equal(maps.start.array[:, :3], [[1.0, 0.5, 0.25], [0, 0, 0]])
        np.testing.assert_array_equal(maps.at(np.array([3, 1])).array[:, :3],
                                      [[0, 0, 0], [0, 1, 0]])
    assert maps.start.shape == (2, local.size) and local.size == 3 + 16
