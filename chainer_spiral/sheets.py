"""Contact sheets: images laid out row by row on a gray ground, written as PNG.

One layout serves the training grids (training/images.py), `demo.py many` and reconstruct's
side-by-side sheet, and scripts/show_dataset.py.
"""
from pathlib import Path

import cv2
import numpy as np

GAP = 2         # gray pixels between images and around the sheet
GAP_GRAY = 128  # white canvases need a visible border
MIN_TILE = 64   # `enlarged`: small canvases (the 3x3 toy) grow to at least this size


def to_rgb(image):
    """A canvas or a target as it looks.

    Args:
        image: uint8 (H, W, 3), or float (C, H, W) in [0, 1] with C 1 or 3.

    Returns:
        uint8 (H, W, 3).
    """
    image = np.asarray(image)
    if image.dtype != np.uint8:
        assert image.ndim == 3 and image.shape[0] in (1, 3), image.shape
        image = np.clip(np.round(image * 255.0), 0, 255).astype(np.uint8).transpose(1, 2, 0)
    if image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    return image


def enlarged(images, min_size=MIN_TILE):
    """uint8 (M, H, W, 3) -> each pixel repeated s x s times, s = ceil(min_size / W) (>= 1)."""
    scale = max(1, -(-min_size // images.shape[2]))
    return np.repeat(np.repeat(images, scale, axis=1), scale, axis=2)


def tile(images, n_cols, gap=GAP):
    """Lays images out row by row on a gray sheet.

    Args:
        images: uint8 (M, H, W, 3).
        n_cols: images per row.
        gap: gray pixels between images and around the sheet.

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


def write_png(path, sheet):
    """Write an RGB uint8 (H, W, 3) image as a PNG at `path`, whatever its suffix.

    Raises:
        OSError: it cannot be written.
    """
    ok, data = cv2.imencode('.png', np.ascontiguousarray(sheet[:, :, ::-1]))
    if not ok:
        raise OSError(f'{path}: could not encode the PNG')
    Path(path).write_bytes(data.tobytes())
    return Path(path)
