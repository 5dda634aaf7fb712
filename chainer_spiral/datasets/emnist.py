"""EMNIST from the official gzip IDX files (loose, or inside the official gzip.zip).

EMNIST stores each image transposed relative to MNIST (column-major); it is transposed back here.
Labels are the files' own: letters 1-26 (A/a = 1), digits 0-9, balanced/byclass/bymerge as in
the mapping files of the release.
"""
import zipfile

import numpy as np

from chainer_spiral.datasets.base import DatasetError, RawData
from chainer_spiral.datasets.files import cache_path, data_path, is_available, locate
from chainer_spiral.datasets.mnist import decompress, images_and_labels, parse_idx, read_idx

VARIANTS = ('letters', 'balanced', 'digits', 'byclass', 'bymerge', 'mnist')
DEFAULT_VARIANT = 'letters'
ARCHIVE = 'gzip.zip'


def file_names(variant, split):
    """(images, labels) file names of one split ('train' or 'test') of a variant."""
    return (f'emnist-{variant}-{split}-images-idx3-ubyte.gz',
            f'emnist-{variant}-{split}-labels-idx1-ubyte.gz')


def read_from_archive(archive, name):
    """Read the IDX file `name` from the official gzip.zip (member gzip/<name>)."""
    try:
        with zipfile.ZipFile(archive) as zf:
            members = {m.rsplit('/', 1)[-1]: m for m in zf.namelist()}
            if name not in members:
                raise DatasetError(f'{archive}: expected a member {name}, not found')
            data = zf.read(members[name])
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise DatasetError(f'{archive}: not a readable zip file '
                           f'({type(e).__name__}: {e})') from None
    return parse_idx(decompress(data, f'{archive}:{name}'), f'{archive}:{name}')


def read_file(data, name):
    """Read one IDX file from the folder, else from gzip.zip (`path` itself, or downloaded)."""
    folder, cache = data_path(data), cache_path(data)
    if folder.is_file():
        return read_from_archive(folder, name)
    if is_available(folder, cache, 'emnist', name):
        return read_idx(locate('emnist', folder, name, cache, False))
    archive = locate('emnist', folder, ARCHIVE, cache, data.download)
    return read_from_archive(archive, name)


def read(data, imsize):
    """Read the train and test files of `data.variant` (default letters), official split.

    Args:
        data: DataConfig of the emnist problem.
        imsize: side of the images the agent paints (unused: build_dataset resizes).
    """
    variant = data.variant or DEFAULT_VARIANT
    if variant not in VARIANTS:
        raise DatasetError(f'emnist: variant: expected one of {", ".join(VARIANTS)}, '
                           f'got {variant!r}')
    images, labels, is_test = [], [], []
    for split in ('train', 'test'):
        image_name, label_name = file_names(variant, split)
        x, y = images_and_labels(read_file(data, image_name), read_file(data, label_name),
                                 image_name, label_name)
        images.append(x.transpose(0, 2, 1))
        labels.append(y)
        is_test.append(np.full(len(x), split == 'test'))
    return RawData(np.concatenate(images), np.concatenate(labels), np.concatenate(is_test),
                   ink_is_white=True)
