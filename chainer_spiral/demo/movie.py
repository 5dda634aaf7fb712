"""``movie`` mode: per episode, [target |] canvas at step t | final canvas | strokes with the pen.

One video frame per step and one for the blank canvas: T + 1 frames.
"""
from logging import getLogger
from pathlib import Path

import imageio.v2 as imageio

from chainer_spiral.demo import plotting
from chainer_spiral.sheets import to_rgb

logger = getLogger(__name__)

ROWS = 4
PANEL_PX = 160  # a multiple of 16, so that H.264 needs no padding
TITLE_PX = 32
FPS = 2


def default_n(conditional):
    return ROWS


def frames(episodes):
    """Renders the video frames.

    Args:
        episodes: ``Episodes`` with frames (N, T+1, H, W, 3).

    Yields:
        T + 1 frames, uint8 (N * PANEL_PX + TITLE_PX, n_cols * PANEL_PX, 3).
    """
    n_cols = 4 if episodes.conditional else 3
    fig = plotting.new_figure(n_cols * PANEL_PX, len(episodes) * PANEL_PX + TITLE_PX)
    top = 1 - 1.5 * TITLE_PX / fig.bbox.height
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=top)
    canvases, stroke_axes = [], []
    for i in range(len(episodes)):
        col = i * n_cols
        if episodes.conditional:
            col += 1
            ax = fig.add_subplot(len(episodes), n_cols, col)
            ax.imshow(to_rgb(episodes.targets[i]))
            plotting.bare_axes(ax, 'target' if i == 0 else None)
        ax = fig.add_subplot(len(episodes), n_cols, col + 1)
        canvases.append(ax.imshow(episodes.frames[i, 0]))
        plotting.bare_axes(ax, 'canvas' if i == 0 else None)
        ax = fig.add_subplot(len(episodes), n_cols, col + 2)
        ax.imshow(episodes.finals[i])
        plotting.bare_axes(ax, 'final canvas' if i == 0 else None)
        stroke_axes.append(fig.add_subplot(len(episodes), n_cols, col + 3))
    T = episodes.frames.shape[1] - 1
    try:
        for t in range(T + 1):
            fig.suptitle(f'{episodes.title}  step {t}/{T}', fontsize=8)
            for i, program in enumerate(episodes.programs):
                canvases[i].set_data(episodes.frames[i, t])
                stroke_axes[i].clear()
                plotting.plot_strokes(stroke_axes[i], program, upto=t, pen=True)
            stroke_axes[0].set_title('strokes and pen', fontsize=8)
            yield plotting.figure_to_array(fig)
    finally:
        plotting.close(fig)


def render(episodes, out, fps=FPS):
    """Writes the movie of ``episodes``: an mp4 (H.264), or a GIF when ``out`` ends in ``.gif``.

    Args:
        episodes: ``Episodes``.
        out: Path of the video.
        fps: Frames per second.
    """
    write_video(frames(episodes), out, fps)
    logger.info('wrote %s', out)


def write_video(images, out, fps):
    """Writes frames (uint8 (H, W, 3), H and W multiples of 16) as an mp4 (H.264), or as a GIF
    when ``out`` ends in ``.gif``."""
    if Path(out).suffix.lower() == '.gif':
        imageio.mimsave(out, list(images), duration=1000.0 / fps, loop=0)
    else:
        with imageio.get_writer(out, fps=fps, codec='libx264', quality=8,
                                macro_block_size=16, ffmpeg_log_level='error') as writer:
            for frame in images:
                writer.append_data(frame)
