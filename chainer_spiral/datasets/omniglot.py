"""Omniglot from the official zips of 105x105 PNGs (black strokes on white), read in place.

Labels index the characters (alphabet/character folders, sorted); `class_names` names them.
`read_strokes` reads the pen trajectories of the official strokes zips (the demonstrations of
agents/demonstrations.py).
"""
import zipfile

import numpy as np

from chainer_spiral.datasets.base import DatasetError, RawData, decode_image
from chainer_spiral.datasets.files import cache_path, data_path, is_available, locate

VARIANTS = {
    'background': ['images_background.zip'],
    'evaluation': ['images_evaluation.zip'],
    'background_small1': ['images_background_small1.zip'],
    'background_small2': ['images_background_small2.zip'],
    'all': ['images_background.zip', 'images_evaluation.zip'],
}
# variant null: the first of these that is present (none: background, downloaded when allowed)
DEFAULT_ORDER = ('background', 'background_small1', 'background_small2', 'evaluation')


def zip_members(path, suffix):
    """(name 'Alphabet/characterNN/STEM', bytes) of every `suffix` file of an Omniglot zip
    (<root>/<alphabet>/<character>/<file>; macOS metadata skipped), in name order.

    Raises:
        DatasetError: the zip is unreadable.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            for member in sorted(zf.namelist()):
                parts = member.split('/')
                if member.endswith(suffix) and len(parts) >= 3 and '__MACOSX' not in parts:
                    yield f'{parts[-3]}/{parts[-2]}/{parts[-1][:-len(suffix)]}', zf.read(member)
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise DatasetError(f'{path}: not a readable zip file ({type(e).__name__}: {e})') from None


def read_zip(path):
    """Read every PNG of an Omniglot zip.

    Returns:
        (images uint8 (N, 105, 105), class names (N,) 'Alphabet/characterNN').
    """
    images, names = [], []
    for name, data in zip_members(path, '.png'):
        images.append(decode_image(data, f'{path}:{name}.png', color=False))
        names.append(name.rsplit('/', 1)[0])
    if not images:
        raise DatasetError(f'{path}: expected Omniglot PNGs (<alphabet>/<character>/*.png), '
                           f'found none')
    shapes = {im.shape for im in images}
    if len(shapes) != 1:
        raise DatasetError(f'{path}: expected images of one size, got sizes {sorted(shapes)}')
    return np.stack(images), names


def choose_variant(data):
    """`data.variant`, checked; null: the first of DEFAULT_ORDER whose zips are present."""
    if data.variant is not None:
        if data.variant not in VARIANTS:
            raise DatasetError(f'omniglot: variant: expected null or one of '
                               f'{", ".join(VARIANTS)}, got {data.variant!r}')
        return data.variant
    folder, cache = data_path(data), cache_path(data)
    for variant in DEFAULT_ORDER:
        if all(is_available(folder, cache, 'omniglot', f) for f in VARIANTS[variant]):
            return variant
    return 'background'


def read(data, imsize):
    """Read the zips of `data.variant` (`path`: their folder or one zip); no official split.

    Args:
        data: DataConfig of the omniglot problem.
        imsize: side of the images the agent paints (unused: build_dataset resizes).
    """
    folder = data_path(data)
    if folder.is_file():
        paths = [folder]
    else:
        paths = [locate('omniglot', folder, f, cache_path(data), data.download)
                 for f in VARIANTS[choose_variant(data)]]
    images, names = [], []
    for path in paths:
        x, n = read_zip(path)
        images.append(x)
        names += n
    class_names, labels = np.unique(names, return_inverse=True)
    return RawData(np.concatenate(images), labels.astype(np.int64),
                   class_names=[str(c) for c in class_names])


# Side of the canvas the trajectories were drawn on, in their units.
STROKE_CANVAS = 105.0


def parse_strokes(text, name):
    """One drawing's strokes file: ``START``, then per stroke lines ``x,y,t`` ending ``BREAK``.

    Returns:
        list of float32 arrays (n_i, 2): the points of each stroke as (x, y) in [0, 1], x to
        the right and y down (the file's y is negative downwards).
    """
    strokes, current = [], []
    for line in text.splitlines():
        line = line.strip()
        if line in ('', 'START'):
            continue
        if line == 'BREAK':
            if current:
                strokes.append(np.array(current, np.float32))
            current = []
            continue
        try:
            x, y, _ = (float(v) for v in line.split(','))
        except ValueError:
            raise DatasetError(f'{name}: expected lines x,y,t, START or BREAK, got '
                               f'{line[:40]!r}') from None
        current.append((x / STROKE_CANVAS, -y / STROKE_CANVAS))
    if current:
        strokes.append(np.array(current, np.float32))
    if not strokes:
        raise DatasetError(f'{name}: expected pen strokes, found none')
    return [np.clip(s, 0.0, 1.0) for s in strokes]


def read_strokes(path):
    """Every drawing of an Omniglot strokes zip.

    Returns:
        dict 'Alphabet/characterNN/DRAWING' (the file stem, as the images zip's) -> strokes
        (parse_strokes), in name order.
    """
    drawings = {name: parse_strokes(data.decode('ascii', 'replace'), f'{path}:{name}.txt')
                for name, data in zip_members(path, '.txt')}
    if not drawings:
        raise DatasetError(f'{path}: expected Omniglot strokes (<alphabet>/<character>/*.txt), '
                           f'found none')
    return drawings
