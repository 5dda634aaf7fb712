"""Matplotlib helpers shared by the demo modes (Agg backend, no display needed)."""
from logging import getLogger

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402
from matplotlib.patches import PathPatch  # noqa: E402

logger = getLogger(__name__)

BLUE = np.array([0.0, 0.0, 1.0])
RED = np.array([1.0, 0.0, 0.0])


def order_colors(T):
    """Colours for drawing order, blue for the first step to red for the last.

    Args:
        T: Number of steps.

    Returns:
        float array (T, 3) of RGB in [0, 1].
    """
    s = np.linspace(0.0, 1.0, T)[:, None] if T > 1 else np.zeros((T, 1))
    return (1.0 - s) * BLUE + s * RED


def bare_axes(ax, title=None):
    """Hides ticks and keeps a square aspect."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect('equal')
    if title:
        ax.set_title(title, fontsize=8)


def plot_strokes(ax, program, upto=None, pen=False, lw=2.0):
    """Draws the painting steps of a program coloured by drawing order (blue -> red).

    Args:
        ax: Matplotlib axes.
        program: A ``Program``.
        upto: Draw only steps ``t < upto`` (None: all of them).
        pen: Also mark the pen positions (small dots) and the current one (a ring).
        lw: Line width in points.
    """
    T = len(program.steps)
    upto = T if upto is None else upto
    colors = order_colors(T)
    visited = [program.start]
    for t, start, step in program.segments():
        if t >= upto:
            break
        visited.append(step.end)
        if not step.draw:
            continue
        if step.control is None:
            verts, codes = [start, step.end], [MplPath.MOVETO, MplPath.LINETO]
        else:
            verts = [start, step.control, step.end]
            codes = [MplPath.MOVETO, MplPath.CURVE3, MplPath.CURVE3]
        ax.add_patch(PathPatch(MplPath(verts, codes), fill=False, lw=lw, edgecolor=colors[t],
                               capstyle='round'))
    if pen:
        xs, ys = np.array(visited).T
        ax.plot(xs, ys, '.', color='0.5', ms=3)
        ax.plot(xs[-1:], ys[-1:], 'o', mfc='none', mec='k', ms=8, mew=1.5)
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(1.05, -0.05)
    bare_axes(ax)


def figure_to_array(fig):
    """Renders a figure.

    Returns:
        uint8 (H, W, 3) of the figure's pixels.
    """
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def close(fig):
    """Frees a figure (pyplot keeps every open figure alive)."""
    plt.close(fig)


def new_figure(width_px, height_px, dpi=100):
    """A figure of exactly ``width_px`` x ``height_px`` pixels."""
    return plt.figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
