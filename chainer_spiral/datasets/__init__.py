"""Target image datasets: `make_dataset(problem, imsize, seed, **options) -> SpiralDataset`.

Every problem has its own module with a `read(opts) -> RawData` function; `make_dataset` validates
the options (the keys of the config's `data:` section), reads the files and preprocesses them into
the painter's convention (white background, dark strokes, (C, imsize, imsize) in [0, 1]).
"""
import importlib
import numbers
from pathlib import Path

from chainer_spiral.datasets.base import DatasetError, SpiralDataset, build_dataset
from chainer_spiral.datasets.toy import make_toy

__all__ = ['DatasetError', 'SpiralDataset', 'make_dataset', 'DataOptions', 'PROBLEMS']

PROBLEMS = ('mnist', 'emnist', 'kmnist', 'jikei', 'quickdraw', 'omniglot', 'celeba', 'folder',
            'toy')

# Fixed image channels of each problem (folder: the `channels` option, default 1).
CHANNELS = {'celeba': 3}


class DataOptions:
    """The validated `data:` options of one problem (see `make_dataset` for their meaning).

    `path` and `cache_dir` are expanded Paths; `path` defaults to cache_dir/<problem>.
    """

    def __init__(self, problem, imsize, path, label, binarize, threshold, test_fraction, variant,
                 categories, channels, download, cache_dir):
        self.problem = problem
        self.imsize = imsize
        self.cache_dir = Path(cache_dir).expanduser()
        self.path = self.cache_dir / problem if path is None else Path(path).expanduser()
        self.label = label
        self.binarize = binarize
        self.threshold = threshold
        self.test_fraction = test_fraction
        self.variant = variant
        self.categories = None if categories is None else list(categories)
        self.channels = channels
        self.download = download


def _check(ok, key, expected, value):
    if not ok:
        raise DatasetError(f'data: {key}: expected {expected}, got {value!r} '
                           f'({type(value).__name__})')


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _validate(problem, imsize, seed, label, binarize, threshold, test_fraction, categories,
              channels, download, path, cache_dir):
    _check(problem in PROBLEMS, 'problem', 'one of ' + ', '.join(PROBLEMS), problem)
    _check(_is_int(imsize) and imsize >= 1, 'imsize', 'int >= 1', imsize)
    _check(_is_int(seed), 'seed', 'int', seed)
    _check(label is None or (_is_int(label) and label >= 0), 'label', 'null or int >= 0', label)
    _check(isinstance(binarize, bool), 'binarize', 'bool', binarize)
    _check(_is_real(threshold) and 0 < threshold < 1, 'threshold', 'float in (0, 1)', threshold)
    _check(_is_real(test_fraction) and 0 <= test_fraction < 1, 'test_fraction',
           'float in [0, 1)', test_fraction)
    _check(isinstance(download, bool), 'download', 'bool', download)
    _check(path is None or isinstance(path, (str, Path)), 'path', 'null or a path', path)
    _check(isinstance(cache_dir, (str, Path)), 'cache_dir', 'a path', cache_dir)
    if problem == 'quickdraw':
        _check(categories is None or (isinstance(categories, (list, tuple)) and len(categories) > 0
                                      and all(isinstance(c, str) for c in categories)),
               'categories', 'null or a non-empty list of category names', categories)
    if problem == 'folder':
        _check(channels in (None, 1, 3), 'channels', 'null, 1 or 3', channels)


def make_dataset(problem, imsize, seed=0, path=None, label=None, binarize=False, threshold=0.5,
                 test_fraction=0.1, variant=None, categories=None, channels=None, download=True,
                 cache_dir='~/.cache/chainer_spiral'):
    """Load a problem's images as a SpiralDataset.

    Args:
        problem: mnist | emnist | kmnist | jikei | quickdraw | omniglot | celeba | folder | toy.
        imsize: side of the images the agent paints (toy: 3).
        seed: seed of the dataset's example RNG (the held-out split does not depend on it).
        path: file or folder of the data; None -> cache_dir/<problem>.
        label: keep only this class (toy: one of the 8 patterns).
        binarize: threshold the [0, 1] images at `threshold` (paper 1, ink 0).
        threshold: binarisation threshold.
        test_fraction: held-out share for data without an official split (fixed split).
        variant: emnist: letters|balanced|digits|byclass|bymerge|mnist (default letters);
            mnist: train|t10k|both (default: the official files present);
            omniglot: background|evaluation|background_small1|background_small2|all.
        categories: quickdraw: category names (default: every file in the folder).
        channels: folder: 1 or 3 (default 1); the other problems fix it (celeba 3, else 1).
        download: fetch a missing official file into cache_dir when online.
        cache_dir: download cache.

    Returns:
        SpiralDataset of float32 (C, imsize, imsize) images.
    """
    _validate(problem, imsize, seed, label, binarize, threshold, test_fraction, categories,
              channels, download, path, cache_dir)
    if problem == 'toy':
        return make_toy(imsize, seed=seed, label=label)
    opts = DataOptions(problem, imsize, path, label, binarize, threshold, test_fraction, variant,
                       categories, channels, download, cache_dir)
    module = importlib.import_module(f'chainer_spiral.datasets.{problem}')
    raw = module.read(opts)
    n_channels = (channels or 1) if problem == 'folder' else CHANNELS.get(problem, 1)
    return build_dataset(problem, raw, imsize, n_channels, seed=seed, label=label,
                         binarize=binarize, threshold=float(threshold),
                         test_fraction=float(test_fraction))
