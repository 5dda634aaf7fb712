"""MNIST from the official gzip IDX files, and the IDX reader that EMNIST shares."""
import gzip
import zlib

import numpy as np

from chainer_spiral.datasets.base import DatasetError, RawData
from chainer_spiral.datasets.files import cache_path, choose_parts, data_path, locate

PARTS = {
    'train': ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'],
    't10k': ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'],
}
VARIANTS = {'train': ['train'], 't10k': ['t10k'], 'both': ['train', 't10k']}

# IDX type codes -> numpy big-endian dtypes
_IDX_TYPES = {0x08: '>u1', 0x09: '>i1', 0x0B: '>i2', 0x0C: '>i4', 0x0D: '>f4', 0x0E: '>f8'}


def parse_idx(data, name):
    """Parse the bytes of an (uncompressed) IDX file.

    Args:
        data: the file's bytes.
        name: file name for messages.

    Returns:
        ndarray of the file's shape and type (images uint8 (N, H, W), labels uint8 (N,)).
    """
    if not data:
        raise DatasetError(f'{name}: expected an IDX file, got an empty file')
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise DatasetError(f'{name}: expected an IDX file (magic 00 00 <type> <ndim>), '
                           f'got bytes {data[:4].hex(" ")}')
    ndim = data[3]
    if not 1 <= ndim <= 4:
        raise DatasetError(f'{name}: expected an IDX file of 1 to 4 dimensions, got {ndim} '
                           f'(magic bytes {data[:4].hex(" ")})')
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DatasetError(f'{name}: truncated IDX header ({len(data)} bytes)')
    shape = tuple(int(d) for d in np.frombuffer(data, '>u4', count=ndim, offset=4))
    dtype = np.dtype(_IDX_TYPES[data[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) - header != expected:
        raise DatasetError(f'{name}: expected {expected} bytes of data for shape {shape}, '
                           f'got {len(data) - header} (truncated or corrupt)')
    return np.frombuffer(data, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder('='))


def decompress(data, name):
    """gunzip bytes with a one-line error on damaged data."""
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as e:
        raise DatasetError(f'{name}: not a complete gzip file ({type(e).__name__}: {e})') from None


def read_idx(path):
    """Read a gzip-compressed (.gz) or plain IDX file into an ndarray."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DatasetError(f'{path}: cannot read ({e})') from None
    if path.suffix == '.gz':
        data = decompress(data, path)
    return parse_idx(data, path)


def images_and_labels(images, labels, image_name, label_name):
    """Check an IDX image/label pair: uint8 (N, H, W) images and (N,) labels."""
    if images.ndim != 3 or images.dtype != np.uint8:
        raise DatasetError(f'{image_name}: expected uint8 images (N, H, W), '
                           f'got {images.dtype} {images.shape}')
    if labels.ndim != 1 or len(labels) != len(images):
        raise DatasetError(f'{label_name}: expected {len(images)} labels (one per image of '
                           f'{image_name}), got shape {labels.shape}')
    return images, labels.astype(np.int64)


def read(data, imsize):
    """Read the MNIST files of `data.variant` (None: the official parts present, else both).

    The official split is kept (train -> train, t10k -> test); with a single part, it is split
    by `test_fraction`.

    Args:
        data: DataConfig of the mnist problem.
        imsize: side of the images the agent paints (unused: build_dataset resizes).
    """
    folder, cache = data_path(data), cache_path(data)
    if data.variant is not None and data.variant not in VARIANTS:
        raise DatasetError(f'mnist: variant: expected null, {", ".join(VARIANTS)}; '
                           f'got {data.variant!r}')
    if folder.is_file():
        raise DatasetError(f'mnist: path: expected the folder of the IDX files, got the file '
                           f'{folder}')
    if data.variant is None:
        parts = choose_parts(data, PARTS)
    else:
        parts = VARIANTS[data.variant]
    images, labels, is_test = [], [], []
    for part in parts:
        paths = [locate('mnist', folder, f, cache, data.download) for f in PARTS[part]]
        x, y = images_and_labels(read_idx(paths[0]), read_idx(paths[1]), *paths)
        images.append(x)
        labels.append(y)
        is_test.append(np.full(len(x), part == 't10k'))
    return RawData(np.concatenate(images), np.concatenate(labels), np.concatenate(is_test),
                   ink_is_white=True)
