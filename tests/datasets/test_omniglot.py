import zipfile

import numpy as np
import pytest

from chainer_spiral.datasets import DatasetError, make_dataset


@pytest.fixture(scope='module')
def omniglot_dir(shared_data):
    return shared_data / 'omniglot'


@pytest.fixture(scope='module')
def omniglot(omniglot_dir, tmp_path_factory):
    return make_dataset('omniglot', 105, path=omniglot_dir, test_fraction=0.0,
                        cache_dir=tmp_path_factory.mktemp('cache'))


def test_native_images_are_black_on_white(omniglot, check_painter):
    assert (omniglot.n_train, omniglot.channels, omniglot.imsize) == (2720, 1, 105)
    images = omniglot.images()
    check_painter(images, 1, 105)
    assert set(np.unique(images)) == {0.0, 1.0}  # the files are 1-bit PNGs
    assert 0.9 < images.mean() < 0.99


def test_labels_name_the_characters(omniglot):
    assert len(omniglot.class_names) == 136
    assert omniglot.class_names[0] == 'Balinese/character01'
    assert list(np.bincount(omniglot.labels())) == [20] * 136
    assert {n.split('/')[0] for n in omniglot.class_names} == {
        'Balinese', 'Early_Aramaic', 'Greek', 'Korean', 'Latin'}


def test_resized_split_and_single_character(omniglot_dir, tmp_path, check_painter):
    ds = make_dataset('omniglot', 64, path=omniglot_dir / 'images_background_small1.zip',
                      label=0, cache_dir=tmp_path)
    assert (ds.n_train, ds.n_test) == (18, 2) and (ds.labels() == 0).all()
    check_painter(ds.images(), 1, 64)
    full = make_dataset('omniglot', 64, path=omniglot_dir, binarize=True, cache_dir=tmp_path)
    assert (full.n_train, full.n_test) == (2448, 272)
    assert set(np.unique(full.get_example())) <= {0.0, 1.0}


def test_errors(tmp_path):
    (tmp_path / 'images_background.zip').write_bytes(b'junk')
    with pytest.raises(DatasetError, match='images_background.zip: not a readable zip file'):
        make_dataset('omniglot', 64, path=tmp_path, cache_dir=tmp_path / 'c')
    with zipfile.ZipFile(tmp_path / 'images_evaluation.zip', 'w') as zf:
        zf.writestr('images_evaluation/readme.txt', 'no images')
    with pytest.raises(DatasetError, match='images_evaluation.zip: expected Omniglot PNGs'):
        make_dataset('omniglot', 64, path=tmp_path, variant='evaluation', cache_dir=tmp_path)
    with pytest.raises(DatasetError, match="variant: expected null or one of background"):
        make_dataset('omniglot', 64, path=tmp_path, variant='small', cache_dir=tmp_path)
