"""Environment steps per second on one core: MyPaintEnv at 64x64, random actions, the image read
after every step (it is part of each observation), reset every max_episode_steps steps.

    .venv/bin/python scripts/bench_env.py [--steps N] [--repeats K]
    .venv/bin/python scripts/bench_env.py --bezier     # Bezier chord tolerance table

Prints one line per interface (best of K runs) and ends with ``env_steps_per_sec=<number>`` for
the chainer_spiral ('spiral') interface. ``--bezier`` instead measures how far curves drawn with
fewer chords are from a fine reference. Results: docs/benchmarks.md, docs/envs.md.
"""
import argparse
import time

import numpy as np

from chainer_spiral.envs import MyPaintEnv
from chainer_spiral.envs.libmypaint import Brush, Canvas


def steps_per_second(env, actions):
    """Runs the actions, resetting after each episode; returns steps per second."""
    env.reset()
    start = time.perf_counter()
    for action in actions:
        _, _, done, _ = env.step(action)
        if done:
            env.reset()
    return len(actions) / (time.perf_counter() - start)


def bench_steps(args):
    results = {}
    for kind, brush in (('spiral', 'round'), ('paper', 'pressure')):
        env = MyPaintEnv(imsize=args.imsize, pos_resolution=args.pos_resolution, action_space=kind,
                         brush=brush)
        env.action_space.seed(0)
        actions = [env.action_space.sample() for _ in range(args.steps)]
        runs = [steps_per_second(env, actions) for _ in range(args.repeats)]
        results[kind] = max(runs)
        print(f'{kind:6s} (brush {brush!r}): best {results[kind]:,.0f} steps/s, '
              f'median {np.median(runs):,.0f} over {args.repeats} runs of {args.steps} steps')
    print(f"env_steps_per_sec={results['spiral']:.0f}")


def draw_curves(curves, tolerance, imsize):
    """Draws each (P0, P1, P2) curve alone.

    Returns:
        tuple: images uint8 (N, H, W, 3) and chord counts int (N,).
    """
    canvas, brush = Canvas(imsize, imsize), Brush('round')
    images, chords = [], []
    for p0, p1, p2 in curves:
        canvas.clear()
        brush.move_to(canvas, *p0)
        chords.append(brush.stroke_bezier(canvas, p1, p2, 1.0, tolerance))
        images.append(canvas.image())
    return np.array(images), np.array(chords)


def bezier_table(args, n_curves=3000, tolerances=(0.1, 0.25, 0.5, 1.0)):
    rng = np.random.default_rng(0)
    cell = args.imsize / args.pos_resolution
    curves = (rng.integers(0, args.pos_resolution, size=(n_curves, 3, 2)) + 0.5) * cell
    reference, ref_chords = draw_curves(curves, 0.001, args.imsize)
    ink = (reference != 255).any(-1).sum((1, 2))
    print(f'reference (tolerance 0.001 px): {ref_chords.mean():.1f} chords on average, '
          f'{ink.mean():.0f} ink pixels per curve')
    print('| tolerance (px) | chords, mean | chords, max | differing pixels, mean | max '
          '| of the ink |')
    print('|---|---|---|---|---|---|')
    for tolerance in tolerances:
        images, chords = draw_curves(curves, tolerance, args.imsize)
        diff = (images != reference).any(-1).sum((1, 2))
        print(f'| {tolerance} | {chords.mean():.1f} | {chords.max()} | {diff.mean():.1f} | '
              f'{diff.max()} | {100 * (diff / ink).mean():.1f}% |')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--steps', type=int, default=20000, help='steps per timed run')
    parser.add_argument('--repeats', type=int, default=5, help='timed runs; the best is reported')
    parser.add_argument('--imsize', type=int, default=64)
    parser.add_argument('--pos-resolution', type=int, default=32)
    parser.add_argument('--bezier', action='store_true', help='print the Bezier tolerance table')
    args = parser.parse_args()
    if args.bezier:
        bezier_table(args)
    else:
        bench_steps(args)


if __name__ == '__main__':
    main()
