"""ToyEnv: golden cells of its straight lines and curves."""
import numpy as np
import pytest

from chainer_spiral.envs import ToyEnv, make_env
from chainer_spiral.envs.toy_env import bezier_cells, line_cells


def painted(obs):
    """bool (3, 3) of the black cells; strokes paint pure black."""
    image = obs['image']
    assert set(np.unique(image)) <= {0, 255}
    return (image == 0).all(axis=-1)


def cells(*rc):
    mask = np.zeros((3, 3), dtype=bool)
    for r, c in rc:
        mask[r, c] = True
    return mask


def spiral(position, prob=1):
    return {'position': position, 'pressure': np.ones(1, np.float32),
            'color': np.zeros(3, np.float32), 'prob': prob}


def paper(end, control, flag=1):
    return {'flag': flag, 'end': end, 'control': control, 'size': 0, 'pressure': 0,
            'red': 19, 'green': 19, 'blue': 19}


@pytest.mark.parametrize('start, end, expected', [
    ((0, 0), (0, 0), [(0, 0)]),
    ((0, 0), (0, 2), [(0, 0), (0, 1), (0, 2)]),
    ((2, 2), (0, 0), [(2, 2), (1, 1), (0, 0)]),
    ((0, 0), (2, 1), [(0, 0), (1, 0), (2, 1)]),
    ((0, 0), (4, 2), [(0, 0), (1, 0), (2, 1), (3, 1), (4, 2)]),
])
def test_line_cells(start, end, expected):
    assert line_cells(start, end) == expected


def test_bezier_cells():
    assert bezier_cells((1, 1), (1, 1), (1, 1)) == ((1, 1),)
    # Control on the line: the straight line.
    assert bezier_cells((0, 0), (0, 1), (0, 2)) == ((0, 0), (0, 1), (0, 2))
    # Out and back: the curve turns at B(0.5) = (0, 1) and ends where it started.
    assert bezier_cells((0, 0), (0, 2), (0, 0)) == ((0, 0), (0, 1), (0, 0))


def test_spiral_strokes_paint_the_line_from_the_pen():
    env = ToyEnv()
    env.reset()
    obs, _, _, _ = env.step(spiral(2))  # (0, 0) -> (0, 2)
    np.testing.assert_array_equal(painted(obs), cells((0, 0), (0, 1), (0, 2)))
    obs, _, _, _ = env.step(spiral(6, prob=0))  # jump to (2, 0)
    np.testing.assert_array_equal(painted(obs), cells((0, 0), (0, 1), (0, 2)))
    obs, _, _, _ = env.step(spiral(8))  # (2, 0) -> (2, 2)
    expected = cells((0, 0), (0, 1), (0, 2), (2, 0), (2, 1), (2, 2))
    np.testing.assert_array_equal(painted(obs), expected)
    obs, _, _, _ = env.step(spiral(8))  # a stroke to the pen's own cell paints that cell
    assert painted(obs).sum() == 6
    assert not painted(env.reset()).any()


def test_paper_curve_goes_through_its_control_cell():
    env = ToyEnv(action_space='paper')
    env.reset()
    env.step(paper(6, 6, flag=0))  # jump to (2, 0)
    obs, _, _, _ = env.step(paper(8, 1))  # (2, 0) via control (0, 1) to (2, 2): B(0.5) = (1, 1)
    np.testing.assert_array_equal(painted(obs), cells((2, 0), (1, 0), (1, 1), (1, 2), (2, 2)))
    obs, _, _, _ = env.step(paper(2, 5))  # (2, 2) via (1, 2) to (0, 2): a straight column
    assert painted(obs)[:, 2].all()


def test_make_env_toy_ignores_the_mypaint_only_arguments():
    env = make_env('toy', brush='round', background=(1.0, 1.0, 1.0), max_episode_steps=3)
    assert isinstance(env, ToyEnv)
    assert (env.imsize, env.pos_resolution, env.max_episode_steps) == (3, 3, 3)


def test_toy_env_checks_its_arguments_and_actions():
    with pytest.raises(ValueError, match='pos_resolution'):
        ToyEnv(pos_resolution=4)
    env = ToyEnv()
    with pytest.raises(ValueError, match=r"action\['position'\]: expected an int in \[0, 9\)"):
        env.step(spiral(9))
    assert (env.render() == 255).all()
