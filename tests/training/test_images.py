"""PNG grids: rows of final canvases above rows of real images."""
import cv2
import numpy as np

from chainer_spiral.sheets import GAP, GAP_GRAY
from chainer_spiral.training.images import finals_grid, save_finals_grid


def test_rows_of_finals_above_rows_of_reals_with_gutters():
    finals = np.zeros((3, 1, 64, 64), np.float32)          # black
    reals = np.ones((3, 1, 64, 64), np.float32)            # white
    finals[1, 0, 10, 20] = 1.0
    grid = finals_grid(finals, reals, columns=2)[GAP:, GAP:]  # without the top and left border
    tile = 64 + GAP
    assert grid.shape == (4 * tile, 2 * tile, 3)
    assert (grid[:64, :64] == 0).all()                       # final 0
    assert (grid[10, tile + 20] == 255).all()                # the pixel painted in final 1
    assert (grid[tile:tile + 64, :64] == 255).all()          # real 0 below final 0
    assert (grid[64:tile, :] == GAP_GRAY).all()
    assert (grid[2 * tile:2 * tile + 64, :64] == 0).all()    # final 2 starts the second pair
    assert (grid[2 * tile:2 * tile + 64, tile:tile + 64] == 255).all()  # padding tile: white


def test_small_canvases_are_enlarged_and_colour_is_kept(tmp_path):
    finals = np.zeros((2, 3, 3, 3), np.float32)
    finals[0, 0] = 1.0                                       # red
    reals = np.ones((2, 3, 3, 3), np.float32)
    path = save_finals_grid(tmp_path / 'finals' / '000000000032.png', finals, reals)
    image = cv2.imread(str(path))[GAP:, GAP:, ::-1]
    scale = 22                                               # ceil(64 / 3)
    assert image.shape == (2 * (3 * scale + GAP), 2 * (3 * scale + GAP), 3)
    assert tuple(image[0, 0]) == (255, 0, 0)
    assert tuple(image[3 * scale - 1, 3 * scale - 1]) == (255, 0, 0)
