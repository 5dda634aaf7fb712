#!/usr/bin/env python
"""Run arms of a config for a fixed env-step budget and seeds, then compare their quality.

    python scripts/ablate.py CONFIG OUTDIR --steps 100000 --seeds 0 1 \
        --arm faithful --arm relu model.position_activation=relu \
        [--set KEY=VALUE ...] [--parallel 2] [--eval-interval 1] [--eval-n 200]

Each arm is a name and the `--set` overrides that make it (none: the config as it is); `--set`
applies to every arm. Each (arm, seed) trains into OUTDIR/<arm>-s<seed> with train.py (skipped
when that run already has its final snapshot, so an interrupted ablation resumes), logging the
quality figures of its snapshots to quality.csv during training (train.eval_interval). Then:

- OUTDIR/ablation.csv: every quality row of every run, with its arm and seed, and for an
  unconditional painter `fd_normalised_common`: its Frechet distance normalised with the first
  arm's calibration of that seed (each run's `fd_normalised` uses its own untrained policy,
  which an arm that changes the model's inputs, such as `model.coord_channels`, changes too);
- OUTDIR/ablation.md: the last row of each run, and per arm the mean over its seeds;
- OUTDIR/ablation_steps.png, OUTDIR/ablation_time.png: the figures of every run against env
  steps and against wall time (scripts/plot_scores.py).
Arms are compared at equal env steps; wall time is only comparable between arms that ran alone.
"""
import argparse
import csv
import json
import math
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS))
import plot_scores  # noqa: E402

from chainer_spiral.evaluation.quality import normalised_fd  # noqa: E402
from chainer_spiral.runs.snapshots import latest_snapshot  # noqa: E402

# The figures the table shows, in order (those a run has).
TABLE = ('fd_normalised', 'fd_normalised_common', 'painter_class_share', 'class_entropy',
         'distinct', 'precision', 'recall', 'l2_gain', 'target_class_share', 'ink_coverage',
         'strokes_per_drawing')
PLOTTED = r'^(fd_normalised|fd_normalised_common|painter_class_share|class_entropy|distinct|' \
          r'precision|recall|l2_gain|target_class_share|heldout_l2|nearest_real_mse)$'


def parse_arm(values):
    """['relu', 'model.position_activation=relu', ...] -> ('relu', [overrides])."""
    name, overrides = values[0], values[1:]
    if '=' in name or '/' in name:
        raise ValueError(f'--arm {" ".join(values)}: expected a name first, got {name!r}')
    bad = [o for o in overrides if '=' not in o]
    if bad:
        raise ValueError(f'--arm {name}: expected KEY=VALUE overrides, got {bad[0]!r}')
    return name, overrides


def run_dir(outdir, arm, seed):
    return outdir / f'{arm}-s{seed}'


def train_command(config, outdir, arm_overrides, common, seed, steps, eval_interval, eval_n):
    overrides = list(common) + list(arm_overrides) + [
        f'seed={seed}', f'train.steps={steps}', f'train.eval_interval={eval_interval}',
        f'train.eval_n={eval_n}']
    return ([sys.executable, str(SCRIPTS.parent / 'train.py'), str(config), str(outdir),
             '--no-progress'] + [a for o in overrides for a in ('--set', o)])


def finished(directory, steps):
    return (directory / str(steps) / 'counters.json').is_file()


def train_arm(command, directory):
    """Run one train.py (resuming from the run's newest snapshot when it has one)."""
    directory.mkdir(parents=True, exist_ok=True)
    newest = latest_snapshot(directory)
    if newest is not None:
        command = command + ['--load', str(newest)]
    with open(directory.parent / f'{directory.name}.log', 'a') as log:
        return subprocess.run(command, stdout=log, stderr=subprocess.STDOUT).returncode


def quality_rows(directory):
    path = directory / 'quality.csv'
    if not path.is_file():
        return []
    with open(path, newline='') as f:
        return list(csv.DictReader(f))


def common_calibration(directory, seed):
    """The calibration (fd_floor, fd_untrained, ...) a run recorded for `seed`, or None."""
    path = directory / 'calibration.json'
    if not path.is_file():
        return None
    found = [c for key, c in json.loads(path.read_text()).items()
             if key.endswith(f' seed={seed}')]
    return found[0] if len(found) == 1 else None


def summarise(outdir, arms, seeds):
    """Write ablation.csv and ablation.md; returns the markdown text."""
    common = {seed: common_calibration(run_dir(outdir, arms[0][0], seed), seed) for seed in seeds}
    rows = []
    for arm, _ in arms:
        for seed in seeds:
            for r in quality_rows(run_dir(outdir, arm, seed)):
                if common[seed] is not None and r.get('fd'):
                    r['fd_normalised_common'] = normalised_fd(float(r['fd']), common[seed])
                rows.append({'arm': arm, 'seed': seed, **r})
    if not rows:
        raise ValueError(f'{outdir}: no run wrote a quality.csv')
    header = list(dict.fromkeys(k for r in rows for k in r))
    with open(outdir / 'ablation.csv', 'w', newline='') as f:
        writer = csv.DictWriter(f, header)
        writer.writeheader()
        writer.writerows(rows)
    columns = [c for c in TABLE if c in header]
    lines = ['| arm | seed | env steps | wall s | ' + ' | '.join(columns) + ' |',
             '|---|---|---|---|' + '---|' * len(columns)]
    means = {}
    for arm, _ in arms:
        for seed in seeds:
            last = [r for r in rows if r['arm'] == arm and r['seed'] == seed][-1:]
            for r in last:
                values = [plot_scores.number(r.get(c)) for c in columns]
                means.setdefault(arm, []).append(values)
                lines.append(f'| {arm} | {seed} | {r["steps"]} | '
                             f'{plot_scores.number(r["time/elapsed"]):.0f} | '
                             + ' | '.join(_show(v) for v in values) + ' |')
    if len(seeds) > 1:
        for arm, values in means.items():
            mean = [sum(col) / len(col) for col in zip(*values)]
            lines.append(f'| **{arm}** | mean of {len(values)} | | | '
                         + ' | '.join(_show(v) for v in mean) + ' |')
    text = '\n'.join(lines) + '\n'
    (outdir / 'ablation.md').write_text(text)
    return text


def _show(value):
    return 'n/a' if math.isnan(value) else f'{value:.3g}'


def plot(outdir, arms, seeds):
    runs = {}
    for arm, _ in arms:
        for seed in seeds:
            directory = run_dir(outdir, arm, seed)
            if (directory / 'quality.csv').is_file():
                runs[directory.name] = plot_scores.read_metrics(directory / 'quality.csv')
    for x, name in (('steps', 'ablation_steps.png'), ('time/elapsed', 'ablation_time.png')):
        plot_scores.plot(runs, outdir / name, title=f'{outdir.name} against {x}', x_column=x,
                         only=PLOTTED)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', type=Path)
    parser.add_argument('outdir', type=Path)
    parser.add_argument('--steps', type=int, required=True, help='env steps of every run')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument('--arm', nargs='+', action='append', required=True,
                        metavar=('NAME', 'KEY=VALUE'), help='an arm: its name, its overrides')
    parser.add_argument('--set', action='append', default=[], metavar='KEY=VALUE',
                        help='an override of every arm')
    parser.add_argument('--parallel', type=int, default=1, help='runs at once (default 1)')
    parser.add_argument('--eval-interval', type=int, default=1,
                        help='snapshots between quality evaluations (default 1)')
    parser.add_argument('--eval-n', type=int, default=200, help='drawings per evaluation')
    parser.add_argument('--summary-only', action='store_true',
                        help='train nothing: tabulate and plot the runs already in OUTDIR')
    args = parser.parse_args(argv)
    try:
        arms = [parse_arm(a) for a in args.arm]
    except ValueError as e:
        parser.error(str(e))
    if len({a for a, _ in arms}) != len(arms):
        parser.error('--arm: expected distinct arm names')
    args.outdir.mkdir(parents=True, exist_ok=True)
    if not args.summary_only:
        (args.outdir / 'command.txt').write_text(' '.join(['python', 'scripts/ablate.py'] + list(
            argv if argv is not None else sys.argv[1:])) + '\n')
    jobs = [(run_dir(args.outdir, arm, seed),
             train_command(args.config, run_dir(args.outdir, arm, seed), overrides, args.set,
                           seed, args.steps, args.eval_interval, args.eval_n))
            for seed in args.seeds for arm, overrides in arms]
    jobs = [(d, c) for d, c in jobs if not args.summary_only and not finished(d, args.steps)]
    with ThreadPoolExecutor(max_workers=args.parallel) as pool:
        codes = list(pool.map(lambda job: train_arm(job[1], job[0]), jobs))
    failed = [d.name for (d, _), code in zip(jobs, codes) if code != 0]
    try:
        print(summarise(args.outdir, arms, args.seeds), end='')
        plot(args.outdir, arms, args.seeds)
    except ValueError as e:
        parser.error(str(e))
    if failed:
        print(f'ablate.py: runs failed (see their .log): {", ".join(failed)}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
