"""A program replayed through libmypaint at any size: the env's canvas at its own size, the same
strokes at twice it, and the SVG draws what the replay paints."""
import re
import xml.etree.ElementTree as ET

import cv2
import numpy as np
import pytest

from chainer_spiral.demo.svg import to_svg
from chainer_spiral.envs.mypaint_env import MyPaintEnv
from chainer_spiral.program.conversion import env_actions, program_from_actions
from chainer_spiral.program.replay import replay_at_size

SVG = '{http://www.w3.org/2000/svg}'
# A 2x replay averaged over 2 x 2 pixels against the 1x canvas, values in [0, 1]: the dabs' hard
# edges cover whole pixels at 1x and parts of them at 2x (random programs measure 0.015 to 0.046).
MEAN_TOLERANCE = 0.06
# Ink (below half intensity) of the replay and of the SVG rasterised (random programs: 0.93-0.98).
MIN_IOU = 0.85


def random_program(kind, imsize=32, R=8, seed=0, T=10):
    env = MyPaintEnv(imsize=imsize, pos_resolution=R, action_space=kind, max_episode_steps=T)
    rng = np.random.RandomState(seed)
    actions = {k: rng.randint(0, space.n, T) for k, space in env.action_space.spaces.items()
               if hasattr(space, 'n')}
    if kind == 'paper':  # dark opaque ink, so that the strokes show as ink
        actions.update(red=np.zeros(T, int), green=np.zeros(T, int), blue=np.zeros(T, int),
                       pressure=np.full(T, 9))
    return env, program_from_actions(env, actions)


def rasterise(svg, supersample=4):
    """An SVG of this project's paths (M/L/Q, round caps) drawn with OpenCV: uint8 (H, W)."""
    root = ET.fromstring(svg)
    vx, vy, vw, _ = map(float, root.get('viewBox').split())
    width, height = round(float(root.get('width'))), round(float(root.get('height')))
    k = width / vw * supersample
    image = np.zeros((height * supersample, width * supersample), np.uint8)
    for path in root.findall(f'{SVG}path'):
        points = np.array([float(v) for v in re.findall(r'-?[\d.]+', path.get('d'))])
        points = points.reshape(-1, 2)
        if ' Q ' in path.get('d'):
            t = np.linspace(0, 1, 33)[:, None]
            points = (1 - t) ** 2 * points[0] + 2 * (1 - t) * t * points[1] + t ** 2 * points[2]
        points = np.round((points - (vx, vy)) * k * 16).astype(np.int32)
        thickness = max(1, int(round(float(path.get('stroke-width')) * k)))
        cv2.polylines(image, [points], False, 255, thickness, cv2.LINE_AA, shift=4)
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)


@pytest.mark.parametrize('kind', ['spiral', 'paper'])
@pytest.mark.parametrize('imsize, R', [(32, 8), (64, 32)])
def test_the_replay_at_the_env_size_is_the_env_canvas(kind, imsize, R):
    env, program = random_program(kind, imsize, R)
    env.reset()
    for action in env_actions(program, env):
        canvas = env.step(action)[0]['image']
    assert canvas.min() < 128
    np.testing.assert_array_equal(replay_at_size(program, imsize), canvas)


@pytest.mark.parametrize('kind', ['spiral', 'paper'])
@pytest.mark.parametrize('seed', [0, 1])
def test_twice_the_size_downsampled_is_the_canvas(kind, seed):
    _, program = random_program(kind, seed=seed)
    one = replay_at_size(program, 32).astype(np.float64) / 255
    two = replay_at_size(program, 64).astype(np.float64) / 255
    down = two.reshape(32, 2, 32, 2, 3).mean(axis=(1, 3))
    assert np.abs(down - one).mean() < MEAN_TOLERANCE
    ink_one, ink_down = one.mean(axis=2) < 0.5, down.mean(axis=2) < 0.5
    assert ink_one.sum() > 20
    for a, b in ((ink_one, ink_down), (ink_down, ink_one)):  # ink within a pixel of the other's
        near = cv2.dilate(b.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        assert a[~near].sum() <= 0.02 * a.sum()


@pytest.mark.parametrize('kind', ['spiral', 'paper'])
@pytest.mark.parametrize('box', [(0.0, 0.0, 1.0, 1.0), (0.0, 0.25, 1.0, 0.75)])
def test_the_svg_draws_what_the_replay_paints(kind, box):
    _, program = random_program(kind, seed=2)
    for size in (64, 200):
        replayed = replay_at_size(program, size, box=box).mean(axis=2) < 128
        drawn = rasterise(to_svg(program, 'x', box, size)) > 128
        assert replayed.shape == drawn.shape == (round(size * (box[3] - box[1])), size)
        assert (replayed & drawn).sum() / (replayed | drawn).sum() >= MIN_IOU


def test_a_size_out_of_range_is_one_value_error():
    _, program = random_program('spiral')
    with pytest.raises(ValueError, match=r'^size: expected an int in \[1, 4096\], got 0$'):
        replay_at_size(program, 0)
