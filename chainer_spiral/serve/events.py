"""The paint stream's wire format: one JSON object per line (NDJSON), ``event`` naming its kind.

``start`` (the canvas), then one ``step`` per step of the painter as the agent decides it, then
``done`` (the drawing's id and downloads), or ``error`` if painting failed. A coarse-to-fine
painting (``?tiles=K``, K >= 2) sends a ``pass`` before each pass's steps, as soon as the pass is
painted and judged: its box, and whether it was kept (only a kept pass's steps follow).
Coordinates are canvas units (``chainer_spiral.program``: (0, 0) top left, (1, 1) bottom right).
docs/serve.md gives an example.
"""
import json

from chainer_spiral.serve.drawings import FORMATS

MEDIA_TYPE = 'application/x-ndjson'


def line(event):
    """An event as one line of the stream (bytes)."""
    return (json.dumps(event, separators=(',', ':')) + '\n').encode()


def _point(p):
    return None if p is None else [float(v) for v in p]


def start_event(painting, drawing_id, inverted):
    """The canvas the strokes go on (``painting.blank``: its ``start`` None for a tiled painting,
    whose pen starts at its first step's ``from``), the painter, the seed, the tiles and the most
    steps the painting can have."""
    blank = painting.blank
    return {'event': 'start', 'id': drawing_id, 'painter': painting.painter.name,
            'seed': painting.seed, 'tiles': painting.tiles, 'passes': painting.n_passes,
            'steps': painting.steps, 'imsize': blank.imsize, 'action_space': blank.action_space,
            'background': _point(blank.background), 'start': _point(blank.start),
            'inverted': inverted}


def pass_event(index, n_passes, painted):
    """Pass ``index`` of ``n_passes`` (a ``coarse_to_fine.Pass``): its box in canvas units, its
    steps ``[first, stop)`` in the drawing (None when it was not kept) and its tile's L2 before
    and after it."""
    return {'event': 'pass', 'pass': index, 'passes': n_passes, 'box': _point(painted.box),
            'kept': painted.kept, 'steps': None if painted.steps is None else list(painted.steps),
            'l2_before': painted.l2_before, 'l2_after': painted.l2_after}


def step_event(t, start, step, blank):
    """Step ``t``: the pen from ``start`` to ``step.end`` (a stroke when ``draw``, else a move),
    through ``control`` for the paper's curves; ``width`` in canvas units (``Program.width``)."""
    return {'event': 'step', 't': t, 'from': _point(start), 'end': _point(step.end),
            'control': _point(step.control), 'draw': step.draw, 'width': blank.width(step),
            'color': _point(step.color), 'pressure': float(step.pressure)}


def done_event(drawing):
    """The finished drawing: its id, its strokes and where to download it."""
    return {'event': 'done', 'id': drawing.id, 'steps': len(drawing.program.steps),
            'strokes': drawing.program.n_strokes, 'passes': drawing.kept_passes,
            'downloads': {fmt: f'api/drawings/{drawing.id}.{fmt}' for fmt in FORMATS}}


def error_event(message):
    return {'event': 'error', 'message': message}
