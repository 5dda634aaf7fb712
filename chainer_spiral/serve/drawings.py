"""Finished drawings, kept (a bounded number) for download as PNG, SVG, JSON program and MP4."""
import json
import secrets
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import imageio.v3 as iio
import numpy as np

from chainer_spiral.demo import movie
from chainer_spiral.demo.episodes import Episodes
from chainer_spiral.demo.svg import to_svg
from chainer_spiral.program import Program
from chainer_spiral.program.json import to_doc

# Format -> (media type, whether rendering it takes a worker rather than a moment).
FORMATS = {'png': ('image/png', False), 'svg': ('image/svg+xml', False),
           'json': ('application/json', False), 'mp4': ('video/mp4', True)}
# matplotlib's pyplot (the movie's figures) is not thread-safe: one movie at a time.
_MOVIE_LOCK = threading.Lock()


def new_id():
    """A fresh drawing id: 16 hex digits, not guessable from the others."""
    return secrets.token_hex(8)


@dataclass
class Drawing:
    """One painting as the downloads need it.

    Attributes:
        id: Its id in URLs (``new_id``).
        painter: The painter's name.
        seed: The seed it was painted with.
        program: Its ``Program``.
        frames: uint8 (T + 1, H, W, 3), the canvas after reset and after every step.
        target: float32 (C, H, W) in [0, 1], the picture it was painted from, or None.
        movie: the MP4's bytes once rendered.
    """
    id: str
    painter: str
    seed: int
    program: Program
    frames: np.ndarray
    target: Optional[np.ndarray] = None
    movie: Optional[bytes] = field(default=None, repr=False)

    @property
    def title(self):
        return f'{self.painter} seed {self.seed}'

    def filename(self, fmt):
        return f'{self.painter}_seed{self.seed}.{fmt}'


def export(drawing, fmt):
    """The file of a drawing in one of ``FORMATS`` (bytes). MP4s take a second or more: call
    that from a worker; it is rendered once and kept with the drawing."""
    if fmt == 'png':
        return iio.imwrite('<bytes>', drawing.frames[-1], extension='.png')
    if fmt == 'svg':
        return to_svg(drawing.program, drawing.title).encode()
    if fmt == 'json':
        return json.dumps(to_doc([drawing.program])).encode()
    assert fmt == 'mp4', fmt
    if drawing.movie is None:
        targets = None if drawing.target is None else drawing.target[None]
        episodes = Episodes(drawing.frames[None], [drawing.program], targets, drawing.title)
        with _MOVIE_LOCK, tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / 'drawing.mp4'
            movie.render(episodes, out)
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
