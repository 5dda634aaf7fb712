"""SpiralDataset: the common container, the preprocessing every loader shares, and file fetching.

A loader reads its files into a `RawData` (uint8 images in the file's own polarity, labels, an
optional official split); `build_dataset` turns it into a `SpiralDataset` in the painter's
convention: (C, imsize, imsize) images, white background, dark strokes, held as uint8.
"""
import dataclasses
from logging import getLogger

import cv2
import numpy as np

logger = getLogger(__name__)

# The held-out split of a dataset without an official one depends on this constant only, so runs
# with different seeds evaluate on the same images.
SPLIT_SEED = 0


class DatasetError(ValueError):
    """A dataset file is missing, truncated, corrupt or of the wrong format (one-line message)."""


@dataclasses.dataclass
class RawData:
    """Images as read from the files, before preprocessing.

    Attributes:
        images: uint8 (N, H, W) grayscale or (N, H, W, 3) RGB, in the file's own polarity.
        labels: int (N,) class of each image, or None.
        is_test: bool (N,) official test membership, or None when the files give no split.
        ink_is_white: True when strokes are bright on a dark background (MNIST, QuickDraw).
        class_names: name of each label value (label i -> class_names[i]), or None.
    """
    images: np.ndarray
    labels: np.ndarray = None
    is_test: np.ndarray = None
    ink_is_white: bool = False
    class_names: list = None


class SpiralDataset:
    """Target images for the painting agent and its discriminator.

    Images are held as uint8 (N, C, imsize, imsize) so that forked workers share them; they are
    converted to float32 in [0, 1] (1 = white paper, 0 = black ink) on access.

    Args:
        name: problem name, for messages.
        train_images: uint8 (N, C, H, W) training images, H = W = imsize.
        test_images: uint8 (M, C, H, W) held-out images.
        train_labels: int (N,) or None.
        test_labels: int (M,) or None.
        seed: seed of the RNG that `get_example` draws from.
        class_names: name of each label value, or None.
        flip: training draws are mirrored left to right half of the time.
        crop: training draws are a random square of side s in [crop * imsize, imsize] (uniform
            in pixels), resized back to imsize; 1: whole images.
    """

    def __init__(self, name, train_images, test_images, train_labels=None, test_labels=None,
                 seed=0, class_names=None, flip=False, crop=1.0):
        for what, images in (('train', train_images), ('test', test_images)):
            assert images.dtype == np.uint8 and images.ndim == 4, (what, images.dtype, images.shape)
            assert images.shape[2] == images.shape[3], (what, images.shape)
        assert train_images.shape[1:] == test_images.shape[1:]
        if len(train_images) == 0:
            raise DatasetError(f'{name}: expected at least one training image, got none')
        self.name = name
        self.class_names = class_names
        self._images = {True: train_images, False: test_images}
        self._labels = {True: train_labels, False: test_labels}
        self.channels = int(train_images.shape[1])
        self.imsize = int(train_images.shape[2])
        self.rng = np.random.RandomState(seed)
        self.flip, self.crop = bool(flip), float(crop)

    def __len__(self):
        return self.n_train

    def __repr__(self):
        return (f'SpiralDataset({self.name!r}, channels={self.channels}, imsize={self.imsize}, '
                f'n_train={self.n_train}, n_test={self.n_test})')

    @property
    def n_train(self):
        return len(self._images[True])

    @property
    def n_test(self):
        return len(self._images[False])

    def seed(self, seed):
        """Reseed the RNG of `get_example`."""
        self.rng = np.random.RandomState(seed)

    def get_example(self, train=True):
        """Draw one image uniformly at random from the train (or test) split.

        Returns:
            float32 (C, imsize, imsize) in [0, 1], white background.
        """
        images = self._images[bool(train)]
        if len(images) == 0:
            raise DatasetError(f'{self.name}: the test split is empty (test_fraction is 0?)')
        image = images[self.rng.randint(len(images))]
        if train:
            image = self._augmented(image)
        return to_float(image)

    def _augmented(self, image):
        """A training draw uint8 (C, S, S) cropped and flipped as configured."""
        if self.crop < 1.0:
            size = self.imsize
            side = self.rng.randint(int(np.ceil(self.crop * size)), size + 1)
            top, left = self.rng.randint(size - side + 1, size=2)
            square = image[:, top:top + side, left:left + side].transpose(1, 2, 0)
            image = resize(np.ascontiguousarray(square), size).reshape(
                size, size, -1).transpose(2, 0, 1)
        if self.flip and self.rng.randint(2):
            image = image[:, :, ::-1]
        return image

    def images(self, train=True):
        """All images of a split as float32 (N, C, imsize, imsize) in [0, 1]."""
        return to_float(self._images[bool(train)])

    def labels(self, train=True):
        """int (N,) labels of a split, or None when the dataset has none."""
        labels = self._labels[bool(train)]
        return None if labels is None else labels.copy()


def to_float(images):
    """uint8 (..., C, H, W) -> float32 in [0, 1]."""
    return images.astype(np.float32) / np.float32(255)


def resize(image, imsize):
    """Resize a uint8 (H, W) or (H, W, 3) image to (imsize, imsize), INTER_AREA when shrinking."""
    if image.shape[:2] == (imsize, imsize):
        return image
    shrink = imsize < max(image.shape[:2])
    interpolation = cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
    return cv2.resize(image, (imsize, imsize), interpolation=interpolation)


def center_crop(image):
    """Crop the largest centred square of an (H, W, ...) image."""
    h, w = image.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    return image[top:top + side, left:left + side]


def to_painter(images, imsize, channels, ink_is_white):
    """Resize, convert colour and polarity: uint8 (N, H, W[, 3]) -> uint8 (N, C, imsize, imsize)."""
    out = np.empty((len(images), channels, imsize, imsize), np.uint8)
    for i, image in enumerate(images):
        image = resize(center_crop(image), imsize)
        if channels == 1 and image.ndim == 3:
            image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        if channels == 3 and image.ndim == 2:
            image = np.repeat(image[:, :, None], 3, axis=2)
        out[i] = image.reshape(imsize, imsize, channels).transpose(2, 0, 1)
    if ink_is_white:
        np.subtract(255, out, out=out)
    return out


def binarize_images(images, threshold):
    """Paper (value > threshold) -> 255, ink -> 0, on uint8 images in the painter's polarity."""
    return np.where(images.astype(np.float32) / 255 > threshold, 255, 0).astype(np.uint8)


def split_indices(n, test_fraction):
    """The fixed held-out split: (train indices, test indices), both sorted."""
    order = np.random.RandomState(SPLIT_SEED).permutation(n)
    n_test = int(round(n * test_fraction))
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def held_out_last(raw, n_last, name):
    """`raw` with its official split replaced by the last `n_last` images in file order.

    Raises:
        DatasetError: n_last leaves no image to train on.
    """
    n = len(raw.images)
    if n_last >= n:
        raise DatasetError(f'{name}: test_last: expected fewer than the {n} images of the '
                           f'files, got {n_last}')
    return dataclasses.replace(raw, is_test=np.arange(n) >= n - n_last)


def build_dataset(name, raw, imsize, channels, seed=0, label=None, binarize=False, threshold=0.5,
                  test_fraction=0.1, test_last=None, flip=False, crop=1.0):
    """Filter, split and preprocess `raw` into a SpiralDataset.

    Args:
        name: problem name, for messages.
        raw: RawData read from the files.
        imsize: side of the output images.
        channels: 1 (grayscale) or 3 (RGB).
        seed: seed of the dataset's RNG.
        label: keep only images of this class (needs labels).
        binarize: threshold the [0, 1] image at `threshold` after preprocessing.
        threshold: binarisation threshold in (0, 1).
        test_fraction: held-out share when `raw` has no official split.
        test_last: hold out the last N images of `raw` (file order, before the label filter)
            instead; None: the split above.
        flip, crop: the training draws' augmentation (SpiralDataset).
    """
    if test_last is not None:
        raw = held_out_last(raw, test_last, name)
    images, labels, is_test = raw.images, raw.labels, raw.is_test
    if label is not None:
        if labels is None:
            raise DatasetError(f'{name}: label={label} given but this dataset has no labels')
        keep = labels == label
        if not keep.any():
            raise DatasetError(f'{name}: label={label} not found; labels present: '
                               f'{describe_labels(labels)}')
        images, labels = images[keep], labels[keep]
        is_test = None if is_test is None else is_test[keep]
    if test_last is not None and (is_test.all() or not is_test.any()):
        raise DatasetError(f'{name}: test_last: expected held-out and training images of '
                           f'label {label}, got {int(is_test.sum())} of {len(is_test)} held out')
    if is_test is None or is_test.all() or not is_test.any():
        train_idx, test_idx = split_indices(len(images), test_fraction)
    else:
        train_idx, test_idx = np.flatnonzero(~is_test), np.flatnonzero(is_test)
    data = to_painter(images, imsize, channels, raw.ink_is_white)
    if binarize:
        data = binarize_images(data, threshold)
    split_labels = (None, None) if labels is None else (labels[train_idx], labels[test_idx])
    logger.info('%s: %d train, %d test images at %dx%d', name, len(train_idx), len(test_idx),
                imsize, imsize)
    return SpiralDataset(name, data[train_idx], data[test_idx], *split_labels, seed=seed,
                         class_names=raw.class_names, flip=flip, crop=crop)


def describe_labels(labels):
    values = np.unique(labels)
    shown = ', '.join(str(v) for v in values[:10])
    return f'{shown}, ... ({len(values)} classes)' if len(values) > 10 else shown


def decode_image(data, name, color):
    """Decode an encoded image (PNG, JPEG, ...) to uint8, transparency composited on white.

    Args:
        data: the encoded bytes.
        name: file name for messages.
        color: True -> RGB (H, W, 3); False -> grayscale (H, W).

    Returns:
        uint8 (H, W, 3) or (H, W).
    """
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise DatasetError(f'{name}: not a readable image ({len(data)} bytes)')
    if image.dtype == np.uint16:
        np.floor_divide(image, 257, out=image)  # in place: a huge picture is not copied twice
        image = image.astype(np.uint8)
    if image.dtype != np.uint8:
        raise DatasetError(f'{name}: expected an 8- or 16-bit image, got {image.dtype}')
    if image.ndim == 2:
        image = image[:, :, None]
    if image.shape[2] in (2, 4):
        image = on_white(image)
    if image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB if color else cv2.COLOR_BGR2GRAY)
    else:
        image = image[:, :, 0]
        if color:
            image = np.repeat(image[:, :, None], 3, axis=2)
    return image


def on_white(image, rows=256):
    """A uint8 (H, W, C + 1) image with alpha composited on white: uint8 (H, W, C), a band of
    `rows` rows at a time so that a huge picture's float copies stay small."""
    out = np.empty(image.shape[:2] + (image.shape[2] - 1,), np.uint8)
    for top in range(0, len(image), rows):
        band = image[top:top + rows]
        alpha = band[:, :, -1:].astype(np.float32) / 255
        out[top:top + rows] = np.round(band[:, :, :-1].astype(np.float32) * alpha
                                       + 255 * (1 - alpha))
    return out


def read_image(path, color):
    """Read an image file; see `decode_image`."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DatasetError(f'{path}: cannot read ({e})') from None
    return decode_image(data, path, color)
