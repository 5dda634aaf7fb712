"""The served painters, each loaded once, and the paintings, each advanced a job at a time.

A ``Painting`` runs one episode the way ``agents.acting.collect`` runs B of them (a
``LockstepActor`` and the painter's env), with B = 1 and one step per call, so that the server
sends each stroke as soon as the agent has decided it. A ``TiledPainting`` paints a picture coarse
to fine (``coarse_to_fine.paint_passes``: the whole picture, then K x K tiles), a pass per call,
and sends each pass's strokes as soon as the pass is painted and kept. Each painting has its own
envs and RandomState (its seed); paintings share only the agent's networks, which acting reads
and never writes, so several workers paint with one agent at once.

Both offer the app the same: ``blank``, ``tiles``, ``n_passes``, ``steps`` (the most steps),
``progress`` (the steps acted: the priority of its next job), ``advance()`` (the events of the
next job, None when the painting is done) and ``drawing(id)``.
"""
import dataclasses
import itertools
from dataclasses import dataclass
from logging import getLogger

import numpy as np

from chainer_spiral.agents.acting import LockstepActor, to_canvas
from chainer_spiral.demo.coarse_to_fine import Plan, paint_passes
from chainer_spiral.program.conversion import program_from_actions
from chainer_spiral.painters import painter, painters
from chainer_spiral.runs.loading import load_agent, make_env_from_config
from chainer_spiral.serve import events
from chainer_spiral.serve.drawings import Drawing, TiledDrawing

logger = getLogger(__name__)


@dataclass(frozen=True)
class ServedPainter:
    """A shipped painter with its agent loaded.

    Attributes:
        name: The painter's name in the registry (``painters.painters()``).
        cfg: The Config of the run that trained it.
        agent: Its SPIRAL agent.
        headline: The card's headline figures (``Painter.headline()``).
    """
    name: str
    cfg: object
    agent: object
    headline: tuple

    @property
    def conditional(self):
        return self.cfg.model.conditional

    @property
    def channels(self):
        """C of the canvas the painter sees: 1 (grayscale) or 3 (colour)."""
        return self.agent.generator.channels

    def info(self):
        """What the page shows of the painter (``GET /api/painters``)."""
        return {'name': self.name, 'conditional': self.conditional,
                'channels': self.channels, 'imsize': self.cfg.env.imsize,
                'steps': self.cfg.env.max_episode_steps, 'headline': list(self.headline)}


def load_painters(names=None):
    """Loads shipped painters' agents (without their datasets).

    Args:
        names: painters' names; None: every shipped painter.

    Returns:
        dict name -> ServedPainter, in the order given.

    Raises:
        PainterError: a name that is not a shipped painter.
        ConfigError, SnapshotError: a painter whose run config or snapshot does not load.
    """
    names = list(painters()) if names is None else names
    served = {}
    for name in names:
        shipped = painter(name)
        cfg, agent, _ = load_agent(str(shipped.snapshot), with_dataset=False)
        served[name] = ServedPainter(name, cfg, agent, tuple(shipped.headline()))
    logger.info('painters loaded: %s', ', '.join(served))
    return served


class Painting:
    """One episode of a painter, acted a step per ``step()`` call.

    Args:
        painter: ServedPainter.
        seed: seeds the sampling of the actions (same painter, target and seed: same drawing).
        target: float32 (C, imsize, imsize) in [0, 1] for a conditional painter, else None.

    Attributes:
        blank: the Program of no steps: the canvas (imsize, background, start of the pen,
            stroke widths) the strokes go on.
        pen: the pen's position in canvas units.
    """
    tiles = n_passes = 1

    def __init__(self, painter, seed, target=None):
        assert (target is None) != painter.conditional, (painter.name, target is None)
        self.painter, self.seed, self.target = painter, seed, target
        spec = painter.agent.spec
        self.env = make_env_from_config(painter.cfg)
        self.actor = LockstepActor(painter.agent.generator, spec, np.random.RandomState(seed), 1,
                                   None if target is None else target[None])
        self.frames = [self.env.reset()['image']]
        self.actions = {name: [] for name in spec.names}
        self.blank = program_from_actions(self.env, {k: np.zeros(0, np.int64)
                                                     for k in self.actions})
        self.pen = self.blank.start

    @property
    def T(self):
        """The painter's steps per drawing."""
        return self.env.max_episode_steps

    @property
    def steps(self):
        """The most steps: T."""
        return self.T

    @property
    def progress(self):
        return self.actor.t

    def advance(self):
        """The next step, acted and painted: its events; None once the T steps are."""
        if self.actor.t == self.T:
            return None
        t = self.actor.t
        start, step = self.step()
        return [events.step_event(t, start, step, self.blank)]

    def step(self):
        """Acts one step and paints it.

        Returns:
            (pen before the step in canvas units, the step as a ``program.Step``).
        """
        assert self.actor.t < self.T, (self.actor.t, self.T)
        spec = self.painter.agent.spec
        acts = self.actor.act(to_canvas(self.frames[-1], self.painter.channels)[None])
        self.frames.append(self.env.step(spec.to_env(acts, 0))[0]['image'])
        for name, a in acts.items():
            self.actions[name].append(a)
        step = program_from_actions(self.env, acts).steps[0]
        start, self.pen = self.pen, step.end
        return start, step

    def drawing(self, drawing_id):
        """The finished drawing (after T steps), as the downloads need it."""
        assert self.actor.t == self.T, (self.actor.t, self.T)
        program = program_from_actions(self.env, {k: np.concatenate(v)
                                                  for k, v in self.actions.items()})
        return Drawing(drawing_id, self.painter.name, self.seed, program,
                       np.stack(self.frames), self.painter.cfg.env.brush, self.target)


class TiledPainting:
    """A picture painted coarse to fine: the whole picture, then K x K tiles (``Plan(tiles=K)``,
    1 + K x K passes of T steps), a pass per ``advance()``.

    Args:
        painter: ServedPainter (conditional).
        seed: seeds the sampling of the actions (same painter, picture, tiles and seed: same
            painting).
        picture: uint8 (H, W[, 3]); made the work target here, not kept.
        tiles: K >= 2.
        inverted: paint the picture's negative.

    Attributes:
        blank: the canvas: the work canvas's side in ``imsize`` (the painter's pixels per tile),
            no ``start`` (the pen starts at the first step's).
    """

    def __init__(self, painter, seed, picture, tiles, inverted):
        assert painter.conditional and tiles >= 2, (painter.name, tiles)
        cfg, plan = painter.cfg, Plan(tiles=tiles)
        self.painter, self.seed, self.tiles = painter, seed, tiles
        self.T, self.n_passes = cfg.env.max_episode_steps, plan.n_passes()
        blank, self._passes = paint_passes(painter.agent, cfg, picture, plan, inverted,
                                           np.random.RandomState(seed))
        self.blank = dataclasses.replace(blank, start=None)
        self.painted, self.painting = 0, None

    @property
    def steps(self):
        """The most steps: a pen move to each kept pass's start, then its T steps."""
        return self.n_passes * (self.T + 1)

    @property
    def progress(self):
        return self.painted * self.T

    def advance(self):
        """The next pass, painted (with the other passes of its lockstep batch): its ``pass``
        event and, when it was kept, its steps' events; None once every pass is painted."""
        try:
            painted, program = next(self._passes)
        except StopIteration as stop:
            self.painting = stop.value
            return None
        self.painted += 1
        out = [events.pass_event(self.painted - 1, self.n_passes, painted)]
        if painted.kept:
            segments = itertools.islice(program.segments(), *painted.steps)
            out += [events.step_event(t, start, step, program) for t, start, step in segments]
        return out

    def drawing(self, drawing_id):
        """The finished drawing (after every pass), as the downloads need it."""
        assert self.painting is not None, self.painted
        return TiledDrawing(drawing_id, self.painter.name, self.seed, self.tiles, self.painting)
