"""A program painted through libmypaint at any size: its strokes replayed, never a resize.

``replay_at_size(program, S)`` paints every step of a program on an S x S libmypaint canvas:
points go from canvas units to pixels (times S), each stroke's brush radius is its width in
canvas units times S / 2 (``Program.width``: the env's radius, and the paper's size levels, at
the env's own canvas), and the pressure and colour are the step's. The shipped brushes map
pressure to opacity (``round``) or to a factor of the radius (``pressure``), so the pressure of
a step needs no scaling: its effect scales with the radius. At S = the program's ``imsize`` the
replay repaints the env's canvas; at another S it is the same strokes at that resolution, so a
program can be painted as large as wanted.

Unlike ``conversion.env_actions``, the points need not lie on a grid: a painting assembled from
passes over tiles of the canvas (``demo.tiles``) has points on each tile's own grid.
"""
from logging import getLogger

import numpy as np

from chainer_spiral.envs.libmypaint import Brush, Canvas

logger = getLogger(__name__)

# The largest canvas side a replay paints (a libmypaint canvas of 4096 x 4096 holds 128 MiB).
MAX_SIZE = 4096


def draw(program, canvas, brush, offset=(0.0, 0.0), scale=None):
    """Paints the program's steps on `canvas` with `brush` (the canvas is not cleared).

    Args:
        program: A ``Program``.
        canvas: The libmypaint ``Canvas`` to paint on.
        brush: A ``Brush`` (its radius and colour are set per step).
        offset: The canvas point, in canvas units, at the canvas's top-left pixel corner.
        scale: Pixels per canvas unit (None: the canvas's width): a point p of the program goes
            to pixel ``(p - offset) * scale``; strokes outside the canvas are clipped.
    """
    for _ in draw_steps(program, canvas, brush, offset, scale):
        pass


def draw_steps(program, canvas, brush, offset=(0.0, 0.0), scale=None):
    """``draw`` a step at a time: yields each step's index t after painting it."""
    scale = canvas.width if scale is None else scale
    ox, oy = offset

    def pixels(point):
        return ((point[0] - ox) * scale, (point[1] - oy) * scale)

    brush.move_to(canvas, *pixels(program.start))
    color = radius = None
    for t, _, step in program.segments():
        if not step.draw:
            brush.move_to(canvas, *pixels(step.end))
            yield t
            continue
        if step.color != color:
            brush.set_color(step.color)
            color = step.color
        width = program.width(step) * scale / 2
        if width != radius:
            brush.radius = width
            radius = width
        if step.control is None:
            brush.stroke_to(canvas, *pixels(step.end), step.pressure)
        else:
            brush.stroke_bezier(canvas, pixels(step.control), pixels(step.end), step.pressure)
        yield t


def replay_at_size(program, size, brush='round', box=(0.0, 0.0, 1.0, 1.0)):
    """The program painted on a size x size canvas, cropped to `box`.

    Args:
        program: A ``Program``.
        size: S, the side in pixels of the whole canvas (1 to ``MAX_SIZE``).
        brush: The brush the program was painted with (its run's ``env.brush``).
        box: ``(x0, y0, x1, y1)`` in canvas units: the part returned (a picture that was padded
            to the square canvas, cropped back).

    Returns:
        uint8 (H, W, 3) with ``H = round(y1 * S) - round(y0 * S)``, W likewise.

    Raises:
        ValueError: a size outside [1, MAX_SIZE].
    """
    if not (isinstance(size, (int, np.integer)) and 1 <= size <= MAX_SIZE):
        raise ValueError(f'size: expected an int in [1, {MAX_SIZE}], got {size!r}')
    canvas = Canvas(int(size), int(size), program.background)
    draw(program, canvas, Brush(brush))
    return crop(canvas.image(), box)


def crop(image, box):
    """The part `box` (canvas units) of an (S, S, ...) image: rows and columns rounded."""
    size = image.shape[0]
    x0, y0, x1, y1 = (int(round(v * size)) for v in box)
    return image[y0:y1, x0:x1]
