"""Quick, Draw! sketches: the official numpy bitmaps, or an npz rendered by convert_quickdraw.py.

- Bitmaps: one (N, 784) uint8 .npy file per category, 28x28 white strokes on black, named
  `<category>.npy` (official), `full_numpy_bitmap_<category>.npy` or `quickdraw_<category>*.npy`.
  Labels index `categories`; held-out split by `test_fraction`.
- Rendered npz (`path` is the file): arrays `train`, `test` (and `valid`, unused) of uint8
  (N, H, W, 3) or (N, H, W) canvases, black strokes on white; the official sketch-rnn split.
"""
import re

import numpy as np

from chainer_spiral.datasets.base import DatasetError, RawData
from chainer_spiral.datasets.files import cache_path, data_path, locate, read_npz

_NAME = re.compile(r'^(?:quickdraw_|full_numpy_bitmap_)?(.+?)(?:_first\d+)?$')
SIDE = 28


def category_of(path):
    """The category named by a bitmap file name (quickdraw_cat_first1000.npy -> cat)."""
    return _NAME.match(path.stem).group(1)


def find_category(data, category):
    """Path of a category's bitmap file in the folder (else the official file, downloaded)."""
    patterns = [f'{category}.npy', f'full_numpy_bitmap_{category}.npy',
                f'quickdraw_{category}*.npy']
    path, cache = data_path(data), cache_path(data)
    for folder in (path, cache / 'quickdraw'):
        for pattern in patterns:
            found = sorted(folder.glob(pattern))
            if found:
                return found[0]
    return locate('quickdraw', path, f'{category}.npy', cache, data.download)


def read_bitmaps(path):
    """Read one bitmap file as uint8 (N, 28, 28)."""
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as e:
        raise DatasetError(f'{path}: not a readable npy file ({type(e).__name__}: {e})') from None
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != SIDE * SIDE:
        raise DatasetError(f'{path}: expected uint8 bitmaps (N, 784), got {data.dtype} '
                           f'{data.shape}')
    return data.reshape(-1, SIDE, SIDE)


def read_rendered(path):
    """Read a convert_quickdraw.py npz: official train/test split, black on white."""
    arrays = read_npz(path, ['train', 'test'])
    for key, x in arrays.items():
        if x.dtype != np.uint8 or x.ndim not in (3, 4) or (x.ndim == 4 and x.shape[3] != 3):
            raise DatasetError(f'{path}: {key}: expected uint8 canvases (N, H, W[, 3]), '
                               f'got {x.dtype} {x.shape}')
    images = np.concatenate([arrays['train'], arrays['test']])
    if images.ndim == 4:
        images = images.mean(axis=3).round().astype(np.uint8)
    is_test = np.arange(len(images)) >= len(arrays['train'])
    return RawData(images, is_test=is_test)


def read(data, imsize):
    """Read the bitmaps of `data.categories` (None: every .npy in the folder) or a rendered npz.

    Args:
        data: DataConfig of the quickdraw problem.
        imsize: side of the images the agent paints (unused: build_dataset resizes).
    """
    path = data_path(data)
    if path.is_file():
        if path.suffix != '.npz':
            raise DatasetError(f'quickdraw: path: expected a folder of .npy bitmaps or a rendered '
                               f'.npz, got {path}')
        return read_rendered(path)
    if data.categories is not None:
        paths = [find_category(data, c) for c in data.categories]
        names = list(data.categories)
    else:
        paths = sorted(path.glob('*.npy')) if path.is_dir() else []
        if not paths:
            raise DatasetError(f'quickdraw: expected .npy bitmap files in {path} '
                               f'(or set categories to download them)')
        names = [category_of(p) for p in paths]
    images = [read_bitmaps(p) for p in paths]
    labels = np.concatenate([np.full(len(x), i, np.int64) for i, x in enumerate(images)])
    return RawData(np.concatenate(images), labels, ink_is_white=True, class_names=names)
