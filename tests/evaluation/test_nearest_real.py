import numpy as np

from chainer_spiral.datasets import make_dataset
from chainer_spiral.evaluation.evaluate import nearest_real


def test_exact_copies_and_near_misses_of_the_toy_lines():
    toy = make_dataset('toy', 3)
    reals, labels = toy.images(True), toy.labels(True)
    near = reals[5].copy()
    near[0, 1, 1] = 1.0 - near[0, 1, 1]           # one of 9 pixels flipped
    samples = np.stack([reals[2], reals[2], near, np.ones_like(reals[0])])
    report = nearest_real(samples, reals, labels, chunk=3)
    assert report['exact_share'] == 0.5
    # blank paper is 3 pixels away from every line: MSE 3/9; the near miss 1/9
    np.testing.assert_allclose(report['mean_mse'], (0 + 0 + 1 / 9 + 3 / 9) / 4)
    assert sum(report['histogram']) == 4 and report['histogram'][2] == 2
    assert report['histogram'][labels[5]] >= 1


def test_without_labels_there_is_no_histogram():
    reals = np.zeros((3, 1, 2, 2), np.float32)
    report = nearest_real(np.ones((2, 1, 2, 2), np.float32), reals)
    assert 'histogram' not in report and report['mean_mse'] == 1.0
