"""PNG grids of the agent's final canvases above real images (``OUTDIR/finals/<step>.png``)."""
from pathlib import Path

import numpy as np

from chainer_spiral import sheets


def finals_grid(finals, reals, columns=10):
    """Tile canvases in row pairs: a row of final canvases, then a row of real images below
    (short rows padded with white tiles), small canvases enlarged (sheets.enlarged).

    Args:
        finals: float32 (B, C, H, W) in [0, 1], the final canvases.
        reals: float32 (N, C, H, W) in [0, 1], real images (the targets when conditional).
        columns: tiles per row.

    Returns:
        uint8 (rows, cols, 3) RGB image (sheets.tile).
    """
    assert finals.ndim == 4 and reals.ndim == 4, (finals.shape, reals.shape)
    assert finals.shape[1:] == reals.shape[1:], (finals.shape, reals.shape)
    n = max(len(finals), len(reals))
    columns = min(columns, n)
    white = np.ones(finals.shape[1:], np.float32)
    cells = []
    for start in range(0, n, columns):
        for images in (finals, reals):
            row = list(images[start:start + columns])
            cells += row + [white] * (columns - len(row))
    return sheets.tile(sheets.enlarged(np.stack([sheets.to_rgb(c) for c in cells])), columns)


def save_finals_grid(path, finals, reals, columns=10):
    """Write `finals_grid(...)` as a PNG (parent directories are created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return sheets.write_png(path, finals_grid(finals, reals, columns))
