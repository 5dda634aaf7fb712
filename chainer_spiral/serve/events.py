"""The paint stream's wire format: one JSON object per line (NDJSON), ``event`` naming its kind.

``start`` (the canvas), then one ``step`` per step of the painter as the agent decides it, then
``done`` (the drawing's id and downloads), or ``error`` if painting failed. Coordinates are canvas
units (``chainer_spiral.program``: (0, 0) top left, (1, 1) bottom right). docs/serve.md gives an
example.
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
    """The canvas the strokes go on: ``painting.blank``, the painter and the seed."""
    blank = painting.blank
    return {'event': 'start', 'id': drawing_id, 'painter': painting.painter.name,
            'seed': painting.seed, 'steps': painting.T, 'imsize': blank.imsize,
            'action_space': blank.action_space, 'background': _point(blank.background),
            'start': _point(blank.start), 'inverted': inverted}


def step_event(t, start, step, blank):
    """Step ``t``: the pen from ``start`` to ``step.end`` (a stroke when ``draw``, else a move),
    through ``control`` for the paper's curves; ``width`` in canvas units (``Program.width``)."""
    return {'event': 'step', 't': t, 'from': _point(start), 'end': _point(step.end),
            'control': _point(step.control), 'draw': step.draw, 'width': blank.width(step),
            'color': _point(step.color), 'pressure': float(step.pressure)}


def done_event(drawing):
    """The finished drawing: its id, its strokes and where to download it."""
    return {'event': 'done', 'id': drawing.id, 'steps': len(drawing.program.steps),
            'strokes': drawing.program.n_strokes,
            'downloads': {fmt: f'api/drawings/{drawing.id}.{fmt}' for fmt in FORMATS}}


def error_event(message):
    return {'event': 'error', 'message': message}
