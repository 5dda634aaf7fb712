"""An uploaded picture: checked in bytes, format and pixels before it is decoded, then made the
painter's target the way ``demo.py reconstruct`` makes one of a file (``demo.pictures``).

Pillow reads the header only (format and size), so a decompression bomb (a few kilobytes that
claim a huge picture) is refused before a pixel of it is decoded; OpenCV decodes the pictures
that pass, as the datasets and ``reconstruct`` do (``datasets.base.decode_image``).
"""
import io
import warnings

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from chainer_spiral.datasets.base import DatasetError, binarize_images, decode_image
from chainer_spiral.demo.pictures import is_light_on_dark, work_target
from chainer_spiral.serve.errors import RequestError

# The formats that both Pillow's header reader and OpenCV's decoder know (OpenCV reads no GIF).
FORMATS = ('PNG', 'JPEG', 'WEBP', 'BMP', 'TIFF')
INVERT_CHOICES = ('auto', '0', '1')
# Pillow warns of pictures above its own limit while reading the header; `Limits.max_pixels`,
# far below it, refuses them anyway, so the warning would only repeat the 413.
warnings.simplefilter('ignore', Image.DecompressionBombWarning)


def image_format(data, limits):
    """The format of an upload, from its header.

    Args:
        data: bytes of the upload (at most ``limits.max_bytes``).
        limits: ``limits.Limits``.

    Returns:
        str, one of ``FORMATS``.

    Raises:
        RequestError: 400 when empty, 415 when not an image of ``FORMATS``, 413 when it has more
            than ``limits.max_pixels`` pixels.
    """
    if not data:
        raise RequestError(400, 'upload: expected an image in the request body, got none')
    try:
        with Image.open(io.BytesIO(data)) as image:  # the header only: nothing is decoded
            kind, (width, height) = image.format, image.size
    except Image.DecompressionBombError:
        raise RequestError(413, f'upload: expected at most {limits.max_pixels} pixels, got a '
                                f'picture too large to open') from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise RequestError(415, f'upload: expected an image ({", ".join(FORMATS)}), got '
                                f'{len(data)} bytes of something else') from None
    if kind not in FORMATS:
        raise RequestError(415, f'upload: expected an image in {", ".join(FORMATS)}, got '
                                f'{kind}')
    if width * height > limits.max_pixels:
        raise RequestError(413, f'upload: expected at most {limits.max_pixels} pixels, got '
                                f'{width} x {height}')
    return kind


def read_upload(data, limits, color):
    """The pixels of an upload, after the checks of ``image_format``.

    Args:
        data: bytes of the upload.
        limits: ``limits.Limits``.
        color: True for RGB, False for grayscale.

    Returns:
        uint8 (H, W, 3) or (H, W), transparency composited on white.

    Raises:
        RequestError: see ``image_format``; 422 when the data does not decode.
    """
    image_format(data, limits)
    try:
        return decode_image(data, 'upload', color)
    except DatasetError as e:
        raise RequestError(422, str(e)) from None
    except cv2.error:
        raise RequestError(422, f'upload: not a readable image ({len(data)} bytes)') from None


def is_inverted(image, channels, invert='auto'):
    """Whether a picture is painted as its negative.

    Args:
        image: uint8 (H, W[, 3]).
        channels: C of the painter.
        invert: ``'1'``: light strokes on a dark background; ``'0'``: dark on light; ``'auto'``:
            light on dark when a grayscale painter's picture has a dark border
            (``pictures.is_light_on_dark``; a colour painter takes photos as they are).

    Returns:
        bool.
    """
    if invert == 'auto':
        return bool(channels == 1 and is_light_on_dark(image))
    return invert == '1'


def upload_target(image, cfg, channels, inverted):
    """A picture as the painter's target, as one pass of ``reconstruct`` makes one: padded with
    the painter's paper to a centred square (its aspect ratio kept), resized to the canvas,
    binarised when the painter's data was.

    Args:
        image: uint8 (H, W[, 3]).
        cfg: the painter's Config (its canvas, paper and data).
        channels: C of the painter.
        inverted: paint its negative (``is_inverted``).

    Returns:
        float32 (C, imsize, imsize) in [0, 1].
    """
    target, _ = work_target(image, cfg.env.imsize, channels, inverted, cfg.env.background)
    if cfg.data.binarize:
        target = binarize_images(target, cfg.data.threshold)
    return target.astype(np.float32) / np.float32(255)
