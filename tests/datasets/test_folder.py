import cv2
import numpy as np
import pytest

from chainer_spiral.datasets import DatasetError, make_dataset


def stroke_png(path, column, size=(20, 20)):
    """A black vertical stroke on white."""
    image = np.full(size, 255, np.uint8)
    image[:, column] = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), image)


def test_subfolders_are_classes(tmp_path):
    for i in range(3):
        stroke_png(tmp_path / 'a' / f'{i}.png', 5)
        stroke_png(tmp_path / 'b' / f'{i}.png', 14)
    ds = make_dataset('folder', 20, path=tmp_path, test_fraction=0.0, cache_dir=tmp_path / 'c')
    assert ds.class_names == ['a', 'b'] and list(ds.labels()) == [0, 0, 0, 1, 1, 1]
    images = ds.images()
    assert images.shape == (6, 1, 20, 20)
    assert (images[:3, 0, :, 5] == 0).all() and (images[3:, 0, :, 14] == 0).all()
    assert images.sum() == 6 * (400 - 20)
    b = make_dataset('folder', 10, path=tmp_path, label=1, channels=3, cache_dir=tmp_path / 'c')
    assert b.images().shape[1:] == (3, 10, 10) and (b.labels() == 1).all()


def test_transparent_png_is_white_paper_and_non_square_is_cropped(tmp_path):
    rgba = np.zeros((10, 30, 4), np.uint8)  # fully transparent ...
    rgba[:, 15, 3] = 255                     # ... except an opaque black line in the centre
    cv2.imwrite(str(tmp_path / 'x.png'), rgba)
    ds = make_dataset('folder', 10, path=tmp_path, test_fraction=0.0, cache_dir=tmp_path / 'c')
    image = ds.images()[0, 0]
    assert ds.labels() is None and image.shape == (10, 10)
    assert (image[:, 5] == 0).all() and image.sum() == 90


def test_errors(tmp_path):
    with pytest.raises(DatasetError, match='folder: expected image files'):
        make_dataset('folder', 8, path=tmp_path, cache_dir=tmp_path)
    (tmp_path / 'broken.png').write_bytes(b'\x89PNG but cut')
    with pytest.raises(DatasetError, match=r'broken.png: not a readable image'):
        make_dataset('folder', 8, path=tmp_path, cache_dir=tmp_path)
    with pytest.raises(DatasetError, match='folder: path: expected a directory'):
        make_dataset('folder', 8, path=tmp_path / 'broken.png', cache_dir=tmp_path)
