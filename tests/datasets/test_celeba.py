import cv2
import numpy as np
import pytest

from chainer_spiral.datasets import DatasetError, make_dataset


@pytest.fixture(scope='module')
def crops(shared_data):
    return shared_data / 'celeba' / 'celeba64_first256.npz'


def test_npz_of_rgb_crops(crops, tmp_path):
    ds = make_dataset('celeba', 64, path=crops, test_fraction=0.0, cache_dir=tmp_path)
    assert (ds.n_train, ds.channels, ds.imsize) == (256, 3, 64) and ds.labels() is None
    raw = np.load(crops)['images']
    np.testing.assert_array_equal(ds.images(), raw.transpose(0, 3, 1, 2).astype(np.float32) / 255)
    small = make_dataset('celeba', 32, path=crops, cache_dir=tmp_path)
    assert (small.n_train, small.n_test) == (230, 26)
    assert small.get_example().shape == (3, 32, 32)
    assert abs(small.images().mean() - ds.images().mean()) < 0.01


def write_faces(folder, n):
    """JPEGs 40 wide, 30 high: a red band outside the centre square, blue inside."""
    folder.mkdir(parents=True)
    for i in range(n):
        rgb = np.zeros((30, 40, 3), np.uint8)
        rgb[:, :, 2] = 200
        rgb[:, :4] = (255, 0, 0)
        rgb[:, 36:] = (255, 0, 0)
        cv2.imwrite(str(folder / f'{i + 1:06d}.jpg'), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))


def test_folder_of_jpegs_is_centre_cropped_rgb(tmp_path):
    write_faces(tmp_path / 'img_align_celeba', 5)
    (tmp_path / 'list_eval_partition.txt').write_text(
        '000001.jpg 0\n000002.jpg 1\n000003.jpg 2\n000004.jpg 0\n000005.jpg 2\n')
    ds = make_dataset('celeba', 16, path=tmp_path, cache_dir=tmp_path / 'c')
    assert (ds.n_train, ds.n_test, ds.channels) == (3, 2, 3)
    images = ds.images()
    assert images.shape == (3, 3, 16, 16)
    mean_rgb = images.mean(axis=(0, 2, 3))
    assert mean_rgb[0] < 0.1 and abs(mean_rgb[2] - 200 / 255) < 0.05  # no red band left


def test_errors(tmp_path):
    np.savez(tmp_path / 'gray.npz', images=np.zeros((2, 8, 8), np.uint8))
    with pytest.raises(DatasetError, match=r'gray.npz: images: expected uint8 RGB'):
        make_dataset('celeba', 8, path=tmp_path / 'gray.npz', cache_dir=tmp_path)
    write_faces(tmp_path / 'faces', 2)
    (tmp_path / 'list_eval_partition.txt').write_text('000001.jpg train\n')
    with pytest.raises(DatasetError, match=r'list_eval_partition.txt: line 1: expected'):
        make_dataset('celeba', 8, path=tmp_path / 'faces', cache_dir=tmp_path)
