"""A program file: the drawings as programs, in chainer_spiral's JSON format extended.

chainer_spiral's format is ``{"canvas_size": [w, h], "version": "0.1", "actions": [drawing, ...]}``
with a drawing a list of steps ``[x, y, pressure, r, g, b, flag]``: ``(x, y)`` the pen's target in
[0, 1) of the canvas, ``flag`` 1 for a stroke from the previous position and 0 for a move.
Version ``0.2`` keeps these seven columns in place and adds:

- for the paper's action space, three more columns ``[cx, cy, size]``: the Bezier control point in
  [0, 1) and the brush size index over the number of sizes (in [0, 1));
- top-level keys ``action_space``, ``pos_resolution``, ``background`` (RGB in [0, 1]), ``start``
  (the pen before the first step), ``fields`` (the column names) and ``stroke_widths`` (canvas
  units, one per brush size), so that a file can be replayed and rendered without the config;
- for programs whose strokes come at several scales (``demo.py reconstruct --tiles``: a pass
  over the whole canvas, then passes over tiles), one last column ``width``: each step's stroke
  width in canvas units (``fields`` then ends in ``"width"``).

``canvas_size`` is the canvas in pixels.
"""
import json
from pathlib import Path

from chainer_spiral.errors import read_text
from chainer_spiral.program import Program, Step

VERSION = '0.2'
FIELDS = ('x', 'y', 'pressure', 'r', 'g', 'b', 'flag')
PAPER_FIELDS = FIELDS + ('cx', 'cy', 'size')


def fields(action_space, widths=False):
    """The column names of a program's rows; `widths`: with the per-step ``width`` column."""
    names = PAPER_FIELDS if action_space == 'paper' else FIELDS
    return names + ('width',) if widths else names


def has_widths(program):
    """Whether a program's steps carry their own stroke widths (``Step.width``)."""
    return any(step.width is not None for step in program.steps)


def step_row(step, width=None):
    """The JSON row of a step (see the module docstring); `width` appended when given."""
    row = [float(v) for v in (*step.end, step.pressure, *step.color)] + [int(step.draw)]
    if step.control is not None:
        row += [float(v) for v in (*step.control, step.size)]
    if width is not None:
        row.append(float(width))
    return row


def to_doc(programs):
    """The JSON document of programs that share one canvas (one run).

    Args:
        programs: ``Program`` s, all with the same canvas settings.

    Returns:
        A dict ready for ``json.dump``.
    """
    first = programs[0]
    widths = any(has_widths(p) for p in programs)
    shared = ('action_space', 'imsize', 'pos_resolution', 'background', 'start', 'stroke_widths')
    for p in programs:
        for key in shared:
            assert getattr(p, key) == getattr(first, key), (key, getattr(p, key))
    return {
        'canvas_size': [first.imsize, first.imsize],
        'version': VERSION,
        'action_space': first.action_space,
        'pos_resolution': first.pos_resolution,
        'background': [float(v) for v in first.background],
        'start': [float(v) for v in first.start],
        'stroke_widths': [float(v) for v in first.stroke_widths],
        'fields': list(fields(first.action_space, widths)),
        'actions': [[step_row(s, p.width(s) if widths else None) for s in p.steps]
                    for p in programs],
    }


def _show(value, limit=60):
    text = repr(value)
    if len(text) <= limit:
        return text
    if isinstance(value, (list, dict)):
        return f'a {type(value).__name__} of {len(value)} items'
    return text[:limit] + '...'


def _expect(ok, source, key, expected, got):
    if not ok:
        raise ValueError(f'{source}: {key}: expected {expected}, got {_show(got)}')


def _numbers(value, n):
    return (isinstance(value, list) and len(value) == n
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value))


def _check_header(doc, source):
    _expect(isinstance(doc, dict), source, 'document', 'a JSON object', doc)
    _expect(doc.get('version') == VERSION, source, 'version', repr(VERSION), doc.get('version'))
    _expect(doc.get('action_space') in ('spiral', 'paper'), source, 'action_space',
            "'spiral' or 'paper'", doc.get('action_space'))
    size = doc.get('canvas_size')
    _expect(_numbers(size, 2) and size[0] == size[1] and isinstance(size[0], int) and size[0] > 0,
            source, 'canvas_size', '[n, n] with n a positive int', size)
    _expect(isinstance(doc.get('pos_resolution'), int) and doc['pos_resolution'] > 0,
            source, 'pos_resolution', 'a positive int', doc.get('pos_resolution'))
    _expect(_numbers(doc.get('background'), 3), source, 'background', '[r, g, b]',
            doc.get('background'))
    _expect(_numbers(doc.get('start'), 2), source, 'start', '[x, y]', doc.get('start'))
    widths = doc.get('stroke_widths')
    _expect(isinstance(widths, list) and len(widths) > 0 and _numbers(widths, len(widths)),
            source, 'stroke_widths', 'a non-empty list of numbers', widths)
    names = list(fields(doc['action_space']))
    _expect(doc.get('fields') in (names, names + ['width']), source, 'fields',
            f'{names} (then "width")', doc.get('fields'))
    _expect(isinstance(doc.get('actions'), list), source, 'actions', 'a list of drawings',
            doc.get('actions'))


def _step(row, paper, widths):
    x, y, pressure, r, g, b, flag = row[:7]
    return Step(end=(x, y), draw=bool(flag), pressure=pressure, color=(r, g, b),
                control=(row[7], row[8]) if paper else None, size=row[9] if paper else None,
                width=row[-1] if widths else None)


def from_doc(doc, source='<json>'):
    """Parses a document written by ``to_doc``.

    Args:
        doc: The decoded JSON.
        source: Where it came from, for error messages.

    Returns:
        A list of ``Program``.

    Raises:
        ValueError: one line naming ``source`` and the offending key.
    """
    _check_header(doc, source)
    paper = doc['action_space'] == 'paper'
    n, widths = len(doc['fields']), doc['fields'][-1] == 'width'
    programs = []
    for i, drawing in enumerate(doc['actions']):
        _expect(isinstance(drawing, list), source, f'actions[{i}]', 'a list of steps', drawing)
        for t, row in enumerate(drawing):
            _expect(_numbers(row, n) and row[6] in (0, 1), source, f'actions[{i}][{t}]',
                    f'{n} numbers with flag 0 or 1', row)
        programs.append(Program(
            action_space=doc['action_space'], imsize=doc['canvas_size'][0],
            pos_resolution=doc['pos_resolution'], background=tuple(doc['background']),
            start=tuple(doc['start']), steps=tuple(_step(row, paper, widths) for row in drawing),
            stroke_widths=tuple(doc['stroke_widths'])))
    return programs


def load(path):
    """Reads the programs of a JSON file written by this mode.

    Returns:
        A list of ``Program``.

    Raises:
        ValueError: one line naming the file and what is wrong with it (missing, a directory, not
            JSON text, not a document of this mode).
    """
    path = Path(path)
    text = read_text(path, 'the programs file', 'a JSON text file')
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f'{path}: expected JSON, got a parse error: {e}') from None
    return from_doc(doc, str(path))
