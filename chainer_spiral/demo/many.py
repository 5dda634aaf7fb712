"""``many`` mode: a 10x10 grid of final canvases, or of input/reconstruction pairs."""
from logging import getLogger

import imageio.v2 as imageio
import numpy as np

from chainer_spiral.sheets import tile, to_rgb

logger = getLogger(__name__)

GRID = 10


def default_n(conditional):
    """Episodes that fill the grid: 100 canvases, or 50 (input, reconstruction) pairs."""
    return GRID * GRID // 2 if conditional else GRID * GRID


def grid_images(episodes):
    """The cells of the grid in order: finals, or target then final for each episode.

    Returns:
        uint8 (M, H, W, 3).
    """
    if not episodes.conditional:
        return episodes.finals
    H, W = episodes.finals.shape[1:3]
    targets = np.stack([to_rgb(t) for t in episodes.targets])
    assert targets.shape[1:3] == (H, W), (targets.shape, episodes.finals.shape)
    return np.stack([targets, episodes.finals], axis=1).reshape(-1, H, W, 3)


def render(episodes, out):
    """Writes the grid of ``episodes`` as a PNG (GRID cells per row).

    Args:
        episodes: ``Episodes``.
        out: Path of the PNG.
    """
    imageio.imwrite(out, tile(grid_images(episodes), GRID))
    logger.info('wrote %s', out)
