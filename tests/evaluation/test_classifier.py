import numpy as np
import pytest

from chainer_spiral.datasets import make_dataset
from chainer_spiral.evaluation.classifier import (
    accuracy, confidence_report, load_classifier, save_classifier, train_classifier)


@pytest.fixture(scope='module')
def mnist28(shared_data):
    return make_dataset('mnist', 28, path=str(shared_data / 'mnist'))


@pytest.fixture(scope='module')
def trained(mnist28):
    x, y = mnist28.images(True)[:3000], mnist28.labels(True)[:3000]
    return train_classifier(x, y, 10, epochs=2, seed=0)


def test_classifier_learns_mnist_digits(mnist28, trained):
    acc = accuracy(trained, mnist28.images(False), mnist28.labels(False))
    assert acc >= 0.85, acc


def test_confidence_report_counts_every_image(mnist28, trained):
    real = confidence_report(trained, mnist28.images(False)[:200])
    assert sum(real['histogram']) == 200 and len(real['histogram']) == 10
    # Real digits spread over every class and are read with confidence.
    assert min(real['histogram']) > 0
    assert real['mean_confidence'] > 0.8


def test_save_load_round_trip(tmp_path, mnist28, trained):
    path = tmp_path / 'mnist28.npz'
    save_classifier(trained, path, {'test_accuracy': 0.5})
    loaded, meta = load_classifier(path, (1, 28, 28))
    assert meta['test_accuracy'] == 0.5 and meta['n_classes'] == 10
    x = mnist28.images(False)[:16]
    np.testing.assert_array_equal(loaded.probabilities(x), trained.probabilities(x))


def test_load_missing_classifier_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothing.npz'):
        load_classifier(tmp_path / 'nothing.npz', (1, 28, 28))
