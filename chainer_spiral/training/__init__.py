"""Training: the multi-process trainer, its workers, supervision, metrics and run records.

- `train(cfg, outdir, load=None, argv=None, progress=True, ...) -> dict`; `main(argv=None,
  prog=None)` is the command line (``train.py``, ``chainer-spiral train``).
- Building a run's objects and its snapshots live in `chainer_spiral.runs`.
"""
from chainer_spiral.training.command import main
from chainer_spiral.training.trainer import TrainingError, train

__all__ = ['TrainingError', 'main', 'train']
