"""The quality metrics on fixed inputs: real vs real at the floor, blank at its ceiling, shifts."""
import functools

import numpy as np
import pytest

from chainer_spiral.datasets import make_dataset
from chainer_spiral.evaluation import quality
from chainer_spiral.evaluation.classifier import load_classifier
from chainer_spiral.evaluation.evaluate import CLASSIFIER_DIR


def gaussian_features(rng, n, mean, scale=1.0, d=8):
    return rng.normal(mean, scale, size=(n, d))


def test_frechet_distance_of_gaussians_matches_the_closed_form():
    rng = np.random.RandomState(0)
    a = gaussian_features(rng, 20000, 0.0)
    assert quality.frechet_distance(a, gaussian_features(rng, 20000, 0.0)) < 0.05
    # Same covariance, means apart by 1 in each of 8 dimensions: |mu_a - mu_b|^2 = 8.
    assert quality.frechet_distance(a, gaussian_features(rng, 20000, 1.0)) == pytest.approx(
        8.0, rel=0.03)
    # Means equal, standard deviation 1 against 2: 8 * (1 + 4 - 2 * 2) = 8.
    assert quality.frechet_distance(a, gaussian_features(rng, 20000, 0.0, 2.0)) == pytest.approx(
        8.0, rel=0.05)


def test_frechet_distance_is_symmetric_and_zero_for_the_same_set():
    rng = np.random.RandomState(1)
    a, b = rng.normal(size=(300, 16)), rng.normal(size=(300, 16)) @ rng.normal(size=(16, 16))
    assert quality.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    assert quality.frechet_distance(a, b) == pytest.approx(quality.frechet_distance(b, a),
                                                           rel=1e-6)


def test_precision_recall_see_coverage_and_fidelity_apart():
    rng = np.random.RandomState(2)
    real = rng.normal(size=(500, 4))
    assert min(quality.precision_recall(real, rng.normal(size=(500, 4)))) > 0.8
    # Drawings collapsed onto one real mode: faithful (precision high) but not covering.
    collapsed = real[:1] + 0.01 * rng.normal(size=(500, 4))
    precision, recall = quality.precision_recall(real, collapsed)
    assert precision == 1.0 and recall < 0.05
    # Drawings far from the data: neither.
    assert max(quality.precision_recall(real, rng.normal(size=(500, 4)) + 20)) == 0.0


def test_class_entropy_and_distinct_count():
    assert quality.class_entropy([5, 0, 0]) == 0.0
    assert quality.class_entropy([1] * 10) == pytest.approx(np.log(10))
    images = np.ones((6, 1, 8, 8), np.float32)
    images[3:, :, :4] = 0  # two drawings, three copies each
    images[1, 0, 0, 0] = 0.9  # a tiny difference is still the same drawing
    assert quality.distinct_count(images) == 2
    assert quality.distinct_count(images, threshold=0.0) == 3


def test_reconstruction_metrics_of_exact_blank_and_half_drawings():
    targets = np.ones((4, 1, 8, 8), np.float32)
    targets[:, :, 2:6, 2:6] = 0
    blanks = np.ones_like(targets)
    exact = quality.reconstruction_metrics(targets, targets, blanks)
    assert exact['heldout_l2'] == 0 and exact['l2_gain'] == 1
    assert exact['ink_precision'] == 1 and exact['ink_recall'] == 1
    blank = quality.reconstruction_metrics(blanks, targets, blanks)
    assert blank['l2_gain'] == 0 and blank['ink_recall'] == 0
    half = targets.copy()
    half[:, :, 2:4] = 1  # half the target's ink
    half[:, :, 0, :] = 0  # plus a wrong line as long as the target's width
    m = quality.reconstruction_metrics(half, targets, blanks)
    assert m['ink_recall'] == 0.5
    assert m['ink_precision'] == pytest.approx(8 / 16)


class _InkClassifier:
    """Calls a drawing with ink class 0 and a blank one class 2."""

    def probabilities(self, images):
        inked = images.min(axis=(1, 2, 3)) < 0.5
        return np.eye(3, dtype=np.float32)[np.where(inked, 0, 2)]


def test_reconstruction_metrics_by_label():
    targets = np.ones((6, 1, 8, 8), np.float32)
    targets[:, :, 2:6, 2:6] = 0
    labels = np.array([0, 0, 0, 0, 1, 1])
    blanks = np.ones_like(targets)
    drawings = targets.copy()
    drawings[4:] = 1  # the two targets labelled 1 are left blank
    m = quality.reconstruction_metrics(drawings, targets, blanks, _InkClassifier(), labels)
    assert m['target_class_share'] == pytest.approx(4 / 6)
    assert m['by_label'] == {'0': {'n': 4, 'l2_gain': 1.0, 'target_class_share': 1.0},
                             '1': {'n': 2, 'l2_gain': 0.0, 'target_class_share': 0.0}}


@pytest.fixture(scope='module')
def mnist_dataset(shared_data):
    return make_dataset('mnist', 64, path=str(shared_data / 'mnist'))


@pytest.fixture(scope='module')
def mnist_quality(mnist_dataset):
    classifier, _ = load_classifier(CLASSIFIER_DIR / 'mnist64.npz',
                                    (1, 64, 64))
    reference, second = quality.reference_sets(mnist_dataset.images(True), 300)
    return classifier, reference, second


def test_calibration_on_real_digits_floor_below_ceilings(mnist_quality):
    classifier, reference, second = mnist_quality
    # An "untrained policy" stand-in: random grey noise.
    noise = np.random.RandomState(0).uniform(0.5, 1, reference.shape).astype(np.float32)
    cal = quality.calibrate(functools.partial(quality.features, classifier), reference, second,
                            noise)
    assert cal['fd_floor'] < 0.05 * min(cal['fd_blank'], cal['fd_untrained'])
    real = quality.sample_metrics(classifier, second, reference, cal)
    assert real['fd_normalised'] == pytest.approx(0.0, abs=1e-9)
    assert real['precision'] > 0.8 and real['recall'] > 0.8
    # Some real 1s are within the threshold of each other: 96 of these 100 are distinct.
    assert real['class_entropy'] > 2.1 and real['distinct'] >= 90
    untrained = quality.sample_metrics(classifier, noise, reference, cal)
    assert untrained['fd_normalised'] == pytest.approx(1.0)


def test_one_class_drawings_are_seen_as_one_class(mnist_quality, mnist_dataset):
    classifier, reference, second = mnist_quality
    labels = mnist_dataset.labels(True)
    sevens = mnist_dataset.images(True)[labels == 7][:300]
    cal = quality.calibrate(functools.partial(quality.features, classifier), reference, second,
                            np.ones_like(reference))
    m = quality.sample_metrics(classifier, sevens, reference, cal, painter=7)
    assert m['painter_class_share'] > 0.95
    assert m['class_entropy'] < 0.3
    # A known shift: only sevens are far from all digits, though closer than blank canvases.
    assert cal['fd_floor'] < m['fd'] < cal['fd_blank']
    assert m['recall'] < 0.5 < m['precision']
