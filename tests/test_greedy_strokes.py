"""scripts/greedy_strokes.py: a stroke's coverage composited in a colour is the env's own canvas
after that stroke, and the search only ever lowers the distance, at the sizes it is given."""
import numpy as np
import pytest

from chainer_spiral.envs import make_env


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


def test_search_lowers_the_distance_at_the_given_sizes_and_repeats_under_a_seed(load_script):
    script = load_script('greedy_strokes')
    renderer = script.StrokeRenderer(16, 4, 'wide')
    target = np.ones((3, 16, 16), np.float32)
    target[:, 4:12, 2:14] = np.array([0.8, 0.3, 0.1], np.float32)[:, None, None]
    mse, painted = script.search(renderer, target, [1, 2], candidates=10, T=4,
                                 rng=np.random.RandomState(0))
    assert mse.shape == (5,) and mse[0] == pytest.approx(np.mean(np.square(1 - target)))
    assert np.all(np.diff(mse) <= 0) and mse[-1] < 0.5 * mse[0]
    assert painted and set(painted) <= {1, 2}
    again = script.search(renderer, target, [1, 2], candidates=10, T=4,
                          rng=np.random.RandomState(0))
    np.testing.assert_array_equal(again[0], mse)
    assert again[1] == painted
