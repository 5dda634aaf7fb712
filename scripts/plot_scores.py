#!/usr/bin/env python
"""Plots the training curves of runs: ``plot_scores.py OUTDIR [OUTDIR ...] OUT.png [--csv NAME]
[--x COLUMN] [--only REGEX]``.

Reads ``OUTDIR/metrics.csv`` (one row per log interval, a header of statistic names such as
``train/pi_loss``, ``train/d_loss``, ``train/R``, ``train/l2``, ``train/avg_entropy``,
``time/sps`` and counters such as ``env_steps``) and draws one panel per group of statistics
against the environment steps: losses, rewards, L2 distances, entropy, speed, then the rest.
With several runs, each panel overlays them (labelled by run directory). ``--csv evaluation.csv``
plots the per-snapshot figures of ``scripts/evaluate_run.py`` instead, ``--csv quality.csv`` those
the trainer logs during training (``train.eval_interval``). ``--x time/elapsed`` plots against wall
time; ``--only 'fd_normalised|class_share'`` keeps the matching statistics.
"""
import argparse
import csv
import math
import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

X_CANDIDATES = ('env_steps', 'global_env_step', 'global_step', 'steps', 'step', 'updates')
COUNTERS = X_CANDIDATES + ('elapsed', 'time', 'time/elapsed', 'wall_time', 'episodes')
GROUPS = (  # (panel title, pattern on the statistic name), first match wins
    ('losses', re.compile(r'loss|(^|/)gp$')),
    ('rewards', re.compile(r'(^|/)(R|reward\w*|score\w*|return\w*)$', re.I)),
    ('L2 distance', re.compile(r'l2', re.I)),
    ('entropy', re.compile(r'entropy', re.I)),
    ('speed (steps/s)', re.compile(r'sps|per_s', re.I)),
    ('share of time', re.compile(r'^time/share')),
)


def read_metrics(path):
    """Reads a metrics CSV.

    Returns:
        dict column name -> list of float (NaN where a cell is empty or not a number).
    """
    with open(path, newline='') as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f'{path}: expected a header and at least one row, got none')
    return {name: [number(row.get(name)) for row in rows] for name in rows[0]}


def number(text):
    """A CSV cell as a float, NaN when it is empty or not a number."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan


def group_columns(columns):
    """Sorts statistic names into panels.

    Args:
        columns: Column names other than the x axis.

    Returns:
        list of (title, [names]) for the non-empty groups, the known ones first, then 'other'.
    """
    panels = {title: [] for title, _ in GROUPS}
    other = []
    for name in columns:
        if name in COUNTERS:
            continue
        title = next((t for t, pattern in GROUPS if pattern.search(name)), None)
        (panels[title] if title else other).append(name)
    out = [(title, names) for title, names in panels.items() if names]
    return out + ([('other', other)] if other else [])


def plot(runs, out, title='', x_column=None, only=None):
    """Draws the panels of runs into the PNG ``out``.

    Args:
        runs: dict label -> metrics (``read_metrics``); one run's label may be ''.
        out: PNG path.
        x_column: the x axis column (default: the first of X_CANDIDATES present).
        only: a regular expression: plot only the statistics it matches (re.search).
    """
    panels = {}
    for label, metrics in runs.items():
        x_name = x_column or next((c for c in X_CANDIDATES if c in metrics), None)
        if x_name is not None and x_name not in metrics:
            raise ValueError(f'{label or "the run"}: expected a column {x_name!r}, got '
                             f'{list(metrics)}')
        n_rows = len(next(iter(metrics.values())))
        x = metrics[x_name] if x_name else list(range(n_rows))
        names = [c for c in metrics if c != x_name and (only is None or re.search(only, c))]
        for panel, names in group_columns(names):
            for name in names:
                panels.setdefault(panel, []).append(
                    (f'{label}: {name}' if label else name, x, metrics[name], x_name or 'row'))
    if not panels:
        raise ValueError(f'expected statistic columns besides the counters, got '
                         f'{[list(m) for m in runs.values()]}')
    n_cols = min(3, len(panels))
    n_grid_rows = -(-len(panels) // n_cols)
    fig, axes = plt.subplots(n_grid_rows, n_cols, figsize=(4.5 * n_cols, 3.2 * n_grid_rows),
                             squeeze=False)
    for ax, (panel, lines) in zip(axes.flat, panels.items()):
        for name, x, y, x_name in lines:
            ax.plot(x, y, label=name, lw=1.2, marker='o' if len(x) < 30 else None, ms=3)
        ax.set_title(panel)
        ax.set_xlabel(x_name)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis('off')
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description='Plot the training curves of runs.')
    parser.add_argument('outdirs', type=Path, nargs='+', metavar='OUTDIR',
                        help='run directories holding the CSV')
    parser.add_argument('out', type=Path, help='the PNG to write')
    parser.add_argument('--csv', default='metrics.csv',
                        help='the CSV in each run directory (default metrics.csv)')
    parser.add_argument('--x', default=None, help='the x axis column (default: env steps)')
    parser.add_argument('--only', default=None, help='plot only the statistics this regular '
                        'expression matches')
    args = parser.parse_args(argv)
    runs = {}
    for outdir in args.outdirs:
        path = outdir / args.csv
        if not path.is_file():
            parser.error(f'{path}: expected the run\'s {args.csv}, got nothing')
        try:
            runs['' if len(args.outdirs) == 1 else outdir.name] = read_metrics(path)
        except (OSError, ValueError) as e:
            parser.error(str(e).splitlines()[0])
    try:
        plot(runs, args.out, title=' vs '.join(str(d) for d in args.outdirs), x_column=args.x,
             only=args.only)
    except ValueError as e:
        parser.error(str(e))
    print(f'wrote {args.out}', file=sys.stderr)


if __name__ == '__main__':
    main()
