"""demo.py reconstruct with the shipped mnist_conditional painter: pictures the test writes in;
paintings at any size, their SVGs, programs, passes and movies out; bad pictures skipped."""
import csv
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import cv2
import imageio.v2 as imageio
import numpy as np
import pytest

from chainer_spiral.demo.reconstruct import main
from chainer_spiral.program.json import load
from chainer_spiral.program.replay import replay_at_size

REPO = Path(__file__).resolve().parents[2]
PAINTER = 'mnist_conditional'
SVG = '{http://www.w3.org/2000/svg}'


def printed(digit, h=64, w=64, light_on_dark=False):
    """A printed digit, dark on white: uint8 (H, W)."""
    picture = np.full((h, w), 255, np.uint8)
    cv2.putText(picture, digit, (w // 2 - 16, h // 2 + 18), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 0, 5,
                cv2.LINE_AA)
    return 255 - picture if light_on_dark else picture


@pytest.fixture(scope='module')
def images(tmp_path_factory):
    """A folder of two printed digits (PNG), a wide JPEG, a light-on-dark PNG, a corrupt file."""
    folder = tmp_path_factory.mktemp('images')
    (folder / 'digits').mkdir()
    paths = {'digits': folder / 'digits'}
    for name, digit in (('a', '3'), ('b', '7')):
        paths[name] = folder / 'digits' / f'{name}.png'
        cv2.imwrite(str(paths[name]), printed(digit))
    paths['wide'] = folder / 'wide.jpg'
    cv2.imwrite(str(paths['wide']), printed('5', 100, 150))
    paths['dark'] = folder / 'dark.png'
    cv2.imwrite(str(paths['dark']), printed('2', light_on_dark=True))
    paths['corrupt'] = folder / 'corrupt.png'
    paths['corrupt'].write_bytes(b'\x89PNG\r\n\x1a\n not really')
    return paths


def reconstruct(*args):
    """demo.py reconstruct in a process of its own: (returncode, stdout, stderr)."""
    return subprocess.run([sys.executable, str(REPO / 'demo.py'), 'reconstruct', *map(str, args)],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def run(capsys):
    """reconstruct.main in this process (the painter's imports paid once): an object with
    returncode, stdout and stderr."""
    def call(*args):
        try:
            code = main([str(a) for a in args], prog='demo.py reconstruct')
        except SystemExit as e:
            code = e.code
        out, err = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out, stderr=err)
    return call


def rows(out):
    with open(out / 'l2.csv', newline='') as f:
        return list(csv.DictReader(f))


def test_every_output_is_written_at_the_size_asked_and_replays(images, tmp_path):
    out = tmp_path / 'out'
    result = reconstruct(PAINTER, images['digits'], images['wide'], out, '--tiles', '2',
                         '--size', '96', '--keep-passes', '--movie')
    assert result.returncode == 0, result.stderr
    names = ['000_a', '001_b', '002_wide']
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f'{n}.{ext}' for n in names for ext in ('png', 'svg', 'json', 'mp4')]
        + ['side_by_side.png', 'l2.csv', 'passes'])
    table = rows(out)
    assert [r['name'] for r in table] == names
    for name, row in zip(names, table):
        painting = imageio.imread(out / f'{name}.png')
        assert painting.shape == ((64, 96, 3) if name == '002_wide' else (96, 96, 3))
        program, = load(out / f'{name}.json')
        doc = json.loads((out / f'{name}.json').read_text())
        np.testing.assert_array_equal(
            replay_at_size(program, 96, doc['brush'], tuple(doc['crop'])), painting)
        assert program.n_strokes == int(row['strokes']) > 0
        assert len(doc['passes']) == int(row['passes'])
        assert [p.name for p in sorted((out / 'passes' / name).iterdir())] == [
            f'pass_{i:02d}.png' for i in range(int(row['passes']))]
        root = ET.parse(out / f'{name}.svg').getroot()
        assert (float(root.get('width')), float(root.get('height'))) == painting.shape[1::-1]
        assert len(root.findall(f'{SVG}path')) == program.n_strokes
        assert float(row['l2']) < float(row['blank_l2'])
        assert f'{name}: L2 {float(row["l2"]):.4f}' in result.stdout
        assert len(imageio.mimread(out / f'{name}.mp4')) >= program.n_strokes
    sheet = imageio.imread(out / 'side_by_side.png')
    assert sheet.shape == (3 * 96 + 4 * 2, 2 * 96 + 3 * 2, 3)


def test_a_bad_picture_is_skipped_and_the_batch_goes_on(images, tmp_path, run):
    out = tmp_path / 'out'
    result = run(PAINTER, images['corrupt'], images['a'], tmp_path / 'missing.png', out)
    assert result.returncode == 1, result.stderr
    skipped = [line for line in result.stderr.splitlines() if ': skipped ' in line]
    assert len(skipped) == 2
    assert any(re.fullmatch(r'demo\.py reconstruct: skipped .*missing\.png: no such image file '
                            r'or folder', line) for line in skipped)
    assert any(re.fullmatch(r'demo\.py reconstruct: skipped .*corrupt\.png: not a readable '
                            r'image \(\d+ bytes\)', line) for line in skipped)
    assert [r['name'] for r in rows(out)] == ['001_a']
    assert (out / '001_a.png').is_file() and not (out / '000_corrupt.png').exists()


def test_light_on_dark_is_detected(images, tmp_path, run):
    auto = run(PAINTER, images['dark'], tmp_path / 'auto')
    kept = run(PAINTER, images['dark'], tmp_path / 'kept', '--no-invert')
    assert auto.returncode == 0 and kept.returncode == 0, auto.stderr + kept.stderr
    (inverted,), (as_is,) = rows(tmp_path / 'auto'), rows(tmp_path / 'kept')
    # the blank canvas is near the inverted target (white paper, dark digit), far from as-is
    assert float(inverted['blank_l2']) < 0.2 < 0.7 < float(as_is['blank_l2'])
    assert imageio.imread(tmp_path / 'auto' / '000_dark.png').shape == (32, 32, 3)


def test_a_sketch_is_redrawn_at_the_stroke_width_asked(tmp_path, run):
    sketch = np.full((256, 256), 255, np.uint8)
    cv2.putText(sketch, '7', (70, 200), cv2.FONT_HERSHEY_SIMPLEX, 7, 0, 2, cv2.LINE_AA)
    cv2.imwrite(str(tmp_path / 'sketch.png'), sketch)
    thin = run(PAINTER, tmp_path / 'sketch.png', tmp_path / 'thin')
    redrawn = run(PAINTER, tmp_path / 'sketch.png', tmp_path / 'wide', '--stroke-width', '0.08')
    assert thin.returncode == redrawn.returncode == 0, thin.stderr + redrawn.stderr
    (faint,), (wide,) = rows(tmp_path / 'thin'), rows(tmp_path / 'wide')
    # the painter sees a faint line at 32 px, the redrawn sketch as its digits' strokes
    assert float(wide['blank_l2']) > 4 * float(faint['blank_l2'])
    assert int(wide['strokes']) > 0 and float(wide['l2']) < float(wide['blank_l2'])


@pytest.mark.parametrize('case, message', [
    ('corrupt', r'no picture painted: .*corrupt\.png: not a readable image \(\d+ bytes\)'),
    ('empty', r'no picture painted: .*empty: expected image files .* in the folder, found none'),
    ('unconditional', r'the painter is unconditional .*reconstruct needs a conditional one'),
    ('size', r'--size: expected an int in \[8, 4096\], got 5000'),
    ('overlap', r'overlap: expected an int of pixels in \[0, 16\] .*got 17'),
    ('stroke-width', r'--stroke-width: expected a fraction of the picture in \(0, 1\), got 1\.5'),
])
def test_errors_are_one_line(images, tmp_path, case, message, run):
    painter, target, extra = PAINTER, images['a'], []
    if case == 'corrupt':
        target = images['corrupt']
    elif case == 'empty':
        target = tmp_path / 'empty'
        target.mkdir()
    elif case == 'unconditional':
        painter = 'toy'
    elif case == 'size':
        extra = ['--size', '5000']
    elif case == 'stroke-width':
        extra = ['--stroke-width', '1.5']
    else:
        extra = ['--tiles', '2', '--overlap', '17']
    result = run(painter, target, tmp_path / 'out', *extra)
    assert result.returncode == 2
    assert 'Traceback' not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r'demo\.py reconstruct: error: .*' + message, last), last
