"""demo.py reconstruct: real digits and images the test writes in, canvases, SVGs, programs out."""
import csv
import re
import subprocess
import sys
from pathlib import Path

import cv2
import imageio.v2 as imageio
import numpy as np
import pytest

from chainer_spiral.config import load_config
from chainer_spiral.datasets import make_dataset
from chainer_spiral.envs.mypaint_env import MyPaintEnv
from chainer_spiral.program import json as program_json
from chainer_spiral.program.conversion import env_actions
from chainer_spiral.training import train

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='module')
def conditional_snapshot(tmp_path_factory, shared_data):
    """A conditional MNIST painter after one update: it still scribbles, so there is ink."""
    out = tmp_path_factory.mktemp('cond')
    cfg = load_config(REPO / 'configs' / 'mnist_conditional.yaml',
                      ['train.processes=1', 'agent.rollout_n=2', 'train.steps=20',
                       f'data.path={shared_data / "mnist"}', 'agent.empty_drawing_penalty=0.0'])
    return train(cfg, out, progress=False)['snapshot']


@pytest.fixture(scope='module')
def images(tmp_path_factory, shared_data):
    """Real held-out digits as the painter sees them (28x28 PNGs, dark on white), one at another
    size as JPEG, one light-on-dark, and a corrupt file."""
    folder = tmp_path_factory.mktemp('images')
    digits = make_dataset('mnist', 28, path=str(shared_data / 'mnist')).images(False)[:3]
    paths = {'digits': folder / 'digits'}
    for i, digit in enumerate(digits):
        paths[f'digit{i}'] = folder / 'digits' / f'digit{i}.png'
        paths[f'digit{i}'].parent.mkdir(exist_ok=True)
        cv2.imwrite(str(paths[f'digit{i}']), (digit[0] * 255).astype(np.uint8))
    big = cv2.resize((digits[0, 0] * 255).astype(np.uint8), (150, 100))
    paths['big'] = folder / 'big.jpg'
    cv2.imwrite(str(paths['big']), big)
    paths['dark'] = folder / 'dark.png'
    cv2.imwrite(str(paths['dark']), 255 - (digits[1, 0] * 255).astype(np.uint8))
    paths['corrupt'] = folder / 'corrupt.png'
    paths['corrupt'].write_bytes(b'\x89PNG\r\n\x1a\n not really')
    paths['empty'] = folder / 'empty'
    paths['empty'].mkdir()
    return paths


def reconstruct(*args):
    return subprocess.run([sys.executable, str(REPO / 'demo.py'), 'reconstruct', *map(str, args)],
                          capture_output=True, text=True, timeout=300)


def replay(program, imsize):
    env = MyPaintEnv(imsize=imsize, pos_resolution=program.pos_resolution,
                     max_episode_steps=len(program.steps))
    env.reset()
    for action in env_actions(program, env):
        obs, _, _, _ = env.step(action)
    return obs['image']


def test_every_output_is_written_and_replays_to_its_canvas(conditional_snapshot, images,
                                                           tmp_path):
    out = tmp_path / 'out'
    result = reconstruct(conditional_snapshot, images['digits'], images['big'], out,
                         '--n-samples', 2)
    assert result.returncode == 0, result.stderr
    names = ['000_digit0', '001_digit1', '002_digit2', '003_big']
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f'{n}.{ext}' for n in names for ext in ('png', 'svg', 'json')]
        + ['side_by_side.png', 'l2.csv'])
    inked = 0
    for name in names:
        canvas = imageio.imread(out / f'{name}.png')
        assert canvas.shape == (64, 64, 3)
        program, = program_json.load(out / f'{name}.json')
        np.testing.assert_array_equal(replay(program, 64), canvas)
        svg = (out / f'{name}.svg').read_text()
        drawn = sum(step.draw for step in program.steps)
        assert len(re.findall(r'<path ', svg)) == drawn
        inked += canvas.min() < 128
    assert inked > 0, 'no reconstruction has ink: the replay check saw blank canvases only'
    with open(out / 'l2.csv', newline='') as f:
        rows = list(csv.DictReader(f))
    assert [r['name'] for r in rows] == names
    for row in rows:
        samples = [float(v) for v in row['samples_l2'].split()]
        assert len(samples) == 2 and float(row['l2']) == pytest.approx(min(samples), abs=1e-6)
        assert float(row['blank_l2']) > 0
    for name, row in zip(names, rows):
        assert f'{name}: L2 {float(row["l2"]):.4f}' in result.stdout
    grid = imageio.imread(out / 'side_by_side.png')
    assert grid.shape[1] == 2 * 64 + 3 * 2 and grid.shape[0] == 4 * 64 + 5 * 2


def test_light_on_dark_needs_invert(conditional_snapshot, images, tmp_path):
    refused = reconstruct(conditional_snapshot, images['dark'], tmp_path / 'a')
    assert refused.returncode == 2
    last = refused.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r'demo\.py reconstruct: error: .*dark\.png: its border is dark .* '
                        r'add --invert', last)
    assert not (tmp_path / 'a').exists()
    ok = reconstruct(conditional_snapshot, images['dark'], tmp_path / 'b', '--invert')
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / 'b' / '000_dark.png').is_file()


@pytest.mark.parametrize('case, message', [
    ('corrupt', r'corrupt\.png: not a readable image \(\d+ bytes\)'),
    ('empty', r'empty: expected image files .* in the folder, found none'),
    ('missing', r'missing\.png: no such image file or folder'),
    ('unconditional', r'the painter is unconditional .*reconstruct needs a conditional one'),
])
def test_errors_are_one_line(conditional_snapshot, images, tmp_path, case, message):
    snapshot = conditional_snapshot
    target = images.get(case, tmp_path / 'missing.png')
    if case == 'unconditional':
        snapshot, target = REPO / 'trained_models' / 'toy' / '4000', images['digit0']
    result = reconstruct(snapshot, target, tmp_path / 'out')
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert 'Traceback' not in result.stderr
    assert re.fullmatch(r'demo\.py reconstruct: error: .*' + message, lines[-1]), lines[-1]
