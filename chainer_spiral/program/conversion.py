"""Env actions <-> programs: what the agent did, as strokes, and back into actions to replay.

Both directions use the env's own mappings (``grid_to_unit``, the paper's pressure and colour
levels), so ``env_actions(program_from_actions(env, a), env)`` gives back the actions ``a`` and
replaying them repaints the same canvas. A program is independent of the canvas it was painted on:
``env_actions(program, env, regrid=True)`` replays it on another canvas and grid, each point
moved to the cell of ``env``'s grid that holds it.
"""
import math
from logging import getLogger

import numpy as np

from chainer_spiral.envs.base import PAPER_SIZES, paper_color, paper_pressure
from chainer_spiral.program import Program, Step, size_index

logger = getLogger(__name__)

COLOR_KEYS = ('red', 'green', 'blue')
TOLERANCE = 1e-6


def stroke_widths(env):
    """Stroke width in canvas units per brush size, for vector renderings of ``env``'s strokes.

    Returns:
        tuple of float: one per paper ``size`` level, or a single one for the 'spiral' space.
    """
    radius = getattr(env, 'radius', None)
    if radius is None:  # ToyEnv paints whole cells
        return (1.0 / env.pos_resolution,)
    diameter = 2.0 * radius / env.imsize
    if env.action_space_kind == 'spiral':
        return (diameter,)
    from chainer_spiral.envs.mypaint_env import SIZE_SCALES
    return tuple(diameter * scale for scale in SIZE_SCALES)


def program_from_actions(env, actions):
    """The program of one episode.

    Args:
        env: The env the episode ran in (MyPaintEnv or ToyEnv).
        actions: dict field -> int array (T,), the agent's action indices (the 'spiral' space's
            pressure and colour are the env defaults, as the agent puts them in every action).

    Returns:
        ``Program``.
    """
    kind = env.action_space_kind
    flag_key, end_key = ('prob', 'position') if kind == 'spiral' else ('flag', 'end')
    assert flag_key in actions and end_key in actions, sorted(actions)
    T = len(actions[end_key])
    steps = []
    for t in range(T):
        a = {k: int(v[t]) for k, v in actions.items()}
        if kind == 'spiral':
            steps.append(Step(end=env.grid_to_unit(a['position']), draw=bool(a['prob']),
                              pressure=env.pressure, color=tuple(env.color)))
        else:
            steps.append(Step(
                end=env.grid_to_unit(a['end']), draw=bool(a['flag']),
                pressure=paper_pressure(a['pressure']),
                color=tuple(paper_color(a[k]) for k in COLOR_KEYS),
                control=env.grid_to_unit(a['control']), size=a['size'] / PAPER_SIZES['size']))
    return Program(action_space=kind, imsize=env.imsize, pos_resolution=env.pos_resolution,
                   background=tuple(float(c) for c in getattr(env, 'background', (1.0, 1.0, 1.0))),
                   start=env.grid_to_unit(0), steps=tuple(steps), stroke_widths=stroke_widths(env))


def _grid_index(env, point, what, regrid=False):
    R = env.pos_resolution
    if regrid:  # the cell that holds the point
        col, row = (min(R - 1, max(0, math.floor(v * R))) for v in point)
        return row * R + col
    col, row = (int(round(v * R - 0.5)) for v in point)
    index = row * R + col
    if not (0 <= col < R and 0 <= row < R and _close(env.grid_to_unit(index), point)):
        raise ValueError(f'{what}: expected a point of the {R}x{R} grid, got {point}')
    return index


def _level(value, levels, to_value, what):
    """The level whose value is ``value`` (inverse of ``to_value`` on ``range(levels)``)."""
    level = min(range(levels), key=lambda k: abs(to_value(k) - value))
    if not _close((to_value(level),), (value,)):
        raise ValueError(f'{what}: expected one of the env\'s {levels} levels, got {value}')
    return level


def _close(a, b):
    return all(math.isclose(x, y, abs_tol=TOLERANCE) for x, y in zip(a, b))


def env_actions(program, env, regrid=False):
    """The env actions that replay ``program``.

    Args:
        program: A ``Program`` for this env's action space and grid.
        env: MyPaintEnv or ToyEnv.
        regrid: replay a program of another grid (and canvas): each point goes to the cell of
            ``env``'s grid that holds it (R 16 cell i -> R 32 cell 2i + 1).

    Returns:
        list of T action dicts for ``env.step``.

    Raises:
        ValueError: the program does not fit the env (action space, grid, levels), naming the step.
    """
    if program.action_space != env.action_space_kind or (
            not regrid and program.pos_resolution != env.pos_resolution):
        raise ValueError(f'program: expected action space {env.action_space_kind!r} on a '
                         f'{env.pos_resolution} grid, got {program.action_space!r} on '
                         f'{program.pos_resolution}')
    out = []
    for t, _, step in program.segments():
        where = f'step {t}'
        if program.action_space == 'spiral':
            out.append({'position': _grid_index(env, step.end, f'{where} x, y', regrid),
                        'prob': int(step.draw),
                        'pressure': np.full(1, step.pressure, np.float32),
                        'color': np.asarray(step.color, np.float32)})
            continue
        action = {'end': _grid_index(env, step.end, f'{where} x, y', regrid),
                  'control': _grid_index(env, step.control, f'{where} cx, cy', regrid),
                  'flag': int(step.draw),
                  'size': size_index(step.size, PAPER_SIZES['size']),
                  'pressure': _level(step.pressure, PAPER_SIZES['pressure'], paper_pressure,
                                     f'{where} pressure')}
        for key, value in zip(COLOR_KEYS, step.color):
            action[key] = _level(value, PAPER_SIZES[key], paper_color, f'{where} {key}')
        out.append(action)
    return out


def replay(envs, actions, render_envs):
    """The episodes that `envs` painted, replayed as programs on `render_envs` (another canvas,
    the grid scaled with it: ``env_actions(..., regrid=True)``).

    Args:
        envs: the B envs of the episodes.
        actions: dict field -> int array (T, B), the agent's action indices.
        render_envs: B envs to replay on.

    Returns:
        (frames uint8 (B, T + 1, H', W', 3) from the blank canvas on, the B programs as painted
        on `render_envs`).
    """
    frames, programs = [], []
    for b, (env, other) in enumerate(zip(envs, render_envs)):
        program = program_from_actions(env, {k: np.asarray(v)[:, b] for k, v in actions.items()})
        shots = [other.reset()['image']]
        replayed = env_actions(program, other, regrid=True)
        for action in replayed:
            shots.append(other.step(action)[0]['image'])
        frames.append(np.stack(shots))
        programs.append(program_from_actions(
            other, {k: np.array([a[k] for a in replayed]) for k in actions}))
    return np.stack(frames), programs
