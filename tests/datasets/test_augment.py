"""`data.flip` and `data.crop`: training draws mirrored and cropped, held-out images never."""
import numpy as np
import pytest

from chainer_spiral.config import ConfigError, section
from chainer_spiral.datasets import SpiralDataset


def gradient_images(n, size=16):
    """uint8 (n, 3, size, size): image i is i everywhere plus 8 * column in channel 0 (left to
    right ramp), so a flip and a crop are visible."""
    ramp = (8 * np.arange(size))[None, None, :].repeat(size, 1)
    images = np.zeros((n, 3, size, size), np.uint8)
    for i in range(n):
        images[i] = i
        images[i, 0] += ramp[0].astype(np.uint8)
    return images


def test_flips_mirror_about_half_of_the_training_draws_and_never_a_held_out_one():
    train, test = gradient_images(3), gradient_images(2)
    dataset = SpiralDataset('ramps', train, test, seed=0, flip=True)
    flipped = 0
    for _ in range(400):
        x = dataset.get_example(train=True)
        increasing = x[0, 0, -1] > x[0, 0, 0]
        flipped += not increasing
        original = train[int(round(x[1, 0, 0] * 255))] / np.float32(255)
        np.testing.assert_allclose(x, original if increasing else original[:, :, ::-1], atol=1e-6)
    assert 160 < flipped < 240
    for _ in range(50):
        x = dataset.get_example(train=False)
        assert x[0, 0, -1] > x[0, 0, 0]


def test_crops_zoom_in_within_the_configured_share_and_are_deterministic_under_a_seed():
    train = gradient_images(2)
    first = SpiralDataset('ramps', train, train, seed=3, crop=0.5)
    draws = [first.get_example(train=True) for _ in range(200)]
    # A square of side s resized to 16 spreads s ramp steps of 8 over 16 pixels: slope 8 s / 16.
    steps = [(x[0, 0, 11] - x[0, 0, 4]) * 255 / 7 for x in draws]  # inside: no edge clamping
    assert min(steps) >= 4 - 0.05 and max(steps) <= 8 + 0.05
    assert max(steps) > 7 and min(steps) < 5
    again = SpiralDataset('ramps', train, train, seed=3, crop=0.5)
    assert all(np.array_equal(x, again.get_example(train=True)) for x in draws[:20])
    plain = SpiralDataset('ramps', train, train, seed=3)
    assert all(np.diff(plain.get_example(train=True)[0, 0] * 255).mean() == pytest.approx(8)
               for _ in range(20))


def test_a_crop_outside_zero_to_one_is_refused():
    with pytest.raises(ConfigError, match=r'data.crop: expected float in \(0, 1\]'):
        section('data', {'problem': 'celeba', 'crop': 0.0})
