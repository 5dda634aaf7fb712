"""A directory of the user's own images (any size; dark strokes on a light background).

Images are centre-cropped to a square and resized to imsize while they are read, so a large
folder never sits in memory at full size. When every image lies in a first-level subfolder, the
subfolders are the classes (labels index their sorted names); otherwise there are no labels.
Transparent pixels count as white paper.
"""
import numpy as np

from chainer_spiral.datasets.base import DatasetError, RawData, center_crop, read_image, resize
from chainer_spiral.datasets.files import data_path

EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp')


def image_files(folder):
    """Sorted image files under `folder` (recursive), by extension."""
    return sorted(p for p in folder.rglob('*')
                  if p.is_file() and p.suffix.lower() in EXTENSIONS and not p.name.startswith('.'))


def read_images(paths, imsize, color):
    """Read, centre-crop and resize image files: uint8 (N, imsize, imsize[, 3])."""
    shape = (len(paths), imsize, imsize) + ((3,) if color else ())
    images = np.empty(shape, np.uint8)
    for i, path in enumerate(paths):
        images[i] = resize(center_crop(read_image(path, color)), imsize)
    return images


def read(data, imsize):
    """Read every image under `data.path` (no official split).

    Args:
        data: DataConfig of the folder problem (`channels` 3: RGB, else grayscale).
        imsize: side of the images the agent paints (images are resized to it as they are read).
    """
    folder = data_path(data)
    if not folder.is_dir():
        raise DatasetError(f'folder: path: expected a directory of images, got {folder}')
    paths = image_files(folder)
    if not paths:
        raise DatasetError(f'folder: expected image files ({", ".join(EXTENSIONS)}) under '
                           f'{folder}, found none')
    images = read_images(paths, imsize, color=data.channels == 3)
    classes = [p.relative_to(folder).parts[0] for p in paths]
    if all(len(p.relative_to(folder).parts) > 1 for p in paths):
        class_names, labels = np.unique(classes, return_inverse=True)
        return RawData(images, labels.astype(np.int64), class_names=[str(c) for c in class_names])
    return RawData(images)
