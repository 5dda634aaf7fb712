"""The renderers on hand-made programs: JSON, SVG, grids, figures and movies."""
import json
import xml.etree.ElementTree as ET

import imageio.v2 as imageio
import numpy as np
import pytest

from chainer_spiral import sheets
from chainer_spiral.demo import json as demo_json
from chainer_spiral.demo import many, movie, static, svg
from chainer_spiral.program import json as program_json

SVG = '{http://www.w3.org/2000/svg}'


def test_json_keeps_chainer_spiral_columns(spiral_program, tmp_path, fake_episodes):
    out = tmp_path / 'd.json'
    demo_json.render(fake_episodes([spiral_program]), out)
    doc = json.loads(out.read_text())
    assert doc['canvas_size'] == [64, 64] and doc['version'] == '0.2'
    assert doc['fields'] == ['x', 'y', 'pressure', 'r', 'g', 'b', 'flag']
    assert doc['actions'][0][1] == [0.25, 0.75, 1.0, 0.0, 0.0, 0.0, 0]
    assert doc['actions'][0][3] == [0.75, 0.25, 1.0, 0.0, 0.0, 0.0, 1]
    assert program_json.load(out) == [spiral_program]


def test_json_paper_columns_round_trip(paper_program, tmp_path, fake_episodes):
    out = tmp_path / 'd.json'
    demo_json.render(fake_episodes([paper_program, paper_program]), out)
    doc = json.loads(out.read_text())
    assert doc['action_space'] == 'paper' and len(doc['actions']) == 2
    assert doc['actions'][0][0] == [0.5, 0.5, 1.0, 0.0, 0.0, 0.0, 1, 0.5, 0.0, 0.0]
    assert program_json.load(out) == [paper_program, paper_program]


@pytest.mark.parametrize('key, value, message', [
    ('version', '0.1', "version: expected '0.2', got '0.1'"),
    ('canvas_size', [64, 32], 'canvas_size: expected [n, n]'),
    ('fields', ['x', 'y'], 'fields: expected'),
    ('actions', {}, 'actions: expected a list of drawings, got {}'),
])
def test_json_bad_header_is_one_line(spiral_program, key, value, message):
    doc = demo_json.to_doc([spiral_program])
    doc[key] = value
    with pytest.raises(ValueError) as e:
        program_json.from_doc(doc, 'x.json')
    assert str(e.value).startswith(f'x.json: {key}') and message in str(e.value)
    assert '\n' not in str(e.value)


def test_json_bad_row_names_drawing_and_step(spiral_program):
    doc = demo_json.to_doc([spiral_program])
    doc['actions'][0][2] = [0.5, 0.5, 1.0, 0.0, 0.0, 0.0, 2]
    with pytest.raises(ValueError, match=r'x\.json: actions\[0\]\[2\]: expected 7 numbers'):
        program_json.from_doc(doc, 'x.json')


def test_svg_one_path_per_stroke(spiral_program):
    root = ET.fromstring(svg.to_svg(spiral_program, 'a & b'))
    assert root.get('viewBox') == '0 0 64 64'
    paths = root.findall(f'{SVG}path')
    assert [p.get('data-step') for p in paths] == ['0', '2', '3']
    # Each stroke starts where the pen was: (0, 0), then after the move (0.25, 0.75) * 64.
    assert [p.get('d') for p in paths] == ['M 0 0 L 32 32', 'M 16 48 L 48 48', 'M 48 48 L 48 16']
    assert {p.get('stroke-width') for p in paths} == {'3.2'}
    assert root.find(f'{SVG}title').text == 'a & b'


def test_svg_paper_strokes_are_quadratic_beziers(paper_program, tmp_path, fake_episodes):
    svg.render(fake_episodes([paper_program] * 2), tmp_path / 'svgs')
    assert sorted(p.name for p in (tmp_path / 'svgs').iterdir()) == ['drawing_000.svg',
                                                                     'drawing_001.svg']
    paths = ET.parse(tmp_path / 'svgs' / 'drawing_001.svg').getroot().findall(f'{SVG}path')
    assert [p.get('d') for p in paths] == ['M 0 0 Q 32 0 32 32', 'M 8 56 Q 32 32 56 56']
    # size 0 -> width 0.02 * 64, size 0.75 -> the fourth width, 0.08 * 64
    assert [p.get('stroke-width') for p in paths] == ['1.28', '5.12']


def test_many_grid_layout():
    images = np.arange(3 * 2 * 2 * 3, dtype=np.uint8).reshape(3, 2, 2, 3)
    sheet = sheets.tile(images, n_cols=2, gap=1)
    assert sheet.shape == (2 * 3 + 1, 2 * 3 + 1, 3)
    np.testing.assert_array_equal(sheet[1:3, 4:6], images[1])
    np.testing.assert_array_equal(sheet[4:6, 1:3], images[2])
    assert (sheet[4:6, 4:6] == sheets.GAP_GRAY).all() and (sheet[0] == sheets.GAP_GRAY).all()


def test_many_conditional_pairs_target_then_final(spiral_program, tmp_path, fake_episodes):
    episodes = fake_episodes([spiral_program] * 3, conditional=True)
    cells = many.grid_images(episodes)
    assert cells.shape == (6, 16, 16, 3)
    np.testing.assert_array_equal(cells[3], episodes.finals[1])
    expected = np.round(episodes.targets[1, 0] * 255).astype(np.uint8)
    np.testing.assert_array_equal(cells[2, :, :, 1], expected)
    many.render(episodes, tmp_path / 'm.png')
    assert imageio.imread(tmp_path / 'm.png').shape == (2 + 18, 2 + many.GRID * 18, 3)


def test_static_png(spiral_program, tmp_path, fake_episodes):
    static.render(fake_episodes([spiral_program] * 2, conditional=True), tmp_path / 's.png')
    image = imageio.imread(tmp_path / 's.png')
    assert image.shape[:2] == (2 * static.PANEL_PX + 32, 3 * static.PANEL_PX)
    # the stroke plot is coloured: blue (first stroke) and red (last) pixels are present
    rgb = image[..., :3].astype(int)
    assert ((rgb[..., 2] > 200) & (rgb[..., 0] < 60) & (rgb[..., 1] < 60)).any()
    assert ((rgb[..., 0] > 200) & (rgb[..., 2] < 60) & (rgb[..., 1] < 60)).any()


@pytest.mark.parametrize('suffix', ['.mp4', '.gif'])
def test_movie_frames(paper_program, tmp_path, suffix, fake_episodes):
    episodes = fake_episodes([paper_program] * 2)
    out = tmp_path / f'm{suffix}'
    movie.render(episodes, out)
    frames = list(imageio.get_reader(out).iter_data())
    assert len(frames) == len(paper_program.steps) + 1
    assert frames[0].shape[:2] == (2 * movie.PANEL_PX + movie.TITLE_PX, 3 * movie.PANEL_PX)
