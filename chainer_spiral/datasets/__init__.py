"""Target image datasets: `make_dataset(problem, imsize, seed, **options) -> SpiralDataset`.

`make_dataset` validates the options (the keys of the config's `data:` section) as
`chainer_spiral.config.DataConfig`, the one schema of that section. Every problem has its own
module with a `read(data, imsize) -> RawData` function that reads the files named by the
`DataConfig` (`files.data_path`, `files.cache_path`); `make_dataset` then preprocesses them into
the painter's convention (white background, dark strokes, (C, imsize, imsize) in [0, 1]).
"""
import importlib
import numbers

from chainer_spiral.config import PROBLEMS, ConfigError, DataConfig, section
from chainer_spiral.datasets.base import DatasetError, SpiralDataset, build_dataset
from chainer_spiral.datasets.toy import make_toy

__all__ = ['DatasetError', 'SpiralDataset', 'make_dataset', 'image_channels', 'PROBLEMS']

# Fixed image channels of each problem (folder: the `channels` option, default 1).
CHANNELS = {'celeba': 3}


def image_channels(data):
    """Channels of the images of a `data:` section (DataConfig): 1 or 3."""
    if data.problem == 'folder':
        return data.channels or 1
    return CHANNELS.get(data.problem, 1)


def make_dataset(problem, imsize, seed=0, **options):
    """Load a problem's images as a SpiralDataset.

    Args:
        problem: mnist | emnist | kmnist | jikei | quickdraw | omniglot | celeba | folder | toy,
            or a whole validated `data:` section (DataConfig, a config's `cfg.data`) without
            `options`.
        imsize: side of the images the agent paints (toy: 3).
        seed: seed of the dataset's example RNG (the held-out split does not depend on it).
        **options: the other keys of the config's `data:` section (`DataConfig`,
            docs/datasets.md), checked as in a config file; `path` and `cache_dir` may be Paths.

    Returns:
        SpiralDataset of float32 (C, imsize, imsize) images.

    Raises:
        DatasetError: one line: an invalid or unknown option (starting ``data``), or a missing,
            damaged or wrong file (naming it).
    """
    if isinstance(imsize, bool) or not isinstance(imsize, numbers.Integral) or imsize < 1:
        raise DatasetError(f'data: imsize: expected int >= 1, got {imsize!r} '
                           f'({type(imsize).__name__})')
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise DatasetError(f'data: seed: expected int, got {seed!r} ({type(seed).__name__})')
    try:
        given = isinstance(problem, DataConfig) and not options
        data = section('data', problem if given else dict(options, problem=problem))
    except ConfigError as e:
        raise DatasetError(str(e)) from None
    if data.problem == 'toy':
        return make_toy(imsize, seed=seed, label=data.label)
    module = importlib.import_module(f'chainer_spiral.datasets.{data.problem}')
    raw = module.read(data, imsize)
    return build_dataset(data.problem, raw, imsize, image_channels(data), seed=seed, label=data.label,
                         binarize=data.binarize, threshold=data.threshold,
                         test_fraction=data.test_fraction, test_last=data.test_last,
                         flip=data.flip, crop=data.crop)
