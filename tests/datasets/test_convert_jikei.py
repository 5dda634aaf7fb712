import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from chainer_spiral.datasets import make_dataset

SCRIPT = Path(__file__).resolve().parents[2] / 'scripts' / 'convert_jikei.py'


def write_book(root):
    """CODH layout: book/characters/U+XXXX/*.jpg; 40x20 crops, ink bars of growing length.

    One crop is blank (U+3042 0), one blotted (U+304B 9): the two ends of the density order.
    """
    for first, tag in enumerate(('U+3042', 'U+304B')):
        folder = root / '200003076' / 'characters' / tag
        folder.mkdir(parents=True)
        for i in range(10):
            crop = np.full((40, 20), 230, np.uint8)
            crop[5:5 + 3 * (i + first), 8:12] = 20
            if tag == 'U+304B' and i == 9:
                crop[:] = 10  # a blotted crop, the darkest
            cv2.imwrite(str(folder / f'{tag}_{i}.jpg'), crop)


def run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True,
                          text=True)


def test_converts_a_codh_tree(tmp_path):
    write_book(tmp_path / 'codh')
    out = tmp_path / 'jikei.npz'
    result = run(tmp_path / 'codh', out, '--imsize', 32)
    assert result.returncode == 0, result.stderr
    assert '18 images of 2 characters' in result.stdout
    data = np.load(out)
    img, tag = data['img'], data['tag']
    assert img.shape == (18, 32, 32) and img.dtype == np.uint8 and set(np.unique(img)) == {0, 1}
    # the blank crop and the blotted one are cut; the kept ones hold one centred bar
    ink = 1 - img.astype(int)
    assert ink.sum(axis=(1, 2)).min() > 0 and ink.sum(axis=(1, 2)).max() < 26 * 13
    assert (img[:, :, :9] == 1).all() and (img[:, :, 23:] == 1).all()  # 13 wide, centred
    assert (img[:, :3] == 1).all() and (img[:, 29:] == 1).all()  # 26 high, centred
    assert sorted(tag) == ['U+3042'] * 9 + ['U+304B'] * 9
    ds = make_dataset('jikei', 32, path=out, test_fraction=0.0, cache_dir=tmp_path)
    assert ds.class_names == ['U+3042', 'U+304B'] and ds.n_train == 18
    np.testing.assert_array_equal(ds.images()[:, 0], img.astype(np.float32))


def test_tag_filter_and_errors(tmp_path):
    write_book(tmp_path / 'codh')
    (tmp_path / 'tags.txt').write_text('304B\n')
    out = tmp_path / 'one.npz'
    result = run(tmp_path / 'codh', out, '--imsize', 16, '--tags', tmp_path / 'tags.txt',
                 '--cut', 0, 0)
    assert result.returncode == 0, result.stderr
    assert set(np.load(out)['tag']) == {'U+304B'} and len(np.load(out)['img']) == 10
    (tmp_path / 'empty').mkdir()
    result = run(tmp_path / 'empty', out)
    assert result.returncode == 2 and 'no character images found' in result.stderr
