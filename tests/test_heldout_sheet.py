"""scripts/heldout_sheet.py: held-out targets above a conditional painter's drawings of them."""
from pathlib import Path

import cv2
import numpy as np
import pytest

from chainer_spiral.runs.loading import load_agent

REPO = Path(__file__).resolve().parents[1]
PAINTER = REPO / 'trained_models' / 'mnist_conditional'


def snapshot():
    return next(p for p in sorted(PAINTER.iterdir()) if (p / 'counters.json').is_file())


def test_rows_are_the_targets_then_each_snapshots_drawings(load_script, shared_data, tmp_path):
    script = load_script('heldout_sheet')
    snap = snapshot()
    out = tmp_path / 'sheet.png'
    assert script.main([str(out), str(snap), str(snap), '--n', '3', '--greedy']) is None
    sheet = cv2.imread(str(out))[:, :, ::-1]
    tile, gap = 64, 2                      # 32 x 32 canvases enlarged to at least 64 px
    assert sheet.shape == (3 * (tile + gap) + gap, 3 * (tile + gap) + gap, 3)
    _, _, dataset = load_agent(str(snap), with_dataset=True)
    target = dataset.images(train=False)[0, 0]
    first = sheet[gap:gap + tile, gap:gap + tile, 0].astype(np.float32) / 255
    np.testing.assert_allclose(first[::2, ::2], target, atol=1 / 255)
    # greedy drawings of the same snapshot twice are the same row
    row = lambda r: sheet[gap + r * (tile + gap):(r + 1) * (tile + gap)]
    np.testing.assert_array_equal(row(1), row(2))
    assert not np.array_equal(row(0), row(1))


def test_an_unconditional_painter_is_refused_in_one_line(load_script, shared_data, tmp_path,
                                                         capsys):
    script = load_script('heldout_sheet')
    mnist7 = next(p for p in sorted((REPO / 'trained_models' / 'mnist7').iterdir())
                  if (p / 'counters.json').is_file())
    with pytest.raises(SystemExit):
        script.main([str(tmp_path / 'x.png'), str(mnist7)])
    assert 'expected a conditional painter' in capsys.readouterr().err
