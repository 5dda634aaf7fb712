"""CelebA aligned faces, RGB: a folder of the aligned JPEGs or an npz of RGB crops (`images`).

Faces are centre-cropped to a square and resized to imsize. A folder's official partition is
used when `list_eval_partition.txt` lies in it or its parent (test = partition 2; validation
joins train); otherwise, and for an npz, the split is by `test_fraction`.
"""
import numpy as np

from chainer_spiral.datasets.base import DatasetError, RawData, center_crop, resize
from chainer_spiral.datasets.files import data_path, read_npz
from chainer_spiral.datasets.folder import image_files, read_images

PARTITION_FILE = 'list_eval_partition.txt'


def read_npz_crops(path, imsize):
    """Read `images` uint8 (N, H, W, 3) RGB from an npz, cropped and resized as they are read."""
    images = read_npz(path, ['images'])['images']
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[3] != 3:
        raise DatasetError(f'{path}: images: expected uint8 RGB (N, H, W, 3), '
                           f'got {images.dtype} {images.shape}')
    return np.stack([resize(center_crop(x), imsize) for x in images])


def read_partition(folder, names):
    """Official test membership (bool (N,)) of the files `names`, or None without the list."""
    for candidate in (folder / PARTITION_FILE, folder.parent / PARTITION_FILE):
        if candidate.is_file():
            partition = {}
            for number, line in enumerate(candidate.read_text().splitlines(), 1):
                fields = line.split()
                if len(fields) != 2 or fields[1] not in '012':
                    raise DatasetError(f'{candidate}: line {number}: expected '
                                       f'"<file> <0|1|2>", got {line!r}')
                partition[fields[0]] = fields[1]
            return np.array([partition.get(n) == '2' for n in names])
    return None


def read(data, imsize):
    """Read the faces of `data.path` (a folder, its img_align_celeba subfolder, an npz, or a
    folder holding an npz of crops).

    Args:
        data: DataConfig of the celeba problem.
        imsize: side of the images the agent paints (faces are resized to it as they are read).
    """
    path = data_path(data)
    if path.is_dir() and not (path / 'img_align_celeba').is_dir():
        crops = sorted(path.glob('*.npz'))  # a folder holding an npz of crops
        path = crops[0] if crops else path
    if path.is_file():
        return RawData(read_npz_crops(path, imsize))
    if not path.is_dir():
        raise DatasetError(f'celeba: expected a folder of aligned JPEGs or an npz at {path} '
                           f'(get img_align_celeba from '
                           f'https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html)')
    folder = path / 'img_align_celeba'
    folder = folder if folder.is_dir() else path
    paths = image_files(folder)
    if not paths:
        raise DatasetError(f'celeba: expected aligned face images under {folder}, found none')
    images = read_images(paths, imsize, color=True)
    return RawData(images, is_test=read_partition(folder, [p.name for p in paths]))
