"""A drawing as a program: the stroke sequence of one episode, independent of any renderer.

Coordinates are in canvas units: ``(0, 0)`` is the top-left corner of the canvas, ``(1, 1)`` the
bottom-right one, ``x`` to the right and ``y`` down, so a point at pixel ``(px, py)`` of an
``imsize``-wide canvas is ``(px / imsize, py / imsize)``.
"""
from dataclasses import dataclass
from typing import Optional, Tuple

Point = Tuple[float, float]


@dataclass(frozen=True)
class Step:
    """One action of an episode.

    Attributes:
        end: Where the pen is after the step, in canvas units.
        draw: True when the step paints (chainer_spiral's ``prob``, the paper's ``flag``);
            False when the pen only moves.
        pressure: Pen pressure the env used.
        color: RGB in [0, 1] the env used.
        control: The quadratic Bezier control point (paper action space), None for straight strokes.
        size: The brush size index over the number of sizes (in [0, 1)), None where the action
            space has no size.
        width: The stroke width in canvas units where the program's strokes come at several
            scales (a painting assembled from passes over tiles of the canvas), None: the
            program's ``stroke_widths``.
    """

    end: Point
    draw: bool
    pressure: float
    color: Tuple[float, float, float]
    control: Optional[Point] = None
    size: Optional[float] = None
    width: Optional[float] = None


@dataclass(frozen=True)
class Program:
    """The strokes of one episode.

    Attributes:
        action_space: ``'spiral'`` or ``'paper'``.
        imsize: Canvas side in pixels.
        pos_resolution: R, the side of the position grid.
        background: RGB in [0, 1] of the blank canvas.
        start: The pen position before the first step, in canvas units.
        steps: The T steps, in order.
        stroke_widths: Stroke width in canvas units for vector renderings (SVG, player), one per
            brush size (a single one where the action space has no size).
    """

    action_space: str
    imsize: int
    pos_resolution: int
    background: Tuple[float, float, float]
    start: Point
    steps: Tuple[Step, ...]
    stroke_widths: Tuple[float, ...] = (0.03,)

    def width(self, step):
        """The stroke width of ``step`` in canvas units."""
        if step.width is not None:
            return step.width
        if step.size is None:
            return self.stroke_widths[0]
        return self.stroke_widths[size_index(step.size, len(self.stroke_widths))]

    def segments(self):
        """Yields ``(t, start, step)`` per step, ``start`` the pen position before the step."""
        pen = self.start
        for t, step in enumerate(self.steps):
            yield t, pen, step
            pen = step.end

    def polylines(self):
        """The painted strokes as pen paths: one list of points per run of consecutive painting
        steps, from the pen's position before the run through each step's end (a paper-space
        step's control point is left out)."""
        paths, current = [], None
        for _, pen, step in self.segments():
            if not step.draw:
                current = None
                continue
            if current is None:
                current = [pen]
                paths.append(current)
            current.append(step.end)
        return paths

    @property
    def n_strokes(self):
        """The number of steps that paint."""
        return sum(step.draw for step in self.steps)


def size_index(size, n_sizes):
    """Inverts ``Step.size``: the brush size index of a size in [0, 1)."""
    return min(n_sizes - 1, max(0, int(round(size * n_sizes))))
