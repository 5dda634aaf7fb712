"""A user's picture as a painter's target: read at bounded memory, polarity, square canvas.

``read_picture`` decodes PNG, JPEG, WebP, BMP, TIFF (and GIF through Pillow) as uint8, 16-bit
pictures scaled to 8 bits and transparency composited on white (``datasets.base.decode_image``).
Memory stays bounded whatever the file: a JPEG is decoded at the smallest of its DCT scales (1/8,
1/4, 1/2, 1) that still gives the side the painting needs (Pillow's ``draft``), so a 6000 x 6000
photo is read as 750 x 750; any other picture (or a JPEG still above the limit at 1/8) with more
than ``MAX_PIXELS`` pixels is refused from its header, before a pixel of it is decoded.

The painters paint dark strokes on light paper. ``is_light_on_dark`` tells line art drawn light on
dark (its border darker than mid-grey), which a grayscale painter paints inverted; photos, for a
colour painter, are taken as they are; ``with_stroke_width`` redraws line art with the stroke
width of the painters' training digits. ``work_target`` makes the square canvas the painting
covers: the picture padded with the painter's paper to a centred square (its aspect ratio kept;
``box`` says where the picture lies, for the outputs to crop back) and resized to the side the
passes need.
"""
import math
import warnings
from logging import getLogger
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from chainer_spiral.datasets.base import DatasetError, decode_image
from chainer_spiral.datasets.tracing import skeleton

logger = getLogger(__name__)

# Pixels of the largest picture decoded at full size: 40 M pixels (6,400 x 6,400) of 16-bit RGBA
# take 320 MB while decoding.
MAX_PIXELS = 40_000_000
# A border darker than this mean (of 255) means light strokes on a dark background.
DARK_BORDER = 128
# The longest side at which a drawing's strokes are redrawn (`with_stroke_width`).
REDRAW_SIDE = 512


class PictureError(ValueError):
    """A picture that cannot be read (one line naming the file)."""


def read_picture(path, color, side=None):
    """Reads an image file at bounded memory.

    Args:
        path: The file.
        color: True: RGB (H, W, 3); False: grayscale (H, W).
        side: The longer side the caller needs (a JPEG is decoded at the smallest DCT scale
            whose longer side keeps at least that many pixels); None: full size.

    Returns:
        uint8 (H, W, 3) or (H, W), transparency composited on white.

    Raises:
        PictureError: not a readable image, or larger than ``MAX_PIXELS`` at its smallest scale.
    """
    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', Image.DecompressionBombWarning)
            with Image.open(path) as image:  # the header only, until a pixel is asked for
                if image.format == 'JPEG':
                    return _read_jpeg(image, path, color, side)
                _check_pixels(path, image.size)
                if image.format == 'GIF':  # OpenCV reads no GIF
                    return _from_pillow(image, color)
    except Image.DecompressionBombError:
        raise PictureError(f'{path}: expected at most {MAX_PIXELS} pixels, got a picture too '
                           f'large to open') from None
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise PictureError(f'{path}: not a readable image ({_file_size(path)})') from None
    try:
        return decode_image(path.read_bytes(), path, color)
    except (DatasetError, OSError) as e:
        raise PictureError(str(e).splitlines()[0]) from None


def _file_size(path):
    try:
        return f'{path.stat().st_size} bytes'
    except OSError as e:
        return e.strerror or type(e).__name__


def _check_pixels(path, size):
    width, height = size
    if width * height > MAX_PIXELS:
        raise PictureError(f'{path}: expected at most {MAX_PIXELS} pixels, got {width} x {height}')


def _read_jpeg(image, path, color, side):
    if side is not None:
        width, height = image.size
        factor = side / max(width, height)
        image.draft('RGB' if color else 'L',
                    (max(1, math.ceil(width * factor)), max(1, math.ceil(height * factor))))
    _check_pixels(path, image.size)
    return _from_pillow(ImageOps.exif_transpose(image), color)


def _from_pillow(image, color):
    """A Pillow image as uint8, transparency composited on white."""
    if image.mode not in ('RGBA', 'LA', 'PA') and 'transparency' not in image.info:
        return np.asarray(image.convert('RGB').convert('RGB' if color else 'L'), np.uint8)
    image = image.convert('RGBA')
    white = Image.new('RGBA', image.size, (255, 255, 255, 255))
    flat = Image.alpha_composite(white, image).convert('RGB' if color else 'L')
    return np.asarray(flat, np.uint8)


def border_mean(image):
    """Mean value of the outermost pixels of a uint8 (H, W[, C]) image."""
    rows = np.concatenate((image[0], image[-1]), axis=0).reshape(-1)
    cols = np.concatenate((image[:, 0], image[:, -1]), axis=0).reshape(-1)
    return float(np.concatenate((rows, cols)).mean())


def is_light_on_dark(image):
    """Whether a picture has light strokes on a dark background (its border is dark)."""
    return border_mean(image) < DARK_BORDER


def work_target(image, side, channels, invert=False, paper=(1.0, 1.0, 1.0)):
    """A picture on the square canvas that a painting covers.

    Args:
        image: uint8 (H, W) or (H, W, 3).
        side: N, the square's side in pixels.
        channels: C of the painter: 1 (grayscale) or 3 (RGB).
        invert: paint the negative (light strokes on a dark background).
        paper: the painter's paper (its env's background), RGB in [0, 1]: the padding.

    Returns:
        (uint8 (C, N, N), box): the picture in the painter's polarity, padded with paper to a
        centred square and resized (area interpolation when shrinking, cubic when enlarging);
        box ``(x0, y0, x1, y1)`` the picture's part of the square in canvas units.
    """
    if channels == 1 and image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    if channels == 3 and image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    if invert:
        image = 255 - image
    image = image.reshape(image.shape[:2] + (channels,))
    h, w = image.shape[:2]
    longest = max(h, w)
    fill = np.asarray(paper, np.float64) * 255
    if channels == 1:
        fill = fill @ np.array([0.299, 0.587, 0.114])
    square = np.empty((longest, longest, channels), np.uint8)
    square[...] = np.round(fill).astype(np.uint8)
    top, left = (longest - h) // 2, (longest - w) // 2
    square[top:top + h, left:left + w] = image
    interpolation = cv2.INTER_AREA if side < longest else cv2.INTER_CUBIC
    resized = cv2.resize(square, (side, side), interpolation=interpolation)
    box = (left / longest, top / longest, (left + w) / longest, (top + h) / longest)
    return resized.reshape(side, side, channels).transpose(2, 0, 1).copy(), box


def stroke_width(image):
    """The width in pixels of a line drawing's strokes: 2 x ink area / ink perimeter (exact for
    long strokes), ink the pixels darker than mid-grey of a dark-on-light uint8 (H, W) image."""
    ink = (image < 128).astype(np.uint8)
    contours, _ = cv2.findContours(ink, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(c, True) for c in contours)
    return 2.0 * float(ink.sum()) / max(perimeter, 1.0)


def redraw_strokes(image, width):
    """A line drawing's strokes at another width: skeletonised, redrawn antialiased.

    Args:
        image: uint8 (H, W), dark strokes on light paper; ink is what is darker than halfway
            between its darkest pixel and white (so faint thin lines count).
        width: the new stroke width in pixels.

    Returns:
        uint8 (H, W), black strokes `width` pixels wide on white.
    """
    lines = skeleton(image < (int(image.min()) + 255) / 2)
    distance = cv2.distanceTransform((~lines).astype(np.uint8), cv2.DIST_L2, 5)
    ink = np.clip(width / 2 + 0.5 - distance, 0, 1)
    return np.round(255 * (1 - ink)).astype(np.uint8)


def with_stroke_width(image, fraction, side=REDRAW_SIDE):
    """A line drawing redrawn with strokes `fraction` of its longer side wide (the painters' own
    data, MNIST, has 0.08): thin or faint lines of a sketch become strokes a painter can see.

    Args:
        image: uint8 (H, W), dark strokes on light paper.
        fraction: the stroke width over the longer side.
        side: the drawing is first shrunk to at most this longer side (area interpolation).

    Returns:
        uint8 (H', W'), H' and W' at most `side`.
    """
    longest = max(image.shape)
    if longest > side:
        size = (max(1, round(image.shape[1] * side / longest)),
                max(1, round(image.shape[0] * side / longest)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return redraw_strokes(image, fraction * max(image.shape))

