"""Kuzushiji characters (CODH) in chainer_spiral's converted npz: `img`, `tag`.

`img` is uint8 (N, H, W) black characters on white, either 0/1 (chainer_spiral's converter and
scripts/convert_jikei.py) or 0-255; `tag` (N,) the Unicode code point of each character
('U+3042'). Labels index the sorted distinct tags (`class_names`); split by `test_fraction`.
"""
import numpy as np

from chainer_spiral.datasets.base import DatasetError, RawData
from chainer_spiral.datasets.files import cache_path, data_path, locate, read_npz

FILENAME = 'jikei.npz'


def read(data, imsize):
    """Read the npz at `data.path` (a folder: its jikei.npz).

    Args:
        data: DataConfig of the jikei problem.
        imsize: side of the images the agent paints (unused: build_dataset resizes).
    """
    path = data_path(data)
    if not path.is_file():
        path = locate('jikei', path, FILENAME, cache_path(data), False)
    arrays = read_npz(path, ['img', 'tag'])
    images, tags = arrays['img'], arrays['tag']
    if images.ndim != 3 or images.dtype not in (np.uint8, np.bool_):
        raise DatasetError(f'{path}: img: expected uint8 images (N, H, W), '
                           f'got {images.dtype} {images.shape}')
    if tags.shape != (len(images),):
        raise DatasetError(f'{path}: tag: expected {len(images)} tags, got shape {tags.shape}')
    images = images.astype(np.uint8)
    if images.max() <= 1:
        images = images * np.uint8(255)
    class_names, labels = np.unique(tags.astype(str), return_inverse=True)
    return RawData(images, labels.astype(np.int64), class_names=[str(c) for c in class_names])
