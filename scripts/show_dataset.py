"""Write a grid of dataset examples exactly as the agent and the discriminator receive them.

    python scripts/show_dataset.py CONFIG_OR_PROBLEM OUT.png [--path P] [--imsize N] [--n 64]
                                   [--seed S] [--test]

CONFIG_OR_PROBLEM is a YAML config (its `data:` section, env.imsize and seed are used) or a
problem name (mnist, emnist, kmnist, jikei, quickdraw, omniglot, celeba, folder, toy).
Examples come from `get_example()` (float32 (C, H, W) in [0, 1]); small images are enlarged
with nearest-neighbour pixels so every pixel stays visible.
"""
import argparse
import math
import sys
from pathlib import Path

import numpy as np

from chainer_spiral.datasets import PROBLEMS, make_dataset
from chainer_spiral.errors import report_unwritable
from chainer_spiral.sheets import enlarged, tile, to_rgb, write_png

def load_dataset(source, path, imsize, seed):
    """The dataset of a YAML config or a problem name; returns (dataset, seed used)."""
    if source not in PROBLEMS and (source.endswith(('.yaml', '.yml')) or Path(source).exists()):
        from chainer_spiral.config import load_config
        overrides = [f'data.path={path}'] if path else []
        overrides += [f'env.imsize={imsize}'] if imsize else []
        cfg = load_config(source, overrides)
        seed = cfg.seed if seed is None else seed
        return make_dataset(cfg.data, cfg.env.imsize, seed=seed), seed
    seed = 0 if seed is None else seed
    default_imsize = 3 if source == 'toy' else 64
    return make_dataset(source, imsize or default_imsize, seed=seed, path=path), seed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('source', metavar='CONFIG_OR_PROBLEM')
    parser.add_argument('out', help='output PNG')
    parser.add_argument('--path', help='data file or folder (overrides the config)')
    parser.add_argument('--imsize', type=int, help='image size (overrides the config)')
    parser.add_argument('--n', type=int, default=64, help='number of examples')
    parser.add_argument('--seed', type=int, help='example RNG seed (default: the config seed or 0)')
    parser.add_argument('--test', action='store_true', help='draw from the held-out split')
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error(f'--n: expected a positive int, got {args.n}')
    try:
        ds, seed = load_dataset(args.source, args.path, args.imsize, args.seed)
        images = np.stack([ds.get_example(train=not args.test) for _ in range(args.n)])
    except (OSError, ValueError) as e:
        parser.error(str(e).splitlines()[0])
    sheet = tile(enlarged(np.stack([to_rgb(x) for x in images])), math.ceil(math.sqrt(args.n)))
    try:
        write_png(args.out, sheet)
    except OSError as e:
        return report_unwritable(parser.prog, e, args.out)
    split = 'test' if args.test else 'train'
    print(f'{args.out}: {args.n} {split} examples of {ds} (seed {seed}), '
          f'mean {images.mean():.3f}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
