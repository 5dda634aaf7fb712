"""Kuzushiji-MNIST from the official npz files (key arr_0), white cursive hiragana on black."""
import numpy as np

from chainer_spiral.datasets.base import DatasetError, RawData
from chainer_spiral.datasets.files import cache_path, choose_parts, data_path, locate, read_npz

PARTS = {
    'train': ['kmnist-train-imgs.npz', 'kmnist-train-labels.npz'],
    'test': ['kmnist-test-imgs.npz', 'kmnist-test-labels.npz'],
}


def read(data, imsize):
    """Read the official parts present in the folder (none: both, downloaded when allowed).

    Args:
        data: DataConfig of the kmnist problem.
        imsize: side of the images the agent paints (unused: build_dataset resizes).
    """
    folder, cache = data_path(data), cache_path(data)
    if folder.is_file():
        raise DatasetError(f'kmnist: path: expected the folder of the npz files, got the file '
                           f'{folder}')
    images, labels, is_test = [], [], []
    for part in choose_parts(data, PARTS):
        image_path, label_path = (locate('kmnist', folder, f, cache, data.download)
                                  for f in PARTS[part])
        x = read_npz(image_path, ['arr_0'])['arr_0']
        y = read_npz(label_path, ['arr_0'])['arr_0']
        if x.dtype != np.uint8 or x.ndim != 3:
            raise DatasetError(f'{image_path}: expected uint8 images (N, H, W), '
                               f'got {x.dtype} {x.shape}')
        if y.shape != (len(x),):
            raise DatasetError(f'{label_path}: expected {len(x)} labels, got shape {y.shape}')
        images.append(x)
        labels.append(y.astype(np.int64))
        is_test.append(np.full(len(x), part == 'test'))
    return RawData(np.concatenate(images), np.concatenate(labels), np.concatenate(is_test),
                   ink_is_white=True)
