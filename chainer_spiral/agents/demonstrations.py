"""A warm start from demonstrations: pen trajectories as actions, and behaviour cloning.

chainer_spiral's authors suggested demonstrations to help exploration; Omniglot ships the pen
trajectories of its characters (datasets.omniglot.read_strokes), and a painter's programs
(`demo.py json`, scripts/paint_demonstrations.py) are pen trajectories too: `read_demonstrations`
reads either. `strokes_to_actions` turns one
drawing's strokes into the T actions of the 'spiral' action space: per stroke a move (flag 0) to
its first point, then strokes (flag 1) through points spaced evenly along it, the T steps shared
among the strokes by their lengths ('arc' spacing); or, with 'vertices' spacing, through the
stroke's own points when the drawing's points fit in T steps, so that a painter's program keeps
its corners (arc spacing moves every vertex of a T-step program along its path).
`behaviour_cloning` then trains the policy to take those actions on the canvases they paint:
the loss is -mean(log pi(a_t | canvas_t, a_<t)) over the T * B steps, computed on the plain
path of the learner (Generator.evaluate); the value network is left alone. For a conditional
painter each demonstration's own finished canvas is its target.

A teacher's programs (`read_teacher`: an .npz of scripts/greedy_strokes.py --programs) are
actions of any action space with the images they were painted for. `Teacher` holds them played
once; its `backward` is their cloning loss with those images as the targets, so that a
conditional painter learns to paint real targets as the teacher does: alone as a warm start
(`teacher_cloning`), or added to every SPIRAL update (`agent.teacher_weight`: kickstarting).
"""
from pathlib import Path

import chainer
import numpy as np

from chainer_spiral.agents.acting import Rollout, to_canvas
from chainer_spiral.datasets.base import DatasetError, to_float
from chainer_spiral.errors import check_finite


def read_demonstrations(path):
    """The drawings of a demonstrations file, each a list of strokes (float arrays (n_i, 2) of
    (x, y) in [0, 1], x to the right, y down).

    Args:
        path: an Omniglot strokes zip (`.zip`), or programs (`.json`, demo.py json's format):
            each program's painted pen paths (Program.polylines); programs that paint nothing
            are left out.

    Raises:
        DatasetError: an unreadable file, another suffix, or no drawing that paints.
    """
    path = Path(path)
    if path.suffix == '.zip':
        from chainer_spiral.datasets.omniglot import read_strokes
        return list(read_strokes(path).values())
    if path.suffix != '.json':
        raise DatasetError(f'{path}: expected demonstrations as an Omniglot strokes .zip or '
                           f'programs .json, got a {path.suffix or "file without suffix"}')
    from chainer_spiral.program import json as programs_json
    try:
        programs = programs_json.load(path)
    except ValueError as e:
        raise DatasetError(str(e).splitlines()[0]) from None
    drawings = [[np.asarray(p, np.float64) for p in program.polylines()] for program in programs]
    drawings = [d for d in drawings if d]
    if not drawings:
        raise DatasetError(f'{path}: expected programs that paint, got {len(programs)} that '
                           f'paint nothing')
    return drawings


SPACINGS = ('arc', 'vertices')


def strokes_to_actions(strokes, R, T, spacing='arc'):
    """One drawing's strokes as T 'spiral' actions.

    Args:
        strokes: list of float arrays (n_i, 2): (x, y) in [0, 1], x to the right, y down.
        R: the grid's resolution.
        T: steps per episode (>= 2).
        spacing: 'arc': each stroke's draws through points spaced evenly along it, the T steps
            shared among the strokes by their lengths; 'vertices': through the stroke's own
            points when every stroke has two or more and all of them fit in T steps (one move
            per stroke and one draw per later point), else as 'arc'.

    Returns:
        dict 'position' int64 (T,) grid indices, 'prob' int64 (T,) draw flags. Strokes beyond
        T // 2 are dropped; steps left over stay where the pen is without drawing.
    """
    if spacing not in SPACINGS:
        raise ValueError(f'spacing: expected one of {SPACINGS}, got {spacing!r}')
    strokes = [np.asarray(s, np.float64) for s in strokes[:T // 2]]
    if (spacing == 'vertices' and all(len(s) >= 2 for s in strokes)
            and sum(len(s) for s in strokes) <= T):
        paths = strokes
    else:
        lengths = np.array([np.linalg.norm(np.diff(s, axis=0), axis=1).sum() for s in strokes])
        # Every stroke gets one move and at least one draw; the other draws go to the longest.
        draws = np.ones(len(strokes), int)
        for _ in range(T - 2 * len(strokes)):
            draws[np.argmax(lengths / (draws + 1))] += 1
        paths = [_along(stroke, n + 1) for stroke, n in zip(strokes, draws)]
    position, prob = [], []
    for path in paths:
        for k, point in enumerate(path):
            position.append(_grid_index(point, R))
            prob.append(int(k > 0))
    while len(position) < T:
        position.append(position[-1])
        prob.append(0)
    return {'position': np.array(position, np.int64), 'prob': np.array(prob, np.int64)}


def _along(stroke, n):
    """n points evenly spaced by arc length along a polyline (n_i, 2), its ends included."""
    if len(stroke) == 1:
        return np.repeat(stroke, n, axis=0)
    arc = np.concatenate(([0.0], np.cumsum(np.linalg.norm(np.diff(stroke, axis=0), axis=1))))
    where = np.linspace(0.0, arc[-1], n)
    return np.stack([np.interp(where, arc, stroke[:, i]) for i in range(2)], axis=1)


def _grid_index(point, R):
    """The grid cell holding a point of [0, 1]^2 (cell centres at (i + 0.5) / R)."""
    col, row = (min(R - 1, max(0, int(v * R))) for v in point)
    return row * R + col


def demonstration_batch(demos, R, T, spacing='arc'):
    """dict name -> int64 (T, B) of the actions of B demonstrations (lists of strokes), spaced
    as `strokes_to_actions`."""
    actions = [strokes_to_actions(d, R, T, spacing) for d in demos]
    return {name: np.stack([a[name] for a in actions], axis=1) for name in actions[0]}


def played(envs, spec, actions, channels):
    """Demonstrations played once in the envs, without the network: a Rollout of their
    canvases and actions whose acting-pass fields (log_probs, entropies, values, encodings)
    are None; Generator.evaluate needs only the canvases and the actions.

    Args:
        envs: B envs.
        spec: ActionSpec of the envs.
        actions: dict name -> int64 (T, B), demonstration_batch's.
        channels: C of the network's canvas input.

    Returns:
        Rollout: canvases uint8 (T + 1, B, H, W, C), finals float32 (B, C, H, W), targets None.
    """
    images = [env.reset()['image'] for env in envs]
    canvases = [np.stack([to_canvas(im, channels) for im in images])]
    for t in range(len(actions[spec.position_field])):
        step = {k: a[t] for k, a in actions.items()}
        images = [env.step(spec.to_env(step, b))[0]['image'] for b, env in enumerate(envs)]
        canvases.append(np.stack([to_canvas(im, channels) for im in images]))
    canvases = np.stack(canvases)
    finals = canvases[-1].transpose(0, 3, 1, 2).astype(np.float32) / np.float32(255)
    return Rollout(actions, canvases, finals, None, None, None, None, None, 0)


def behaviour_cloning(agent, envs, demos, rng, spacing='arc'):
    """One behaviour-cloning step of the agent's shared generator on len(envs) demonstrations
    drawn from `demos` (lists of strokes), each played once (B * T env steps) with the actions
    of `strokes_to_actions`'s `spacing`; a conditional painter's target is the demonstration's
    own finished canvas.

    Returns:
        float: the loss, -mean log-probability of the demonstrated actions.
    """
    if agent.spec.kind != 'spiral':
        raise ValueError(f"demonstrations: expected the 'spiral' action space, got "
                         f"{agent.spec.kind!r}")
    picked = [demos[i] for i in rng.randint(len(demos), size=len(envs))]
    actions = demonstration_batch(picked, agent.spec.R, envs[0].max_episode_steps, spacing)
    return clone_actions(agent, envs, actions)


def read_teacher(path, spec, T, shape):
    """A teacher's programs with the images they paint, checked against a run.

    Args:
        path: an .npz of scripts/greedy_strokes.py --programs: each head's actions int64
            (T, N) and 'targets' uint8 (N, C, H, W).
        spec: the run's ActionSpec.
        T: the run's steps per episode.
        shape: (C, H, W) of the run's targets.

    Returns:
        (actions dict name -> int64 (T, N), targets uint8 (N, C, H, W)).

    Raises:
        DatasetError: an unreadable file, or programs of another action space, T or image shape.
    """
    try:
        with np.load(path) as f:
            actions = {name: f[name].astype(np.int64) for name in spec.names}
            targets = f['targets']
    except (OSError, ValueError, KeyError) as e:
        raise DatasetError(f"{path}: expected a teacher's programs with the heads "
                           f"{', '.join(spec.names)} and targets, got {str(e).splitlines()[0]}"
                           ) from None
    got = {name: a.shape for name, a in actions.items()}
    if any(s != (T, len(targets)) for s in got.values()) or targets.shape[1:] != tuple(shape):
        raise DatasetError(f'{path}: expected programs of {T} steps for targets of shape '
                           f'{tuple(shape)}, got actions {sorted(set(got.values()))} for targets '
                           f'{targets.shape}')
    for head in spec.heads:
        if actions[head.name].min() < 0 or actions[head.name].max() >= head.size:
            raise DatasetError(f"{path}: expected '{head.name}' actions in [0, {head.size}), "
                               f'got {actions[head.name].min()} to {actions[head.name].max()}')
    return actions, targets


class Teacher:
    """A teacher's programs played once, for their cloning loss (`backward`).

    Args:
        actions: dict name -> int64 (T, N).
        targets: uint8 (N, C, H, W), the images the programs were painted for.
        canvases: uint8 (T + 1, N, H, W, C') the network's canvases along the programs.
    """

    def __init__(self, actions, targets, canvases):
        self.actions, self.targets, self.canvases = actions, targets, canvases

    @classmethod
    def played(cls, teacher, envs, spec, channels):
        """A Teacher of `read_teacher`'s (actions, targets), played in the envs len(envs) at a
        time."""
        actions, targets = teacher
        B, canvases = len(envs), []
        for start in range(0, len(targets), B):
            chunk = {name: a[:, start:start + B] for name, a in actions.items()}
            n = len(chunk[spec.position_field][0])
            canvases.append(played(envs[:n], spec, chunk, channels).canvases)
        return cls(actions, targets, np.concatenate(canvases, axis=1))

    def backward(self, generator, rng, B, weight=1.0):
        """Accumulate in `generator` the gradient of weight x -mean log pi of B programs drawn
        at random (their targets the teacher's images); returns that loss (float)."""
        picked = rng.randint(len(self.targets), size=B)
        rollout = Rollout({name: a[:, picked] for name, a in self.actions.items()},
                          self.canvases[:, picked], None, None, None, None, None, None, 0)
        log_prob, _, _ = generator.evaluate(rollout, to_float(self.targets[picked]))
        loss = -weight * chainer.functions.mean(log_prob)
        check_finite(teacher_loss=loss.array)
        loss.backward()
        return float(loss.array)


def teacher_cloning(agent, teacher, rng, B):
    """One behaviour-cloning step of a conditional agent's shared generator on B of a Teacher's
    programs, drawn at random, each with the image it was painted for as its target.

    Returns:
        float: the loss, -mean log-probability of the programs' actions.
    """
    agent.generator.cleargrads()
    loss = teacher.backward(agent.generator, rng, B)
    agent._apply(agent.generator, agent.shared_generator, agent.gen_optimizer)
    agent.sync_parameters()
    return loss


def clone_actions(agent, envs, actions):
    """One behaviour-cloning step of the agent's shared generator on the actions of len(envs)
    episodes, played once in the envs; a conditional painter's target is each episode's own
    finished canvas.

    Args:
        agent: SpiralAgent.
        envs: B envs.
        actions: dict name -> int64 (T, B) in the agent's action space.

    Returns:
        float: the loss, -mean log-probability of the actions.
    """
    generator = agent.generator
    rollout = played(envs, agent.spec, actions, generator.channels)
    targets = rollout.finals if agent.conditional else None
    generator.cleargrads()
    log_prob, _, _ = generator.evaluate(rollout, targets)
    loss = -chainer.functions.mean(log_prob)
    check_finite(bc_loss=loss.array)
    loss.backward()
    agent._apply(generator, agent.shared_generator, agent.gen_optimizer)
    agent.sync_parameters()
    return float(loss.array)
