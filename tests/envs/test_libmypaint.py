"""Canvas and Brush: golden pixels of the libmypaint binding, and its error messages."""
import json

import numpy as np
import pytest

from chainer_spiral.envs import libmypaint
from chainer_spiral.envs.libmypaint import BRUSH_DIR, Brush, Canvas, LibMyPaintError, load_binding
from pixels import box, ink


def stroke(brush, canvas, start, end, pressure=1.0):
    brush.move_to(canvas, *start)
    brush.stroke_to(canvas, *end, pressure)
    return canvas.image()


def test_clear_and_read_background():
    canvas = Canvas(64, 64, background=(1.0, 0.5, 0.0))
    image = canvas.image()
    assert image.shape == (64, 64, 3) and image.dtype == np.uint8
    assert (image == [255, 128, 0]).all()
    canvas.clear((0.0, 0.0, 1.0))
    assert (canvas.image() == [0, 0, 255]).all()


def test_horizontal_stroke_covers_its_capsule_box_only():
    canvas, brush = Canvas(64, 64), Brush('round')
    assert brush.radius == pytest.approx(2.0, abs=1e-5)
    image = stroke(brush, canvas, (10.0, 16.0), (30.0, 16.0))
    # Radius 2 around the segment (10, 16)-(30, 16): pixels [8, 32) x [14, 18).
    np.testing.assert_array_equal(ink(image), box((64, 64), (14, 17), (8, 31)))
    assert (image[ink(image)] == 0).all()


def test_stroke_direction_does_not_matter():
    forward = stroke(Brush('round'), Canvas(64, 64), (10.0, 16.0), (30.0, 16.0))
    backward = stroke(Brush('round'), Canvas(64, 64), (30.0, 16.0), (10.0, 16.0))
    np.testing.assert_array_equal(forward, backward)


def test_stroke_to_the_pen_paints_a_dot_and_a_move_paints_nothing():
    canvas, brush = Canvas(64, 64), Brush('round')
    brush.move_to(canvas, 40.0, 40.0)
    assert not ink(canvas.image()).any()
    image = stroke(brush, canvas, (10.0, 10.0), (10.0, 10.0))
    np.testing.assert_array_equal(ink(image), box((64, 64), (8, 11), (8, 11)))


def test_colour_lands_as_requested():
    canvas, brush = Canvas(64, 64), Brush('round')
    for color, expected in (((1.0, 0.0, 0.0), (255, 0, 0)), ((0.2, 0.4, 0.6), (51, 102, 153)),
                            ((0.5, 0.5, 0.5), (128, 128, 128))):
        canvas.clear()
        brush.set_color(color)
        assert tuple(stroke(brush, canvas, (10.0, 10.0), (20.0, 10.0))[10, 15]) == expected
    brush.set_color((0.33, 0.9, 0.1))
    got = stroke(brush, canvas, (10.0, 30.0), (20.0, 30.0))[30, 15].astype(int)
    assert np.abs(got - np.array([0.33, 0.9, 0.1]) * 255).max() <= 1


def test_pressure_pen_widens_with_pressure_and_round_pen_does_not():
    def ink_of(brush_name, pressure):
        return ink(stroke(Brush(brush_name), Canvas(64, 64), (10.0, 32.0), (50.0, 32.0), pressure))

    pressures = (0.0, 0.6, 0.8, 1.0)
    areas = [int(ink_of('pressure', p).sum()) for p in pressures]
    assert areas == sorted(set(areas)), areas  # strictly increasing
    # Radius 0.5 * 6 ** pressure: 0.5, 2.1 and 3 pixels around y = 32.
    assert [int(ink_of('pressure', p)[:, 30].sum()) for p in (0.0, 0.8, 1.0)] == [2, 4, 6]
    round_pen = [ink_of('round', p) for p in pressures]
    for image in round_pen[1:]:
        np.testing.assert_array_equal(image, round_pen[0])


def test_strokes_past_the_border_are_clipped():
    canvas, brush = Canvas(64, 64), Brush('round')
    image = stroke(brush, canvas, (-20.0, 10.0), (90.0, 10.0))
    np.testing.assert_array_equal(ink(image), box((64, 64), (8, 11), (0, 63)))
    canvas.clear()
    image = stroke(brush, canvas, (63.0, -5.0), (63.0, 100.0))
    np.testing.assert_array_equal(ink(image), box((64, 64), (0, 63), (61, 63)))


def test_canvas_of_several_tiles_that_is_not_square():
    canvas, brush = Canvas(100, 70), Brush('round')
    assert canvas.image().shape == (70, 100, 3)
    # Crosses the tile boundaries x = 64 and y = 64; the second one runs along the bottom edge.
    image = stroke(brush, canvas, (60.0, 65.0), (80.0, 65.0))
    np.testing.assert_array_equal(ink(image), box((70, 100), (63, 66), (58, 81)))
    image = stroke(brush, canvas, (5.0, 69.0), (95.0, 69.0))
    expected = box((70, 100), (63, 66), (58, 81)) | box((70, 100), (67, 69), (3, 96))
    np.testing.assert_array_equal(ink(image), expected)


def test_bezier_with_control_on_the_chord_is_the_straight_stroke():
    straight = stroke(Brush('round'), Canvas(64, 64), (10.0, 16.0), (30.0, 16.0))
    canvas, brush = Canvas(64, 64), Brush('round')
    brush.move_to(canvas, 10.0, 16.0)
    assert brush.stroke_bezier(canvas, (20.0, 16.0), (30.0, 16.0)) == 1
    np.testing.assert_array_equal(canvas.image(), straight)


def test_curved_bezier_passes_near_its_midpoint_not_the_chord():
    canvas, brush = Canvas(64, 64), Brush('round')
    brush.move_to(canvas, 8.0, 50.0)
    chords = brush.stroke_bezier(canvas, (32.0, 2.0), (56.0, 50.0))
    # |P0 - 2 P1 + P2| = 96 -> ceil(sqrt(96 / (4 * 0.25))) chords.
    assert chords == 10
    image = ink(canvas.image())
    assert image[26, 32]  # B(0.5) = (32, 26)
    assert not image[50, 32] and not image[40, 32]


def test_stroke_path_visits_every_point():
    canvas, brush = Canvas(64, 64), Brush('round')
    brush.move_to(canvas, 10.0, 10.0)
    brush.stroke_path(canvas, np.array([[50.0, 10.0], [50.0, 50.0]]))
    image = ink(canvas.image())
    expected = box((64, 64), (8, 11), (8, 51)) | box((64, 64), (8, 51), (48, 51))
    assert not (image & ~expected).any()
    # Dabs are spaced along the path, so the outer corner pixel may stay blank.
    expected[8, 51] = False
    assert image[expected].all()


def test_two_canvases_are_independent():
    a, b = Canvas(64, 64), Canvas(64, 64)
    brush_a, brush_b = Brush('round'), Brush('round')
    stroke(brush_a, a, (10.0, 16.0), (30.0, 16.0))
    assert not ink(b.image()).any()
    stroke(brush_b, b, (10.0, 16.0), (30.0, 16.0))
    np.testing.assert_array_equal(a.image(), b.image())


def test_brush_by_path_equals_brush_by_name():
    assert Brush(BRUSH_DIR / 'pressure.myb').radius == Brush('pressure').radius


def test_invalid_arguments():
    with pytest.raises(ValueError, match='width'):
        Canvas(0, 64)
    with pytest.raises(ValueError, match='background'):
        Canvas(64, 64, background=(1.0, 2.0, 0.0))
    with pytest.raises(ValueError, match='pressure'):
        Brush('round').stroke_to(Canvas(8, 8), 1.0, 1.0, pressure=1.5)
    with pytest.raises(ValueError, match='color'):
        Brush('round').set_color((0.0, 0.0))
    with pytest.raises(ValueError, match=r'shape \(8, 8, 3\)'):
        Canvas(8, 8).image(out=np.empty((8, 8, 4), np.uint8))


@pytest.mark.parametrize('content, message', [
    (None, 'cannot read'),
    ('{"version": 3, "settings": ', 'invalid JSON'),
    ('{"version": 2, "settings": {}}', 'version 2'),
    ('{"version": 3, "settings": {"radius_logarithmic": {"base_value": 1.0, "inputs": {}},'
     ' "no_such_setting": {"base_value": 1.0, "inputs": {}}}}',
     "unknown brush setting 'no_such_setting'"),
    ('{"version": 3, "settings": {"hardness": {"inputs": {}}}}', "setting 'hardness'"),
])
def test_bad_brush_file_names_the_file(tmp_path, content, message):
    path = tmp_path / 'bad.myb'
    if content is not None:
        path.write_text(content)
    with pytest.raises(ValueError, match=message) as info:
        Brush(path)
    assert str(path) in str(info.value)


def test_unknown_brush_name_lists_the_brushes():
    with pytest.raises(ValueError, match="no_such_brush.myb.*'broad', 'pressure', 'round', 'wide'"):
        Brush('no_such_brush')


def test_our_brush_files_are_complete_and_deterministic():
    for name in ('round', 'pressure', 'broad', 'wide'):
        settings = json.loads((BRUSH_DIR / f'{name}.myb').read_text())['settings']
        for key in ('radius_by_random', 'offset_by_random', 'tracking_noise', 'slow_tracking'):
            assert settings[key]['base_value'] == 0.0, (name, key)
        assert settings['hardness']['base_value'] == 1.0


def test_missing_library_names_the_apt_package():
    with pytest.raises(LibMyPaintError, match='install the Debian package libmypaint-1.5-1'):
        load_binding(soname='libmypaint-0.0.so.404')


def test_missing_extension_names_the_install_command():
    with pytest.raises(LibMyPaintError, match='run `bash scripts/install.sh`'):
        load_binding(module='chainer_spiral.envs._no_such_extension')


def test_canvas_reports_a_missing_library(monkeypatch):
    monkeypatch.setattr(libmypaint, '_binding', None)
    monkeypatch.setattr(libmypaint, 'SONAME', 'libmypaint-0.0.so.404')
    with pytest.raises(LibMyPaintError, match='libmypaint-0.0.so.404.*libmypaint-1.5-1'):
        Canvas(64, 64)


@pytest.fixture
def random_brush(tmp_path):
    """A copy of round.myb with random dab offsets."""
    doc = json.loads((BRUSH_DIR / 'round.myb').read_text())
    doc['settings']['offset_by_random']['base_value'] = 0.5
    path = tmp_path / 'random.myb'
    path.write_text(json.dumps(doc))
    return path


def test_restart_repeats_the_random_dabs_of_a_new_brush(random_brush):
    canvas, brush = Canvas(64, 64), Brush(random_brush)
    assert brush.is_random and not Brush('round').is_random
    first = stroke(brush, canvas, (10.0, 30.0), (50.0, 30.0)).copy()
    canvas.clear()
    assert (stroke(brush, canvas, (10.0, 30.0), (50.0, 30.0)) != first).any()
    brush.restart()
    canvas.clear()
    np.testing.assert_array_equal(stroke(brush, canvas, (10.0, 30.0), (50.0, 30.0)), first)
    brush.radius = 3.0
    brush.restart()
    assert brush.radius == pytest.approx(3.0, rel=1e-6)
