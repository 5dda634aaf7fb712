"""Actions -> program -> JSON -> actions: replaying a program repaints the canvas exactly."""
import cv2
import numpy as np
import pytest

from chainer_spiral.demo import json as demo_json
from chainer_spiral.demo.episodes import Episodes
from chainer_spiral.envs.mypaint_env import MyPaintEnv
from chainer_spiral.program import json as program_json
from chainer_spiral.program.conversion import (env_actions, program_from_actions, replay,
                                               stroke_widths)


def random_actions(env, T, seed):
    """dict field -> int array (T,) of the env's discrete fields (the agent's heads)."""
    rng = np.random.RandomState(seed)
    return {k: rng.randint(0, space.n, T) for k, space in env.action_space.spaces.items()
            if hasattr(space, 'n')}


def play(env, actions):
    """Runs env actions from reset; returns the final canvas uint8 (H, W, 3)."""
    env.reset()
    for action in actions:
        obs, _, _, _ = env.step(action)
    return obs['image']


@pytest.mark.parametrize('kind', ['spiral', 'paper'])
def test_program_replays_pixel_equal_through_json(kind, tmp_path):
    env = MyPaintEnv(imsize=32, pos_resolution=8, action_space=kind, max_episode_steps=8,
                     color=(0.2, 0.4, 0.6) if kind == 'spiral' else (0.0, 0.0, 0.0))
    programs, finals = [], []
    for seed in range(3):
        actions = random_actions(env, 8, seed)
        program = program_from_actions(env, actions)
        replayed = env_actions(program, env)
        assert [{k: int(a[k]) for k in actions} for a in replayed] == [
            {k: int(v[t]) for k, v in actions.items()} for t in range(8)]
        programs.append(program)
        finals.append(play(env, replayed))
    assert any(f.min() < 128 for f in finals), 'nothing was painted'
    frames = np.repeat(np.stack(finals)[:, None], 9, axis=1)
    demo_json.render(Episodes(frames, programs), tmp_path / 'd.json')
    for program, final in zip(program_json.load(tmp_path / 'd.json'), finals):
        np.testing.assert_array_equal(play(env, env_actions(program, env)), final)


def test_spiral_program_values():
    env = MyPaintEnv(imsize=32, pos_resolution=4, max_episode_steps=2, pressure=0.5)
    program = program_from_actions(env, {'position': np.array([5, 15]), 'prob': np.array([0, 1])})
    assert program.start == (0.125, 0.125)
    assert [s.end for s in program.steps] == [(0.375, 0.375), (0.875, 0.875)]
    assert [s.draw for s in program.steps] == [False, True]
    assert program.steps[1].pressure == 0.5 and program.steps[1].color == (0.0, 0.0, 0.0)
    assert program.stroke_widths == pytest.approx((2 * env.radius / 32,))


def test_paper_program_values():
    env = MyPaintEnv(imsize=32, pos_resolution=4, action_space='paper', max_episode_steps=1)
    actions = {'flag': [1], 'end': [3], 'control': [12], 'size': [2], 'pressure': [4],
               'red': [19], 'green': [0], 'blue': [10]}
    step, = program_from_actions(env, {k: np.array(v) for k, v in actions.items()}).steps
    assert (step.end, step.control, step.draw) == ((0.875, 0.125), (0.125, 0.875), True)
    assert step.pressure == 0.5 and step.color == (1.0, 0.0, 10 / 19) and step.size == 0.5
    assert len(stroke_widths(env)) == 4


def test_program_off_the_grid_is_rejected(make_program):
    env = MyPaintEnv(imsize=32, pos_resolution=4, max_episode_steps=1)
    with pytest.raises(ValueError, match=r'step 1 x, y: expected a point of the 4x4 grid'):
        env_actions(make_program([(0.125, 0.125), (0.3, 0.125)], [1, 1], pos_resolution=4), env)
    with pytest.raises(ValueError, match=r"expected action space 'spiral' on a 4 grid, got "
                                         r"'spiral' on 8"):
        env_actions(make_program([(0.125, 0.125)], [1], pos_resolution=8), env)


@pytest.mark.parametrize('kind', ['spiral', 'paper'])
def test_a_program_replays_on_twice_the_canvas_and_grid(kind):
    small = MyPaintEnv(imsize=32, pos_resolution=8, action_space=kind, max_episode_steps=8)
    large = MyPaintEnv(imsize=64, pos_resolution=16, action_space=kind, max_episode_steps=8)
    actions = random_actions(small, 8, 0)
    program = program_from_actions(small, actions)
    replayed = env_actions(program, large, regrid=True)
    for field in ('position',) if kind == 'spiral' else ('end', 'control'):
        row, col = np.divmod(actions[field], 8)
        assert [a[field] for a in replayed] == list((2 * row + 1) * 16 + 2 * col + 1)
    frames, (again,) = replay([small], {k: v[:, None] for k, v in actions.items()}, [large])
    np.testing.assert_array_equal(frames[0, -1], play(large, replayed))
    assert frames.shape == (1, 9, 64, 64, 3) and again.pos_resolution == 16
    assert [{k: a[k] for k in actions} for a in env_actions(again, large)] == [
        {k: a[k] for k in actions} for a in replayed]
    drawn = play(small, env_actions(program, small)).mean(axis=2) < 128
    # the 64 x 64 drawing pooled to 32 x 32: the same strokes, up to their edges
    pooled = play(large, replayed).mean(axis=2).reshape(32, 2, 32, 2).mean(axis=(1, 3)) < 128
    assert drawn.sum() > 20
    for a, b in ((drawn, pooled), (pooled, drawn)):  # every ink pixel within a pixel of the other's
        near = cv2.dilate(b.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        assert a[~near].sum() <= 0.05 * a.sum()


@pytest.mark.parametrize('content, message', [
    (None, r'd\.json: cannot read the programs file \(No such file or directory\)'),
    ('a directory', r'd\.json: cannot read the programs file \(Is a directory\)'),
    ('', r'd\.json: expected JSON, got a parse error: Expecting value'),
    ('{"version": "0.2", "act', r'd\.json: expected JSON, got a parse error: Unterminated string'),
    (b'\x00\xff\xfe', r'd\.json: expected a JSON text file, got bytes that are not UTF-8'),
    ('[1, 2]', r'd\.json: document: expected a JSON object, got \[1, 2\]'),
], ids=['missing', 'directory', 'empty', 'truncated', 'binary', 'not-a-document'])
def test_loading_a_broken_file_is_one_value_error(content, message, tmp_path):
    path = tmp_path / 'd.json'
    if content == 'a directory':
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(ValueError, match=message) as e:
        program_json.load(path)
    assert '\n' not in str(e.value)
