"""demo.py on snapshots written by the real trainer: every mode, and the outputs checked."""
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import imageio.v2 as imageio
import numpy as np
import pytest

from chainer_spiral import sheets
from chainer_spiral.config import config_from_dict
from chainer_spiral.demo import main, many, movie, player, static
from chainer_spiral.demo import json as demo_json
from chainer_spiral.demo import svg as demo_svg
from chainer_spiral.demo.session import record_from_snapshot
from chainer_spiral.program import json as program_json
from chainer_spiral.program.conversion import env_actions
from chainer_spiral.runs.loading import load_agent, make_env_from_config
from chainer_spiral.training import train

REPO = Path(__file__).resolve().parents[2]
T = 4


def tiny_run(root, env, data, model, steps):
    """Trains a tiny run in-process (one worker) and returns its final snapshot directory."""
    raw = {'seed': 0, 'env': dict(env, max_episode_steps=T), 'data': data, 'model': model,
           'agent': {'rollout_n': 4},
           'train': {'processes': 1, 'steps': steps, 'n_save_interval': 0,
                     'n_save_final_obs_interval': 0, 'log_interval': 1}}
    cfg = config_from_dict(raw, 'tiny run', root)
    summary = train(cfg, root / 'run', argv=['tiny'], progress=False)
    return summary['snapshot']


@pytest.fixture(scope='module')
def mnist_snapshot(tmp_path_factory, shared_data):
    """Unconditional MNIST on a 32x32 MyPaint canvas, 'spiral' actions, two updates."""
    root = tmp_path_factory.mktemp('mnist')
    return tiny_run(root, {'kind': 'mypaint', 'imsize': 32, 'pos_resolution': 8},
                    {'problem': 'mnist', 'path': str(shared_data / 'mnist'), 'download': False},
                    {'conditional': False}, steps=2 * 4 * T)


@pytest.fixture(scope='module')
def mnist_paper_snapshot(tmp_path_factory, shared_data):
    """Like mnist_snapshot with the paper's action space (Bezier curves, sizes, colours)."""
    root = tmp_path_factory.mktemp('mnist_paper')
    return tiny_run(root, {'kind': 'mypaint', 'imsize': 32, 'pos_resolution': 8,
                           'action_space': 'paper'},
                    {'problem': 'mnist', 'path': str(shared_data / 'mnist'), 'download': False},
                    {'conditional': False}, steps=4 * T)


@pytest.fixture(scope='module')
def toy_snapshot(tmp_path_factory):
    """Conditional toy task on the 3x3 ToyEnv, the paper's action space, one update."""
    root = tmp_path_factory.mktemp('toy')
    return tiny_run(root, {'kind': 'toy', 'imsize': 3, 'pos_resolution': 3,
                           'action_space': 'paper'},
                    {'problem': 'toy'}, {'conditional': True}, steps=4 * T)


def run_main(*args):
    main([str(a) for a in args], prog='demo.py')


@pytest.mark.parametrize('run', ['mnist_snapshot', 'mnist_paper_snapshot'])
def test_json_replays_pixel_equal_through_mypaint_env(run, request, tmp_path):
    snapshot = request.getfixturevalue(run)
    episodes = record_from_snapshot(snapshot, lambda conditional: 6, with_dataset=True)
    assert episodes.frames.shape == (6, T + 1, 32, 32, 3)
    demo_json.render(episodes, tmp_path / 'd.json')
    cfg, _, _ = load_agent(snapshot, with_dataset=False)
    env = make_env_from_config(cfg)
    programs = program_json.load(tmp_path / 'd.json')
    assert len(programs) == 6 and sum(p.n_strokes for p in programs) > 0
    for program, frames in zip(programs, episodes.frames):
        np.testing.assert_array_equal(env.reset()['image'], frames[0])
        for t, action in enumerate(env_actions(program, env)):
            obs, _, _, _ = env.step(action)
            np.testing.assert_array_equal(obs['image'], frames[t + 1])


def test_json_mode_is_seeded(mnist_snapshot, tmp_path):
    for name, seed in (('a', 1), ('b', 1), ('c', 2)):
        run_main('json', mnist_snapshot, tmp_path / f'{name}.json',
                 '--n', 8, '--seed', seed)
    docs = [json.loads((tmp_path / f'{n}.json').read_text()) for n in 'abc']
    assert len(docs[0]['actions']) == 8 and docs[0]['canvas_size'] == [32, 32]
    assert docs[0] == docs[1] and docs[0]['actions'] != docs[2]['actions']


def test_svg_has_one_path_per_stroke(mnist_snapshot, tmp_path):
    episodes = record_from_snapshot(mnist_snapshot, demo_svg.default_n, n=4, with_dataset=True)
    demo_svg.render(episodes, tmp_path / 'svg')
    for i, program in enumerate(episodes.programs):
        root = ET.parse(tmp_path / 'svg' / f'drawing_{i:03d}.svg').getroot()
        paths = root.findall('{http://www.w3.org/2000/svg}path')
        assert len(paths) == program.n_strokes
        assert [int(p.get('data-step')) for p in paths] == [
            t for t, s in enumerate(program.steps) if s.draw]


def test_player_canvas_is_not_blank(mnist_snapshot, tmp_path, player_status):
    episodes = record_from_snapshot(mnist_snapshot, player.default_n, n=4, with_dataset=True)
    player.render(episodes, tmp_path / 'player.html')
    drawing = next(i for i, p in enumerate(episodes.programs) if p.n_strokes)
    status = player_status(tmp_path / 'player.html', tmp_path,
                           f'drawing={drawing}&autoplay=1&interval=20')
    assert (status['state'], status['step']) == ('done', str(T))
    assert int(status['ink']) > 0


def test_movie_mp4_and_gif(mnist_snapshot, tmp_path):
    run_main('movie', mnist_snapshot, tmp_path / 'm.mp4', '--n', 2)
    frames = list(imageio.get_reader(tmp_path / 'm.mp4').iter_data())
    assert len(frames) == T + 1
    assert frames[0].shape == (2 * movie.PANEL_PX + movie.TITLE_PX, 3 * movie.PANEL_PX, 3)
    run_main('movie', mnist_snapshot, tmp_path / 'm.gif', '--n', 1)
    assert len(imageio.mimread(tmp_path / 'm.gif')) == T + 1


def test_static_and_many_unconditional(mnist_snapshot, tmp_path):
    run_main('static', mnist_snapshot, tmp_path / 's.png', '--n', 2)
    assert imageio.imread(tmp_path / 's.png').shape[:2] == (2 * static.PANEL_PX + 32,
                                                            2 * static.PANEL_PX)
    run_main('many', mnist_snapshot, tmp_path / 'many.png')
    side = sheets.GAP + many.GRID * (32 + sheets.GAP)
    assert imageio.imread(tmp_path / 'many.png').shape == (side, side, 3)


def test_conditional_modes_show_targets(toy_snapshot, tmp_path):
    run_main('static', toy_snapshot, tmp_path / 's.png', '--n', 2)
    assert imageio.imread(tmp_path / 's.png').shape[:2] == (2 * static.PANEL_PX + 32,
                                                            3 * static.PANEL_PX)
    run_main('many', toy_snapshot, tmp_path / 'many.png', '--n', 4)
    sheet = imageio.imread(tmp_path / 'many.png')
    gap = sheets.GAP
    assert sheet.shape == (gap + 3 + gap, gap + many.GRID * (3 + gap), 3)
    run_main('json', toy_snapshot, tmp_path / 'd.json', '--n', 3)
    doc = json.loads((tmp_path / 'd.json').read_text())
    assert doc['action_space'] == 'paper' and len(doc['fields']) == 10


def test_conditional_without_dataset_is_refused(toy_snapshot, tmp_path):
    result = subprocess.run([sys.executable, str(REPO / 'demo.py'), 'static', str(toy_snapshot),
                             str(tmp_path / 's.png'), '--without_dataset'],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and 'Traceback' not in result.stderr
    assert re.search(r'demo.py: error: .*conditional.*drop --without_dataset$',
                     result.stderr.strip())


def test_console_script_demo(mnist_snapshot, tmp_path):
    from chainer_spiral.cli import main as cli_main
    assert cli_main(['demo', 'json', str(mnist_snapshot), str(tmp_path / 'd.json'),
                     '--n', '2']) in (0, None)
    assert len(json.loads((tmp_path / 'd.json').read_text())['actions']) == 2


def test_plot_scores_on_the_run(mnist_snapshot, tmp_path, load_script):
    plot_scores = load_script('plot_scores')
    metrics = plot_scores.read_metrics(Path(mnist_snapshot).parent / 'metrics.csv')
    panels = dict(plot_scores.group_columns(metrics))
    assert 'train/pi_loss' in panels['losses'] and 'train/d_loss' in panels['losses']
    assert 'time/sps' in panels['speed (steps/s)']
    plot_scores.main([str(Path(mnist_snapshot).parent), str(tmp_path / 'curves.png')])
    assert imageio.imread(tmp_path / 'curves.png').ndim == 3


def test_unconditional_without_dataset_reads_no_data(mnist_snapshot, tmp_path):
    """A copy of the run whose data path leads nowhere: only --without_dataset works."""
    run = tmp_path / 'a' / 'b' / 'c' / 'd' / 'run'
    shutil.copytree(Path(mnist_snapshot).parent, run)
    snapshot = run / Path(mnist_snapshot).name
    result = subprocess.run([sys.executable, str(REPO / 'demo.py'), 'json', str(snapshot),
                             str(tmp_path / 'x.json')], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2 and 'Traceback' not in result.stderr
    assert 'demo.py: error: ' in result.stderr and 'mnist' in result.stderr
    run_main('json', snapshot, tmp_path / 'd.json', '--without_dataset', '--n', 2)
    assert len(json.loads((tmp_path / 'd.json').read_text())['actions']) == 2


def test_a_32_painter_is_shown_replayed_on_64(shared_data):  # held-out MNIST digits
    snapshot = REPO / 'trained_models' / 'mnist_conditional' / '200000'
    plain = record_from_snapshot(snapshot, lambda conditional: 4, seed=1)
    # replayed on its own canvas: the same frames, programs and targets
    same = record_from_snapshot(snapshot, lambda conditional: 4, seed=1, imsize=32)
    np.testing.assert_array_equal(same.frames, plain.frames)
    assert same.programs == plain.programs
    np.testing.assert_array_equal(same.targets, plain.targets)
    large = record_from_snapshot(snapshot, lambda conditional: 4, seed=1, imsize=64)
    assert large.frames.shape[2:] == (64, 64, 3) and large.targets.shape[2:] == (64, 64)
    assert [p.pos_resolution for p in large.programs] == [32] * 4
    for small, big in zip(plain.programs, large.programs):
        assert [s.draw for s in big.steps] == [s.draw for s in small.steps]
        np.testing.assert_allclose([s.end for s in big.steps], [s.end for s in small.steps],
                                   atol=1 / 64 + 1e-9)
    # the same held-out digits at 64 x 64: each pooled to 32 x 32 is nearest its own
    pooled = large.targets.reshape(4, 1, 32, 2, 32, 2).mean(axis=(3, 5))
    d = ((pooled[:, None] - plain.targets[None]) ** 2).sum(axis=(2, 3, 4))
    assert list(d.argmin(axis=1)) == [0, 1, 2, 3]


def test_the_demo_refuses_a_canvas_the_grid_does_not_scale_to(mnist_snapshot, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        run_main('static', mnist_snapshot, tmp_path / 's.png', '--imsize', '33')
    assert e.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(
        'imsize 33: expected a mypaint canvas whose 32 px and grid of 8 scale to a whole grid, '
        'got mypaint and a grid of 8.25')
