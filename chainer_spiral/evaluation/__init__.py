"""Measuring trained painters: held-out L2, a classifier score, stroke statistics."""
from chainer_spiral.evaluation.evaluate import (evaluate_run, evaluate_snapshot,  # noqa: F401
                                                fit_classifier, summary)
