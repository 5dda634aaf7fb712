"""Finished drawings, kept (a bounded number) for download as PNG, SVG, JSON program and MP4:
one episode of a painter (``Drawing``) or a coarse-to-fine painting (``TiledDrawing``)."""
import json
import secrets
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Optional

import imageio.v3 as iio
import numpy as np

from chainer_spiral.demo import movie, painting_movie
from chainer_spiral.demo.coarse_to_fine import Painting
from chainer_spiral.demo.episodes import Episodes
from chainer_spiral.demo.reconstruct import program_doc
from chainer_spiral.demo.svg import to_svg
from chainer_spiral.program import Program
from chainer_spiral.program.json import to_doc
from chainer_spiral.program.replay import replay_at_size

# Format -> (media type, whether rendering it takes a worker rather than a moment; a PNG at a
# chosen size takes one too).
FORMATS = {'png': ('image/png', False), 'svg': ('image/svg+xml', False),
           'json': ('application/json', False), 'mp4': ('video/mp4', True)}
# The canvas side of a tiled drawing's movie (a multiple of 16, as H.264 wants).
MOVIE_SIZE = 256
# matplotlib's pyplot (the one-episode movie's figures) is not thread-safe: one at a time.
_MOVIE_LOCK = threading.Lock()


def new_id():
    """A fresh drawing id: 16 hex digits, not guessable from the others."""
    return secrets.token_hex(8)


class _Named:
    """The title and file names of a drawing (``painter``, ``seed``, ``tiles``)."""

    @property
    def title(self):
        tiles = '' if self.tiles == 1 else f', {self.tiles} x {self.tiles} tiles'
        return f'{self.painter} seed {self.seed}{tiles}'

    def filename(self, fmt):
        tiles = '' if self.tiles == 1 else f'_tiles{self.tiles}'
        return f'{self.painter}_seed{self.seed}{tiles}.{fmt}'


@dataclass
class Drawing(_Named):
    """One episode of a painter, as the downloads need it.

    Attributes:
        id: Its id in URLs (``new_id``).
        painter: The painter's name.
        seed: The seed it was painted with.
        program: Its ``Program``.
        frames: uint8 (T + 1, H, W, 3), the canvas after reset and after every step.
        brush: The painter's brush (``env.brush``), to replay the program at any size.
        target: float32 (C, H, W) in [0, 1], the picture it was painted from, or None.
        movie: the MP4's bytes once rendered.
    """
    id: str
    painter: str
    seed: int
    program: Program
    frames: np.ndarray
    brush: str
    target: Optional[np.ndarray] = None
    movie: Optional[bytes] = field(default=None, repr=False)
    tiles: ClassVar[int] = 1
    kept_passes: ClassVar[int] = 1

    def image(self, size=None):
        """uint8 (S, S, 3): the program replayed at S = ``size``; None: the env's own canvas."""
        return self.frames[-1] if size is None else replay_at_size(self.program, size, self.brush)

    def svg(self):
        return to_svg(self.program, self.title)

    def doc(self):
        return to_doc([self.program])

    def render_movie(self, out):
        """The movie mode's layout (target, canvas, final canvas, strokes), to ``out``."""
        targets = None if self.target is None else self.target[None]
        with _MOVIE_LOCK:
            movie.render(Episodes(self.frames[None], [self.program], targets, self.title), out)


@dataclass
class TiledDrawing(_Named):
    """A coarse-to-fine painting (``coarse_to_fine.Painting``), as the downloads need it: every
    kept pass, in canvas units, cropped to the picture.

    Attributes:
        id, painter, seed, movie: As ``Drawing``'s.
        tiles: K, its tiles per side.
        painting: The ``coarse_to_fine.Painting``.
    """
    id: str
    painter: str
    seed: int
    tiles: int
    painting: Painting
    movie: Optional[bytes] = field(default=None, repr=False)

    @property
    def program(self):
        return self.painting.program

    @property
    def kept_passes(self):
        return sum(p.kept for p in self.painting.passes)

    def image(self, size=None):
        """uint8 (H, W, 3): the painting replayed at ``size`` (None: the work canvas, the
        painter's pixels per tile), cropped to the picture."""
        return self.painting.image(size or self.program.imsize)

    def svg(self):
        return to_svg(self.program, self.title, self.painting.box)

    def doc(self):
        return program_doc(self.painting)

    def render_movie(self, out):
        """The painting stroke by stroke, pass by pass (``painting_movie``), to ``out``."""
        painting_movie.render(self.painting, out, MOVIE_SIZE)


def export(drawing, fmt, size=None):
    """The file of a drawing in one of ``FORMATS`` (bytes); ``size``: a PNG's side (see
    ``image``). MP4s take a second or more, PNGs at a size a moment: call those from a worker.
    An MP4 is rendered once and kept with the drawing."""
    if fmt == 'png':
        return iio.imwrite('<bytes>', drawing.image(size), extension='.png')
    if fmt == 'svg':
        return drawing.svg().encode()
    if fmt == 'json':
        return json.dumps(drawing.doc()).encode()
    assert fmt == 'mp4', fmt
    if drawing.movie is None:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / 'drawing.mp4'
            drawing.render_movie(out)
            drawing.movie = out.read_bytes()
    return drawing.movie


class Drawings:
    """The last ``kept`` finished drawings, by id (the oldest is dropped first).

    Used from the event loop only (no lock).
    """

    def __init__(self, kept):
        self.kept = kept
        self._by_id = OrderedDict()

    def add(self, drawing):
        self._by_id[drawing.id] = drawing
        while len(self._by_id) > self.kept:
            self._by_id.popitem(last=False)

    def get(self, drawing_id):
        """The drawing called ``drawing_id``, or None (unknown, or dropped)."""
        return self._by_id.get(drawing_id)

    def __len__(self):
        return len(self._by_id)
