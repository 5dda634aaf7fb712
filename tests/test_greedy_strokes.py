"""scripts/greedy_strokes.py: a stroke's coverage composited in a colour is the env's own canvas
after that stroke, the search only ever lowers the distance, at the sizes it is given, and its
actions paint its canvas; the teacher's programs cover the training images."""
from pathlib import Path

import numpy as np
import pytest

from chainer_spiral.envs import make_env

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize('brush, size', [('wide', 3), ('wide', 0), ('round', 1)])
def test_composited_coverage_is_the_envs_canvas(load_script, brush, size):
    script = load_script('greedy_strokes')
    env = make_env('mypaint', imsize=32, pos_resolution=8, action_space='paper', brush=brush,
                   max_episode_steps=3)
    env.reset()
    renderer = script.StrokeRenderer(32, 8, brush)
    canvas = np.ones((32 * 32, 3), np.float32)
    pen = 0  # the env's pen starts at grid point 0
    for end, control, bins in ((45, 20, (19, 4, 0)), (7, 30, (2, 11, 16))):
        env.step({'end': end, 'control': control, 'flag': 1, 'size': size, 'pressure': 9,
                  'red': bins[0], 'green': bins[1], 'blue': bins[2]})
        coverage = renderer.coverage(pen, control, end, size)
        assert 0 < coverage.mean() < 1
        canvas = script.composite(canvas, coverage, np.array(bins, np.float32) / 19)
        pen = end
    painted = env.render().reshape(-1, 3).astype(np.float32) / 255
    # The second stroke crosses the first: over-compositing holds where they overlap too. In
    # the env the second continues the first stroke's dabs, on a fresh canvas it starts anew,
    # so a pixel or two at its edge may differ.
    off = np.abs(painted - canvas).max(axis=1) > 2 / 255
    assert off.sum() <= 3, off.sum()


def box_on_white(script, box, colour):
    """(the wide pen's renderer on 16 x 16, R 4; a target float32 (3, 16, 16): white, with rows
    box[0]:box[1] and columns box[2]:box[3] in `colour`)."""
    target = np.ones((3, 16, 16), np.float32)
    target[:, box[0]:box[1], box[2]:box[3]] = np.array(colour, np.float32)[:, None, None]
    return script.StrokeRenderer(16, 4, 'wide'), target


def test_search_lowers_the_distance_at_the_given_sizes_and_repeats_under_a_seed(load_script):
    script = load_script('greedy_strokes')
    renderer, target = box_on_white(script, (4, 12, 2, 14), (0.8, 0.3, 0.1))
    mse, painted, _ = script.search(renderer, target, [1, 2], candidates=10, T=4,
                                    rng=np.random.RandomState(0))
    assert mse.shape == (5,) and mse[0] == pytest.approx(np.mean(np.square(1 - target)))
    assert np.all(np.diff(mse) <= 0) and mse[-1] < 0.5 * mse[0]
    assert painted and set(painted) <= {1, 2}
    again = script.search(renderer, target, [1, 2], candidates=10, T=4,
                          rng=np.random.RandomState(0))
    np.testing.assert_array_equal(again[0], mse)
    assert again[1] == painted


def test_search_actions_paint_its_canvas_in_the_env(load_script):
    script = load_script('greedy_strokes')
    renderer, target = box_on_white(script, (2, 10, 3, 15), (0.2, 0.6, 0.9))
    mse, painted, actions = script.search(renderer, target, [0, 3], candidates=8, T=4,
                                          rng=np.random.RandomState(1))
    assert set(actions) == set(script.ACTION_NAMES)
    assert all(a.shape == (4,) and a.dtype == np.int64 for a in actions.values())
    assert list(actions['size'][actions['flag'] == 1]) == painted
    env = make_env('mypaint', imsize=16, pos_resolution=4, action_space='paper', brush='wide',
                   max_episode_steps=4)
    env.reset()
    for t in range(4):
        env.step({name: int(a[t]) for name, a in actions.items()})
    canvas = env.render().astype(np.float32).transpose(2, 0, 1) / 255
    # The env continues each stroke's dabs from the last; the search paints each anew.
    assert np.mean(np.square(canvas - target)) == pytest.approx(mse[-1], abs=2e-3)


def tiny_faces(tmp_path, n=6):
    """A celeba npz of n random 64 x 64 'faces' and the --set keys of a 16 x 16, R 4, T 2 run
    holding out the last 2."""
    faces = np.random.RandomState(0).randint(0, 256, (n, 64, 64, 3)).astype(np.uint8)
    np.savez(tmp_path / 'faces.npz', images=faces)
    return ['env.imsize=16', 'env.pos_resolution=4', 'env.max_episode_steps=2',
            f'data.path={tmp_path / "faces.npz"}', 'data.test_last=2']


def test_teacher_programs_paint_the_training_images_and_their_mirrors(load_script, tmp_path):
    script = load_script('greedy_strokes')
    sets = tiny_faces(tmp_path)
    config = str(REPO / 'configs' / 'celeba.yaml')
    teacher = script.teacher_programs(config, sets, [3], candidates=3, flip=True, workers=2)
    assert teacher['targets'].shape == (8, 3, 16, 16) and teacher['targets'].dtype == np.uint8
    np.testing.assert_array_equal(teacher['targets'][4:], teacher['targets'][:4, ..., ::-1])
    for name in script.ACTION_NAMES:
        assert teacher[name].shape == (2, 8)
    assert set(teacher['size'][teacher['flag'] == 1]) <= {3}
    assert teacher['mse'].shape == (8,)
    # one random stream per image: the same programs from one worker
    alone = script.teacher_programs(config, sets, [3], candidates=3, flip=True, workers=1)
    for key in teacher:
        np.testing.assert_array_equal(alone[key], teacher[key])
