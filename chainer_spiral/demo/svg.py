"""``svg`` mode: each drawing as an SVG of its strokes, one ``<path>`` per painting step.

Straight strokes (chainer_spiral's action space) are ``M x0 y0 L x y``; the paper's strokes are
quadratic Bezier curves ``M x0 y0 Q cx cy x y``, which is the curve the env paints. Widths and
colours come from the program; the strokes are opaque, as the project's brushes paint them (the
``pressure`` brush also widens with pressure, which the SVG does not follow): a vector rendering of
the program, not of libmypaint's dabs.
"""
from logging import getLogger
from pathlib import Path
from xml.sax.saxutils import quoteattr

logger = getLogger(__name__)

SVG_NS = 'http://www.w3.org/2000/svg'


def default_n(conditional):
    return 10


def _hex(rgb):
    return '#' + ''.join(f'{min(255, max(0, round(v * 255))):02x}' for v in rgb)


def _num(v):
    return f'{v:.3f}'.rstrip('0').rstrip('.')


def path_data(start, step, scale):
    """The ``d`` attribute of one stroke, in pixels (canvas units times ``scale``)."""
    x0, y0 = (_num(v * scale) for v in start)
    x, y = (_num(v * scale) for v in step.end)
    if step.control is None:
        return f'M {x0} {y0} L {x} {y}'
    cx, cy = (_num(v * scale) for v in step.control)
    return f'M {x0} {y0} Q {cx} {cy} {x} {y}'


def to_svg(program, title='', box=(0.0, 0.0, 1.0, 1.0), pixels=None):
    """The SVG document of one program.

    Args:
        program: A ``Program``.
        title: Text of the ``<title>`` element.
        box: The part of the canvas shown, ``(x0, y0, x1, y1)`` in canvas units (a picture
            that was padded to the square canvas, cropped back).
        pixels: The canvas side in pixels the SVG is shown at (None: ``imsize``).

    Returns:
        str, an SVG in ``imsize`` x ``imsize`` user units showing `box`: a background rectangle
        then one path per painting step, in drawing order, each with ``data-step`` set to its
        step index.
    """
    size = program.imsize
    x0, y0, x1, y1 = (v * size for v in box)
    scale = 1.0 if pixels is None else pixels / size
    lines = [
        f'<svg xmlns="{SVG_NS}" width="{_num((x1 - x0) * scale)}" '
        f'height="{_num((y1 - y0) * scale)}" '
        f'viewBox="{_num(x0)} {_num(y0)} {_num(x1 - x0)} {_num(y1 - y0)}">',
        f'  <title>{quoteattr(title)[1:-1]}</title>',
        f'  <rect width="{size}" height="{size}" fill="{_hex(program.background)}"/>',
    ]
    for t, start, step in program.segments():
        if not step.draw:
            continue
        lines.append(
            f'  <path data-step="{t}" d="{path_data(start, step, size)}" fill="none" '
            f'stroke="{_hex(step.color)}" stroke-width="{_num(program.width(step) * size)}" '
            f'stroke-linecap="round" stroke-linejoin="round"/>')
    lines.append('</svg>')
    return '\n'.join(lines) + '\n'


def render(episodes, out):
    """Writes ``out/drawing_000.svg``, ``out/drawing_001.svg``, ... (``out`` is a directory)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for i, program in enumerate(episodes.programs):
        (out / f'drawing_{i:03d}.svg').write_text(to_svg(program, f'{episodes.title} drawing {i}'))
    logger.info('wrote %d drawings to %s', len(episodes), out)
