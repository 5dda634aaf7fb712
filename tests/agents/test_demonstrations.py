"""Demonstrations: Omniglot's pen trajectories and a painter's programs as actions, and behaviour
cloning that makes the policy take them."""
import json
import logging
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from chainer_spiral.agents import build_agent
from chainer_spiral.agents.acting import collect, to_canvas
from chainer_spiral.agents.demonstrations import (behaviour_cloning, demonstration_batch,
                                                  played, read_demonstrations,
                                                  strokes_to_actions)
from chainer_spiral.config import config_from_dict, load_config
from chainer_spiral.datasets import DatasetError, make_dataset
from chainer_spiral.datasets.omniglot import parse_strokes, read_strokes
from chainer_spiral.envs import make_env
from chainer_spiral.program import json as programs_json
from chainer_spiral.program.conversion import env_actions, program_from_actions
from chainer_spiral.training import TrainingError, train


REPO = Path(__file__).resolve().parents[2]
# Two strokes: (0.15, 0.15) -> (0.95, 0.15), then (0.55, 0.25) -> (0.55, 0.85), in 105 units.
TEXT = 'START\n15.75,-15.75,0\n99.75,-15.75,50\nBREAK\n57.75,-26.25,60\n57.75,-89.25,90\nBREAK\n'


def test_parse_strokes_flips_y_and_scales_to_the_unit_square():
    strokes = parse_strokes(TEXT, 'x.txt')
    np.testing.assert_allclose(strokes[0], [[0.15, 0.15], [0.95, 0.15]], atol=1e-6)
    np.testing.assert_allclose(strokes[1], [[0.55, 0.25], [0.55, 0.85]], atol=1e-6)
    with pytest.raises(DatasetError, match=r"^y\.txt: expected lines x,y,t, START or BREAK, "
                                           r"got 'oops'$"):
        parse_strokes('START\noops\n', 'y.txt')
    with pytest.raises(DatasetError, match='expected pen strokes, found none'):
        parse_strokes('START\nBREAK\n', 'z.txt')


def test_the_shared_strokes_match_the_images(shared_data):
    drawings = read_strokes(shared_data / 'omniglot' / 'strokes_background_small1.zip')
    with zipfile.ZipFile(shared_data / 'omniglot' / 'images_background_small1.zip') as zf:
        images = {'/'.join(m[:-4].split('/')[-3:]) for m in zf.namelist()
                  if m.endswith('.png') and '__MACOSX' not in m}
    assert set(drawings) == images and len(drawings) == 2720
    for strokes in list(drawings.values())[:50]:
        assert all(s.ndim == 2 and s.shape[1] == 2 and 0 <= s.min() and s.max() <= 1
                   for s in strokes)


def test_strokes_to_actions_moves_then_draws_each_stroke():
    strokes = parse_strokes(TEXT, 'x.txt')
    a = strokes_to_actions(strokes, R=10, T=6)
    # stroke 1: move to cell (column 1, row 1), draw through (5, 1) to (9, 1);
    # stroke 2: move to (5, 2), draw through (5, 5) to (5, 8)
    assert list(a['prob']) == [0, 1, 1, 0, 1, 1]
    assert list(a['position']) == [11, 15, 19, 25, 55, 85]
    # T = 4: one draw each; T = 9: the spare step stays without drawing.
    assert list(strokes_to_actions(strokes, 10, 4)['prob']) == [0, 1, 0, 1]
    nine = strokes_to_actions(strokes, 10, 9)
    assert list(nine['prob']).count(0) == 2 and len(nine['prob']) == 9
    # More strokes than T // 2: the later ones are dropped.
    many = strokes_to_actions([strokes[0]] * 5, 10, 4)
    assert list(many['prob']) == [0, 1, 0, 1]
    with pytest.raises(ValueError, match=r"^spacing: expected one of \('arc', 'vertices'\), "
                                         r"got 'even'$"):
        strokes_to_actions(strokes, 10, 6, 'even')
    batch = demonstration_batch([strokes, strokes[:1]], 10, 6)
    assert batch['position'].shape == (6, 2) and list(batch['prob'][:, 1]) == [0, 1, 1, 1, 1, 1]


@pytest.mark.parametrize('conditional', [False, True])
def test_behaviour_cloning_makes_the_policy_draw_the_demonstration(conditional):
    """ToyEnv (3x3 grid, T 4): after cloning one demonstration, the greedy policy takes its
    actions."""
    envs = [make_env('toy', imsize=3, pos_resolution=3, max_episode_steps=4) for _ in range(4)]
    agent = build_agent(envs[0], make_dataset('toy', 3, label=0), {'conditional': conditional},
                        {'rollout_n': 4, 'lr': 3.0e-3})
    demo = [np.array([[0.1, 0.8], [0.9, 0.8]]), np.array([[0.5, 0.1], [0.5, 0.5]])]
    expected = strokes_to_actions(demo, 3, 4)
    rng = np.random.RandomState(0)
    losses = [behaviour_cloning(agent, envs, [demo], rng) for _ in range(60)]
    assert losses[-1] < 0.1 * losses[0]
    targets = None
    if conditional:
        targets = played(envs, agent.spec, demonstration_batch([demo] * 4, 3, 4), 1).finals
    r = agent.collect(envs, targets=targets, greedy=True)
    for name in ('position', 'prob'):
        np.testing.assert_array_equal(r.actions[name][:, 0], expected[name])


@pytest.mark.parametrize('model', [{}, {'conditional': True}])
def test_demonstrations_played_once_give_the_policy_what_acting_along_them_gives(model):
    """MyPaint 64 x 64, T 6: the canvases of the demonstrations played without the network are
    those of the policy forced along them, so the cloning loss is the one that acting along the
    demonstrations (each played twice, once for the target) gave."""
    from test_spiral import BlankDataset
    envs = [make_env('mypaint', imsize=64, pos_resolution=32, max_episode_steps=6)
            for _ in range(3)]
    agent = build_agent(envs[0], BlankDataset(), model, {'rollout_n': 3})
    demos = [[np.array([[0.1, 0.2], [0.8, 0.3]])],
             [np.array([[0.5, 0.1], [0.5, 0.9]]), np.array([[0.2, 0.6], [0.7, 0.6]])],
             [np.array([[0.3, 0.3], [0.6, 0.7], [0.2, 0.9]])]]
    actions = demonstration_batch(demos, 32, 6)
    g = agent.generator
    once = played(envs, agent.spec, actions, g.channels)
    assert once.canvases.shape == (7, 3, 64, 64, 1) and once.finals.min() < 0.5
    targets = once.finals if agent.conditional else None
    acted = collect(g, agent.spec, envs, np.random.RandomState(1), g.channels, targets=targets,
                    forced=actions)
    np.testing.assert_array_equal(once.canvases, acted.canvases)
    want, _, _ = g.evaluate(acted, targets)
    got, _, _ = g.evaluate(once, targets)
    np.testing.assert_allclose(got.array, want.array, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got.array.reshape(6, 3), acted.log_probs, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize('kind', ['zip', 'json'])
def test_a_new_run_starts_with_behaviour_cloning(tmp_path, caplog, kind):
    """From Omniglot's strokes zip or from a painter's programs."""
    path = tmp_path / f'strokes.{kind}'
    if kind == 'zip':
        with zipfile.ZipFile(path, 'w') as zf:
            zf.writestr('strokes/Alpha/character01/0001_01.txt', TEXT)
    else:
        env = make_env('toy', imsize=3, pos_resolution=3, max_episode_steps=2)
        program = program_from_actions(env, {'position': np.array([0, 2]),
                                             'prob': np.array([0, 1])})
        path.write_text(json.dumps(programs_json.to_doc([program])))
    cfg = load_config(REPO / 'configs' / 'toy.yaml',
                      ['agent.rollout_n=8', 'train.steps=32', 'train.processes=1',
                       f'agent.demonstrations={path}', 'agent.demo_updates=12'])
    with caplog.at_level(logging.INFO):
        train(cfg, tmp_path / 'run', progress=False)
    assert 'behaviour cloning 12/12 on 1 demonstrations: loss' in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO):  # a resumed run does not clone again
        train(load_config(REPO / 'configs' / 'toy.yaml', [
            'agent.rollout_n=8', 'train.steps=48', 'train.processes=1',
            f'agent.demonstrations={path}', 'agent.demo_updates=12']),
            tmp_path / 'run', load=tmp_path / 'run' / '32', progress=False)
    assert 'behaviour cloning' not in caplog.text


def test_demo_lr_decay_lowers_the_cloning_rate_linearly_and_training_starts_at_full_rate(
        tmp_path, caplog, monkeypatch):
    """agent.demo_lr_decay: update i of n clones at lr * (n - i) / n; without it every update
    runs at lr; either way the optimizer leaves the warm start at lr."""
    from chainer_spiral.agents import demonstrations
    from chainer_spiral.runs import loading
    from chainer_spiral.training.warm_start import warm_start
    path = tmp_path / 'strokes.zip'
    with zipfile.ZipFile(path, 'w') as zf:
        zf.writestr('strokes/Alpha/character01/0001_01.txt', TEXT)
    clone = demonstrations.behaviour_cloning
    rates = []

    def recording(agent, envs, demos, rng, spacing):
        rates.append(agent.gen_optimizer.alpha)
        return clone(agent, envs, demos, rng, spacing)

    monkeypatch.setattr(demonstrations, 'behaviour_cloning', recording)
    for decay, expected in ((False, [2.0e-3] * 4), (True, [2.0e-3, 1.5e-3, 1.0e-3, 0.5e-3])):
        cfg = load_config(REPO / 'configs' / 'toy.yaml', [
            'agent.rollout_n=4', 'agent.lr=2.0e-3', f'agent.demonstrations={path}',
            'agent.demo_updates=4', f'agent.demo_lr_decay={str(decay).lower()}'])
        agent = loading.build_agent_from_config(cfg, loading.make_dataset_from_config(cfg),
                                                loading.make_env_from_config(cfg))
        rates.clear()
        caplog.clear()
        with caplog.at_level(logging.INFO):
            warm_start(cfg, agent)
        np.testing.assert_allclose(rates, expected)
        assert agent.gen_optimizer.alpha == 2.0e-3
    assert 'behaviour cloning 4/4 on 1 demonstrations: loss' in caplog.text
    assert caplog.text.rstrip().endswith('(lr 0.0005)')


def test_a_programs_painted_paths_are_its_strokes_and_read_back_as_its_actions(tmp_path):
    """A program of one move and T - 1 evenly spaced draws along a line is, as demonstrations,
    the same T actions; a program that paints nothing is left out."""
    env = make_env('mypaint', imsize=32, pos_resolution=8, max_episode_steps=5)
    line = {'position': np.array([8 * 1 + 1, 8 * 1 + 2, 8 * 1 + 3, 8 * 1 + 4, 8 * 1 + 5]),
            'prob': np.array([0, 1, 1, 1, 1])}
    two = {'position': np.array([9, 10, 50, 51, 52]), 'prob': np.array([1, 1, 0, 1, 0])}
    blank = {'position': np.array([3, 4, 5, 6, 7]), 'prob': np.zeros(5, int)}
    programs = [program_from_actions(env, a) for a in (line, two, blank)]
    unit = env.grid_to_unit
    assert programs[1].polylines() == [[programs[1].start, unit(9), unit(10)],
                                       [unit(50), unit(51)]]
    assert programs[2].polylines() == []
    path = tmp_path / 'programs.json'
    path.write_text(json.dumps(programs_json.to_doc(programs)))
    drawings = read_demonstrations(path)
    assert len(drawings) == 2
    np.testing.assert_allclose(drawings[0][0], [unit(p) for p in line['position']])
    again = strokes_to_actions(drawings[0], R=8, T=5)
    for name in ('position', 'prob'):
        np.testing.assert_array_equal(again[name], line[name])


def test_vertices_spacing_gives_back_a_programs_own_actions_corners_and_all(tmp_path):
    """A program whose steps differ in length and turn corners comes back as its own actions
    with 'vertices' spacing; 'arc' spacing moves its points along the path and cuts a corner.
    Points that do not fit in T steps, or a one-point stroke, fall back to arc spacing."""
    env = make_env('mypaint', imsize=32, pos_resolution=8, max_episode_steps=6)
    corner = {'position': np.array([8 * 1 + 1, 8 * 1 + 2, 8 * 1 + 6, 8 * 6 + 6, 8 * 6 + 5,
                                    8 * 6 + 5]),
              'prob': np.array([0, 1, 1, 1, 1, 0])}
    path = tmp_path / 'programs.json'
    path.write_text(json.dumps(programs_json.to_doc([program_from_actions(env, corner)])))
    drawing = read_demonstrations(path)[0]
    kept = strokes_to_actions(drawing, R=8, T=6, spacing='vertices')
    for name in ('position', 'prob'):
        np.testing.assert_array_equal(kept[name], corner[name])
    spaced = strokes_to_actions(drawing, R=8, T=6)
    assert 8 * 1 + 6 not in spaced['position'] and list(spaced['prob']) == [0, 1, 1, 1, 1, 1]
    for strokes, T in ((drawing, 4), (drawing + [np.array([[0.5, 0.5]])], 8)):
        np.testing.assert_array_equal(
            strokes_to_actions(strokes, 8, T, 'vertices')['position'],
            strokes_to_actions(strokes, 8, T)['position'])


def test_the_warm_start_clones_with_the_configured_spacing(tmp_path, monkeypatch):
    from chainer_spiral.agents import demonstrations
    from chainer_spiral.runs import loading
    from chainer_spiral.training.warm_start import warm_start
    path = tmp_path / 'strokes.zip'
    with zipfile.ZipFile(path, 'w') as zf:
        zf.writestr('strokes/Alpha/character01/0001_01.txt', TEXT)
    clone, spacings = demonstrations.behaviour_cloning, []

    def recording(agent, envs, demos, rng, spacing):
        spacings.append(spacing)
        return clone(agent, envs, demos, rng, spacing)

    monkeypatch.setattr(demonstrations, 'behaviour_cloning', recording)
    for spacing in ('arc', 'vertices'):
        cfg = load_config(REPO / 'configs' / 'toy.yaml', [
            'agent.rollout_n=4', f'agent.demonstrations={path}', 'agent.demo_updates=2',
            f'agent.demo_spacing={spacing}'])
        warm_start(cfg, loading.build_agent_from_config(
            cfg, loading.make_dataset_from_config(cfg), loading.make_env_from_config(cfg)))
    assert spacings == ['arc', 'arc', 'vertices', 'vertices']


def test_an_interrupted_warm_start_goes_on_from_its_checkpoint_as_if_never_interrupted(
        tmp_path, caplog, monkeypatch):
    """train.warm_start_save_interval: a new run killed mid-warm-start and run again in its
    OUTDIR ends with the parameters of a run never interrupted; --load of that OUTDIR says why
    not."""
    from chainer_spiral.agents import demonstrations
    from chainer_spiral.runs.snapshots import SnapshotError
    path = tmp_path / 'strokes.zip'
    with zipfile.ZipFile(path, 'w') as zf:  # two drawings: the sampler's state counts
        zf.writestr('strokes/Alpha/character01/0001_01.txt', TEXT)
        zf.writestr('strokes/Alpha/character02/0002_01.txt',
                    'START\n' + TEXT.split('BREAK\n')[1] + 'BREAK\n')
    cfg = load_config(REPO / 'configs' / 'toy.yaml', [
        'agent.rollout_n=4', 'train.steps=16', 'train.processes=1',
        f'agent.demonstrations={path}', 'agent.demo_updates=5', 'agent.demo_lr_decay=true',
        'train.warm_start_save_interval=2', 'train.n_save_interval=0'])
    whole = train(cfg, tmp_path / 'whole', progress=False)['snapshot']
    clone, calls = demonstrations.behaviour_cloning, []

    def killed_at_the_fourth(*args):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return clone(*args)

    monkeypatch.setattr(demonstrations, 'behaviour_cloning', killed_at_the_fourth)
    with pytest.raises(KeyboardInterrupt):
        train(cfg, tmp_path / 'run', progress=False)
    assert [p.name for p in (tmp_path / 'run' / 'warm_start').iterdir()] == ['2']
    with pytest.raises(SnapshotError, match=r'got one whose warm start was interrupted \(run it '
                                            r'again without --load: it goes on from .*\)$'):
        train(cfg, tmp_path / 'run', load=tmp_path / 'run', progress=False)
    calls.clear()
    monkeypatch.setattr(demonstrations, 'behaviour_cloning',
                        lambda *args: calls.append(1) or clone(*args))
    with caplog.at_level(logging.INFO):
        resumed = train(cfg, tmp_path / 'run', progress=False)['snapshot']
    assert re.search(r'resuming the warm start from \S+warm_start/2 after 2 updates', caplog.text)
    assert len(calls) == 3 and 'behaviour cloning 5/5 on 2 demonstrations' in caplog.text
    assert [p.name for p in (tmp_path / 'run' / 'warm_start').iterdir()] == ['5']
    for name in ('generator.npz', 'gen_optimizer.npz', 'discriminator.npz', 'dis_optimizer.npz'):
        with np.load(whole / name) as a, np.load(resumed / name) as b:
            assert sorted(a.files) == sorted(b.files)
            for key in a.files:
                np.testing.assert_array_equal(a[key], b[key], err_msg=f'{name} {key}')
    other = load_config(REPO / 'configs' / 'toy.yaml', [
        'agent.rollout_n=4', 'train.steps=16', 'train.processes=1',
        f'agent.demonstrations={path}', 'agent.demo_updates=6', 'agent.demo_lr_decay=true',
        'train.warm_start_save_interval=2', 'train.n_save_interval=0', 'agent.lr=2.0e-4'])
    with pytest.raises(TrainingError, match=r'warm_start/5: expected a warm start of this config, '
                                            r'got one with another agent\.demo_updates, agent\.lr '
                                            r'\(start the run in a new OUTDIR\)$'):
        train(other, tmp_path / 'run', progress=False)


def test_unreadable_demonstrations_are_one_line_errors(tmp_path):
    env = make_env('toy', imsize=3, pos_resolution=3, max_episode_steps=2)
    blank = program_from_actions(env, {'position': np.array([0, 1]), 'prob': np.array([0, 0])})
    (tmp_path / 'blank.json').write_text(json.dumps(programs_json.to_doc([blank])))
    (tmp_path / 'broken.json').write_text('{"version": ')
    (tmp_path / 'strokes.txt').write_text(TEXT)
    for name, message in [('blank.json', r'blank\.json: expected programs that paint, got 1 '
                                         r'that paint nothing$'),
                          ('broken.json', r'broken\.json: expected JSON, got a parse error'),
                          ('strokes.txt', r'strokes\.txt: expected demonstrations as an Omniglot '
                                          r'strokes \.zip or programs \.json, got a \.txt$'),
                          ('missing.json', r'missing\.json')]:
        with pytest.raises(DatasetError, match=message) as info:
            read_demonstrations(tmp_path / name)
        assert '\n' not in str(info.value)


def tiny_mnist_run(tmp_path, shared_data, name, conditional):
    """(config, final snapshot) of a 16-step MNIST run on 32 x 32, R 8, T 4, in tmp_path/name."""
    raw = {'seed': 0, 'env': {'kind': 'mypaint', 'imsize': 32, 'pos_resolution': 8,
                              'max_episode_steps': 4},
           'data': {'problem': 'mnist', 'path': str(shared_data / 'mnist')},
           'model': {'conditional': conditional}, 'agent': {'rollout_n': 4},
           'train': {'processes': 1, 'steps': 16, 'n_save_interval': 0,
                     'n_save_final_obs_interval': 0}}
    cfg = config_from_dict(raw, name, tmp_path)
    return cfg, train(cfg, tmp_path / name, progress=False)['snapshot']


def repainted(program, env):
    """The canvas float32 (1, H, W) in [0, 1] that a program's own actions paint in env."""
    env.reset()
    for action in env_actions(program, env):
        obs, _, _, _ = env.step(action)
    return to_canvas(obs['image'], 1).transpose(2, 0, 1) / np.float32(255)


def test_a_conditional_painters_programs_replay_its_drawings_of_the_training_images(
        tmp_path, shared_data, load_script, capsys):
    """scripts/paint_demonstrations.py: the programs it writes repaint canvases whose L2 to the
    first N training images is the one it prints; an unconditional snapshot or a bad N is a
    one-line error."""
    paint = load_script('paint_demonstrations')

    cfg, snapshot = tiny_mnist_run(tmp_path, shared_data, 'cond', True)
    out = tmp_path / 'demos.json'
    paint.main([str(snapshot), str(out), '--n', '6'])
    printed = float(capsys.readouterr().out.split('targets ')[1].split(':')[0])
    programs = programs_json.load(out)
    assert len(programs) == 6
    from chainer_spiral.runs.loading import make_dataset_from_config
    targets = make_dataset_from_config(cfg).images(True)[:6]
    env = make_env('mypaint', imsize=32, pos_resolution=8, max_episode_steps=4)
    squares = sum(float(np.sum((repainted(program, env) - target) ** 2))
                  for program, target in zip(programs, targets))
    assert printed == pytest.approx(squares / targets.size, abs=1e-4)
    _, unconditional = tiny_mnist_run(tmp_path, shared_data, 'uncond', False)
    for args, message in [([str(unconditional), str(out)], 'expected a conditional painter'),
                          ([str(snapshot), str(out), '--n', '0'], '--n 0: expected 1 to'),
                          ([str(snapshot), str(tmp_path / 'demos.txt')],
                           'expected a .json or .npz')]:
        with pytest.raises(SystemExit):
            paint.main(args)
        assert message in capsys.readouterr().err


def test_demonstrations_are_measured_as_the_drawings_their_programs_paint(
        tmp_path, shared_data, load_script, capsys):
    """scripts/measure_demonstrations.py with vertices spacing: programs that fit in T steps
    are measured as the canvases their own actions paint, on the run's scale; a conditional
    snapshot or an N beyond the demonstrations is a one-line error."""
    from chainer_spiral.evaluation import quality
    from chainer_spiral.evaluation.evaluate import classifier_config, problem_classifier
    from chainer_spiral.runs.loading import make_dataset_from_config
    measure = load_script('measure_demonstrations')

    cfg, snapshot = tiny_mnist_run(tmp_path, shared_data, 'uncond', False)
    env = make_env('mypaint', imsize=32, pos_resolution=8, max_episode_steps=4)
    rng = np.random.RandomState(3)
    actions = [{'position': rng.randint(64, size=4), 'prob': np.array([0, 1, flag, 1])}
               for flag in (0, 1) * 4]
    programs = [program_from_actions(env, a) for a in actions]
    path = tmp_path / 'programs.json'
    path.write_text(json.dumps(programs_json.to_doc(programs)))
    measure.main([str(snapshot), str(path), '--n', '8', '--spacing', 'vertices'])
    figures = json.loads(capsys.readouterr().out)
    canvases = [repainted(program, env) for program in programs]
    dataset = make_dataset_from_config(cfg)
    classifier = problem_classifier(make_dataset_from_config(classifier_config(cfg)))[0]
    reference, _ = quality.reference_sets(dataset.images(True), 8, 0)
    cal = json.loads((snapshot.parent / 'calibration.json').read_text())['n=8 seed=0']
    expected = quality.sample_metrics(classifier, np.stack(canvases), reference, cal)
    for key in ('fd', 'precision', 'recall', 'class_entropy'):
        assert figures[key] == pytest.approx(expected[key], rel=1e-4), key
    assert figures['spacing'] == 'vertices' and sum(figures['class_shares']) == pytest.approx(1)
    _, conditional = tiny_mnist_run(tmp_path, shared_data, 'cond', True)
    for args, message in [([str(conditional), str(path)], 'expected an unconditional painter'),
                          ([str(snapshot), str(path), '--n', '9'], '--n 9: expected 4 to 8')]:
        with pytest.raises(SystemExit):
            measure.main(args)
        assert message in capsys.readouterr().err


def test_a_new_run_warms_its_critic_up_and_a_resumed_one_does_not(tmp_path, caplog):
    """agent.critic_warmup_updates after --init; refused with the l2 reward (no critic)."""
    base = ['agent.rollout_n=8', 'train.processes=1', 'agent.reward_mode=wgangp']
    train(load_config(REPO / 'configs' / 'toy.yaml', base + ['train.steps=16']),
          tmp_path / 'first', progress=False)
    cfg = load_config(REPO / 'configs' / 'toy.yaml',
                      base + ['train.steps=32', 'agent.critic_warmup_updates=5'])
    with caplog.at_level(logging.INFO):
        train(cfg, tmp_path / 'run', init=tmp_path / 'first' / '16', progress=False)
    assert 'critic warm-up 5/5: d_loss' in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO):
        train(load_config(REPO / 'configs' / 'toy.yaml',
                          base + ['train.steps=48', 'agent.critic_warmup_updates=5']),
              tmp_path / 'run', load=tmp_path / 'run' / '32', progress=False)
    assert 'critic warm-up' not in caplog.text
    with pytest.raises(ValueError, match=r'agent\.critic_warmup_updates: expected 0 with '
                                         r'agent\.reward_mode l2 \(no discriminator\)$'):
        load_config(REPO / 'configs' / 'toy.yaml',
                    ['agent.reward_mode=l2', 'agent.critic_warmup_updates=3'])
