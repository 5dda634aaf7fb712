"""Colour actions of the paper's space round-trip through the program: JSON back to the same
canvas, and the SVG strokes carry each step's colour."""
import json
import xml.etree.ElementTree as ET

import numpy as np

from chainer_spiral.demo.svg import to_svg
from chainer_spiral.envs.base import paper_color
from chainer_spiral.envs.mypaint_env import MyPaintEnv
from chainer_spiral.program import json as program_json
from chainer_spiral.program.conversion import env_actions, program_from_actions

SVG = '{http://www.w3.org/2000/svg}'
T = 6


def colour_actions(seed):
    """T painting steps of the largest sizes in random colours (dict field -> int (T,))."""
    rng = np.random.RandomState(seed)
    return {'flag': np.ones(T, int), 'end': rng.randint(0, 64, T),
            'control': rng.randint(0, 64, T), 'size': rng.randint(2, 4, T),
            'pressure': rng.randint(5, 10, T), 'red': rng.randint(0, 20, T),
            'green': rng.randint(0, 20, T), 'blue': rng.randint(0, 20, T)}


def play(env, actions):
    env.reset()
    for action in actions:
        obs, _, _, _ = env.step(action)
    return obs['image']


def test_colour_programs_repaint_the_same_canvas_through_json():
    env = MyPaintEnv(imsize=32, pos_resolution=8, action_space='paper', max_episode_steps=T)
    programs, canvases = [], []
    for seed in range(3):
        actions = colour_actions(seed)
        program = program_from_actions(env, actions)
        for t, step in enumerate(program.steps):
            assert step.color == tuple(paper_color(actions[k][t])
                                       for k in ('red', 'green', 'blue'))
        programs.append(program)
        canvases.append(play(env, [{k: int(v[t]) for k, v in actions.items()}
                                   for t in range(T)]))
    spread = np.stack(canvases).astype(int)
    assert (np.abs(spread[..., 0] - spread[..., 2]) > 60).any(), 'no colour was painted'
    text = json.dumps(program_json.to_doc(programs))
    for program, canvas in zip(program_json.from_doc(json.loads(text)), canvases):
        np.testing.assert_array_equal(play(env, env_actions(program, env)), canvas)


def test_the_svg_strokes_carry_the_colours():
    env = MyPaintEnv(imsize=32, pos_resolution=8, action_space='paper', max_episode_steps=T)
    actions = colour_actions(7)
    program = program_from_actions(env, actions)
    paths = ET.fromstring(to_svg(program)).findall(f'{SVG}path')
    assert len(paths) == T
    for path, step in zip(paths, program.steps):
        want = '#' + ''.join(f'{round(v * 255):02x}' for v in step.color)
        assert path.get('stroke') == want
    assert len({p.get('stroke') for p in paths}) > 1
