"""``static`` mode: one row per episode, [final canvas | strokes by drawing order | target]."""
from logging import getLogger

from chainer_spiral.demo import plotting
from chainer_spiral.sheets import to_rgb

logger = getLogger(__name__)

ROWS = 5
PANEL_PX = 160


def default_n(conditional):
    return ROWS


def render(episodes, out):
    """Writes the rows of all ``episodes`` as one PNG.

    Args:
        episodes: ``Episodes`` (N episodes, N rows).
        out: Path of the PNG.
    """
    n_cols = 3 if episodes.conditional else 2
    fig = plotting.new_figure(n_cols * PANEL_PX, len(episodes) * PANEL_PX + 32)
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=1 - 40 / fig.bbox.height)
    fig.suptitle(episodes.title, fontsize=8, y=1 - 4 / fig.bbox.height, va='top')
    for i, program in enumerate(episodes.programs):
        ax = fig.add_subplot(len(episodes), n_cols, i * n_cols + 1)
        ax.imshow(episodes.finals[i])
        plotting.bare_axes(ax, 'final canvas' if i == 0 else None)
        ax = fig.add_subplot(len(episodes), n_cols, i * n_cols + 2)
        plotting.plot_strokes(ax, program)
        plotting.bare_axes(ax, 'strokes (blue first, red last)' if i == 0 else None)
        if episodes.conditional:
            ax = fig.add_subplot(len(episodes), n_cols, i * n_cols + 3)
            ax.imshow(to_rgb(episodes.targets[i]))
            plotting.bare_axes(ax, 'target' if i == 0 else None)
    fig.savefig(out)
    plotting.close(fig)
    logger.info('wrote %s', out)
