#!/usr/bin/env python
"""Plots the training curves of a run: ``plot_scores.py OUTDIR OUT.png``.

Reads ``OUTDIR/metrics.csv`` (one row per log interval, a header of statistic names such as
``train/pi_loss``, ``train/d_loss``, ``train/R``, ``train/l2``, ``train/avg_entropy``,
``time/sps`` and counters such as ``env_steps``) and draws one panel per group of statistics
against the environment steps: losses, rewards, L2 distances, entropy, speed, then the rest.
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
    return {name: [_number(row.get(name)) for row in rows] for name in rows[0]}


def _number(text):
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


def plot(metrics, out, title=''):
    """Draws the panels of ``metrics`` (from ``read_metrics``) into the PNG ``out``."""
    x_name = next((c for c in X_CANDIDATES if c in metrics), None)
    n_rows = len(next(iter(metrics.values())))
    x = metrics[x_name] if x_name else list(range(n_rows))
    panels = group_columns([c for c in metrics if c != x_name])
    if not panels:
        raise ValueError(f'expected statistic columns besides the counters, got {list(metrics)}')
    n_cols = min(3, len(panels))
    n_grid_rows = -(-len(panels) // n_cols)
    fig, axes = plt.subplots(n_grid_rows, n_cols, figsize=(4.5 * n_cols, 3.2 * n_grid_rows),
                             squeeze=False)
    for ax, (panel, names) in zip(axes.flat, panels):
        for name in names:
            ax.plot(x, metrics[name], label=name, lw=1.2)
        ax.set_title(panel)
        ax.set_xlabel(x_name or 'row')
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis('off')
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description='Plot the training curves of a run.')
    parser.add_argument('outdir', type=Path, help='the run directory holding metrics.csv')
    parser.add_argument('out', type=Path, help='the PNG to write')
    args = parser.parse_args(argv)
    path = args.outdir / 'metrics.csv'
    if not path.is_file():
        parser.error(f'{path}: expected the run\'s metrics file, got nothing')
    try:
        plot(read_metrics(path), args.out, title=str(args.outdir))
    except ValueError as e:
        parser.error(str(e))
    print(f'wrote {args.out}', file=sys.stderr)


if __name__ == '__main__':
    main()
