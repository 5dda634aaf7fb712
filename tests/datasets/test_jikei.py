import numpy as np
import pytest

from chainer_spiral.datasets import DatasetError, make_dataset


def test_converted_npz(tmp_path):
    img = np.ones((10, 64, 64), np.uint8)  # chainer_spiral's converter writes 0/1 images
    img[:, 20:40, 30:32] = 0
    tags = np.array(['U+3042'] * 4 + ['U+304B'] * 6)
    np.savez_compressed(tmp_path / 'jikei.npz', img=img, tag=tags)
    ds = make_dataset('jikei', 32, path=tmp_path, test_fraction=0.2, cache_dir=tmp_path / 'c')
    assert (ds.n_train, ds.n_test, ds.channels) == (8, 2, 1)
    assert ds.class_names == ['U+3042', 'U+304B']
    assert sorted(np.concatenate([ds.labels(), ds.labels(False)])) == [0] * 4 + [1] * 6
    images = ds.images()
    assert images.max() == 1.0 and images.min() == 0.0 and images.mean() > 0.9
    same = make_dataset('jikei', 64, path=tmp_path / 'jikei.npz', label=0, test_fraction=0.0,
                        cache_dir=tmp_path / 'c')
    np.testing.assert_array_equal(same.images()[:, 0], img[:4].astype(np.float32))


def test_errors(tmp_path):
    np.savez(tmp_path / 'jikei.npz', img=np.ones((3, 8, 8), np.uint8), tag=np.array(['a']))
    with pytest.raises(DatasetError, match='tag: expected 3 tags'):
        make_dataset('jikei', 8, path=tmp_path, cache_dir=tmp_path)
    np.savez(tmp_path / 'jikei.npz', images=np.ones((3, 8, 8), np.uint8))
    with pytest.raises(DatasetError, match=r"expected arrays \['img', 'tag'\], found \['images'\]"):
        make_dataset('jikei', 8, path=tmp_path, cache_dir=tmp_path)
