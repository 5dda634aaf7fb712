"""Pictures as painters' targets: alpha, 16 bits, light on dark, JPEG at a reduced scale, the
pixel limit, padding to the square canvas."""
import cv2
import numpy as np
import pytest
from PIL import Image

from chainer_spiral.demo import pictures
from chainer_spiral.demo.pictures import (PictureError, is_light_on_dark, read_picture,
                                          work_target)


def line_art(h=48, w=64):
    """Dark strokes with soft edges on white: uint8 (H, W)."""
    image = np.full((h, w), 255, np.uint8)
    cv2.line(image, (8, 8), (w - 8, h - 12), 0, 5, cv2.LINE_AA)
    cv2.circle(image, (w // 3, h // 2), 9, 90, 3, cv2.LINE_AA)
    return image


def photo(h=40, w=40):
    """A colour gradient with a disc: uint8 (H, W, 3)."""
    y, x = np.mgrid[:h, :w]
    image = np.stack([x * 255 // w, y * 255 // h, np.full_like(x, 128)], axis=2).astype(np.uint8)
    cv2.circle(image, (w // 2, h // 2), 8, (250, 20, 30), -1)
    return image


def save(path, image):
    """Writes with OpenCV (BGR order), returns the path."""
    if image.ndim == 3 and image.shape[2] >= 3:
        image = image[:, :, [2, 1, 0] + list(range(3, image.shape[2]))]
    assert cv2.imwrite(str(path), image)
    return path


def target(path, channels, invert=False):
    return work_target(read_picture(path, channels == 3), 32, channels, invert)[0].astype(int)


@pytest.mark.parametrize('variant', ['alpha', 'gray16', 'rgb16', 'webp_alpha', 'gif'])
def test_line_art_in_any_encoding_is_the_opaque_8_bit_target(variant, tmp_path):
    art = line_art()
    reference = target(save(tmp_path / 'ref.png', art), 1)
    if variant == 'alpha':  # black ink whose opacity is its darkness, on nothing
        rgba = np.dstack([np.zeros(art.shape + (3,), np.uint8), 255 - art])
        path = save(tmp_path / 'a.png', rgba)
    elif variant == 'gray16':
        path = save(tmp_path / 'a.png', art.astype(np.uint16) * 257)
    elif variant == 'rgb16':
        rgb = np.repeat(art[:, :, None], 3, axis=2)
        path = save(tmp_path / 'a.png', rgb.astype(np.uint16) * 257)
    elif variant == 'webp_alpha':
        rgba = np.dstack([np.zeros(art.shape + (3,), np.uint8), 255 - art])
        Image.fromarray(rgba, 'RGBA').save(tmp_path / 'a.webp', lossless=True)
        path = tmp_path / 'a.webp'
    else:
        Image.fromarray(art, 'L').save(tmp_path / 'a.gif')
        path = tmp_path / 'a.gif'
    assert np.abs(target(path, 1) - reference).max() <= 1


def test_light_on_dark_is_detected_and_inverted_to_the_same_target(tmp_path):
    art = line_art()
    reference = target(save(tmp_path / 'ref.png', art), 1)
    dark = read_picture(save(tmp_path / 'dark.png', 255 - art), False)
    assert is_light_on_dark(dark) and not is_light_on_dark(art)
    inverted, _ = work_target(dark, 32, 1, invert=True)
    np.testing.assert_array_equal(inverted, reference)


def test_a_colour_picture_with_alpha_is_the_opaque_one(tmp_path):
    image = photo()
    reference = target(save(tmp_path / 'ref.png', image), 3)
    opaque = np.dstack([image, np.full(image.shape[:2], 255, np.uint8)])
    assert np.abs(target(save(tmp_path / 'a.png', opaque), 3) - reference).max() == 0
    wide = target(save(tmp_path / 'a16.png', image.astype(np.uint16) * 257), 3)
    assert np.abs(wide - reference).max() == 0
    assert reference.shape == (3, 32, 32)


def test_a_jpeg_is_decoded_at_the_smallest_scale_that_keeps_the_side(tmp_path):
    big = cv2.resize(photo(), (1600, 1200), interpolation=cv2.INTER_LINEAR)
    path = save(tmp_path / 'big.jpg', big)
    small = read_picture(path, True, side=250)
    assert small.shape == (300, 400, 3)  # 1/4 of 1600 x 1200: 1/8 (200 x 150) is below 250
    assert read_picture(path, False, side=200).shape == (150, 200)
    assert read_picture(path, True).shape == (1200, 1600, 3)


def test_pictures_above_the_pixel_limit_are_refused_before_decoding(tmp_path, monkeypatch):
    path = save(tmp_path / 'p.png', line_art(50, 60))
    monkeypatch.setattr(pictures, 'MAX_PIXELS', 2999)
    with pytest.raises(PictureError, match=r'p\.png: expected at most 2999 pixels, got 60 x 50$'):
        read_picture(path, False)


@pytest.mark.parametrize('content', [b'', b'\x89PNG\r\n\x1a\n not really', b'GIF89a'])
def test_an_unreadable_file_is_one_line(content, tmp_path):
    path = tmp_path / 'x.png'
    path.write_bytes(content)
    with pytest.raises(PictureError, match=rf'x\.png: not a readable image \({len(content)} '
                                           r'bytes\)$'):
        read_picture(path, False)


def test_a_picture_is_padded_with_paper_to_a_centred_square():
    art = np.zeros((20, 40), np.uint8)  # all ink, twice as wide as high
    square, box = work_target(art, 40, 1)
    assert box == (0.0, 0.25, 1.0, 0.75)
    assert (square[0, :10] == 255).all() and (square[0, 30:] == 255).all()
    assert (square[0, 10:30] == 0).all()
    colour, box = work_target(np.zeros((40, 20, 3), np.uint8), 40, 3, paper=(1.0, 0.5, 0.0))
    assert box == (0.25, 0.0, 0.75, 1.0)
    np.testing.assert_array_equal(colour[:, 0, 0], [255, 128, 0])


@pytest.mark.parametrize('pen', [1, 3, 12])
def test_strokes_are_redrawn_at_the_width_asked(pen):
    picture = np.full((128, 128), 255, np.uint8)
    cv2.circle(picture, (64, 64), 40, 0, pen, cv2.LINE_AA)
    cv2.line(picture, (20, 110), (110, 110), 0, pen, cv2.LINE_AA)
    if pen == 1:  # a faint pencil line still counts as a stroke
        picture = np.maximum(picture, 170).astype(np.uint8)
    redrawn = pictures.with_stroke_width(picture, 0.08)
    assert redrawn.shape == (128, 128)
    assert pictures.stroke_width(redrawn) == pytest.approx(0.08 * 128, rel=0.15)
    wide = pictures.with_stroke_width(cv2.resize(picture, (1024, 1024)), 0.08, side=256)
    assert wide.shape == (256, 256)
    assert pictures.stroke_width(wide) == pytest.approx(0.08 * 256, rel=0.15)
