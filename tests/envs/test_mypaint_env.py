"""MyPaintEnv: golden pixels of both interfaces, determinism and invalid actions."""
import json

import numpy as np
import pytest

from chainer_spiral.envs import MyPaintEnv, make_env
from chainer_spiral.envs.libmypaint import BRUSH_DIR
from pixels import box, ink


def grid(env, row, col):
    return row * env.pos_resolution + col


def spiral(position, prob=1, pressure=1.0, color=(0.0, 0.0, 0.0)):
    return {'position': position, 'pressure': np.array([pressure], np.float32),
            'color': np.array(color, np.float32), 'prob': prob}


def paper(end, control=None, flag=1, size=1, pressure=9, rgb=(0, 0, 0)):
    return {'flag': flag, 'end': end, 'control': end if control is None else control, 'size': size,
            'pressure': pressure, 'red': rgb[0], 'green': rgb[1], 'blue': rgb[2]}


@pytest.fixture(scope='module')
def env():
    return MyPaintEnv()


@pytest.fixture(scope='module')
def paper_env():
    return MyPaintEnv(action_space='paper')


def test_grid_mapping_puts_points_at_cell_centres(env):
    assert env.grid_to_xy(0) == (1.0, 1.0)
    assert env.grid_to_xy(grid(env, 8, 5)) == (11.0, 17.0)
    assert env.grid_to_xy(32 * 32 - 1) == (63.0, 63.0)
    assert env.grid_to_unit(32 * 32 - 1) == (63 / 64, 63 / 64)
    with pytest.raises(ValueError, match='grid index'):
        env.grid_to_xy(32 * 32)


def test_horizontal_stroke_golden_pixels(env):
    env.reset()
    obs, _, _, _ = env.step(spiral(grid(env, 8, 5), prob=0))
    assert not ink(obs['image']).any()
    obs, reward, done, info = env.step(spiral(grid(env, 8, 15)))
    # From (11, 17) to (31, 17) with radius 2.
    np.testing.assert_array_equal(ink(obs['image']), box((64, 64), (15, 18), (9, 32)))
    assert (obs['image'][15:19, 9:33] == 0).all()
    assert (reward, done, info) == (0.0, False, {})


def test_pen_starts_at_grid_point_zero(env):
    env.reset()
    obs, _, _, _ = env.step(spiral(grid(env, 0, 3)))
    np.testing.assert_array_equal(ink(obs['image']), box((64, 64), (0, 2), (0, 8)))


def test_jump_draws_nothing_and_reset_clears(env):
    env.reset()
    env.step(spiral(grid(env, 10, 10)))
    obs, _, _, _ = env.step(spiral(grid(env, 30, 2), prob=0))
    before = obs['image']
    assert ink(before).any()
    obs, _, _, _ = env.step(spiral(grid(env, 5, 25), prob=0))
    np.testing.assert_array_equal(obs['image'], before)
    assert not ink(env.reset()['image']).any()


def test_colour_and_background(env):
    env.reset()
    env.step(spiral(grid(env, 4, 0), prob=0))
    obs, _, _, _ = env.step(spiral(grid(env, 4, 9), color=(0.2, 0.4, 0.6)))
    assert tuple(obs['image'][9, 10]) == (51, 102, 153)
    dark = MyPaintEnv(background=(0.0, 0.0, 0.0))
    obs, _, _, _ = dark.step(spiral(grid(dark, 0, 9), color=(1.0, 1.0, 0.0)))
    assert tuple(obs['image'][1, 10]) == (255, 255, 0) and tuple(obs['image'][40, 40]) == (0, 0, 0)


def test_strokes_along_the_border_are_clipped(env):
    env.reset()
    env.step(spiral(grid(env, 31, 0), prob=0))
    obs, _, _, _ = env.step(spiral(grid(env, 31, 31)))
    # y = 63 with radius 2: rows 61..63, no wrap-around into row 0.
    np.testing.assert_array_equal(ink(obs['image']), box((64, 64), (61, 63), (0, 63)))


def test_pressure_pen_in_the_spiral_interface():
    env = MyPaintEnv(brush='pressure')
    widths = []
    for pressure in (0.0, 1.0):
        env.reset()
        env.step(spiral(grid(env, 16, 2), prob=0))
        obs, _, _, _ = env.step(spiral(grid(env, 16, 28), pressure=pressure))
        widths.append(int(ink(obs['image'])[:, 30].sum()))
    assert widths == [2, 6]


def test_canvas_size_scales_the_brush():
    env = MyPaintEnv(imsize=128, pos_resolution=16)
    assert env.radius == pytest.approx(4.0, abs=1e-5)
    assert env.grid_to_xy(grid(env, 2, 3)) == (28.0, 20.0)
    obs, _, _, _ = env.step(spiral(grid(env, 0, 2)))
    assert obs['image'].shape == (128, 128, 3)
    # From (4, 4) to (20, 4) with radius 4 (from 3 pixels up, libmypaint covers the pixels whose
    # centre is within the radius).
    rows, cols = np.mgrid[:128, :128] + 0.5
    distance = np.hypot(cols - np.clip(cols, 4, 20), rows - 4)
    np.testing.assert_array_equal(ink(obs['image']), distance <= 4)


@pytest.mark.parametrize('name, radius', [('broad', 4), ('wide', 8)])
def test_the_broad_and_wide_brushes_are_the_round_one_scaled(name, radius):
    """`env.brush: broad` / `wide`: radius 4 / 8 px on a 64 x 64 canvas (the round pen's 2 px
    times 2 / 4); a stroke covers the pixels within the radius of its path."""
    env = MyPaintEnv(imsize=64, pos_resolution=16, brush=name)
    assert env.radius == pytest.approx(radius, abs=1e-5)
    obs, _, _, _ = env.step(spiral(grid(env, 0, 6)))
    rows, cols = np.mgrid[:64, :64] + 0.5
    distance = np.hypot(cols - np.clip(cols, 2, 26), rows - 2)
    np.testing.assert_array_equal(ink(obs['image']), distance <= radius)


def test_paper_straight_bezier_equals_the_spiral_stroke(env, paper_env):
    env.reset()
    env.step(spiral(grid(env, 8, 5), prob=0))
    line, _, _, _ = env.step(spiral(grid(env, 8, 15)))
    paper_env.reset()
    paper_env.step(paper(grid(paper_env, 8, 5), flag=0))
    obs, _, _, _ = paper_env.step(paper(grid(paper_env, 8, 15), control=grid(paper_env, 8, 10)))
    np.testing.assert_array_equal(obs['image'], line['image'])


def test_paper_curve_size_and_colour(paper_env):
    paper_env.reset()
    paper_env.step(paper(grid(paper_env, 24, 4), flag=0))
    obs, _, _, _ = paper_env.step(paper(grid(paper_env, 24, 27), control=grid(paper_env, 0, 16),
                                        rgb=(19, 0, 0)))
    image = obs['image']
    # B(0.5) = ((9 + 2 * 33 + 55) / 4, (49 + 2 * 1 + 49) / 4) = (32.5, 25).
    assert tuple(image[25, 32]) == (255, 0, 0)
    assert not ink(image)[49, 32]
    widths = []
    for size in range(4):
        paper_env.reset()
        paper_env.step(paper(grid(paper_env, 16, 2), flag=0))
        obs, _, _, _ = paper_env.step(paper(grid(paper_env, 16, 28), size=size))
        widths.append(int(ink(obs['image'])[:, 30].sum()))
    assert widths == [2, 4, 6, 8]  # radius 1, 2, 3, 4 around y = 33


def test_paper_pressure_levels_with_the_pressure_pen():
    env = MyPaintEnv(action_space='paper', brush='pressure')
    widths = []
    for level in (0, 9):
        env.reset()
        env.step(paper(grid(env, 16, 2), flag=0))
        obs, _, _, _ = env.step(paper(grid(env, 16, 28), pressure=level))
        widths.append(int(ink(obs['image'])[:, 30].sum()))
    assert widths == [2, 6]


@pytest.mark.parametrize('action_space', ['spiral', 'paper'])
def test_same_seed_same_actions_same_images(action_space):
    def episode(env):
        env.seed(123)
        env.reset()
        return [env.step(env.action_space.sample())[0]['image']
                for _ in range(env.max_episode_steps)]

    first, second = (MyPaintEnv(action_space=action_space, brush='pressure') for _ in range(2))
    images = episode(first)
    assert images[-1].min() < 255
    np.testing.assert_array_equal(episode(second), images)
    np.testing.assert_array_equal(episode(first), images)


def test_a_brush_with_randomness_repeats_its_episodes(tmp_path):
    doc = json.loads((BRUSH_DIR / 'round.myb').read_text())
    doc['settings']['offset_by_random']['base_value'] = 0.5
    (tmp_path / 'random.myb').write_text(json.dumps(doc))
    env = MyPaintEnv(brush=tmp_path / 'random.myb')
    env.seed(7)
    actions = [env.action_space.sample() for _ in range(env.max_episode_steps)]
    episodes = []
    for _ in range(2):
        env.reset()
        episodes.append([env.step(a)[0]['image'] for a in actions])
    assert episodes[0][-1].min() < 255
    np.testing.assert_array_equal(episodes[0], episodes[1])


def spiral_bad_actions(env):
    good = spiral(1)
    for key, value, field in [
            ('position', 32 * 32, 'position'), ('position', -1, 'position'),
            ('position', 3.0, 'position'), ('position', True, 'position'),
            ('pressure', np.array([np.nan], np.float32), 'pressure'),
            ('pressure', np.array([1.5], np.float32), 'pressure'),
            ('pressure', np.zeros(2, np.float32), 'pressure'),
            ('color', np.zeros(2, np.float32), 'color'), ('color', 'black', 'color'),
            ('color', np.array([0.0, np.nan, 0.0]), 'color'), ('prob', 2, 'prob')]:
        yield dict(good, **{key: value}), field
    yield {k: v for k, v in good.items() if k != 'color'}, 'missing .*color'
    yield dict(good, size=1), 'extra .*size'
    yield [1, 2], 'expected a dict'


def paper_bad_actions(env):
    good = paper(1)
    for key, value in [('end', 32 * 32), ('control', -1), ('size', 4), ('pressure', 10),
                       ('red', 20), ('green', 0.5), ('blue', np.int64(-3)), ('flag', 2)]:
        yield dict(good, **{key: value}), key
    yield {k: v for k, v in good.items() if k != 'blue'}, 'missing .*blue'


@pytest.mark.parametrize('action_space, bad_actions', [('spiral', spiral_bad_actions),
                                                       ('paper', paper_bad_actions)])
def test_invalid_actions_name_the_field_and_leave_the_canvas(action_space, bad_actions):
    env = MyPaintEnv(action_space=action_space)
    env.step(env.action_space.sample() if action_space == 'spiral' else paper(grid(env, 9, 9)))
    before = env.render()
    for action, field in bad_actions(env):
        with pytest.raises(ValueError, match=f'action.*{field}'):
            env.step(action)
        np.testing.assert_array_equal(env.render(), before)
    assert env.step(env.action_space.sample())[0]['image'].shape == (64, 64, 3)


def test_numpy_integers_are_valid_indices(env):
    env.reset()
    obs, _, _, _ = env.step(spiral(np.int64(grid(env, 3, 3))))
    assert obs['position'] == 99 and type(obs['position']) is int
    obs, _, _, _ = env.step(spiral(np.array(grid(env, 4, 4)), prob=np.int32(0)))
    assert obs['position'] == 132


@pytest.mark.parametrize('kwargs, field', [
    ({'action_space': 'pixels'}, 'action_space'), ({'imsize': 0}, 'imsize'),
    ({'pos_resolution': 2.5}, 'pos_resolution'), ({'max_episode_steps': -1}, 'max_episode_steps'),
    ({'pressure': 1.5}, 'pressure'), ({'color': (0.0, 0.0)}, 'color'),
    ({'background': (2.0, 0.0, 0.0)}, 'background'), ({'brush': 'no_such_brush'}, 'no_such_brush')])
def test_invalid_constructor_arguments(kwargs, field):
    with pytest.raises(ValueError, match=field):
        MyPaintEnv(**kwargs)


def test_attributes_and_make_env():
    env = make_env('mypaint', imsize=48, pos_resolution=16, action_space='paper', brush='pressure',
                   max_episode_steps=5, pressure=0.5, color=(0.0, 0.5, 1.0))
    assert isinstance(env, MyPaintEnv)
    assert (env.imsize, env.pos_resolution, env.action_space_kind) == (48, 16, 'paper')
    assert (env.brush, env.max_episode_steps, env.pressure) == ('pressure', 5, 0.5)
    assert (env.color, env.background) == ((0.0, 0.5, 1.0), (1.0, 1.0, 1.0))
    obs = env.reset()
    assert {k: obs[k] for k in ('pressure', 'red', 'green', 'blue', 'size')} == {
        'pressure': 4, 'red': 0, 'green': 10, 'blue': 19, 'size': 1}
    with pytest.raises(ValueError, match="expected one of \\('mypaint', 'toy'\\)"):
        make_env('gimp')
