"""`data.test_last`: the last N images of the files are held out, and training never sees them."""
from pathlib import Path

import numpy as np
import pytest

from chainer_spiral.config import load_config
from chainer_spiral.datasets import DatasetError, make_dataset
from chainer_spiral.datasets.base import RawData, build_dataset

REPO_CONFIGS = Path(__file__).resolve().parents[2] / 'configs'


def numbered(n, labels=None):
    """RawData of n 4x4 grey images whose every pixel is the image's index."""
    images = np.repeat(np.arange(n, dtype=np.uint8), 16).reshape(n, 4, 4)
    return RawData(images, labels=labels, is_test=np.arange(n) % 2 == 0)


def indices(ds, train):
    return sorted(int(round(x)) for x in ds.images(train)[:, 0, 0, 0] * 255)


def test_the_last_n_are_held_out_whatever_the_official_split():
    ds = build_dataset('numbers', numbered(20), 4, 1, test_last=5)
    assert indices(ds, False) == list(range(15, 20))
    assert indices(ds, True) == list(range(15))


def test_training_batches_never_draw_a_held_out_image():
    ds = build_dataset('numbers', numbered(40), 4, 1, seed=3, test_last=8)
    drawn = {int(round(ds.get_example(train=True)[0, 0, 0] * 255)) for _ in range(2000)}
    assert drawn == set(range(32))


def test_the_file_order_counts_before_the_label_filter():
    labels = np.arange(20) % 2
    ds = build_dataset('numbers', numbered(20, labels), 4, 1, label=1, test_last=6)
    assert indices(ds, False) == [15, 17, 19] and indices(ds, True) == list(range(1, 15, 2))
    with pytest.raises(DatasetError, match='test_last: expected fewer than the 20 images'):
        build_dataset('numbers', numbered(20), 4, 1, test_last=20)
    with pytest.raises(DatasetError, match='test_last: expected held-out and training images '
                                           'of label 0, got 0 of 10 held out'):
        build_dataset('numbers', numbered(20, labels), 4, 1, label=0, test_last=1)


def test_celeba_config_holds_out_faces_224_to_255(shared_data):
    cfg = load_config(REPO_CONFIGS / 'celeba.yaml')
    assert cfg.data.test_last == 32
    ds = make_dataset(cfg.data, cfg.env.imsize)
    raw = np.load(shared_data / 'celeba' / 'celeba64_first256.npz')['images']
    faces = raw.transpose(0, 3, 1, 2).astype(np.float32) / 255
    np.testing.assert_array_equal(ds.images(train=False), faces[224:])
    np.testing.assert_array_equal(ds.images(train=True), faces[:224])
    held_out = {f.tobytes() for f in faces[224:]}
    ds.seed(0)
    assert not any(ds.get_example(train=True).tobytes() in held_out for _ in range(1000))
