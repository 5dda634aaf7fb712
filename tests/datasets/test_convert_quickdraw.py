import subprocess
import sys
from pathlib import Path

import numpy as np

from chainer_spiral.datasets import make_dataset

SCRIPT = Path(__file__).resolve().parents[2] / 'scripts' / 'convert_quickdraw.py'

# stroke-3 [dx, dy, pen_lifted]; y grows downwards
HORIZONTAL = np.array([[0, 0, 0], [50, 0, 0], [50, 0, 1]], np.int16)
TWO_VERTICALS = np.array([[0, 0, 0], [0, 100, 1], [100, -100, 0], [0, 100, 1]], np.int16)


def sketch_file(path, train, valid, test):
    arrays = {}
    for name, items in (('train', train), ('valid', valid), ('test', test)):
        arrays[name] = np.empty(len(items), object)
        arrays[name][:] = items
    np.savez(path, **arrays)


def run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True,
                          text=True)


def test_renders_strokes_with_pen_lifts(tmp_path):
    sketch_file(tmp_path / 'toy.npz', [HORIZONTAL, TWO_VERTICALS], [HORIZONTAL], [TWO_VERTICALS])
    out = tmp_path / 'rendered.npz'
    result = run(tmp_path / 'toy.npz', out, '--imsize', 32, '--pos-resolution', 16)
    assert result.returncode == 0, result.stderr
    assert 'train 2, valid 1, test 1' in result.stdout
    data = np.load(out)
    assert str(data['origin']) == 'toy.npz'
    train = data['train']
    assert train.shape == (2, 32, 32) and train.dtype == np.uint8
    line, verticals = train
    # the line spans x in [0.1, 0.9] of the canvas on grid row 8 (y = 17 px)
    assert line[17, 5:27].max() < 100 and line[:12].min() == 255 and line[23:].min() == 255
    # two columns at x = 3 px and x = 29 px; the pen-up jump between them leaves no paint
    assert verticals[8:24, 3].max() < 100 and verticals[8:24, 29].max() < 100
    assert verticals[:, 10:22].min() == 255
    np.testing.assert_array_equal(data['test'][0], verticals)
    ds = make_dataset('quickdraw', 32, path=out, cache_dir=tmp_path)
    assert (ds.n_train, ds.n_test, ds.labels()) == (2, 1, None)
    np.testing.assert_array_equal(ds.images()[:, 0], train.astype(np.float32) / 255)


def test_limit_and_errors(tmp_path):
    sketch_file(tmp_path / 'toy.npz', [HORIZONTAL] * 3, [HORIZONTAL], [])
    result = run(tmp_path / 'toy.npz', tmp_path / 'r.npz', '--imsize', 16, '--pos-resolution',
                 8, '--limit', 2)
    assert result.returncode == 0, result.stderr
    assert np.load(tmp_path / 'r.npz')['train'].shape == (2, 16, 16)
    assert np.load(tmp_path / 'r.npz')['test'].shape == (0, 16, 16)
    np.savez(tmp_path / 'bad.npz', train=np.zeros((2, 5)), valid=np.zeros((1, 5)))
    result = run(tmp_path / 'bad.npz', tmp_path / 'r.npz')
    assert result.returncode == 2
    assert "bad.npz: expected arrays ['train', 'valid', 'test']" in result.stderr
