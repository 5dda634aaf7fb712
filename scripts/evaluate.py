"""Measure a snapshot and write SNAPSHOT_DIR/metrics.json.

    python scripts/evaluate.py SNAPSHOT_DIR [--n 1000] [--seed 0] [--greedy] [--temperature T]
                               [--repeats K] [--imsize S] [--classifier NPZ] [--out F.json]

A shipped painter's snapshot keeps the metrics.json its manifest lists (its card's figures):
there the figures are printed, and written only to --out.

Conditional models: mean L2 between target and final canvas on held-out images; colour ones also
the per-pixel MSE over RGB and PSNR, sampled and greedy, and the share of empty drawings, printed
beside the baselines (white canvas, mean colour, 4 x 4 and 8 x 8 flat patches). Unconditional
models: a classifier's mean confidence and class histogram on their samples and on real held-out
images (the ceiling), and the normalised Frechet distance, of K sets of drawings with --repeats K
(sampling seeds SEED to SEED + K - 1, one reference set and calibration). Both: strokes per
drawing, drawn-step fraction, ink coverage, empty share. With --imsize S every drawing is replayed
as its program on an S x S canvas (the grid scaled with it) and measured there: a 32 x 32
painter's programs on the paper's 64 x 64 canvas, say.
"""
import argparse
import json
import logging
import sys
from pathlib import Path

from chainer_spiral.evaluation import colour, evaluate_snapshot
from chainer_spiral.runs.snapshots import MANIFEST_FILE


def listed_files(snapshot_dir):
    """The file names a snapshot's manifest.json lists (none without one)."""
    path = snapshot_dir / MANIFEST_FILE
    return set(json.loads(path.read_text())) if path.is_file() else set()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('snapshot_dir', type=Path)
    parser.add_argument('--n', type=int, default=1000, help='episodes to draw (default 1000)')
    parser.add_argument('--seed', type=int, default=0, help="seed of the agent's sampling")
    parser.add_argument('--greedy', action='store_true', help='most probable actions')
    parser.add_argument('--temperature', type=float, default=1.0,
                        help='sample from softmax(log pi / T) (default 1: the policy)')
    parser.add_argument('--repeats', type=int, default=1,
                        help='unconditional: measure the Frechet distance of K sets of drawings '
                        '(default 1)')
    parser.add_argument('--imsize', type=int, default=None,
                        help="measure the drawings replayed on an S x S canvas, the grid scaled "
                        "with it (default: the run's canvas)")
    parser.add_argument('--classifier', type=Path, default=None,
                        help='classifier npz (default: the shipped '
                        'chainer_spiral/evaluation/classifiers/<problem><imsize>.npz)')
    parser.add_argument('--out', type=Path, default=None,
                        help='write the figures here (default: SNAPSHOT_DIR/metrics.json, '
                        "unless the snapshot's manifest lists that file)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    if args.temperature <= 0:
        parser.error(f'--temperature: expected a positive number, got {args.temperature} '
                     '(--greedy takes the most probable actions)')
    if not (args.snapshot_dir / 'counters.json').is_file():
        parser.error(f'{args.snapshot_dir}: expected a snapshot directory with counters.json')
    try:
        metrics = evaluate_snapshot(args.snapshot_dir, n=args.n, seed=args.seed,
                                    greedy=args.greedy, classifier_path=args.classifier,
                                    temperature=args.temperature, repeats=args.repeats,
                                    imsize=args.imsize)
    except (OSError, ValueError) as e:
        parser.error(str(e).splitlines()[0])
    text = json.dumps(metrics, indent=2)
    out = args.out or args.snapshot_dir / 'metrics.json'
    print(text)
    if args.out is None and 'metrics.json' in listed_files(args.snapshot_dir):
        logging.info('%s: kept (the snapshot\'s manifest lists it); --out writes the figures',
                     out)
    else:
        out.write_text(text + '\n')
    if 'colour' in metrics:
        figures = metrics['colour']
        print(colour.table({k: figures[k] for k in ('sampled', 'greedy')}, figures['baselines']))


if __name__ == '__main__':
    sys.exit(main())
