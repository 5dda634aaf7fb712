"""Many-stroke paintings of any picture, coarse to fine: the whole canvas, then tiles on top.

``paint_pictures(agent, cfg, pictures, plan)`` paints each picture with a conditional painter in
passes of T strokes (LearningToPaint's patch trick, Huang et al. 2019): the first pass paints the
whole picture on the painter's own canvas; then each of K x K tiles (``demo.tiles``) is a pass
whose target is the tile's crop of the picture at the painter's resolution and whose canvas
starts as the tile's crop of the painting so far (``PrimedEnv`` replays the strokes already made
there), so every pass is conditioned on the target and on what is already on the canvas. Tiles
are painted worst first (the largest L2 of their crop), tiles that overlap one another in
successive batches; a pass is kept only when it lowers the L2 of its tile (so a painter that
always draws something does not scribble over a finished or empty tile); with more passes than
1 + K x K the tiles are painted again, worst first, until the passes are spent or a round keeps
none.

The strokes of the kept passes, moved into canvas units (each tile's points and stroke widths
scaled to its box), make one ``Program``: it replays at any size (``program.replay``), exports
to SVG and plays in the player as one painting. ``paint_passes`` paints one picture a pass at a
time, for a caller that shows the strokes as they come (``chainer-spiral serve``).
"""
import dataclasses
from dataclasses import dataclass
from logging import getLogger
from typing import Optional, Tuple

import cv2
import numpy as np

from chainer_spiral.agents.acting import collect, to_canvas
from chainer_spiral.demo.pictures import is_light_on_dark, work_target
from chainer_spiral.demo.tiles import TileGrid, groups
from chainer_spiral.envs.libmypaint import Brush
from chainer_spiral.envs.mypaint_env import MyPaintEnv
from chainer_spiral.program import Program, Step
from chainer_spiral.program.conversion import program_from_actions, stroke_widths
from chainer_spiral.program.replay import draw, replay_at_size
from chainer_spiral.runs.loading import env_kwargs

logger = getLogger(__name__)

# Episodes acted in one lockstep batch.
MAX_BATCH = 32


@dataclass(frozen=True)
class Plan:
    """How a picture is painted.

    Attributes:
        tiles: K: the whole picture, then K x K tiles (0: the whole picture only).
        overlap: Pixels (of the painter's canvas) that neighbouring tiles share; None: an
            eighth of the painter's canvas.
        passes: Passes in all, the whole-picture pass included (None: 1 + K x K; more paint
            the worst tiles again).
        strokes: T, steps per pass (None: the painter's own).
        n_samples: Each pass is painted this many times and the lowest-L2 one kept.
        greedy: The most likely actions instead of sampled ones.
        keep_all: Keep every pass, also one that raises its tile's L2 (the painter's drawing
            as it is, for measuring the painter).
    """
    tiles: int = 0
    overlap: Optional[int] = None
    passes: Optional[int] = None
    strokes: Optional[int] = None
    n_samples: int = 1
    greedy: bool = False
    keep_all: bool = False

    def grid(self, imsize):
        """The ``TileGrid`` of a painter whose canvas is imsize pixels."""
        return TileGrid(self.tiles, imsize, imsize // 8 if self.overlap is None else
                        self.overlap)

    def n_passes(self):
        return 1 + self.tiles ** 2 if self.passes is None else self.passes


@dataclass(frozen=True)
class Pass:
    """One pass of a painting.

    Attributes:
        box: The part of the canvas it painted, ``(x0, y0, x1, y1)`` in canvas units.
        steps: ``(first, stop)``: its steps in the painting's program (a leading pen move to
            its start, then its T steps); None when it was not kept.
        l2_before: The L2 of its tile before it, on the painter's canvas (C channels in [0, 1]).
        l2_after: The L2 of its tile after it.
    """
    box: Tuple[float, float, float, float]
    steps: Optional[Tuple[int, int]]
    l2_before: float
    l2_after: float

    @property
    def kept(self):
        return self.steps is not None


@dataclass(frozen=True)
class Painting:
    """A painted picture.

    Attributes:
        program: Every kept stroke, in canvas units (the square canvas the picture was padded
            to, ``imsize`` the work side N).
        passes: Every pass, in the order painted.
        box: The picture's part of the canvas, ``(x0, y0, x1, y1)`` in canvas units.
        target: uint8 (C, N, N), the picture on the work canvas as the passes saw it.
        brush: The painter's brush (the replays use it).
        inverted: Whether the picture was painted as its negative (light on dark line art).
    """
    program: Program
    passes: Tuple[Pass, ...]
    box: Tuple[float, float, float, float]
    target: np.ndarray
    brush: str
    inverted: bool

    def image(self, size, upto=None):
        """The painting replayed at size x size, cropped to the picture: uint8 (H, W, 3).

        Args:
            size: S, the square canvas's side in pixels.
            upto: only the passes before this index of ``passes`` (None: all).
        """
        program = self.program
        if upto is not None:
            stops = [p.steps[1] for p in self.passes[:upto] if p.kept]
            program = dataclasses.replace(program, steps=program.steps[:max(stops, default=0)])
        return replay_at_size(program, size, self.brush, self.box)

    @property
    def n_strokes(self):
        return self.program.n_strokes


class PrimedEnv(MyPaintEnv):
    """A MyPaintEnv whose ``reset()`` starts from a painting seen through a box of its canvas.

    ``prime(program, box)`` sets what the next resets paint before the pen is put down: the
    program's strokes, replayed with the env's brush at the scale where ``box`` (canvas units)
    fills the env's canvas (strokes outside it clipped). Everything else is MyPaintEnv's.
    """

    _underlay = None

    def prime(self, program, box):
        """Sets the painting (a ``Program``, or None for a blank canvas) and the box shown."""
        self._underlay = None if program is None else (program, box, Brush(self.brush))

    def _clear(self):
        super()._clear()
        if self._underlay is not None:
            program, (x0, y0, x1, _), brush = self._underlay
            draw(program, self._canvas, brush, (x0, y0), self.imsize / (x1 - x0))


def placed(program, box):
    """The steps of a program painted on `box` (canvas units), in canvas units: a pen move to
    the program's start, then its steps, their points and stroke widths scaled to the box."""
    x0, y0, x1, _ = box
    scale = x1 - x0

    def at(point):
        return None if point is None else (x0 + point[0] * scale, y0 + point[1] * scale)

    first = program.steps[0]
    move = Step(end=at(program.start), draw=False, pressure=first.pressure, color=first.color,
                control=None if first.control is None else at(program.start), size=first.size,
                width=program.width(first) * scale)
    return (move,) + tuple(
        dataclasses.replace(step, end=at(step.end), control=at(step.control),
                            width=program.width(step) * scale) for step in program.steps)


class _Job:
    """One picture being painted: its target, kept steps and passes."""

    def __init__(self, target, box, passes, inverted):
        self.target, self.box, self.left, self.inverted = target, box, passes, inverted
        self.steps, self.passes = [], []
        self.start = None  # the first kept pass's start
        self.round_start = None  # index in passes of the current round's first pass

    def program(self, template):
        return dataclasses.replace(template, steps=tuple(self.steps),
                                   start=self.start or template.start)


def paint_pictures(agent, cfg, pictures, plan=Plan(), invert=None, rng=None):
    """Paints pictures coarse to fine (module docstring).

    Args:
        agent: A conditional SPIRAL agent.
        cfg: Its run's Config (a mypaint env).
        pictures: uint8 (H, W) or (H, W, 3) pictures, any size and aspect ratio.
        plan: A ``Plan``.
        invert: One bool per picture: paint its negative; None: a grayscale painter paints the
            negative of a light-on-dark picture (``pictures.is_light_on_dark``), a colour
            painter none.
        rng: The numpy RandomState of the action sampling (None: the agent's, ``agent.seed``).

    Returns:
        list of ``Painting``, one per picture.

    Raises:
        ValueError: an unconditional painter, a toy env, or a plan that does not fit.
    """
    painter, jobs = _start(agent, cfg, pictures, plan, invert, rng)
    for _ in _batches(painter, jobs):
        pass
    return [painter.painting(job) for job in jobs]


def paint_picture(agent, cfg, picture, plan=Plan(), invert=None, rng=None):
    """One picture's ``Painting`` (``paint_pictures`` of one; `invert` a bool or None)."""
    return paint_pictures(agent, cfg, [picture], plan, None if invert is None else [invert],
                          rng)[0]


def paint_passes(agent, cfg, picture, plan=Plan(), invert=None, rng=None):
    """``paint_picture`` a pass at a time: the picture is made the work target now (it is not
    kept), and each step of the generator paints what its next pass needs (a lockstep batch).

    Returns:
        ``(blank, passes)``: the canvas the steps go on (a ``Program`` of no steps: the work
        canvas's side, its paper, its action space; the painting's ``start`` is the first kept
        pass's), and a generator of ``(Pass, Program)``: each pass as soon as it is painted, in
        order, with the painting's program so far (the pass's steps are
        ``program.steps[first:stop]`` when it was kept). The generator's return value
        (``StopIteration.value``) is the ``Painting``, the one ``paint_picture`` paints with the
        same arguments.

    Raises:
        ValueError: as ``paint_pictures``.
    """
    painter, [job] = _start(agent, cfg, [picture], plan,
                            None if invert is None else [invert], rng)
    return painter.template, _pass_by_pass(painter, job)


def _pass_by_pass(painter, job):
    sent = 0
    for _ in _batches(painter, [job]):
        for done in job.passes[sent:]:
            yield done, job.program(painter.template)
        sent = len(job.passes)
    return painter.painting(job)


def _start(agent, cfg, pictures, plan, invert, rng):
    """The checks of ``paint_pictures``; then its ``_Painter`` and one ``_Job`` per picture."""
    if not cfg.model.conditional or cfg.env.kind != 'mypaint':
        raise ValueError(f'painter: expected a conditional painter on a mypaint canvas, got '
                         f'conditional {cfg.model.conditional} on {cfg.env.kind!r}')
    _check_plan(plan)
    grid, channels = plan.grid(cfg.env.imsize), agent.generator.channels
    if invert is None:
        invert = [channels == 1 and is_light_on_dark(p) for p in pictures]
    jobs = [_Job(*work_target(p, grid.side, channels, flip, cfg.env.background),
                 plan.n_passes(), flip) for p, flip in zip(pictures, invert)]
    return _Painter(agent, cfg, plan, grid, rng), jobs


def _batches(painter, jobs):
    """Paints the jobs' passes (the whole pictures, then rounds of tiles), yielding after each
    lockstep batch."""
    painter.run([(job, painter.grid.whole()) for job in jobs])
    yield
    while True:
        batches = [painter.next_round(job) for job in jobs]
        if not any(batches):
            return
        for g in range(max(len(b) for b in batches)):
            painter.run([(job, tile) for job, b in zip(jobs, batches) if g < len(b)
                         for tile in b[g]])
            yield


def _check_plan(plan):
    for key, low in (('tiles', 0), ('passes', 1), ('strokes', 1), ('n_samples', 1)):
        value = getattr(plan, key)
        if value is not None and not (isinstance(value, int) and value >= low):
            raise ValueError(f'{key}: expected an int >= {low}, got {value!r}')


class _Painter:
    """Runs passes in lockstep batches and keeps what they paint."""

    def __init__(self, agent, cfg, plan, grid, rng=None):
        self.agent, self.plan, self.grid = agent, plan, grid
        self.rng = agent.rng if rng is None else rng
        self.channels, self.imsize = agent.generator.channels, cfg.env.imsize
        self.binarize = cfg.data.threshold if cfg.data.binarize else None
        self.env_kwargs = dict(env_kwargs(cfg),
                               max_episode_steps=plan.strokes or cfg.env.max_episode_steps)
        self.envs = [PrimedEnv(**self.env_kwargs)]
        self.template = Program(
            action_space=cfg.env.action_space, imsize=grid.side,
            pos_resolution=round(cfg.env.pos_resolution * grid.side / cfg.env.imsize),
            background=self.envs[0].background, start=(0.0, 0.0), steps=(),
            stroke_widths=stroke_widths(self.envs[0]))
        self.brush = cfg.env.brush

    def batch_envs(self, n):
        """n envs (made as batches first need them)."""
        self.envs += [PrimedEnv(**self.env_kwargs) for _ in range(n - len(self.envs))]
        return self.envs[:n]

    def tile_target(self, job, tile):
        """float32 (C, imsize, imsize) in [0, 1]: the tile's crop of the picture as the painter
        sees it (shrunk with area interpolation when the tile is the whole canvas)."""
        crop = tile.crop(job.target).transpose(1, 2, 0)
        if tile.side != self.imsize:
            crop = cv2.resize(crop, (self.imsize, self.imsize), interpolation=cv2.INTER_AREA)
        crop = crop.reshape(self.imsize, self.imsize, self.channels).transpose(2, 0, 1)
        if self.binarize is not None:
            crop = np.where(crop / 255 > self.binarize, 255, 0)
        return crop.astype(np.float32) / np.float32(255)

    def run(self, tasks):
        """Paints each (job, tile) once (n_samples times, the best kept), in batches."""
        k = self.plan.n_samples
        per_batch = max(1, MAX_BATCH // k)
        for start in range(0, len(tasks), per_batch):
            chunk = tasks[start:start + per_batch]
            envs = self.batch_envs(len(chunk) * k)
            targets = np.stack([self.tile_target(job, tile) for job, tile in chunk
                                for _ in range(k)])
            for i, (job, tile) in enumerate(chunk):
                for env in envs[i * k:(i + 1) * k]:
                    env.prime(job.program(self.template) if job.steps else None,
                              tile.box(self.grid.side))
            rollout = collect(self.agent.generator, self.agent.spec, envs, self.rng,
                              self.channels, targets=targets, greedy=self.plan.greedy)
            before = _l2(rollout.canvases[0].transpose(0, 3, 1, 2) / np.float32(255), targets)
            after = _l2(rollout.finals, targets)
            for i, (job, tile) in enumerate(chunk):
                best = i * k + int(np.argmin(after[i * k:(i + 1) * k]))
                program = program_from_actions(envs[best], {
                    name: np.asarray(a)[:, best] for name, a in rollout.actions.items()})
                self.keep(job, tile, program, float(before[best]), float(after[best]))

    def keep(self, job, tile, program, before, after):
        job.left -= 1
        box = tile.box(self.grid.side)
        steps = None
        if after < before or self.plan.keep_all:
            steps = (len(job.steps), len(job.steps) + len(program.steps) + 1)
            if job.start is None:
                job.start = placed(program, box)[0].end
            job.steps += placed(program, box)
        job.passes.append(Pass(box, steps, before, after))

    def next_round(self, job):
        """The job's next tiles in batches of tiles that share no pixel, worst first; [] when
        its passes are spent or its last round kept none."""
        stalled = job.round_start is not None and not any(
            p.kept for p in job.passes[job.round_start:])
        if job.left <= 0 or stalled:
            return []
        job.round_start = len(job.passes)
        tiles = [t for t in (self.grid.tiles() or [self.grid.whole()])
                 if _overlaps(t.box(self.grid.side), job.box)]
        canvas = to_canvas(replay_at_size(job.program(self.template), self.grid.side,
                                          self.brush), self.channels)
        error = (canvas.transpose(2, 0, 1).astype(np.float32) - job.target) ** 2
        tiles.sort(key=lambda t: -float(t.crop(error).mean()))
        return groups(tiles[:job.left])

    def painting(self, job):
        return Painting(job.program(self.template), tuple(job.passes), job.box,
                        job.target, self.brush, job.inverted)


def _l2(canvases, targets):
    """Mean squared difference per sample of float (B, C, H, W) arrays: float64 (B,)."""
    return np.mean((np.asarray(canvases, np.float64) - targets) ** 2, axis=(1, 2, 3))


def _overlaps(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
