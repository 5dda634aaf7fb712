import numpy as np
import pytest

from chainer_spiral.datasets import DatasetError, make_dataset


@pytest.fixture(scope='module')
def kmnist_dir(shared_data):
    return shared_data / 'kmnist'


@pytest.fixture(scope='module')
def raw(kmnist_dir):
    return (np.load(kmnist_dir / 'kmnist-test-imgs.npz')['arr_0'],
            np.load(kmnist_dir / 'kmnist-test-labels.npz')['arr_0'])


def test_shapes_polarity_labels_and_split(kmnist_dir, tmp_path, check_painter):
    ds = make_dataset('kmnist', 64, path=kmnist_dir, cache_dir=tmp_path)
    assert (ds.n_train, ds.n_test, ds.channels) == (9000, 1000, 1)
    check_painter(ds.images(True), 1, 64)
    check_painter(ds.images(False), 1, 64)
    labels = np.concatenate([ds.labels(True), ds.labels(False)])
    assert list(np.bincount(labels)) == [1000] * 10


def test_pixels_are_the_inverted_file(kmnist_dir, raw, tmp_path):
    ds = make_dataset('kmnist', 28, path=kmnist_dir, label=5, test_fraction=0.0,
                      cache_dir=tmp_path)
    assert ds.n_train == 1000 and (ds.labels() == 5).all()
    np.testing.assert_array_equal(ds.images()[:, 0],
                                  (255 - raw[0][raw[1] == 5]).astype(np.float32) / 255)


def test_examples_follow_the_seed(kmnist_dir, tmp_path):
    a = make_dataset('kmnist', 32, seed=4, path=kmnist_dir, label=1, cache_dir=tmp_path)
    b = make_dataset('kmnist', 32, seed=4, path=kmnist_dir, label=1, cache_dir=tmp_path)
    assert all((a.get_example(False) == b.get_example(False)).all() for _ in range(5))


def test_truncated_file(kmnist_dir, tmp_path):
    data = (kmnist_dir / 'kmnist-test-imgs.npz').read_bytes()
    (tmp_path / 'kmnist-test-imgs.npz').write_bytes(data[:len(data) // 3])
    (tmp_path / 'kmnist-test-labels.npz').write_bytes((kmnist_dir / 'kmnist-test-labels.npz')
                                                      .read_bytes())
    with pytest.raises(DatasetError, match='kmnist-test-imgs.npz: not a readable npz file') as e:
        make_dataset('kmnist', 28, path=tmp_path, download=False, cache_dir=tmp_path / 'c')
    assert '\n' not in str(e.value)


def test_wrong_content(tmp_path):
    np.savez(tmp_path / 'kmnist-test-imgs.npz', np.zeros((4, 28, 28), np.float64))
    np.savez(tmp_path / 'kmnist-test-labels.npz', np.zeros(4, np.uint8))
    with pytest.raises(DatasetError, match=r'kmnist-test-imgs.npz: expected uint8 images'):
        make_dataset('kmnist', 28, path=tmp_path, download=False, cache_dir=tmp_path / 'c')
    np.savez(tmp_path / 'kmnist-test-imgs.npz', np.zeros((4, 28, 28), np.uint8))
    np.savez(tmp_path / 'kmnist-test-labels.npz', np.zeros(3, np.uint8))
    with pytest.raises(DatasetError, match=r'kmnist-test-labels.npz: expected 4 labels'):
        make_dataset('kmnist', 28, path=tmp_path, download=False, cache_dir=tmp_path / 'c')
