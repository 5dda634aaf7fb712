"""The tiles of a coarse-to-fine painting: K x K squares that cover the canvas exactly.

A painting's canvas is N x N work pixels, N chosen so that each tile is exactly the painter's
own canvas: a tile of side ``imsize`` (the painter's pixels, one work pixel each), neighbours
sharing ``overlap`` pixels, so ``N = K * (imsize - overlap) + overlap``. The first pass paints
the whole canvas (its target the work picture shrunk to ``imsize``), then each tile is a pass of
its own (its target the work picture's crop, at the painter's own resolution).

Tiles that overlap one another cannot be painted at once (each pass sees the canvas that the
passes before it left); ``groups`` splits tiles into batches of tiles that share no pixel: one
batch without overlap, four (the 2 x 2 parities) with it.
"""
from dataclasses import dataclass
from logging import getLogger

logger = getLogger(__name__)


@dataclass(frozen=True)
class Tile:
    """A square of the work canvas, in work pixels.

    Attributes:
        x: Left column.
        y: Top row.
        side: Width and height.
    """
    x: int
    y: int
    side: int

    def box(self, n):
        """``(x0, y0, x1, y1)`` in canvas units of an n x n canvas."""
        return (self.x / n, self.y / n, (self.x + self.side) / n, (self.y + self.side) / n)

    def intersects(self, other):
        """Whether the two tiles share a pixel."""
        return (self.x < other.x + other.side and other.x < self.x + self.side
                and self.y < other.y + other.side and other.y < self.y + self.side)

    def crop(self, image):
        """The tile's part of a (..., N, N) array."""
        return image[..., self.y:self.y + self.side, self.x:self.x + self.side]


@dataclass(frozen=True)
class TileGrid:
    """K x K tiles of the painter's canvas side, overlapping by `overlap` pixels.

    Attributes:
        k: Tiles per side (0: the whole canvas only, N = imsize).
        imsize: The painter's canvas side: every tile's side in work pixels.
        overlap: Pixels that neighbouring tiles share, in [0, imsize / 2] (so that a tile
            shares pixels only with its 8 neighbours).
    """
    k: int
    imsize: int
    overlap: int = 0

    def __post_init__(self):
        if not (isinstance(self.k, int) and self.k >= 0):
            raise ValueError(f'tiles: expected an int >= 0, got {self.k!r}')
        if not (isinstance(self.overlap, int) and 0 <= 2 * self.overlap <= self.imsize):
            raise ValueError(f'overlap: expected an int of pixels in [0, {self.imsize // 2}] '
                             f'(half the painter\'s {self.imsize} px canvas), got '
                             f'{self.overlap!r}')

    @property
    def side(self):
        """N, the work canvas's side in pixels."""
        if self.k == 0:
            return self.imsize
        return self.k * (self.imsize - self.overlap) + self.overlap

    def whole(self):
        """The whole canvas as one tile (side N)."""
        return Tile(0, 0, self.side)

    def tiles(self):
        """The K x K tiles, row by row."""
        stride = self.imsize - self.overlap
        return [Tile(col * stride, row * stride, self.imsize)
                for row in range(self.k) for col in range(self.k)]


def groups(tiles):
    """Tiles in batches whose tiles share no pixel, in the order given (first fit).

    Returns:
        list of lists of ``Tile``: every tile once, each batch in the tiles' order.
    """
    batches = []
    for tile in tiles:
        for batch in batches:
            if not any(tile.intersects(other) for other in batch):
                batch.append(tile)
                break
        else:
            batches.append([tile])
    return batches
