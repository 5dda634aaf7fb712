import numpy as np

from chainer_spiral.evaluation.strokes import stroke_counts, stroke_statistics


def test_stroke_counts_runs_of_drawing_steps():
    # columns are episodes: two runs | one run of three | nothing | one run at the very start
    flags = np.array([[1, 1, 0, 1],
                      [0, 1, 0, 0],
                      [1, 1, 0, 0]])
    np.testing.assert_array_equal(stroke_counts(flags), [2, 1, 0, 1])


def test_stroke_statistics_on_hand_made_canvases():
    blanks = np.ones((2, 1, 2, 2), np.float32)
    finals = blanks.copy()
    finals[0, 0, 0, :] = 0.0                 # episode 0 inks half of its 4 pixels
    flags = np.array([[1, 0], [1, 0]])       # episode 1 never draws
    stats = stroke_statistics(flags, finals, blanks)
    np.testing.assert_allclose(stats['strokes'], [1, 0])
    np.testing.assert_allclose(stats['drawn_fraction'], [1.0, 0.0])
    np.testing.assert_allclose(stats['ink_coverage'], [0.5, 0.0])
    np.testing.assert_allclose(stats['empty'], [0.0, 1.0])


def test_light_grey_is_not_ink_but_counts_as_not_empty():
    blanks = np.ones((1, 3, 1, 1), np.float32)
    finals = np.full((1, 3, 1, 1), 0.8, np.float32)
    stats = stroke_statistics(np.array([[1]]), finals, blanks)
    assert stats['ink_coverage'][0] == 0.0
    assert stats['empty'][0] == 0.0
