import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

SCRIPT = Path(__file__).resolve().parents[2] / 'scripts' / 'show_dataset.py'


def run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True,
                          text=True)


def test_config_grid_shows_the_toy_diagonal(tmp_path):
    config = tmp_path / 'toy.yaml'
    config.write_text('seed: 3\nenv:\n  kind: toy\n  imsize: 3\n  pos_resolution: 3\n'
                      'data:\n  problem: toy\n  label: 6\n')
    result = run(config, tmp_path / 'toy.png', '--n', 4)
    assert result.returncode == 0, result.stderr
    assert 'seed 3' in result.stdout
    grid = cv2.imread(str(tmp_path / 'toy.png'), cv2.IMREAD_GRAYSCALE)
    tile = 3 * 22 + 2  # 3x3 pixels enlarged ceil(64 / 3) = 22 times, plus padding
    assert grid.shape == (2 * tile + 2, 2 * tile + 2)
    diagonal = np.kron(np.where(np.eye(3, dtype=bool), 0, 255), np.ones((22, 22))).astype(np.uint8)
    for row in range(2):
        for col in range(2):
            top, left = 2 + row * tile, 2 + col * tile
            np.testing.assert_array_equal(grid[top:top + 66, left:left + 66], diagonal)


def test_problem_name_grid_of_mnist(shared_data, tmp_path):
    out = tmp_path / 'mnist.png'
    result = run('mnist', out, '--path', shared_data / 'mnist', '--n', 16, '--imsize', 32,
                 '--test')
    assert result.returncode == 0, result.stderr
    assert '16 test examples' in result.stdout
    grid = cv2.imread(str(out))
    assert grid.shape == (4 * 66 + 2, 4 * 66 + 2, 3)  # 32x32 enlarged twice, plus padding
    assert grid[2:66, 2:66].mean() > 128 and grid[2, 2].tolist() == [255, 255, 255]
    assert grid[0, 0].tolist() == [128, 128, 128]


def test_errors_are_one_line(tmp_path):
    result = run('svhn', tmp_path / 'x.png')
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith(
        'show_dataset.py: error: data.problem: expected one of')
