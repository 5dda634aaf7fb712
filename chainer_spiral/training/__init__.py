"""Training: the trainer, its backends and workers, supervision, metrics and run records.

- `train(cfg, outdir, load=None, argv=None, progress=True, ray_address=None, init=None,
  evaluate=None) -> dict` (training/trainer.py); ``train.py`` is its command line
  (chainer_spiral.cli.train_main).
- Building a run's objects and its snapshots live in `chainer_spiral.runs`.
"""
from chainer_spiral.training.errors import TrainingError
from chainer_spiral.training.trainer import train

__all__ = ['TrainingError', 'train']
