"""The player page in headless Chromium (Debian package `chromium`)."""
import pytest

from chainer_spiral.demo import player
from chainer_spiral.demo.json import to_doc


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
    assert player_status(page, tmp_path, 'interval=20', budget_ms=500) == {
        'drawing': '0', 'step': '0', 'steps': '2', 'state': 'paused', 'ink': '0'}
    # one step per 1000 ms: after 1.5 s only the first step (a move) is done
    status = player_status(page, tmp_path, 'autoplay=1&interval=1000', budget_ms=1500)
    assert (status['step'], status['state'], status['ink']) == ('1', 'playing', '0')
