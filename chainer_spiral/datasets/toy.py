"""The toy dataset: the 8 straight lines of a 3x3 grid, the targets of ToyEnv's learning tests."""
import numpy as np

from chainer_spiral.datasets.base import DatasetError, SpiralDataset

IMSIZE = 3


def toy_patterns():
    """The 8 patterns, black (0) lines on white (1).

    Order: rows 0-2 (top to bottom), columns 3-5 (left to right), 6 the main diagonal
    (top-left to bottom-right), 7 the anti-diagonal (top-right to bottom-left).

    Returns:
        float32 (8, 1, 3, 3).
    """
    patterns = np.ones((8, IMSIZE, IMSIZE), np.float32)
    for i in range(IMSIZE):
        patterns[i, i, :] = 0
        patterns[IMSIZE + i, :, i] = 0
    index = np.arange(IMSIZE)
    patterns[6, index, index] = 0
    patterns[7, index, IMSIZE - 1 - index] = 0
    return patterns[:, None]


def make_toy(imsize, seed=0, label=None):
    """The toy SpiralDataset; train and test both hold all patterns (or only pattern `label`).

    Args:
        imsize: must be 3.
        seed: seed of the dataset's RNG.
        label: None for all 8 patterns, or one pattern index in [0, 8).
    """
    if imsize != IMSIZE:
        raise DatasetError(f'toy: imsize: expected 3 (the 3x3 ToyEnv canvas), got {imsize}')
    images = (toy_patterns() * 255).astype(np.uint8)
    labels = np.arange(len(images))
    if label is not None:
        if not 0 <= label < len(images):
            raise DatasetError(f'toy: label: expected a pattern index in [0, 8), got {label}')
        images, labels = images[label:label + 1], labels[label:label + 1]
    return SpiralDataset('toy', images, images.copy(), labels, labels.copy(), seed=seed)
