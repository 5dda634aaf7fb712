"""ToyEnv: MyPaintEnv's contract on a tiny numpy canvas, for fast agent tests."""
import functools
from logging import getLogger

import numpy as np

from chainer_spiral.envs.base import PaintEnv

logger = getLogger(__name__)


def line_cells(start, end):
    """Cells of the digital straight line from ``start`` to ``end`` (both included, Bresenham).

    Args:
        start (tuple of int): (row, column).
        end (tuple of int): (row, column).

    Returns:
        list of (row, column).
    """
    (r0, c0), (r1, c1) = start, end
    dr, dc = abs(r1 - r0), abs(c1 - c0)
    sr, sc = (1 if r1 > r0 else -1), (1 if c1 > c0 else -1)
    cells, err = [], dc - dr
    while True:
        cells.append((r0, c0))
        if (r0, c0) == (r1, c1):
            return cells
        e2 = 2 * err
        if e2 > -dr:
            err -= dr
            c0 += sc
        if e2 < dc:
            err += dc
            r0 += sr


@functools.lru_cache(maxsize=65536)
def bezier_cells(start, control, end, samples_per_cell=4):
    """Cells along the quadratic Bezier curve from ``start`` through ``control`` to ``end``.

    The curve is sampled at ``samples_per_cell`` points per cell of its control polygon's
    length; consecutive sampled cells are joined with ``line_cells``.

    Args:
        start, control, end (tuple of int): (row, column).

    Returns:
        tuple of (row, column), starting at ``start`` and ending at ``end``.
    """
    p0, p1, p2 = (np.array(p, dtype=np.float64) for p in (start, control, end))
    length = np.abs(p1 - p0).sum() + np.abs(p2 - p1).sum()
    t = np.linspace(0.0, 1.0, int(samples_per_cell * length) + 2)[:, None]
    points = np.rint((1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t ** 2 * p2).astype(int)
    cells = [tuple(start)]
    for cell in map(tuple, points[1:].tolist()):
        if cell != cells[-1]:
            cells.extend(line_cells(cells[-1], cell)[1:])
    return tuple(cells)


class ToyEnv(PaintEnv):
    """Paints whole cells black on a white imsize x imsize canvas where each cell is one grid point.

    Observation space:
        As MyPaintEnv: ``Dict(image=Box(0, 255, (H, W, 3), uint8), <the action's fields>)``.

    Action space:
        As MyPaintEnv ('spiral' or 'paper'), with R = imsize.

    Dynamics:
        The pen starts at grid point 0 = cell (0, 0); grid point p is cell (row p // R,
        column p % R). 'spiral' ``prob=1`` and 'paper' ``flag=1`` paint black (0) the cells on
        the straight line from the pen's cell to the target cell (both included); the paper's
        Bezier curve is followed through its control cell by joining sampled cells with such
        lines. Pressure, colour and size are ignored. A jump paints nothing. Reward is 0,
        ``done`` after ``max_episode_steps`` steps.

    Args:
        imsize (int): H = W = R (default 3).
        pos_resolution (int): R, must equal imsize.
        action_space (str): 'spiral' or 'paper'.
        max_episode_steps (int): T.
        pressure (float): default pressure in [0, 1] (observations only).
        color (tuple of float): default RGB in [0, 1] (observations only).
    """

    def __init__(self, imsize=3, pos_resolution=3, action_space='spiral', max_episode_steps=10,
                 pressure=1.0, color=(0.0, 0.0, 0.0)):
        if pos_resolution != imsize:
            raise ValueError(f'ToyEnv pos_resolution: expected it to equal imsize ({imsize!r}), '
                             f'got {pos_resolution!r}')
        super().__init__(imsize, pos_resolution, action_space, max_episode_steps, pressure, color)
        self._canvas = np.full((self.imsize, self.imsize, 3), 255, dtype=np.uint8)
        self.reset()

    def _cell(self, index):
        return divmod(index, self.pos_resolution)

    def _clear(self):
        self._canvas.fill(255)

    def _jump(self, end):
        pass

    def _paint(self, cells):
        rows, cols = zip(*cells)
        self._canvas[list(rows), list(cols)] = 0

    def _line(self, end, pressure, color):
        self._paint(line_cells(self._cell(self._pen), self._cell(end)))

    def _bezier(self, control, end, size, pressure, color):
        self._paint(bezier_cells(self._cell(self._pen), self._cell(control), self._cell(end)))

    def _image(self):
        return self._canvas.copy()
