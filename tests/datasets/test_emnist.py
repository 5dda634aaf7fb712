import gzip
import zipfile

import numpy as np
import pytest

from chainer_spiral.datasets import DatasetError, make_dataset


def idx_bytes(array):
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, '>u4').tobytes()
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def letters(n, first_label):
    """Upright 28x28 images, white on black, with an asymmetric mark and their labels."""
    images = np.zeros((n, 28, 28), np.uint8)
    images[:, 2, 20] = 255  # top right: becomes bottom left if left transposed
    images[:, 10:20, 4] = np.arange(n)[:, None] * 20 + 40
    return images, np.arange(first_label, first_label + n)


def emnist_files(variant='letters'):
    """The four files, with images stored transposed as EMNIST stores them."""
    out = {}
    for split, n in (('train', 5), ('test', 3)):
        images, labels = letters(n, 1)
        out[f'emnist-{variant}-{split}-images-idx3-ubyte.gz'] = idx_bytes(images.transpose(0, 2, 1))
        out[f'emnist-{variant}-{split}-labels-idx1-ubyte.gz'] = idx_bytes(labels)
    return out


def check_letters(ds):
    assert (ds.n_train, ds.n_test, ds.channels, ds.imsize) == (5, 3, 1, 28)
    images = ds.images()[:, 0]
    upright, labels = letters(5, 1)
    np.testing.assert_array_equal(images, (255 - upright).astype(np.float32) / 255)
    assert (images[:, 2, 20] == 0.0).all() and (images[:, 20, 2] == 1.0).all()
    assert list(ds.labels()) == [1, 2, 3, 4, 5] and list(ds.labels(False)) == [1, 2, 3]


def test_loose_gzip_files_are_transposed_back(tmp_path):
    for name, data in emnist_files().items():
        (tmp_path / name).write_bytes(data)
    check_letters(make_dataset('emnist', 28, path=tmp_path, download=False,
                               cache_dir=tmp_path / 'cache'))


def test_files_inside_the_official_zip(tmp_path):
    with zipfile.ZipFile(tmp_path / 'gzip.zip', 'w') as zf:
        for name, data in emnist_files('digits').items():
            zf.writestr('gzip/' + name, data)
    ds = make_dataset('emnist', 28, path=tmp_path, variant='digits', download=False,
                      cache_dir=tmp_path / 'cache')
    check_letters(ds)
    check_letters(make_dataset('emnist', 28, path=tmp_path / 'gzip.zip', variant='digits',
                               download=False, cache_dir=tmp_path / 'cache'))
    with pytest.raises(DatasetError, match='gzip.zip: expected a member emnist-letters-train'):
        make_dataset('emnist', 28, path=tmp_path, download=False, cache_dir=tmp_path / 'c')


def test_single_label_resize_and_binarize(tmp_path):
    for name, data in emnist_files().items():
        (tmp_path / name).write_bytes(data)
    ds = make_dataset('emnist', 64, path=tmp_path, label=2, binarize=True, threshold=0.5,
                      download=False, cache_dir=tmp_path / 'cache')
    assert (ds.n_train, ds.n_test) == (1, 1) and ds.images().shape == (1, 1, 64, 64)
    assert set(np.unique(ds.images())) == {0.0, 1.0}


def test_missing_files_and_bad_variant(tmp_path):
    with pytest.raises(DatasetError, match='gzip.zip .get it from https://biometrics.nist.gov'):
        make_dataset('emnist', 28, path=tmp_path, download=False, cache_dir=tmp_path / 'c')
    with pytest.raises(DatasetError, match="variant: expected one of letters, .*got 'kanji'"):
        make_dataset('emnist', 28, path=tmp_path, variant='kanji', cache_dir=tmp_path / 'c')


def test_corrupt_archive(tmp_path):
    (tmp_path / 'gzip.zip').write_bytes(b'PK\x03\x04 not really a zip')
    with pytest.raises(DatasetError, match='gzip.zip: not a readable zip file'):
        make_dataset('emnist', 28, path=tmp_path, download=False, cache_dir=tmp_path / 'c')
