"""Colour figures (evaluation/colour.py) on fixed inputs: identical images, a white canvas, a known
shift, and the flat-patch baselines."""
import numpy as np
import pytest

from chainer_spiral.evaluation import colour


def test_identical_images_have_no_error():
    x = np.random.RandomState(0).rand(3, 3, 8, 8).astype(np.float32)
    f = colour.figures(x, x.copy())
    assert f == {'mse': 0.0, 'mse_std': 0.0, 'psnr': colour.MAX_PSNR}


def test_a_white_canvas_against_black_and_grey_targets():
    targets = np.zeros((2, 3, 8, 8), np.float32)
    targets[1] = 0.5
    white = np.ones_like(targets)
    np.testing.assert_allclose(colour.per_image_mse(white, targets), [1.0, 0.25])
    np.testing.assert_allclose(colour.psnr([1.0, 0.25]), [0.0, 10 * np.log10(4)])
    f = colour.figures(white, targets)
    assert f['mse'] == pytest.approx(0.625) and f['psnr'] == pytest.approx(5 * np.log10(4))
    assert colour.baselines(targets)['white']['mse'] == pytest.approx(0.625)


def test_a_known_shift():
    """A red half-plane moved one column right of its target's: one column of 8 is wrong in
    the two channels that differ (1 of red, 1 of blue), so MSE = 2 / 3 * 1 / 8."""
    target = np.zeros((1, 3, 8, 8), np.float32)
    target[0, 2] = 1                      # blue ...
    red = np.array([1, 0, 0], np.float32)[:, None]
    target[0, :, :, :4] = red[:, :, None]  # ... with a red left half
    drawing = np.roll(target, 1, axis=3)
    drawing[0, :, :, 0] = red
    assert colour.figures(drawing, target)['mse'] == pytest.approx(2 / 3 / 8)


def test_flat_patches_and_the_baselines():
    target = np.zeros((1, 3, 8, 8), np.float32)
    target[0, 0, :4, :4] = 1              # a red quadrant: exact in 2 x 2 blocks
    np.testing.assert_array_equal(colour.flat_patches(target, 2), target)
    mean = colour.flat_patches(target, 1)
    np.testing.assert_allclose(mean[0, :, 0, 0], [0.25, 0, 0])
    base = colour.baselines(target)
    assert base['patches_4x4']['mse'] == base['patches_8x8']['mse'] == 0
    assert base['mean_colour']['mse'] == pytest.approx(0.75 * 0.25 ** 2 / 3 + 0.25 * 0.75 ** 2 / 3)
    with pytest.raises(ValueError, match='expected a side divisible by 4, got 6 x 6'):
        colour.flat_patches(np.zeros((1, 3, 6, 6)), 4)
    text = colour.table({'sampled': dict(colour.figures(target, target), empty_share=0.0)}, base)
    assert text.splitlines()[1].startswith('sampled') and 'patches_8x8' in text
