"""A small Chainer CNN classifier that scores unconditional painters.

It is trained on the painter's own dataset, in the painter's convention (white paper, dark ink,
(C, imsize, imsize) float32 in [0, 1]), so that it reads the agent's canvases and the real images
alike. Its mean confidence and class histogram on 1,000 samples measure how recognisable and how
varied the drawings are; the same numbers on real held-out images are the ceiling.
"""
import json
from logging import getLogger
from pathlib import Path

import chainer
import chainer.functions as F
import chainer.links as L
import numpy as np

logger = getLogger(__name__)


class Classifier(chainer.Chain):
    """Three stride-2 convolutions and two linear layers.

    Args:
        in_channels: C of the images.
        n_classes: number of labels.
    """

    def __init__(self, in_channels, n_classes):
        super().__init__()
        self.in_channels, self.n_classes = in_channels, n_classes
        with self.init_scope():
            self.c1 = L.Convolution2D(in_channels, 16, ksize=5, stride=2, pad=2)
            self.c2 = L.Convolution2D(16, 32, ksize=5, stride=2, pad=2)
            self.c3 = L.Convolution2D(32, 64, ksize=3, stride=2, pad=1)
            self.l4 = L.Linear(None, 128)
            self.l5 = L.Linear(128, n_classes)

    def features(self, x):
        """float32 (B, C, H, W) in [0, 1] -> penultimate-layer activations (B, 128)."""
        h = F.relu(self.c1(1.0 - x))  # ink as signal, paper as zero
        h = F.relu(self.c2(h))
        h = F.relu(self.c3(h))
        return F.relu(self.l4(h))

    def forward(self, x):
        """float32 (B, C, H, W) in [0, 1] -> class logits (B, n_classes)."""
        return self.l5(self.features(x))

    def probabilities(self, images, batch=256):
        """float32 (N, C, H, W) -> class probabilities float32 (N, n_classes)."""
        out = []
        with chainer.no_backprop_mode(), chainer.using_config('train', False):
            for i in range(0, len(images), batch):
                out.append(F.softmax(self.forward(images[i:i + batch])).array)
        return np.concatenate(out) if out else np.zeros((0, self.n_classes), np.float32)


def train_classifier(train_images, train_labels, n_classes, epochs=3, batch=64, lr=1.0e-3,
                     seed=0):
    """Trains a Classifier with Adam and cross-entropy.

    Args:
        train_images: float32 (N, C, H, W).
        train_labels: int (N,) in [0, n_classes).
        n_classes: number of labels.
        epochs: passes over the data.
        batch: minibatch size.
        lr: Adam's alpha.
        seed: parameter initialisation and shuffling.

    Returns:
        The trained Classifier.
    """
    assert train_images.ndim == 4 and len(train_images) == len(train_labels), (
        train_images.shape, np.shape(train_labels))
    rng = np.random.RandomState(seed)
    state = np.random.get_state()
    np.random.seed(seed)  # Chainer's initialisers draw from numpy's global RNG
    try:
        model = Classifier(train_images.shape[1], n_classes)
        model(train_images[:1])  # materialise the lazily sized layer before the optimizer
    finally:
        np.random.set_state(state)
    optimizer = chainer.optimizers.Adam(alpha=lr)
    optimizer.setup(model)
    labels = np.asarray(train_labels, np.int32)
    for epoch in range(epochs):
        order = rng.permutation(len(train_images))
        losses = []
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            loss = F.softmax_cross_entropy(model(train_images[idx]), labels[idx])
            model.cleargrads()
            loss.backward()
            optimizer.update()
            losses.append(float(loss.array))
        logger.info('classifier epoch %d: loss %.4f', epoch + 1, np.mean(losses))
    return model


def accuracy(model, images, labels):
    """Share of images whose most probable class is their label."""
    return float(np.mean(model.probabilities(images).argmax(axis=1) == np.asarray(labels)))


def confidence_report(model, images):
    """How confidently and into which classes the classifier puts the images.

    Args:
        model: Classifier.
        images: float32 (N, C, H, W).

    Returns:
        dict: `mean_confidence` (mean of the top class probability), `histogram` (int count per
        class of the top class, length n_classes).
    """
    probs = model.probabilities(images)
    top = probs.argmax(axis=1)
    return {
        'mean_confidence': float(probs.max(axis=1).mean()),
        'histogram': np.bincount(top, minlength=model.n_classes).astype(int).tolist(),
    }


def save_classifier(model, path, info):
    """Writes `path` (npz) and `path` with suffix .json (shape and how it was trained)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    chainer.serializers.save_npz(str(path), model)
    meta = dict(info, in_channels=model.in_channels, n_classes=model.n_classes)
    path.with_suffix('.json').write_text(json.dumps(meta, indent=2) + '\n')


class ClassifierError(ValueError):
    """A classifier file that cannot be used (one line naming the file)."""


def load_classifier(path, image_shape):
    """Reads a classifier written by save_classifier.

    Args:
        path: the npz file.
        image_shape: (C, H, W) of the images it will read (sizes the linear layer).

    Raises:
        FileNotFoundError: the npz or its json is missing.
        ClassifierError: either file is damaged or does not fit `image_shape`.
    """
    path = Path(path)
    meta_path = path.with_suffix('.json')
    if not path.is_file() or not meta_path.is_file():
        raise FileNotFoundError(f'{path}: expected a classifier (npz + json), got no such file')
    try:
        meta = json.loads(meta_path.read_text())
        model = Classifier(int(meta['in_channels']), int(meta['n_classes']))
    except (OSError, ValueError, TypeError, KeyError) as e:
        raise ClassifierError(f'{meta_path}: expected the classifier\'s json (in_channels, '
                              f'n_classes, ...), got a damaged file ({type(e).__name__})') from None
    try:
        model(np.zeros((1,) + tuple(image_shape), np.float32))
        chainer.serializers.load_npz(str(path), model)
    except Exception as e:  # noqa: B902  (numpy and chainer raise many kinds for a bad npz)
        first = str(e).strip().splitlines()[0] if str(e).strip() else ''
        raise ClassifierError(f'{path}: expected a classifier of images {tuple(image_shape)}, got '
                              f'a file that does not load ({type(e).__name__}: {first})') from None
    return model, meta
