"""Fixtures of the dataset tests."""
import numpy as np
import pytest


@pytest.fixture(scope='session')
def check_painter():
    """Assert the painter's convention on float32 images (N, C, H, W): [0, 1], white paper."""

    def check(images, channels, imsize):
        assert images.dtype == np.float32
        assert images.shape[1:] == (channels, imsize, imsize)
        assert images.min() >= 0.0 and images.max() <= 1.0
        assert images.mean() > 0.5, 'background should be white'
        corners = images[:, :, [0, 0, -1, -1], [0, -1, 0, -1]]
        assert np.median(corners) == 1.0, 'corners should be paper'

    return check
