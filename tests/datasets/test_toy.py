import numpy as np
import pytest

from chainer_spiral.datasets import DatasetError, make_dataset


def test_toy_patterns_are_the_eight_lines():
    ds = make_dataset('toy', 3)
    images = ds.images(train=True)
    assert images.shape == (8, 1, 3, 3) and images.dtype == np.float32
    assert set(np.unique(images)) == {0.0, 1.0}
    ink = images[:, 0] == 0
    for row in range(3):
        expected = np.zeros((3, 3), bool)
        expected[row] = True
        assert (ink[row] == expected).all()
        assert (ink[3 + row] == expected.T).all()
    assert (ink[6] == np.eye(3, dtype=bool)).all()
    assert (ink[7] == np.fliplr(np.eye(3, dtype=bool))).all()
    assert (ink.sum(axis=(1, 2)) == 3).all()
    assert list(ds.labels()) == list(range(8))
    assert (ds.n_train, ds.n_test, len(ds), ds.channels, ds.imsize) == (8, 8, 8, 1, 3)


def test_toy_single_label_gives_only_that_pattern():
    ds = make_dataset('toy', 3, label=0)
    assert ds.n_train == 1
    for _ in range(5):
        example = ds.get_example()
        assert example.shape == (1, 3, 3)
        assert (example[0, 0] == 0).all() and (example[0, 1:] == 1).all()


def test_toy_examples_follow_the_seed():
    a, b = make_dataset('toy', 3, seed=7), make_dataset('toy', 3, seed=7)
    draws_a = [a.get_example() for _ in range(10)]
    assert all((x == b.get_example()).all() for x in draws_a)
    a.seed(3)
    b.seed(3)
    assert all((a.get_example(False) == b.get_example(False)).all() for _ in range(10))


@pytest.mark.parametrize('kwargs, message', [
    (dict(imsize=4), 'imsize: expected 3'),
    (dict(imsize=3, label=8), 'label: expected a pattern index'),
])
def test_toy_rejects_bad_options(kwargs, message):
    with pytest.raises(DatasetError, match=message):
        make_dataset('toy', **kwargs)
