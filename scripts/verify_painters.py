"""Re-measure the shipped painters' headline figures and hold them to their cards' metrics.json.

    python scripts/verify_painters.py [NAME ...] [--n N]

For each shipped painter (all of them by default), draws the card's sampled drawings again (its
metrics.json records the count and the seed; `--n` fewer for a quick look, then nothing is
compared) and prints the headline figures beside the recorded ones. Exit status 1 when a figure
differs by more than 5e-5 (the cards quote three decimals; the Frechet distance's matrix square
root moves in the seventh): a painter that no longer draws what its card says.
"""
import argparse
import logging
import sys

from chainer_spiral.evaluation import evaluate_snapshot
from chainer_spiral.painters import PainterError, painter, painters

TOLERANCE = 5e-5


def headline(metrics):
    """{figure: value} of the card's headline figures present in one evaluation's metrics."""
    quality = metrics.get('quality') or {}
    figures = {'l2_gain': metrics.get('l2_gain'),
               'target_class_share': metrics.get('target_class_share'),
               'painter_class_share': (metrics.get('classifier') or {}).get('painter_class_share'),
               'fd_normalised': quality.get('fd_normalised'),
               'class_entropy': quality.get('class_entropy'),
               'strokes_per_drawing': metrics.get('strokes_per_drawing')}
    return {k: v for k, v in figures.items() if v is not None}


def verify(shipped, n=None):
    """(recorded figures, measured figures) of one painter's sampled drawings."""
    recorded = shipped.metrics()['sampled']
    measured = evaluate_snapshot(shipped.snapshot, n=n or recorded['episodes'],
                                 seed=recorded['seed'],
                                 temperature=recorded.get('temperature') or 1.0)
    return headline(recorded), headline(measured)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('names', nargs='*', help='shipped painters (default: all)')
    parser.add_argument('--n', type=int, default=None,
                        help='drawings per painter (default: as its card; fewer: no comparison)')
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    try:
        chosen = [painter(name) for name in args.names] or list(painters().values())
    except PainterError as e:
        parser.error(str(e))
    differs = []
    for shipped in chosen:
        recorded, measured = verify(shipped, args.n)
        for key, value in measured.items():
            card = recorded.get(key, float('nan'))
            verdict = ''
            if args.n is None:
                verdict = 'same' if abs(value - card) <= TOLERANCE else 'DIFFERS'
            if verdict == 'DIFFERS':
                differs.append(f'{shipped.name} {key}')
            print(f'{shipped.name:22s} {key:20s} card {card:.4f}  now {value:.4f}  {verdict}')
    if differs:
        print(f'error: {len(differs)} figure(s) differ from the cards: {", ".join(differs)}',
              file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
