"""Hand-made programs for the renderer tests, and the player in headless Chromium."""
import re
import shutil
import subprocess

import numpy as np
import pytest

from chainer_spiral.demo.episodes import Episodes
from chainer_spiral.program import Program, Step
from chromium_flags import FLAGS as CHROMIUM_FLAGS


def make_program(ends, draws, controls=None, sizes=None, start=(0.0, 0.0), imsize=64,
                 widths=(0.05,), color=(0.0, 0.0, 0.0), pressure=1.0, pos_resolution=8):
    """A program through the points `ends` (canvas units), painting where `draws` is true."""
    controls = controls or [None] * len(ends)
    sizes = sizes or [None] * len(ends)
    steps = tuple(Step(end=tuple(e), draw=bool(d), pressure=pressure, color=color,
                       control=None if c is None else tuple(c), size=s)
                  for e, d, c, s in zip(ends, draws, controls, sizes))
    return Program(action_space='spiral' if controls[0] is None else 'paper', imsize=imsize,
                   pos_resolution=pos_resolution, background=(1.0, 1.0, 1.0), start=start,
                   steps=steps, stroke_widths=tuple(widths))


@pytest.fixture
def spiral_program():
    """Four steps: a stroke, a move, two strokes."""
    return make_program([(0.5, 0.5), (0.25, 0.75), (0.75, 0.75), (0.75, 0.25)], [1, 0, 1, 1])


@pytest.fixture
def paper_program():
    """Three steps of the paper's action space: a curve, a move, a curve of another size."""
    return make_program([(0.5, 0.5), (0.125, 0.875), (0.875, 0.875)], [1, 0, 1],
                        controls=[(0.5, 0.0), (0.0, 0.0), (0.5, 0.5)], sizes=[0.0, 0.25, 0.75],
                        widths=(0.02, 0.04, 0.06, 0.08))


def fake_episodes(programs, conditional=False, seed=0):
    """Episodes with random frames (N, T+1, 16, 16, 3) around the given programs."""
    rng = np.random.RandomState(seed)
    T = len(programs[0].steps)
    frames = rng.randint(0, 256, (len(programs), T + 1, 16, 16, 3)).astype(np.uint8)
    targets = rng.rand(len(programs), 1, 16, 16).astype(np.float32) if conditional else None
    return Episodes(frames, list(programs), targets, 'fake')


@pytest.fixture(name='make_program')
def make_program_fixture():
    return make_program


@pytest.fixture(name='fake_episodes')
def fake_episodes_fixture():
    return fake_episodes


def chromium():
    exe = shutil.which('chromium') or shutil.which('chromium-browser')
    assert exe, 'the player tests need Chromium: apt-get install -y chromium'
    return exe


def dump_player(page, tmp_path, query, budget_ms=5000):
    """Opens `page` with URL `query`, lets its timers run for `budget_ms` of virtual time.

    Returns:
        the page's DOM (HTML text) after that time.
    """
    result = subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f'--user-data-dir={tmp_path / "chromium"}',
         f'--virtual-time-budget={budget_ms}', '--dump-dom', f'{page.as_uri()}?{query}'],
        capture_output=True, text=True, timeout=60)
    assert '<output id="status"' in result.stdout, (
        f'no status line in the page: {result.stdout[-500:]} {result.stderr[-500:]}')
    return result.stdout


def status(dom):
    """The status line's data- attributes (dict) in a dumped page."""
    match = re.search(r'<output id="status"([^>]*)>', dom)
    return dict(re.findall(r'data-(\w+)="([^"]*)"', match.group(1)))


def run_player(page, tmp_path, query, budget_ms=5000):
    """The status line's data- attributes (dict) after `dump_player`."""
    return status(dump_player(page, tmp_path, query, budget_ms))


def gallery(dom):
    """[(index, ink, current)] of the gallery's canvases in a dumped page."""
    thumbs = re.findall(r'<canvas ([^>]*data-index[^>]*)>', dom)
    out = []
    for attrs in thumbs:
        values = dict(re.findall(r'([\w-]+)="([^"]*)"', attrs))
        out.append((int(values['data-index']), int(values['data-ink']),
                    'current' in values.get('class', '')))
    return out


@pytest.fixture(name='player_status')
def player_status_fixture():
    return run_player


@pytest.fixture(name='player_dom')
def player_dom_fixture():
    return dump_player


@pytest.fixture(name='player_gallery')
def player_gallery_fixture():
    return gallery


@pytest.fixture(name='page_status')
def page_status_fixture():
    return status
