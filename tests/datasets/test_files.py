import shutil

import numpy as np
import pytest

from chainer_spiral.datasets import DatasetError, files, make_dataset
from chainer_spiral.datasets.files import OFFICIAL_FILES, file_digest


@pytest.fixture(autouse=True)
def no_local_data(monkeypatch):
    """These tests are about the download cache: no local data folder (data_root) is found."""
    monkeypatch.setattr(files, 'data_root', lambda: None)


def test_checksums_of_the_shared_files_match_the_table(shared_data):
    checked = 0
    for (problem, name), (url, checksum) in OFFICIAL_FILES.items():
        local = shared_data / problem / name
        if local.is_file():
            assert file_digest(local, checksum[0]) == checksum[1], name
            assert url.endswith('/' + name)
            checked += 1
    assert checked == 5  # MNIST t10k (2), KMNIST test (2), Omniglot background_small1


def test_offline_download_names_the_path_and_the_url(tmp_path, monkeypatch):
    def offline(url, dest):
        raise OSError('network is unreachable')

    monkeypatch.setattr(files, 'fetch_url', offline)
    with pytest.raises(DatasetError) as info:
        make_dataset('kmnist', 28, path=tmp_path / 'data', cache_dir=tmp_path / 'cache')
    message = str(info.value)
    assert str(tmp_path / 'data' / 'kmnist-train-imgs.npz') in message
    assert 'http://codh.rois.ac.jp/kmnist/dataset/kmnist/kmnist-train-imgs.npz' in message
    assert 'network is unreachable' in message and '\n' not in message
    assert not any((tmp_path / 'cache').rglob('*.part'))


def serve_from(folder, fetched):
    """A fetch_url that copies the official file from `folder` (a stand-in server)."""
    def fetch(url, dest):
        fetched.append(url)
        shutil.copyfile(folder / url.rsplit('/', 1)[1], dest)
    return fetch


def test_download_goes_to_the_cache_and_is_verified(shared_data, tmp_path, monkeypatch):
    fetched = []
    monkeypatch.setattr(files, 'fetch_url', serve_from(shared_data / 'mnist', fetched))
    cache = tmp_path / 'cache'
    ds = make_dataset('mnist', 28, variant='t10k', cache_dir=cache)
    assert fetched == [OFFICIAL_FILES['mnist', name][0] for name in
                       ('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz')]
    assert (cache / 'mnist' / 't10k-images-idx3-ubyte.gz').is_file()
    assert ds.n_train + ds.n_test == 10000
    # the cached files are used without fetching again
    make_dataset('mnist', 28, variant='t10k', cache_dir=cache)
    assert len(fetched) == 2


def test_checksum_mismatch_is_an_error_and_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(files, 'fetch_url', lambda url, dest: open(dest, 'wb').write(b'<html>'))
    with pytest.raises(DatasetError, match='expected sha256 8d422c7b.*got') as info:
        make_dataset('mnist', 28, variant='t10k', cache_dir=tmp_path)
    assert '\n' not in str(info.value)
    assert not list(tmp_path.rglob('*.gz*'))


def test_no_download_when_disabled(tmp_path, monkeypatch):
    monkeypatch.setattr(files, 'fetch_url', lambda url, dest: pytest.fail('fetched'))
    with pytest.raises(DatasetError, match='t10k-images-idx3-ubyte.gz .get it from https://'):
        make_dataset('mnist', 28, variant='t10k', download=False, cache_dir=tmp_path)


def test_manual_sources_are_named(tmp_path):
    with pytest.raises(DatasetError, match='jikei.npz .get it from http://codh.rois.ac.jp'):
        make_dataset('jikei', 64, cache_dir=tmp_path)
    with pytest.raises(DatasetError, match='CelebA.html'):
        make_dataset('celeba', 64, cache_dir=tmp_path)


def test_read_npz_reports_damage(tmp_path):
    bad = tmp_path / 'bad.npz'
    bad.write_bytes(b'PK\x03\x04 garbage')
    with pytest.raises(DatasetError, match='bad.npz: not a readable npz file'):
        files.read_npz(bad, ['arr_0'])
    np.savez(tmp_path / 'other.npz', x=np.zeros(3))
    with pytest.raises(DatasetError,
                       match=r"other.npz: expected arrays \['arr_0'\], found \['x'\]"):
        files.read_npz(tmp_path / 'other.npz', ['arr_0'])
    np.save(tmp_path / 'one.npy', np.zeros((2, 3), np.uint8))
    with pytest.raises(DatasetError, match=r"one.npy: expected an npz file with arrays "
                                           r"\['arr_0'\], got one array uint8 \(2, 3\)"):
        files.read_npz(tmp_path / 'one.npy', ['arr_0'])


def test_the_local_data_folder_comes_before_the_cache(tmp_path, monkeypatch):
    from chainer_spiral.config import DataConfig
    monkeypatch.setattr(files, 'data_root', lambda: tmp_path / 'data')
    assert files.data_path(DataConfig(problem='mnist')) == tmp_path / 'data' / 'mnist'
    given = DataConfig(problem='mnist', path=str(tmp_path / 'mine'))
    assert files.data_path(given) == tmp_path / 'mine'
    monkeypatch.setattr(files, 'data_root', lambda: None)
    cache = DataConfig(problem='mnist', cache_dir=str(tmp_path / 'cache'))
    assert files.data_path(cache) == tmp_path / 'cache' / 'mnist'


def test_data_root_follows_the_variable_then_the_shared_folder(tmp_path, monkeypatch):
    monkeypatch.undo()
    monkeypatch.setenv(files.DATA_ENV, str(tmp_path))
    assert files.data_root() == tmp_path
    monkeypatch.delenv(files.DATA_ENV)
    monkeypatch.setattr(files, 'SHARED_DATA', tmp_path / 'shared' / 'data')
    assert files.data_root() is None
    (tmp_path / 'shared' / 'data').mkdir(parents=True)
    assert files.data_root() == tmp_path / 'shared' / 'data'
