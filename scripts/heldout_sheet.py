"""A conditional painter's drawings of held-out targets, one row per snapshot, as a PNG.

    python scripts/heldout_sheet.py OUT.png SNAPSHOT_DIR [SNAPSHOT_DIR ...] [--n 8] [--seed 0]
                                    [--greedy]

The first row holds the first N held-out targets of the first snapshot's run; each further row a
snapshot's drawings of them (sampled with --seed, or --greedy). Snapshots of runs on other canvas
sizes are painted on their own canvas and enlarged to the largest (at least 64 px).
"""
import argparse
import sys
from pathlib import Path

import numpy as np

from chainer_spiral import sheets
from chainer_spiral.evaluation.evaluate import draw
from chainer_spiral.runs.loading import load_agent, make_envs_from_config


def drawings(snapshot_dir, n, seed, greedy):
    """float32 (n, C, H, W) held-out targets and the snapshot's drawings of them."""
    cfg, agent, dataset = load_agent(str(snapshot_dir), with_dataset=True)
    if not cfg.model.conditional:
        raise ValueError(f'{snapshot_dir}: expected a conditional painter')
    targets = dataset.images(train=False)[:n]
    agent.seed(seed)
    finals, _, _ = draw(agent, make_envs_from_config(cfg, len(targets)), len(targets), targets,
                        greedy)
    return targets, finals


def as_tiles(images, size):
    """float (M, C, h, w) -> uint8 (M, size, size, 3), each pixel repeated size / w times."""
    tiles = np.stack([sheets.to_rgb(image) for image in images])
    return sheets.enlarged(tiles, size)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out', type=Path)
    parser.add_argument('snapshots', type=Path, nargs='+')
    parser.add_argument('--n', type=int, default=8, help='held-out targets (default 8)')
    parser.add_argument('--seed', type=int, default=0, help="seed of the agent's sampling")
    parser.add_argument('--greedy', action='store_true', help='most probable actions')
    args = parser.parse_args(argv)
    try:
        rows = [drawings(s, args.n, args.seed, args.greedy) for s in args.snapshots]
    except (OSError, ValueError) as e:
        parser.error(str(e).splitlines()[0])
    size = max([sheets.MIN_TILE] + [finals.shape[-1] for _, finals in rows])
    images = [rows[0][0]] + [finals for _, finals in rows]
    n_cols = len(images[0])
    sheet = sheets.tile(np.concatenate([as_tiles(x, size) for x in images]), n_cols)
    sheets.write_png(args.out, sheet)
    print(f'{args.out}: {len(images)} rows of {n_cols}')


if __name__ == '__main__':
    sys.exit(main())
