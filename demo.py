#!/usr/bin/env python
"""Render episodes of a trained snapshot: ``demo.py MODE SNAPSHOT_DIR OUT`` (see docs/demo.md)."""
import sys

from chainer_spiral.demo import main

if __name__ == '__main__':
    sys.exit(main(prog='demo.py'))
