"""Measuring trained painters: held-out L2, a classifier score, stroke statistics."""
from chainer_spiral.evaluation.evaluate import evaluate_snapshot, fit_classifier  # noqa: F401
