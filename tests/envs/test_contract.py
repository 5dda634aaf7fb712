"""The environment contract (docs/architecture.md) for MyPaintEnv and ToyEnv, both interfaces."""
import numpy as np
import pytest

from chainer_spiral.envs import make_env

CASES = [(kind, space) for kind in ('mypaint', 'toy') for space in ('spiral', 'paper')]


@pytest.fixture(params=CASES, ids=[f'{k}-{s}' for k, s in CASES])
def env(request):
    kind, space = request.param
    env = make_env(kind, action_space=space, max_episode_steps=4, brush='pressure',
                   background=(1.0, 1.0, 1.0))
    env.seed(0)
    yield env
    env.close()


def test_reset_twice_gives_a_blank_canvas_and_the_defaults(env):
    first, second = env.reset(), env.reset()
    assert env.observation_space.contains(first)
    assert set(first) == set(env.action_space.spaces) | {'image'}
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])
    assert (first['image'] == 255).all()
    assert first['image'].shape == (env.imsize, env.imsize, 3) and first['image'].dtype == np.uint8
    if env.action_space_kind == 'spiral':
        assert (first['position'], first['prob']) == (0, 0)
        np.testing.assert_array_equal(first['pressure'], [env.pressure])
        np.testing.assert_array_equal(first['color'], env.color)
    else:
        assert (first['end'], first['control'], first['flag']) == (0, 0, 0)


def test_episode_length_and_observations_inside_their_spaces(env):
    for _ in range(2):
        env.reset()
        dones = []
        for _ in range(env.max_episode_steps):
            action = env.action_space.sample()
            obs, reward, done, info = env.step(action)
            assert env.observation_space.contains(obs)
            assert reward == 0.0 and isinstance(info, dict)
            for key in action:
                np.testing.assert_array_equal(obs[key], action[key])
            dones.append(done)
        assert dones == [False] * (env.max_episode_steps - 1) + [True]
        with pytest.raises(RuntimeError, match='call reset'):
            env.step(env.action_space.sample())


def test_observation_image_is_a_copy(env):
    obs = env.reset()
    obs['image'][...] = 0
    assert (env.render() == 255).all()


def test_moves_leave_the_canvas_blank(env):
    env.reset()
    flag = 'prob' if env.action_space_kind == 'spiral' else 'flag'
    for _ in range(env.max_episode_steps):
        action = env.action_space.sample()
        action[flag] = 0
        obs, _, _, _ = env.step(action)
        assert (obs['image'] == 255).all()


def test_grid_to_unit_and_xy_agree(env):
    r = env.pos_resolution
    units = np.array([env.grid_to_unit(p) for p in range(r * r)])
    assert units.min() > 0.0 and units.max() < 1.0
    pixels = np.array([env.grid_to_xy(p) for p in range(r * r)])
    np.testing.assert_allclose(pixels, units * env.imsize)
    assert env.grid_to_unit(r + 2) == (2.5 / r, 1.5 / r)  # column 2, row 1
