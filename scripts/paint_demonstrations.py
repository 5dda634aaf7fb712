"""Paint the training images with a conditional painter and write its programs as demonstrations.

    python scripts/paint_demonstrations.py SNAPSHOT_DIR OUT.json|OUT.npz [--n N] [--seed 0]
        [--greedy] [--flip] [--best-of K]

The programs file (demo.py json's format) is what `agent.demonstrations` reads: a new run, an
unconditional painter say, first imitates these pen paths for `agent.demo_updates`
behaviour-cloning updates (docs/results.md, "How the recipe was found: the students"). An .npz
holds the actions with their targets instead, a teacher's programs in any action space
(agents/demonstrations.read_teacher): a painter's greedy drawings cloned by itself sharpen its
policy (docs/colour.md, "A teacher"). The targets are the first N images of the training split
of the snapshot's run (with --flip, then their mirror images), so no held-out image is seen.
With --best-of K each target is painted K times (sampled; with --greedy the first of them
greedy) and the drawing nearest to it is kept: programs better than the painter's own average,
which cloning them moves it towards. Prints the mean L2 (per pixel) between the targets and the
drawings.
"""
import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np

from chainer_spiral.demo.session import BATCH, DemoError, check_snapshot_dir, rollout_programs
from chainer_spiral.program import json as programs_json


def paint_training_images(snapshot_dir, n=None, seed=0, greedy=False, flip=False, best_of=1):
    """A conditional snapshot's drawings of the first n training images (with `flip`, then of
    their mirror images), each the nearest to its target of `best_of` (the first greedy with
    `greedy`, the others sampled).

    Returns:
        (programs, their mean L2 per pixel to the targets, actions dict name -> int64 (T, N),
        targets float32 (N, C, H, W)); N is n, 2n with flip.

    Raises:
        DemoError: not a conditional snapshot, n outside [1, training images], best_of < 1.
    """
    from chainer_spiral.evaluation.evaluate import paint
    from chainer_spiral.runs.loading import load_agent, make_envs_from_config
    snapshot_dir = check_snapshot_dir(snapshot_dir)
    try:
        cfg, agent, dataset = load_agent(str(snapshot_dir))
    except (OSError, ValueError) as e:
        raise DemoError(str(e).splitlines()[0]) from None
    if not cfg.model.conditional:
        raise DemoError(f'{snapshot_dir}: expected a conditional painter, got an unconditional '
                        f'one (it has no target to paint)')
    images = dataset.images(True)
    n = len(images) if n is None else n
    if not 1 <= n <= len(images):
        raise DemoError(f'--n {n}: expected 1 to {len(images)} (the training images)')
    if best_of < 1:
        raise DemoError(f'--best-of {best_of}: expected 1 or more')
    agent.seed(seed)
    targets = images[:n]
    if flip:
        targets = np.concatenate((targets, targets[..., ::-1]))
    envs = make_envs_from_config(cfg, min(BATCH, len(targets)))
    best = None  # (distances (N,), programs, actions dict name -> (T, N))
    for k in range(best_of):
        programs, actions, distances = [], [], []
        for batch, rollout in paint(agent, envs, len(targets), targets, greedy and k == 0):
            start = len(programs)
            programs += rollout_programs(batch, rollout)
            actions.append(rollout.actions)
            distances.append(np.mean(np.square(rollout.finals - targets[start:len(programs)]),
                                     axis=(1, 2, 3)))
        distances = np.concatenate(distances)
        actions = {name: np.concatenate([a[name] for a in actions], axis=1)
                   for name in actions[0]}
        if best is None:
            best = (distances, programs, actions)
            continue
        better = distances < best[0]
        best = (np.where(better, distances, best[0]),
                [p if b else q for p, q, b in zip(programs, best[1], better)],
                {name: np.where(better, a, best[2][name]) for name, a in actions.items()})
    distances, programs, actions = best
    return programs, float(distances.mean()), actions, targets


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('snapshot_dir', type=Path, help='a conditional snapshot')
    parser.add_argument('out', type=Path, help='the programs file to write (.json)')
    parser.add_argument('--n', type=int, default=None,
                        help='paint the first N training images (default: all)')
    parser.add_argument('--seed', type=int, default=0, help="seed of the painter's sampling")
    parser.add_argument('--greedy', action='store_true', help='most probable actions')
    parser.add_argument('--flip', action='store_true', help='also the mirror images')
    parser.add_argument('--best-of', type=int, default=1, metavar='K',
                        help='keep the nearest of K drawings of each target')
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    if args.out.suffix not in ('.json', '.npz'):
        parser.error(f'{args.out}: expected a .json or .npz file name')
    try:
        programs, l2, actions, targets = paint_training_images(
            args.snapshot_dir, args.n, args.seed, args.greedy, args.flip, args.best_of)
    except DemoError as e:
        parser.error(str(e))
    if args.out.suffix == '.npz':
        np.savez_compressed(args.out, targets=np.rint(targets * 255).astype(np.uint8),
                            **actions)
    else:
        args.out.write_text(json.dumps(programs_json.to_doc(programs)))
    print(f'{len(programs)} programs, mean L2 per pixel to their targets {l2:.4f}: {args.out}')


if __name__ == '__main__':
    sys.exit(main())
