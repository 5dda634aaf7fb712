"""Render Quick, Draw! sketches (sketch-rnn stroke-3 npz) through MyPaintEnv into an npz.

Input: a sketch-rnn file (https://github.com/googlecreativelab/quickdraw-dataset#sketch-rnn-
quickdraw-dataset, e.g. cat.npz) with arrays `train`, `valid`, `test`, each an object array of
int (L, 3) sketches `[dx, dy, pen_lifted]` (y grows downwards; pen_lifted = 1 ends a stroke).

Each sketch is centred, scaled (aspect kept) into [margin, 1 - margin] of the canvas and snapped
to the env's R x R pen grid; the pen moves to the first point of every stroke and paints straight
strokes through its points, so the targets are drawings the agent's action space can make (as
chainer_spiral's converter does).

Output: npz with `train`, `valid`, `test` uint8 (N, imsize, imsize) grayscale canvases, black
strokes on white, and `origin` (the input's file name): the `quickdraw` dataset reads it with
`path: OUT.npz`, keeping the official split.

    python scripts/convert_quickdraw.py cat.npz cat_rendered.npz [--imsize 64] [--limit 1000]
"""
import argparse
import multiprocessing
import sys
from pathlib import Path

import numpy as np

from chainer_spiral.datasets.files import read_npz
from chainer_spiral.envs import MyPaintEnv
from chainer_spiral.errors import report_unwritable

SPLITS = ('train', 'valid', 'test')
_env = None  # one env per worker process (libmypaint objects are not picklable)


def to_actions(sketch, pos_resolution, margin):
    """Grid positions and pen states of a stroke-3 sketch.

    Args:
        sketch: int (L, 3) [dx, dy, pen_lifted].
        pos_resolution: R.
        margin: share of the canvas left blank on each side.

    Returns:
        (positions int (L,) in [0, R*R), draw int (L,) 1: paint to the point, 0: move there).
    """
    xy = np.cumsum(sketch[:, :2].astype(np.float64), axis=0)
    low, high = xy.min(axis=0), xy.max(axis=0)
    extent = max(float((high - low).max()), 1e-9)
    unit = (xy - (low + high) / 2) / extent * (1 - 2 * margin) + 0.5
    cells = np.clip((unit * pos_resolution).astype(int), 0, pos_resolution - 1)
    positions = cells[:, 1] * pos_resolution + cells[:, 0]
    # the first point of every stroke is reached with the pen up
    draw = np.concatenate([[0], 1 - sketch[:-1, 2].astype(int)])
    return positions, draw


def init_worker(env_kwargs):
    global _env
    _env = MyPaintEnv(**env_kwargs)


def render(task):
    """Paint one sketch on the worker's env: uint8 (imsize, imsize) grayscale."""
    sketch, margin = task
    positions, draw = to_actions(sketch, _env.pos_resolution, margin)
    _env.reset()
    pressure, color = np.ones(1, np.float32), np.zeros(3, np.float32)
    ob = None
    for position, prob in zip(positions, draw):
        ob, _, _, _ = _env.step({'position': int(position), 'pressure': pressure, 'color': color,
                                 'prob': int(prob)})
    return ob['image'].mean(axis=2).round().astype(np.uint8)


def read_sketches(path, limit):
    """dict split -> list of int (L, 3) sketches (the first `limit` of each split)."""
    sketches = {s: list(a[:limit]) for s, a in read_npz(path, SPLITS, allow_pickle=True).items()}
    for split, items in sketches.items():
        for i, sketch in enumerate(items):
            if np.ndim(sketch) != 2 or np.shape(sketch)[1] != 3 or len(sketch) == 0:
                raise ValueError(f'{path}: {split}[{i}]: expected a stroke-3 array (L, 3), '
                                 f'got shape {np.shape(sketch)}')
    return sketches


def convert(path, imsize=64, pos_resolution=32, brush='round', margin=0.1, processes=1,
            limit=None):
    """Render every split of a sketch-rnn file: dict split -> uint8 (N, imsize, imsize)."""
    sketches = read_sketches(path, limit)
    longest = max((len(s) for items in sketches.values() for s in items), default=1)
    env_kwargs = dict(imsize=imsize, pos_resolution=pos_resolution, brush=brush,
                      max_episode_steps=longest)
    out = {}
    if processes > 1:
        with multiprocessing.Pool(processes, init_worker, (env_kwargs,)) as pool:
            for split, items in sketches.items():
                out[split] = pool.map(render, [(s, margin) for s in items], chunksize=64)
    else:
        init_worker(env_kwargs)
        out = {split: [render((s, margin)) for s in items] for split, items in sketches.items()}
    empty = np.zeros((0, imsize, imsize), np.uint8)
    return {split: np.stack(images) if images else empty for split, images in out.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('npz', help='sketch-rnn stroke-3 file')
    parser.add_argument('out', help='output .npz')
    parser.add_argument('--imsize', type=int, default=64)
    parser.add_argument('--pos-resolution', type=int, default=32, help='R of the pen grid')
    parser.add_argument('--brush', default='round', help='brush name or .myb path')
    parser.add_argument('--margin', type=float, default=0.1, help='blank share on each side')
    parser.add_argument('--processes', type=int, default=1)
    parser.add_argument('--limit', type=int, help='render only the first N sketches of a split')
    args = parser.parse_args(argv)
    try:
        rendered = convert(args.npz, args.imsize, args.pos_resolution, args.brush, args.margin,
                           args.processes, args.limit)
    except (ValueError, OSError) as e:
        parser.error(str(e).splitlines()[0])
    try:
        np.savez_compressed(args.out, origin=Path(args.npz).name, **rendered)
    except OSError as e:
        return report_unwritable(parser.prog, e, args.out)
    counts = ', '.join(f'{k} {len(v)}' for k, v in rendered.items())
    print(f'{args.out}: {counts} sketches at {args.imsize}x{args.imsize}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
