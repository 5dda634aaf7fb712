"""The player page in headless Chromium (Debian package `chromium`)."""
import dataclasses

import pytest

from chainer_spiral.demo import player
from chainer_spiral.program.json import to_doc


@pytest.fixture
def page(tmp_path, make_program):
    """Drawing 0: one horizontal stroke across the middle; drawing 1: moves only."""
    stroke = make_program([(0.25, 0.5), (0.75, 0.5)], [0, 1], widths=(0.05,))
    moves = make_program([(0.25, 0.5), (0.75, 0.5)], [0, 0], widths=(0.05,))
    path = tmp_path / 'player.html'
    path.write_text(player.to_html(to_doc([stroke, moves]), 'test </script> title'))
    return path


def test_player_draws_the_strokes(page, tmp_path, player_status):
    status = player_status(page, tmp_path, 'autoplay=1&interval=20')
    assert status['state'] == 'done' and status['step'] == status['steps'] == '2'
    # a 0.5-long stroke of width 0.05 with round caps on a 384 px canvas, antialiased
    expected = (0.5 * 0.05 + 3.1416 * 0.025 ** 2) * player.CANVAS_PX ** 2
    assert abs(int(status['ink']) - expected) < 0.1 * expected


def test_player_moves_leave_the_canvas_blank(page, tmp_path, player_status):
    status = player_status(page, tmp_path, 'drawing=1&autoplay=1&interval=20')
    assert status['drawing'] == '1' and status['state'] == 'done'
    assert status['ink'] == '0'


def test_player_waits_for_play_and_steps_in_time(page, tmp_path, player_status):
    assert player_status(page, tmp_path, 'drawing=0&interval=20', budget_ms=500) == {
        'drawing': '0', 'step': '0', 'steps': '2', 'state': 'paused', 'ink': '0'}
    # one step per 1000 ms: after 1.5 s only the first step (a move) is done
    status = player_status(page, tmp_path, 'autoplay=1&interval=1000', budget_ms=1500)
    assert (status['step'], status['state'], status['ink']) == ('1', 'playing', '0')


def test_player_opens_on_the_gallery_of_finished_drawings(page, tmp_path, player_dom,
                                                          player_gallery, page_status):
    dom = player_dom(page, tmp_path, 'interval=20', budget_ms=500)
    thumbs = player_gallery(dom)
    assert [(i, current) for i, _, current in thumbs] == [(0, True), (1, False)]
    ink = thumbs[0][1]
    expected = (0.5 * 0.05 + 3.1416 * 0.025 ** 2) * player.THUMB_PX ** 2
    # antialiased edges count as ink too: at 96 px they add a fifth
    assert expected < ink < 1.4 * expected and thumbs[1][1] == 0
    status = page_status(dom)
    # The stage shows the first drawing finished, not a blank canvas.
    assert status['state'] == 'done' and status['step'] == '2' and int(status['ink']) > 0


def test_clicking_a_drawing_of_the_gallery_replays_it(tmp_path, make_program, player_dom,
                                                     player_gallery, page_status):
    first = make_program([(0.25, 0.5), (0.75, 0.5)], [0, 1])
    second = make_program([(0.5, 0.1), (0.5, 0.9), (0.1, 0.9)], [0, 1, 1])
    page = tmp_path / 'player.html'
    html = player.to_html(to_doc([first, second]), 'click')
    # What a user's click does: the thumbnail's own click handler.
    click = '<script>document.querySelector(\'#gallery canvas[data-index="1"]\').click()</script>'
    page.write_text(html.replace('</body>', click + '</body>'))
    dom = player_dom(page, tmp_path, 'interval=1000', budget_ms=1500)
    status = page_status(dom)
    assert (status['drawing'], status['step'], status['steps'], status['state']) == (
        '1', '1', '3', 'playing')
    assert [current for _, _, current in player_gallery(dom)] == [False, True]
    done = player_dom(page, tmp_path, 'interval=20', budget_ms=2000)
    status = page_status(done)
    assert (status['drawing'], status['state']) == ('1', 'done') and int(status['ink']) > 0


def test_player_draws_each_step_at_its_own_width(tmp_path, make_program, player_status):
    """A painting assembled from passes at several scales carries a width per step."""
    stroke = make_program([(0.25, 0.5), (0.75, 0.5)], [0, 1], widths=(0.05,))
    wide = dataclasses.replace(stroke, steps=tuple(dataclasses.replace(s, width=0.1)
                                                   for s in stroke.steps))
    page = tmp_path / 'player.html'
    page.write_text(player.to_html(to_doc([wide]), 'widths'))
    status = player_status(page, tmp_path, 'autoplay=1&interval=20')
    expected = (0.5 * 0.1 + 3.1416 * 0.05 ** 2) * player.CANVAS_PX ** 2
    assert status['state'] == 'done' and abs(int(status['ink']) - expected) < 0.1 * expected
