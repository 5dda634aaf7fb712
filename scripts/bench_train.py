#!/usr/bin/env python
"""Training throughput: env steps/s of configs/mnist.yaml with 1 and with 2 processes.

    python scripts/bench_train.py [--config configs/mnist.yaml] [--updates 40] [--processes 1 2]
    python scripts/bench_train.py --backend ray [--processes 2] [--ray-address ADDRESS]

Each run trains a fresh agent for a fixed number of updates (all processes together; one update
is B x T = rollout_n x max_episode_steps env steps) with the trainer itself (snapshots only at the
end, no PNG grids), and prints env steps/s over the training loop and in the steady state (from
the first metric row on: without the start-up, which the Ray backend spends starting its actors),
the share of the workers' time spent in the env, in the acting forward pass and in the update,
and the peak resident memory of every worker. Each run is a fresh Python process.

``--backend ray`` runs each process count twice, back to back: the shared-memory workers, then as
many Ray worker actors (on a local cluster, or on ``--ray-address``), and prints the Ray figure as
a share of the shared-memory one and the bytes moved per update (gradients to the learner,
parameters back). The last line is ``train_steps_per_sec=<number>`` of the last run (2 processes,
or 2 Ray workers with ``--backend ray``).
"""
import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault('OMP_NUM_THREADS', '1')

REPO = Path(__file__).resolve().parents[1]
MIB = 2 ** 20


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--config', default=str(REPO / 'configs' / 'mnist.yaml'))
    parser.add_argument('--updates', type=int, default=40,
                        help='updates per run, all processes together')
    parser.add_argument('--processes', type=int, nargs='+', default=None,
                        help='process (worker) counts (default: 1 2; with --backend ray: 2)')
    parser.add_argument('--backend', choices=('processes', 'ray'), default='processes',
                        help='ray: each count with the shared-memory workers, then with Ray')
    parser.add_argument('--ray-address', default=None, metavar='ADDRESS',
                        help='the Ray cluster to join (default: start a local one)')
    parser.add_argument('--only', choices=('processes', 'ray'), default=None,
                        help=argparse.SUPPRESS)  # one run, in this process (the runs' command)
    parser.add_argument('--set', dest='overrides', action='append', default=[],
                        metavar='SECTION.KEY=VALUE', help='extra config overrides')
    args = parser.parse_args(argv)
    if args.processes is None:
        args.processes = [2] if args.backend == 'ray' else [1, 2]
    return args


def bench(args, processes, backend):
    """Train once; returns the config, the trainer's summary and the steady-state env steps/s."""
    from chainer_spiral.config import load_config
    from chainer_spiral.training import train
    base = load_config(args.config, args.overrides)
    steps = args.updates * base.agent.rollout_n * base.env.max_episode_steps
    cfg = load_config(args.config, list(args.overrides) + [
        f'train.processes={processes}', f'train.steps={steps}', f'train.backend={backend}',
        'train.n_save_interval=0', 'train.n_save_final_obs_interval=0',
        f'train.log_interval={max(1, args.updates // 4)}'])
    with tempfile.TemporaryDirectory(prefix='bench_train_') as outdir:
        summary = train(cfg, outdir, argv=sys.argv, progress=False,
                        ray_address=args.ray_address if backend == 'ray' else None)
        with open(Path(outdir) / 'metrics.csv', newline='') as f:
            rows = list(csv.DictReader(f))
    return cfg, summary, steady_sps(rows)


def steady_sps(rows):
    """Env steps/s between the first and the last metric row (NaN with fewer than two)."""
    if len(rows) < 2:
        return float('nan')
    first, last = rows[0], rows[-1]
    seconds = float(last['time/elapsed']) - float(first['time/elapsed'])
    return (int(last['steps']) - int(first['steps'])) / max(seconds, 1e-9)


def shares(summary):
    """Time shares (env, forward, update) summed over the workers."""
    total = {key: sum(w['seconds'][key] for w in summary['workers'])
             for key in ('env', 'forward', 'update', 'wall')}
    wall = total['wall'] or 1.0
    return {key: total[key] / wall for key in ('env', 'forward', 'update')}


def run_one(args, processes, backend):
    """Benchmark one run in this process; prints the figures, returns env steps/s."""
    import chainer_spiral  # noqa: F401  (before chainerrl)
    from chainer_spiral.training.worker import peak_rss_mb
    cfg, summary, steady = bench(args, processes, backend)
    share = shares(summary)
    counters = summary['counters']
    print(f'{label(backend, processes)}: {counters.steps} env steps ({counters.updates} updates '
          f'of B={cfg.agent.rollout_n} x T={cfg.env.max_episode_steps}) in '
          f'{summary["seconds"]:.1f} s: {summary["sps"]:.1f} env steps/s')
    print(f'  steady state: {steady:.1f} env steps/s (from the first metric row on)')
    print(f'  time shares: env {share["env"]:.1%}, forward {share["forward"]:.1%}, '
          f'update {share["update"]:.1%}')
    for w in summary['workers']:
        where = ('the main process' if processes == 1 and backend == 'processes'
                 else f'pid {w["pid"]}')
        busy = w['cpu_seconds'] / max(w['seconds']['wall'], 1e-9)
        print(f'  worker {w["index"]} ({where}): peak RSS {w["peak_rss_mb"]:.0f} MiB, '
              f'PSS at the end {w["pss_mb"]:.0f} MiB, on a core {busy:.0%} of its loop time')
    cpu = sum(w['cpu_seconds'] for w in summary['workers'])
    print(f'  {counters.steps} env steps in {cpu:.1f} worker CPU seconds: '
          f'{counters.steps / cpu:.1f} env steps per CPU second '
          f'(x {processes} = {processes * counters.steps / cpu:.1f} on {processes} idle cores)')
    if backend == 'ray':
        ray = summary['ray']
        updates = max(ray['applied'], 1)
        grads, params = ray['gradient_bytes'] / updates, ray['parameter_bytes'] / updates
        print(f'  moved per update: {(grads + params) / MIB:.2f} MiB (gradients '
              f'{grads / MIB:.2f} MiB to the learner, parameters {params / MIB:.2f} MiB back); '
              f'policy lag {ray["policy_lag"]:.2f} updates on average, {ray["dropped"]} '
              f'dropped, {ray["restarts"]} worker restarts')
    elif processes > 1:
        print(f'  main process: peak RSS {peak_rss_mb():.0f} MiB')
    return summary['sps']


def label(backend, processes):
    return f'ray workers={processes}' if backend == 'ray' else f'processes={processes}'


def main(argv=None):
    args = parse_args(argv)
    backends = ['processes', 'ray'] if args.backend == 'ray' else ['processes']
    if args.only:
        print(f'train_steps_per_sec={run_one(args, args.processes[0], args.only):.1f}')
        return 0
    # One fresh process per run: forked workers inherit their parent's memory, which a previous
    # run in the same process would have grown.
    last, figures = None, {}
    for processes, backend in [(p, b) for p in args.processes for b in backends]:
        command = [sys.executable, __file__, '--config', args.config, '--updates',
                   str(args.updates), '--processes', str(processes), '--only', backend]
        command += ['--ray-address', args.ray_address] if args.ray_address else []
        command += [arg for o in args.overrides for arg in ('--set', o)]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        lines = out.strip().splitlines()
        print('\n'.join(lines[:-1]), flush=True)
        last = lines[-1]
        steady = re.search(r'steady state: (\S+) env steps/s', out).group(1)
        figures[processes, backend] = (float(last.split('=')[1]), float(steady))
    if args.backend == 'ray':
        for processes in args.processes:
            (loop_p, steady_p), (loop_r, steady_r) = (figures[processes, b] for b in backends)
            print(f'ray / processes with {processes} workers: {loop_r / loop_p:.0%} over the '
                  f'loop, {steady_r / steady_p:.0%} in the steady state')
    print(last)
    return 0


if __name__ == '__main__':
    sys.exit(main())
