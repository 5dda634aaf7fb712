#!/usr/bin/env python
"""Train SPIRAL: ``train.py CONFIG OUTDIR [--load SNAPSHOT_DIR | --init SNAPSHOT_DIR]
[--set section.key=value ...] [--ray-address ADDRESS]``.

The logic lives in `chainer_spiral.cli.train_main` and `chainer_spiral.training` (see
docs/training.md).
"""
import sys

from chainer_spiral.cli import train_main

if __name__ == '__main__':
    sys.exit(train_main())
