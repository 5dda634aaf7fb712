"""Measure every snapshot of a run and write RUN_DIR/evaluation.csv (how the figures move).

    python scripts/evaluate_run.py RUN_DIR [--n 200] [--seed 0] [--every 1]

Also writes RUN_DIR/evaluation_command.txt, the command line. One row per snapshot: env steps, updates and the headline figures of scripts/evaluate.py
(held-out L2 for conditional runs; classifier confidence and nearest-real MSE for unconditional
ones; stroke statistics for both), each from `--n` sampled drawings. Plot them with
`python scripts/plot_scores.py RUN_DIR OUT.png --csv evaluation.csv`.
"""
import argparse
import csv
import logging
import sys
from pathlib import Path

from chainer_spiral.evaluation import evaluate_run

# Beside evaluation.csv: the command line that wrote it (model cards quote it).
COMMAND_FILE = 'evaluation_command.txt'


def write_rows(rows, path):
    """Write dicts as CSV with the union of their keys (first-seen order) as header."""
    header = list(dict.fromkeys(k for row in rows for k in row))
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, header)
        writer.writeheader()
        writer.writerows(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('run_dir', type=Path)
    parser.add_argument('--n', type=int, default=200, help='drawings per snapshot (default 200)')
    parser.add_argument('--seed', type=int, default=0, help="seed of the agent's sampling")
    parser.add_argument('--every', type=int, default=1,
                        help='measure every k-th snapshot (and always the last)')
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    try:
        rows = evaluate_run(args.run_dir, n=args.n, seed=args.seed, every=args.every)
    except (OSError, ValueError) as e:
        parser.error(str(e).splitlines()[0])
    if not rows:
        parser.error(f'{args.run_dir}: expected a run directory with snapshots, found none')
    out = args.run_dir / 'evaluation.csv'
    write_rows(rows, out)
    (args.run_dir / COMMAND_FILE).write_text(
        ' '.join(['python', 'scripts/evaluate_run.py'] + list(argv or sys.argv[1:])) + '\n')
    print(out.read_text(), end='')


if __name__ == '__main__':
    sys.exit(main())
