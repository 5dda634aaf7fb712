import numpy as np
import pytest

from chainer_spiral.datasets import DatasetError, files, make_dataset

CATEGORIES = ['apple', 'bicycle', 'cat', 'diamond', 'eye', 'fish']


@pytest.fixture(scope='module')
def quickdraw_dir(shared_data):
    return shared_data / 'quickdraw'


def test_every_file_of_the_folder(quickdraw_dir, tmp_path, check_painter):
    ds = make_dataset('quickdraw', 64, path=quickdraw_dir, cache_dir=tmp_path)
    assert ds.class_names == CATEGORIES
    assert (ds.n_train, ds.n_test, ds.channels) == (5400, 600, 1)
    check_painter(ds.images(True), 1, 64)
    labels = np.concatenate([ds.labels(True), ds.labels(False)])
    assert list(np.bincount(labels)) == [1000] * 6


def test_selected_categories_are_the_inverted_bitmaps(quickdraw_dir, tmp_path):
    ds = make_dataset('quickdraw', 28, path=quickdraw_dir, categories=['fish', 'cat'],
                      test_fraction=0.0, cache_dir=tmp_path)
    assert ds.class_names == ['fish', 'cat'] and list(np.bincount(ds.labels())) == [1000, 1000]
    fish = np.load(quickdraw_dir / 'quickdraw_fish_first1000.npy').reshape(-1, 28, 28)
    np.testing.assert_array_equal(ds.images()[:1000, 0], (255 - fish).astype(np.float32) / 255)
    cats = make_dataset('quickdraw', 28, path=quickdraw_dir, categories=['fish', 'cat'],
                        label=1, binarize=True, cache_dir=tmp_path)
    assert (cats.labels() == 1).all() and cats.n_train + cats.n_test == 1000
    assert set(np.unique(cats.images())) == {0.0, 1.0}


def test_rendered_npz_keeps_its_split(tmp_path):
    train = np.full((3, 64, 64, 3), 255, np.uint8)
    train[:, 10:20, 30] = 0
    test = np.full((2, 64, 64, 3), 255, np.uint8)
    np.savez_compressed(tmp_path / 'cat.npz', train=train, test=test, valid=test)
    ds = make_dataset('quickdraw', 64, path=tmp_path / 'cat.npz', cache_dir=tmp_path)
    assert (ds.n_train, ds.n_test) == (3, 2) and ds.labels() is None
    images = ds.images()
    assert (images[:, 0, 10:20, 30] == 0).all() and images[:, 0].sum() == 3 * (64 * 64 - 10)


def test_official_url_of_a_category_with_spaces():
    assert files.official_url('quickdraw', 'The Eiffel Tower.npy') == (
        'https://storage.googleapis.com/quickdraw_dataset/full/numpy_bitmap/'
        'The%20Eiffel%20Tower.npy')


def test_errors(quickdraw_dir, tmp_path):
    np.save(tmp_path / 'cat.npy', np.zeros((3, 28, 28), np.uint8))
    with pytest.raises(DatasetError, match=r'cat.npy: expected uint8 bitmaps \(N, 784\)'):
        make_dataset('quickdraw', 28, path=tmp_path, cache_dir=tmp_path / 'c')
    with pytest.raises(DatasetError, match='dog.npy .get it from https://storage.googleapis.com/'
                                           'quickdraw_dataset/full/numpy_bitmap/dog.npy'):
        make_dataset('quickdraw', 28, path=tmp_path, categories=['dog'], download=False,
                     cache_dir=tmp_path / 'c')
    data = (quickdraw_dir / 'quickdraw_cat_first1000.npy').read_bytes()
    (tmp_path / 'cat.npy').write_bytes(data[:len(data) // 2])
    with pytest.raises(DatasetError, match='cat.npy: not a readable npy file'):
        make_dataset('quickdraw', 28, path=tmp_path, cache_dir=tmp_path / 'c')
    (tmp_path / 'bad.npz').write_bytes(b'nothing')
    with pytest.raises(DatasetError, match='bad.npz: not a readable npz file'):
        make_dataset('quickdraw', 28, path=tmp_path / 'bad.npz', cache_dir=tmp_path / 'c')
