"""Locating dataset files, and fetching the official ones into the cache with a checksum check.

Where a `data:` section's files are (`data_path`): its `path` when set; else
``$CHAINER_SPIRAL_DATA/<problem>`` when that variable is set; else ``../shared/data/<problem>``
beside the repository when that folder exists; else the download cache ``cache_dir/<problem>``,
where missing official files are fetched (when `download` is true and the machine is online).

`OFFICIAL_FILES` maps a problem's file name to its official URL and checksum (sha256, or md5 where
only the publisher's md5 is known; None where the publisher gives none: the file is not verified).
"""
import hashlib
import os
import pickle
import tempfile
import urllib.parse
import urllib.request
import zipfile
import zlib
from logging import getLogger
from pathlib import Path

import numpy as np

from chainer_spiral.datasets.base import DatasetError

logger = getLogger(__name__)

_MNIST = 'https://ossci-datasets.s3.amazonaws.com/mnist/'
_KMNIST = 'http://codh.rois.ac.jp/kmnist/dataset/kmnist/'
_OMNIGLOT = 'https://raw.githubusercontent.com/brendenlake/omniglot/master/python/'
_QUICKDRAW = 'https://storage.googleapis.com/quickdraw_dataset/full/numpy_bitmap/'

# (problem, file name) -> (url, ('sha256' | 'md5', hex digest) or None)
OFFICIAL_FILES = {
    ('mnist', 'train-images-idx3-ubyte.gz'): (_MNIST + 'train-images-idx3-ubyte.gz', (
        'sha256', '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609')),
    ('mnist', 'train-labels-idx1-ubyte.gz'): (_MNIST + 'train-labels-idx1-ubyte.gz', (
        'sha256', '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c')),
    ('mnist', 't10k-images-idx3-ubyte.gz'): (_MNIST + 't10k-images-idx3-ubyte.gz', (
        'sha256', '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6')),
    ('mnist', 't10k-labels-idx1-ubyte.gz'): (_MNIST + 't10k-labels-idx1-ubyte.gz', (
        'sha256', 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6')),
    ('emnist', 'gzip.zip'): ('https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip', (
        'md5', '58c8d27c78d21e728a6bc7b3cc06412e')),
    ('kmnist', 'kmnist-train-imgs.npz'): (_KMNIST + 'kmnist-train-imgs.npz', None),
    ('kmnist', 'kmnist-train-labels.npz'): (_KMNIST + 'kmnist-train-labels.npz', None),
    ('kmnist', 'kmnist-test-imgs.npz'): (_KMNIST + 'kmnist-test-imgs.npz', (
        'sha256', '692d824896bec8f3c357ebf7a0fe904ed67ac632ce953d0b58f7fbef7bb27d87')),
    ('kmnist', 'kmnist-test-labels.npz'): (_KMNIST + 'kmnist-test-labels.npz', (
        'sha256', '660f13a4705431ea2a6391c41ecbe384cd0d932c595a101ec4f3b8989e785046')),
    ('omniglot', 'images_background.zip'): (_OMNIGLOT + 'images_background.zip', (
        'md5', '68d2efa1b9178cc56df9314c21c6e718')),
    ('omniglot', 'images_evaluation.zip'): (_OMNIGLOT + 'images_evaluation.zip', (
        'md5', '6b91aef0f799c5bb55b94e3f2daec811')),
    ('omniglot', 'images_background_small1.zip'): (_OMNIGLOT + 'images_background_small1.zip', (
        'sha256', 'f38eb80f801274ac2b4dff5b24289016bfaba4a7d5bb50deebf27104ad6cb8a4')),
}

# Pages to point users to for data that has no direct download.
MANUAL_SOURCES = {
    'celeba': 'https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html (img_align_celeba)',
    'jikei': 'http://codh.rois.ac.jp/char-shape/book/ (convert with scripts/convert_jikei.py)',
    'folder': 'a directory of your own images',
}


def official_url(problem, filename):
    """The official download URL of a file, or None."""
    if problem == 'quickdraw':
        return _QUICKDRAW + urllib.parse.quote(filename)
    entry = OFFICIAL_FILES.get((problem, filename))
    return None if entry is None else entry[0]


def fetch_url(url, dest):
    """Download `url` to the file `dest` (raises OSError when offline or on HTTP errors)."""
    with urllib.request.urlopen(url, timeout=60) as response, open(dest, 'wb') as f:
        while True:
            chunk = response.read(1 << 20)
            if not chunk:
                break
            f.write(chunk)


def file_digest(path, algorithm):
    """Hex digest of a file with hashlib's `algorithm` ('sha256', 'md5')."""
    digest = hashlib.new(algorithm)
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def download(url, dest, checksum):
    """Fetch `url` into `dest` atomically and verify it.

    Args:
        url: official URL.
        dest: Path of the file to create.
        checksum: (algorithm, hex digest) or None (no verification).
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=dest.name + '.', suffix='.part')
    os.close(fd)
    try:
        logger.info('downloading %s to %s', url, dest)
        fetch_url(url, tmp)
        if checksum is not None:
            got = file_digest(tmp, checksum[0])
            if got != checksum[1]:
                raise DatasetError(f'{url}: expected {checksum[0]} {checksum[1]}, '
                                   f'got {got} (download corrupt or file changed)')
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def locate(problem, folder, filename, cache_dir, download_ok):
    """Find `filename` in `folder`, else in the cache, else download it into the cache.

    Args:
        problem: dataset name (key of OFFICIAL_FILES, and the cache subfolder).
        folder: Path of the user's data folder.
        filename: name of the file inside the folder.
        cache_dir: Path of the download cache (files go to cache_dir/problem/filename).
        download_ok: whether a missing official file may be downloaded.

    Returns:
        Path of an existing file.
    """
    candidates = [folder / filename, cache_dir / problem / filename]
    for path in candidates:
        if path.is_file():
            return path
    url = official_url(problem, filename)
    source = url or MANUAL_SOURCES.get(problem, 'no official download')
    if url is None or not download_ok:
        raise DatasetError(f'{problem}: expected the file {folder / filename} '
                           f'(get it from {source})')
    entry = OFFICIAL_FILES.get((problem, filename))
    try:
        download(url, candidates[1], entry[1] if entry else None)
    except OSError as e:
        raise DatasetError(f'{problem}: {folder / filename} is missing and downloading {url} into '
                           f'{candidates[1].parent} failed ({e}); download it by hand') from None
    return candidates[1]


DATA_ENV = 'CHAINER_SPIRAL_DATA'
SHARED_DATA = Path(__file__).resolve().parents[2].parent / 'shared' / 'data'


def data_root():
    """The folder of local dataset folders (one per problem): ``$CHAINER_SPIRAL_DATA``, else
    ``../shared/data`` beside the repository when it exists, else None (the download cache)."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    return SHARED_DATA if SHARED_DATA.is_dir() else None


def cache_path(data):
    """The download cache of a `data:` section (DataConfig): its `cache_dir`, ~-expanded (Path)."""
    return Path(data.cache_dir).expanduser()


def data_path(data):
    """The file or folder of a `data:` section's files (DataConfig): its `path`, ~-expanded
    (Path); null: <data_root()>/<problem>, else cache_dir/<problem>."""
    if data.path is not None:
        return Path(data.path).expanduser()
    root = data_root()
    return (cache_path(data) if root is None else root) / data.problem


def is_available(folder, cache_dir, problem, filename):
    """Whether `filename` is already in the user's folder or the cache (no download)."""
    return (folder / filename).is_file() or (cache_dir / problem / filename).is_file()


def choose_parts(data, parts):
    """The parts (e.g. official splits) to read: those whose files are all present, else all.

    Args:
        data: DataConfig (path, cache_dir, problem).
        parts: dict part name -> list of file names.

    Returns:
        list of part names, in the order of `parts`.
    """
    folder, cache = data_path(data), cache_path(data)
    present = [name for name, files in parts.items()
               if all(is_available(folder, cache, data.problem, f) for f in files)]
    return present or list(parts)


def read_npz(path, keys, allow_pickle=False):
    """Read arrays from an npz file, with one-line errors for damaged files and missing keys.

    Args:
        path: Path of the .npz file.
        keys: names of the arrays to read.
        allow_pickle: whether object arrays may be unpickled (sketch-rnn files hold them, pickled
            by Python 2, hence the latin1 encoding); only for files the user trusts.

    Returns:
        dict key -> ndarray.
    """
    try:
        data = np.load(path, allow_pickle=allow_pickle, encoding='latin1')
        if not isinstance(data, np.lib.npyio.NpzFile):  # an .npy file, or a pickle
            what = (f'one array {data.dtype} {data.shape}' if isinstance(data, np.ndarray)
                    else 'a pickle')
            raise DatasetError(f'{path}: expected an npz file with arrays {list(keys)}, got {what}')
        with data:
            missing = [k for k in keys if k not in data.files]
            if missing:
                raise DatasetError(f'{path}: expected arrays {list(keys)}, found {data.files}')
            return {k: data[k] for k in keys}
    except DatasetError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error,
            pickle.UnpicklingError) as e:
        raise DatasetError(f'{path}: not a readable npz file ({type(e).__name__}: {e})') from None
