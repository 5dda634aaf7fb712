"""`model.position_prior` (models/decoder.py): the error map is the windowed squared error
between canvas and target scaled to [0, 1]; a new policy's points go where the target differs
from the canvas; acting and both recomputes agree; the key refuses what it cannot read."""
import chainer
import numpy as np
import pytest

from chainer_spiral.agents import build_agent
from chainer_spiral.config import ConfigError, config_from_dict
from chainer_spiral.models.decoder import error_map
from chainer_spiral.models.local import LocalMaps

from test_local_features import ColourDataset, local_agent
from test_recompute import assert_acting_and_recomputes_agree
from test_spiral import mypaint_envs

MODEL = {'conditional': True, 'local_features': True, 'position_prior': True}


def square_targets(corners, side=16):
    """float32 (N, 3, 64, 64): white, with one coloured side x side square at each (x, y)."""
    targets = np.ones((len(corners), 3, 64, 64), np.float32)
    for t, (x, y) in zip(targets, corners):
        t[:, y:y + side, x:x + side] = np.array([0.8, 0.2, 0.1], np.float32)[:, None, None]
    return targets


def test_the_error_map_sums_the_squared_error_over_the_window_and_peaks_at_one():
    R, K = 16, 2  # one channel each: canvas, target
    cells = np.zeros((2, R, R, K), np.float32)
    cells[0, 5, 7, 1] = 0.5  # image 0: one cell differs by 0.5
    cells[0, 12, 2, 1] = 1.0  # and one by 1
    e = error_map(LocalMaps(chainer.Variable(cells.reshape(-1, K)), 2, np.zeros(2, int)), (0,), (1,))
    assert e.shape == (2, R * R)
    e0 = e[0].reshape(R, R)
    W = 2 * (R // 8) + 1
    for y in range(R):
        for x in range(R):
            near = lambda cy, cx: abs(y - cy) <= W // 2 and abs(x - cx) <= W // 2
            expected = 0.25 * near(5, 7) + 1.0 * near(12, 2)
            assert e0[y, x] == pytest.approx(expected)
    np.testing.assert_array_equal(e[1], 0)  # a canvas that matches: no preference


def test_a_new_policys_points_go_to_the_targets_square_and_without_the_prior_do_not():
    corners = [(4, 4), (44, 8), (24, 44)]
    agent, envs = local_agent(MODEL, n=3, T=1)
    agent.seed(0)
    greedy = agent.collect(envs, targets=square_targets(corners), greedy=True)
    R = 32
    for name in ('end', 'control'):
        for p, (x, y) in zip(greedy.actions[name][0], corners):
            px, py = (p % R) * 2 + 1, (p // R) * 2 + 1  # the cell's centre in pixels
            assert x - 2 <= px < x + 18 and y - 2 <= py < y + 18, (name, p, x, y)
    without, _ = local_agent(dict(MODEL, position_prior=False), n=3, T=1)
    without.seed(0)
    plain = without.collect(envs, targets=square_targets(corners), greedy=True)
    inside = [x <= (p % R) * 2 < x + 16 and y <= (p // R) * 2 < y + 16
              for p, (x, y) in zip(plain.actions['end'][0], corners)]
    assert not all(inside)


def test_acting_and_both_recomputes_agree_with_the_position_prior():
    agent, envs = local_agent(MODEL)
    targets = np.random.RandomState(0).rand(3, 3, 64, 64).astype(np.float32)
    assert_acting_and_recomputes_agree(agent, envs, targets,
                                       agent.generator.decoder.position_scale)


@pytest.mark.parametrize('model', [{'conditional': True, 'position_prior': True},
                                   {'local_features': True, 'position_prior': True}])
def test_the_prior_needs_local_features_and_a_conditional_policy(model):
    with pytest.raises(ConfigError, match=r'model.position_prior: expected model.local_features'):
        config_from_dict({'env': {'action_space': 'paper'}, 'data': {'problem': 'celeba'},
                          'model': model}, 'tiny', '.')
    envs = mypaint_envs(1, T=1, action_space='paper')
    with pytest.raises(ValueError, match='position_prior: expected local_features'):
        build_agent(envs[0], ColourDataset(), model, {'rollout_n': 1})
