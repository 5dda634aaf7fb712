"""PNG grids of the agent's final canvases above real images (``OUTDIR/finals/<step>.png``)."""
from pathlib import Path

import cv2
import numpy as np

GUTTER = 2        # pixels between tiles
GUTTER_VALUE = 128
MIN_TILE = 64     # small canvases (the 3x3 toy) are enlarged to at least this size


def finals_grid(finals, reals, columns=10):
    """Tile canvases in row pairs: a row of final canvases, then a row of real images below.

    Args:
        finals: float32 (B, C, H, W) in [0, 1], the final canvases.
        reals: float32 (N, C, H, W) in [0, 1], real images (the targets when conditional).
        columns: tiles per row.

    Returns:
        uint8 (rows, cols, 3) RGB image.
    """
    assert finals.ndim == 4 and reals.ndim == 4, (finals.shape, reals.shape)
    assert finals.shape[1:] == reals.shape[1:], (finals.shape, reals.shape)
    _, _, h, w = finals.shape
    scale = max(1, -(-MIN_TILE // w))
    tile_shape = (h * scale, w * scale, 3)
    n = max(len(finals), len(reals))
    columns = min(columns, n)
    rows = []
    for start in range(0, n, columns):
        rows.append(_row(finals[start:start + columns], columns, scale, tile_shape))
        rows.append(_row(reals[start:start + columns], columns, scale, tile_shape))
    return _stack(rows, axis=0)


def save_finals_grid(path, finals, reals, columns=10):
    """Write `finals_grid(...)` as a PNG (parent directories are created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    image = finals_grid(finals, reals, columns)
    if not cv2.imwrite(str(path), image[:, :, ::-1]):
        raise OSError(f'{path}: could not write the PNG')
    return path


def _to_tile(image, scale):
    """float32 (C, H, W) -> uint8 (H*scale, W*scale, 3)."""
    tile = np.clip(np.asarray(image, np.float32), 0, 1).transpose(1, 2, 0)
    if tile.shape[2] == 1:
        tile = np.repeat(tile, 3, axis=2)
    tile = (tile * 255 + 0.5).astype(np.uint8)
    return np.repeat(np.repeat(tile, scale, axis=0), scale, axis=1)


def _row(images, columns, scale, tile_shape):
    """(<= columns, C, H, W) -> one row of tiles, padded with white tiles."""
    tiles = [_to_tile(im, scale) for im in images]
    tiles += [np.full(tile_shape, 255, np.uint8)] * (columns - len(tiles))
    return _stack(tiles, axis=1)


def _stack(parts, axis):
    """Concatenate along `axis` with grey gutters between the parts."""
    out = [parts[0]]
    for p in parts[1:]:
        shape = list(p.shape)
        shape[axis] = GUTTER
        out += [np.full(shape, GUTTER_VALUE, np.uint8), p]
    return np.concatenate(out, axis=axis)
