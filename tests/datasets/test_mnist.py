import gzip

import numpy as np
import pytest

from chainer_spiral.datasets import DatasetError, make_dataset
from chainer_spiral.datasets.mnist import read_idx

# Class counts of the official MNIST test split (t10k).
T10K_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope='module')
def mnist_dir(shared_data):
    return shared_data / 'mnist'


@pytest.fixture(scope='module')
def raw(mnist_dir):
    return (read_idx(mnist_dir / 't10k-images-idx3-ubyte.gz'),
            read_idx(mnist_dir / 't10k-labels-idx1-ubyte.gz'))


@pytest.fixture(scope='module')
def mnist64(mnist_dir, tmp_path_factory):
    return make_dataset('mnist', 64, seed=1, path=str(mnist_dir),
                        cache_dir=tmp_path_factory.mktemp('cache'))


def test_idx_reader_on_the_official_files(raw):
    images, labels = raw
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert list(np.bincount(labels)) == T10K_COUNTS
    assert list(labels[:5]) == [7, 2, 1, 0, 4]


def test_shapes_range_polarity_and_split(mnist64, check_painter):
    assert (mnist64.channels, mnist64.imsize) == (1, 64)
    # only the t10k files exist: they are split 9000/1000 by test_fraction=0.1
    assert (len(mnist64), mnist64.n_train, mnist64.n_test) == (9000, 9000, 1000)
    train, test = mnist64.images(True), mnist64.images(False)
    check_painter(train, 1, 64)
    check_painter(test, 1, 64)
    assert train.min() == 0.0 and train.max() == 1.0
    assert (train[:, 0, [0, 0, -1, -1], [0, -1, 0, -1]] == 1.0).all()
    labels = np.concatenate([mnist64.labels(True), mnist64.labels(False)])
    assert list(np.bincount(labels)) == T10K_COUNTS
    example = mnist64.get_example()
    assert example.shape == (1, 64, 64) and example.dtype == np.float32


def test_pixels_are_the_inverted_file_at_native_size(mnist_dir, raw, tmp_path):
    ds = make_dataset('mnist', 28, path=mnist_dir, test_fraction=0.0, cache_dir=tmp_path)
    assert ds.n_train == 10000 and ds.n_test == 0
    np.testing.assert_array_equal(ds.images()[:, 0], (255 - raw[0]).astype(np.float32) / 255)
    np.testing.assert_array_equal(ds.labels(), raw[1])


def test_single_label_and_binarization(mnist_dir, raw, tmp_path):
    ds = make_dataset('mnist', 28, path=mnist_dir, label=3, binarize=True, test_fraction=0.0,
                      cache_dir=tmp_path)
    assert ds.n_train == T10K_COUNTS[3] and (ds.labels() == 3).all()
    images = ds.images()[:, 0]
    assert set(np.unique(images)) == {0.0, 1.0}
    np.testing.assert_array_equal(images == 0.0, raw[0][raw[1] == 3] >= 128)


def test_split_is_fixed_and_examples_follow_the_seed(mnist_dir, mnist64, tmp_path):
    other = make_dataset('mnist', 64, seed=2, path=mnist_dir, cache_dir=tmp_path)
    np.testing.assert_array_equal(other.labels(False), mnist64.labels(False))
    twin = make_dataset('mnist', 64, seed=1, path=mnist_dir, cache_dir=tmp_path)
    mnist64.seed(1)
    draws = [mnist64.get_example() for _ in range(8)]
    assert all((d == twin.get_example()).all() for d in draws)
    assert any((d != other.get_example()).any() for d in draws)


def test_missing_train_files_name_path_and_url(mnist_dir, tmp_path):
    with pytest.raises(DatasetError) as info:
        make_dataset('mnist', 64, path=mnist_dir, variant='train', download=False,
                     cache_dir=tmp_path)
    message = str(info.value)
    assert str(mnist_dir / 'train-images-idx3-ubyte.gz') in message
    assert 'https://' in message and '\n' not in message


def write_gz(path, data):
    path.write_bytes(gzip.compress(data))


def idx_header(*shape, type_code=0x08):
    return bytes([0, 0, type_code, len(shape)]) + np.array(shape, '>u4').tobytes()


@pytest.mark.parametrize('images, labels, message', [
    (b'not gzip at all', None, 'not a complete gzip file'),
    ('truncated gzip', None, 'not a complete gzip file'),
    (gzip.compress(b'hello, this is no IDX file'), None, 'expected an IDX file'),
    (gzip.compress(idx_header(10, 28, 28) + bytes(100)), None, 'expected 7840 bytes'),
    (gzip.compress(idx_header(2, 28, 28) + bytes(2 * 784)),
     gzip.compress(idx_header(3) + bytes(3)), 'expected 2 labels'),
])
def test_damaged_files_give_one_line_errors(mnist_dir, tmp_path, images, labels, message):
    if images == 'truncated gzip':
        data = (mnist_dir / 't10k-images-idx3-ubyte.gz').read_bytes()
        images = data[:len(data) // 2]
    if labels is None:
        labels = (mnist_dir / 't10k-labels-idx1-ubyte.gz').read_bytes()
    (tmp_path / 't10k-images-idx3-ubyte.gz').write_bytes(images)
    (tmp_path / 't10k-labels-idx1-ubyte.gz').write_bytes(labels)
    with pytest.raises(DatasetError, match=message) as info:
        make_dataset('mnist', 28, path=tmp_path, download=False, cache_dir=tmp_path / 'cache')
    assert 't10k-' in str(info.value) and '\n' not in str(info.value)


def test_unknown_variant(mnist_dir, tmp_path):
    with pytest.raises(DatasetError, match="variant: expected null, train, t10k, both; got 'x'"):
        make_dataset('mnist', 28, path=mnist_dir, variant='x', cache_dir=tmp_path)
