"""The movie of a coarse-to-fine painting: the picture beside the canvas, stroke by stroke.

One frame per painted step (the program replayed at the movie's size, never a resize), the box of
the pass being painted outlined on the canvas and a caption ``pass p/P  stroke s/S``; the last
frame of each pass is held for ``HOLD_S`` seconds, so the passes read one by one.
"""
from logging import getLogger

import cv2
import numpy as np

from chainer_spiral.demo.movie import write_video
from chainer_spiral.envs.libmypaint import Brush, Canvas
from chainer_spiral.program.replay import crop, draw_steps
from chainer_spiral.sheets import to_rgb

logger = getLogger(__name__)

FPS = 20
HOLD_S = 0.5
CAPTION_PX = 32  # a multiple of 16, so that H.264 needs no padding
GAP_PX = 16
BOX_RGB = (208, 48, 154)


def frames(painting, size):
    """The movie's frames.

    Args:
        painting: A ``coarse_to_fine.Painting``.
        size: S, the side of the square canvas in the movie (a multiple of 16 keeps H.264 from
            padding; the picture's crop of it is shown).

    Yields:
        uint8 (CAPTION_PX + H, 2 W + GAP_PX, 3) frames, H x W the picture's crop of S x S.
    """
    program, box = painting.program, painting.box
    target = cv2.resize(to_rgb(painting.target.astype(np.float32) / 255), (size, size),
                        interpolation=cv2.INTER_AREA)
    target = crop(target, box)
    canvas = Canvas(size, size, program.background)
    owner = _pass_of_steps(painting)
    kept = [p for p in painting.passes if p.kept]
    strokes, n_strokes = 0, program.n_strokes
    hold = max(1, int(round(HOLD_S * FPS)))
    frame = None
    for t in draw_steps(program, canvas, Brush(painting.brush)):
        index = owner[t]
        if not program.steps[t].draw:
            continue
        strokes += 1
        frame = _frame(target, crop(canvas.image(), box), kept[index].box, box, size,
                       f'pass {index + 1}/{len(kept)}  stroke {strokes}/{n_strokes}')
        yield frame
        last_of_pass = t + 1 == len(program.steps) or owner[t + 1] != index
        if last_of_pass:
            for _ in range(hold - 1):
                yield frame
    if frame is None:  # nothing painted: the picture beside the blank canvas
        yield _frame(target, crop(canvas.image(), box), None, box, size, 'no stroke kept')


def _pass_of_steps(painting):
    """The index among the kept passes of each step of the program."""
    owner = np.empty(len(painting.program.steps), np.int64)
    for i, p in enumerate(q for q in painting.passes if q.kept):
        owner[p.steps[0]:p.steps[1]] = i
    return owner


def _frame(target, canvas, pass_box, box, size, caption):
    h, w = canvas.shape[:2]
    shown = canvas.copy()
    if pass_box is not None:
        x0, y0, x1, y1 = (int(round((v - o) * size)) for v, o in zip(
            pass_box, (box[0], box[1], box[0], box[1])))
        cv2.rectangle(shown, (x0, y0), (x1 - 1, y1 - 1), BOX_RGB, 1)
    out = np.full((_up16(CAPTION_PX + h), _up16(2 * w + GAP_PX), 3), 255, np.uint8)
    out[CAPTION_PX:CAPTION_PX + h, :w] = target
    out[CAPTION_PX:CAPTION_PX + h, w + GAP_PX:2 * w + GAP_PX] = shown
    cv2.putText(out, caption, (4, CAPTION_PX - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1,
                cv2.LINE_AA)
    return out


def _up16(n):
    return -(-n // 16) * 16


def render(painting, out, size, fps=FPS):
    """Writes the painting's movie: an mp4 (H.264), or a GIF when ``out`` ends in ``.gif``."""
    write_video(frames(painting, size), out, fps)
    logger.info('wrote %s', out)
