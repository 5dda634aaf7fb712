#!/usr/bin/env python
"""Train SPIRAL: ``train.py CONFIG OUTDIR [--load SNAPSHOT_DIR | --init SNAPSHOT_DIR]
[--set section.key=value ...]``.

The logic lives in `chainer_spiral.training` (see docs/training.md).
"""
import os
import sys

os.environ.setdefault('OMP_NUM_THREADS', '1')  # before numpy: one BLAS thread per process

from chainer_spiral.training import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
