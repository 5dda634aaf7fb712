"""``many`` mode: a 10x10 grid of final canvases, or of input/reconstruction pairs."""
from logging import getLogger

import imageio.v2 as imageio
import numpy as np

from chainer_spiral.demo.plotting import image_for_display

logger = getLogger(__name__)

GRID = 10
GAP = 2
GAP_GRAY = 128  # white canvases need a visible border


def default_n(conditional):
    """Episodes that fill the grid: 100 canvases, or 50 (input, reconstruction) pairs."""
    return GRID * GRID // 2 if conditional else GRID * GRID


def tile(images, n_cols, gap=GAP):
    """Lays images out row by row on a gray sheet.

    Args:
        images: uint8 (M, H, W, 3).
        n_cols: Images per row.
        gap: Gray pixels between images and around the sheet.

    Returns:
        uint8 (rows * (H + gap) + gap, n_cols * (W + gap) + gap, 3).
    """
    M, H, W, _ = images.shape
    n_rows = -(-M // n_cols)
    sheet = np.full((n_rows * (H + gap) + gap, n_cols * (W + gap) + gap, 3), GAP_GRAY, np.uint8)
    for k, image in enumerate(images):
        r, c = divmod(k, n_cols)
        top, left = gap + r * (H + gap), gap + c * (W + gap)
        sheet[top:top + H, left:left + W] = image
    return sheet


def grid_images(episodes):
    """The cells of the grid in order: finals, or target then final for each episode.

    Returns:
        uint8 (M, H, W, 3).
    """
    if not episodes.conditional:
        return episodes.finals
    H, W = episodes.finals.shape[1:3]
    targets = np.stack([image_for_display(t) for t in episodes.targets])
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
