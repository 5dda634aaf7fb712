"""A teacher's programs with their targets (agents/demonstrations.read_teacher, Teacher,
teacher_cloning): cloned with the teacher's images as the targets, read back checked against the
run, a new run's warm start, after --init too, and a loss every update adds
(agent.teacher_weight)."""
import csv
import logging
from pathlib import Path

import chainer
import numpy as np
import pytest

from chainer_spiral.agents.acting import collect
from chainer_spiral.agents.demonstrations import (Teacher, played, read_teacher,
                                                  teacher_cloning)
from chainer_spiral.config import ConfigError, load_config
from chainer_spiral.datasets import DatasetError
from chainer_spiral.runs.loading import build_agent_from_config, make_envs_from_config
from chainer_spiral.training import train

REPO = Path(__file__).resolve().parents[2]


def tiny_colour(tmp_path, *extra):
    """configs/celeba.yaml on 16 x 16, R 4, T 2, B 4, on 6 random 'faces' (the last 2 held
    out)."""
    faces = np.random.RandomState(0).randint(0, 256, (6, 16, 16, 3)).astype(np.uint8)
    np.savez(tmp_path / 'faces.npz', images=faces)
    return load_config(REPO / 'configs' / 'celeba.yaml', [
        'env.imsize=16', 'env.pos_resolution=4', 'env.max_episode_steps=2',
        f'data.path={tmp_path / "faces.npz"}', 'data.test_last=2', 'agent.rollout_n=4',
        'agent.lr=3.0e-3', 'train.processes=1', 'train.steps=16', *extra])


def teacher_file(path, spec, n=4, T=2, seed=0):
    """An .npz of n random programs of the spec's heads with random targets (3, 16, 16)."""
    rng = np.random.RandomState(seed)
    arrays = {h.name: rng.randint(h.size, size=(T, n)) for h in spec.heads}
    arrays['flag'][:] = 1
    np.savez(path, targets=rng.randint(0, 256, (n, 3, 16, 16)).astype(np.uint8), **arrays)
    return path


def nll(agent, envs, actions, targets):
    """-mean log pi of programs' actions for the given targets."""
    rollout = played(envs, agent.spec, actions, agent.generator.channels)
    with chainer.no_backprop_mode():
        log_prob, _, _ = agent.generator.evaluate(rollout, targets)
    return -float(log_prob.array.mean())


def test_cloning_a_teacher_makes_its_programs_likelier_for_its_targets(tmp_path):
    cfg = tiny_colour(tmp_path)
    agent = build_agent_from_config(cfg, None)
    envs = make_envs_from_config(cfg, 4)
    teacher = Teacher.played(read_teacher(teacher_file(tmp_path / 't.npz', agent.spec),
                                          agent.spec, 2, (3, 16, 16)), envs, agent.spec, 3)
    goal = teacher.targets.astype(np.float32) / 255
    before = nll(agent, envs, teacher.actions, goal)
    rng = np.random.RandomState(0)
    losses = [teacher_cloning(agent, teacher, rng, 4) for _ in range(30)]
    assert nll(agent, envs, teacher.actions, goal) < before - 1.0
    again = build_agent_from_config(cfg, None)
    rng = np.random.RandomState(0)
    assert [teacher_cloning(again, teacher, rng, 4) for _ in range(3)] == losses[:3]


def test_teacher_cloning_clones_random_programs_with_the_teachers_targets(tmp_path):
    cfg = tiny_colour(tmp_path)
    envs = make_envs_from_config(cfg, 4)
    agents = [build_agent_from_config(cfg, None) for _ in range(3)]
    actions, targets = read_teacher(teacher_file(tmp_path / 't.npz', agents[0].spec, n=6),
                                    agents[0].spec, 2, (3, 16, 16))
    teacher = Teacher.played((actions, targets), envs, agents[0].spec, 3)
    assert teacher.canvases.shape == (3, 6, 16, 16, 3)
    picked = np.random.RandomState(5).randint(6, size=4)
    got = teacher_cloning(agents[0], teacher, np.random.RandomState(5), 4)
    chosen = {name: a[:, picked] for name, a in actions.items()}
    assert got == nll(agents[1], envs, chosen, targets[picked] / np.float32(255))
    own = played(envs, agents[2].spec, chosen, 3).finals
    assert got != nll(agents[2], envs, chosen, own)  # not the programs' own canvases


def test_a_teacher_of_another_run_is_a_one_line_error(tmp_path):
    cfg = tiny_colour(tmp_path)
    spec = build_agent_from_config(cfg, None).spec
    good = teacher_file(tmp_path / 'good.npz', spec)
    with np.load(good) as f:
        arrays = dict(f)
    np.savez(tmp_path / 'no_size.npz', **{k: v for k, v in arrays.items() if k != 'size'})
    np.savez(tmp_path / 'big_size.npz', **dict(arrays, size=arrays['size'] + 4))
    (tmp_path / 'broken.npz').write_bytes(b'PK')
    for name, shape, T, message in [
            ('good.npz', (3, 16, 16), 3, r'expected programs of 3 steps'),
            ('good.npz', (3, 32, 32), 2, r'for targets of shape \(3, 32, 32\)'),
            ('no_size.npz', (3, 16, 16), 2, r"expected a teacher's programs with the heads"),
            ('big_size.npz', (3, 16, 16), 2, r"expected 'size' actions in \[0, 4\), got 4 to"),
            ('broken.npz', (3, 16, 16), 2, r'broken\.npz: expected a teacher')]:
        with pytest.raises(DatasetError, match=message) as info:
            read_teacher(tmp_path / name, spec, T, shape)
        assert '\n' not in str(info.value)


def test_a_new_run_clones_the_teacher_after_init_and_a_resumed_one_does_not(tmp_path, caplog):
    cfg = tiny_colour(tmp_path)
    train(cfg, tmp_path / 'first', progress=False)
    spec = build_agent_from_config(cfg, None).spec
    path = teacher_file(tmp_path / 't.npz', spec, n=5)
    cloning = tiny_colour(tmp_path, f'agent.demonstrations={path}', 'agent.demo_updates=3')
    with caplog.at_level(logging.INFO):
        train(cloning, tmp_path / 'run', init=tmp_path / 'first' / '16', progress=False)
    assert 'starting from the networks of' in caplog.text
    assert "behaviour cloning 3/3 on 5 teacher's programs: loss" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO):
        train(tiny_colour(tmp_path, f'agent.demonstrations={path}', 'agent.demo_updates=3',
                          'train.steps=24'), tmp_path / 'run', load=tmp_path / 'run' / '16',
              progress=False)
    assert 'behaviour cloning' not in caplog.text


def test_a_teacher_needs_a_conditional_painter(tmp_path):
    path = tmp_path / 't.npz'
    path.write_bytes(b'')
    with pytest.raises(ConfigError, match=r"agent\.demonstrations: expected model\.conditional "
                                          r"true with a teacher's programs"):
        tiny_colour(tmp_path, f'agent.demonstrations={path}', 'agent.demo_updates=3',
                    'model.conditional=false', 'model.colour_prior=false',
                    'model.control_prior=false')


def test_a_kickstarted_update_adds_the_teachers_cloning_gradient(tmp_path):
    """With a teacher the update's generator gradient is the plain one plus weight x the
    cloning gradient of B of its programs, drawn from the agent's random stream."""
    cfg = tiny_colour(tmp_path)
    envs = make_envs_from_config(cfg, 4)
    plain, kicked, alone = (build_agent_from_config(cfg, None) for _ in range(3))
    programs = read_teacher(teacher_file(tmp_path / 't.npz', plain.spec, n=6), plain.spec, 2,
                            (3, 16, 16))
    teacher = Teacher.played(programs, envs[:4], plain.spec, 3)
    kicked.teacher, kicked.teacher_weight = teacher, 0.5
    targets = np.random.RandomState(3).rand(4, 3, 16, 16).astype(np.float32)
    rollout = collect(plain.generator, plain.spec, envs, np.random.RandomState(1), 3,
                      targets=targets)
    for agent in (plain, kicked):
        agent.seed(7)
        pending = agent.compute_gradients(rollout)
    assert np.isnan(plain.stats['teacher_loss'])
    alone.generator.cleargrads()
    rng = np.random.RandomState(7)
    loss = teacher.backward(alone.generator, rng, 4, 0.5)
    assert pending.stats['teacher_loss'] == loss > 0
    for (name, p), q, r in zip(kicked.generator.namedparams(), plain.generator.params(),
                               alone.generator.params()):
        if p.grad is not None:
            want = q.grad + (0 if r.grad is None else r.grad)
            np.testing.assert_allclose(p.grad, want, rtol=1e-4, atol=1e-6, err_msg=name)


def test_a_kickstarted_run_logs_its_teachers_loss(tmp_path, caplog):
    spec = build_agent_from_config(tiny_colour(tmp_path), None).spec
    path = teacher_file(tmp_path / 't.npz', spec, n=5)
    cfg = tiny_colour(tmp_path, f'agent.demonstrations={path}', 'agent.teacher_weight=0.5',
                      'train.log_interval=1')
    with caplog.at_level(logging.INFO):
        train(cfg, tmp_path / 'run', progress=False)
    assert "kickstarting: 5 teacher's programs, weight 0.5" in caplog.text
    with open(tmp_path / 'run' / 'metrics.csv') as f:
        rows = list(csv.DictReader(f))
    assert rows and float(rows[-1]['train/teacher_loss']) > 0


def test_a_teacher_weight_needs_a_teachers_programs(tmp_path):
    with pytest.raises(ConfigError, match=r"agent\.teacher_weight: expected agent\."
                                          r"demonstrations with a teacher's programs"):
        tiny_colour(tmp_path, 'agent.teacher_weight=0.5')


def test_a_painters_own_drawings_are_a_teacher_that_repaints_them(tmp_path, load_script,
                                                                   capsys):
    """scripts/paint_demonstrations.py OUT.npz: the actions of the painter's drawings of the
    training faces and their mirrors, with those faces, which read back as a teacher of the run
    and replay the drawings."""
    paint = load_script('paint_demonstrations')
    cfg = tiny_colour(tmp_path)
    train(cfg, tmp_path / 'run', progress=False)
    out = tmp_path / 'own.npz'
    paint.main([str(tmp_path / 'run' / '16'), str(out), '--greedy', '--flip'])
    assert '8 programs' in capsys.readouterr().out
    agent = build_agent_from_config(cfg, None)
    actions, targets = read_teacher(out, agent.spec, 2, (3, 16, 16))
    np.testing.assert_array_equal(targets[4:], targets[:4, ..., ::-1])
    faces = np.load(tmp_path / 'faces.npz')['images'][:4].transpose(0, 3, 1, 2)
    np.testing.assert_array_equal(targets[:4], faces)
    drawn, l2, got, again = paint.paint_training_images(tmp_path / 'run' / '16', greedy=True,
                                                        flip=True)
    assert len(drawn) == 8
    for name in got:
        np.testing.assert_array_equal(got[name], actions[name])
    np.testing.assert_allclose(again, targets / np.float32(255), atol=0.5 / 255)
    replayed = played(make_envs_from_config(cfg, 8), agent.spec, actions, 3).finals
    assert np.mean(np.square(replayed - again)) == pytest.approx(l2, rel=1e-5)


def test_the_best_of_k_drawings_are_each_nearer_than_any_one_of_them(tmp_path, load_script):
    paint = load_script('paint_demonstrations')
    cfg = tiny_colour(tmp_path)
    train(cfg, tmp_path / 'run', progress=False)
    snapshot = tmp_path / 'run' / '16'
    _, first_l2, _, _ = paint.paint_training_images(snapshot, seed=3)
    _, l2, actions, targets = paint.paint_training_images(snapshot, seed=3, best_of=4)
    assert l2 < first_l2  # the same first drawings, then three more to choose from
    agent = build_agent_from_config(cfg, None)
    replayed = played(make_envs_from_config(cfg, 4), agent.spec, actions, 3).finals
    assert np.mean(np.square(replayed - targets)) == pytest.approx(l2, rel=1e-5)
    # with --greedy the first drawing is the greedy one, so the best is no worse than it
    _, greedy_l2, _, _ = paint.paint_training_images(snapshot, greedy=True)
    _, best_l2, _, _ = paint.paint_training_images(snapshot, greedy=True, best_of=3)
    assert best_l2 <= greedy_l2 + 1e-9
