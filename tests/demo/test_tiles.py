"""Tiles of a coarse-to-fine painting: they cover the canvas exactly, overlapping as configured."""
import numpy as np
import pytest

from chainer_spiral.demo.tiles import Tile, TileGrid, groups


@pytest.mark.parametrize('k, imsize, overlap', [(1, 32, 0), (2, 32, 0), (3, 32, 4), (4, 64, 8),
                                                (5, 32, 16), (3, 64, 0)])
def test_tiles_cover_every_pixel_and_overlap_as_configured(k, imsize, overlap):
    grid = TileGrid(k, imsize, overlap)
    n = grid.side
    assert n == k * (imsize - overlap) + overlap
    count = np.zeros((n, n), np.int64)
    for tile in grid.tiles():
        assert tile.side == imsize and tile.x + tile.side <= n and tile.y + tile.side <= n
        count[tile.y:tile.y + tile.side, tile.x:tile.x + tile.side] += 1
    assert count.min() == 1, 'a pixel in no tile'
    tiles = grid.tiles()
    for row in range(k):
        for col in range(k - 1):  # horizontal neighbours share `overlap` columns
            a, b = tiles[row * k + col], tiles[row * k + col + 1]
            assert a.x + a.side - b.x == overlap and a.y == b.y
    assert len(tiles) == k * k
    # pixels in two tiles: the bands between neighbours, in four at their crossings
    band = (k - 1) * overlap
    assert (count >= 2).sum() == 2 * band * n - band * band
    assert count.max() == (4 if overlap and k > 1 else 1)


def test_the_whole_canvas_only():
    grid = TileGrid(0, 32)
    assert grid.side == 32 and grid.tiles() == [] and grid.whole() == Tile(0, 0, 32)
    assert Tile(32, 0, 32).box(128) == (0.25, 0.0, 0.5, 0.25)


@pytest.mark.parametrize('overlap, n_groups', [(0, 1), (4, 4)])
def test_groups_hold_tiles_that_share_no_pixel(overlap, n_groups):
    tiles = TileGrid(4, 32, overlap).tiles()
    batches = groups(tiles)
    assert len(batches) == n_groups
    assert sorted((t.x, t.y) for b in batches for t in b) == sorted((t.x, t.y) for t in tiles)
    for batch in batches:
        for i, a in enumerate(batch):
            assert not any(a.intersects(b) for b in batch[i + 1:])


@pytest.mark.parametrize('tiles, overlap', [(-1, 0), (2, 17), (2, -1)])
def test_a_grid_that_does_not_fit_is_one_value_error(tiles, overlap):
    with pytest.raises(ValueError, match=r'^(tiles|overlap): expected an int'):
        TileGrid(tiles, 32, overlap)
