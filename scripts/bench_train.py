#!/usr/bin/env python
"""Training throughput: env steps/s of configs/mnist.yaml with 1 and with 2 processes.

    python scripts/bench_train.py [--config configs/mnist.yaml] [--updates 40] [--processes 1 2]

Each run trains a fresh agent for a fixed number of updates (all processes together; one update
is B x T = rollout_n x max_episode_steps env steps) with the trainer itself (snapshots only at the
end, no PNG grids), and prints env steps/s over the training loop, the share of the workers' time
spent in the env, in the acting forward pass and in the update, and the peak resident memory of
every worker process. Each process count runs in a fresh Python process. The last line is
``train_steps_per_sec=<number>`` for 2 processes (the last count given).
"""
import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault('OMP_NUM_THREADS', '1')

REPO = Path(__file__).resolve().parents[1]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--config', default=str(REPO / 'configs' / 'mnist.yaml'))
    parser.add_argument('--updates', type=int, default=40,
                        help='updates per run, all processes together')
    parser.add_argument('--processes', type=int, nargs='+', default=[1, 2])
    parser.add_argument('--set', dest='overrides', action='append', default=[],
                        metavar='SECTION.KEY=VALUE', help='extra config overrides')
    return parser.parse_args(argv)


def bench(config, processes, updates, overrides):
    """Train once; returns the trainer's summary and the config."""
    from chainer_spiral.config import load_config
    from chainer_spiral.training import train
    base = load_config(config, overrides)
    steps = updates * base.agent.rollout_n * base.env.max_episode_steps
    cfg = load_config(config, list(overrides) + [
        f'train.processes={processes}', f'train.steps={steps}', 'train.n_save_interval=0',
        'train.n_save_final_obs_interval=0', f'train.log_interval={max(1, updates // 4)}'])
    with tempfile.TemporaryDirectory(prefix='bench_train_') as outdir:
        summary = train(cfg, outdir, argv=sys.argv, progress=False)
    return cfg, summary


def shares(summary):
    """Time shares (env, forward, update) summed over the workers."""
    total = {key: sum(w['seconds'][key] for w in summary['workers'])
             for key in ('env', 'forward', 'update', 'wall')}
    wall = total['wall'] or 1.0
    return {key: total[key] / wall for key in ('env', 'forward', 'update')}


def run_one(args, processes):
    """Benchmark one process count in this process; prints the figures, returns env steps/s."""
    import chainer_spiral  # noqa: F401  (before chainerrl)
    from chainer_spiral.training.worker import peak_rss_mb
    cfg, summary = bench(args.config, processes, args.updates, args.overrides)
    share = shares(summary)
    counters = summary['counters']
    print(f'processes={processes}: {counters.steps} env steps ({counters.updates} updates of '
          f'B={cfg.agent.rollout_n} x T={cfg.env.max_episode_steps}) in '
          f'{summary["seconds"]:.1f} s: {summary["sps"]:.1f} env steps/s')
    print(f'  time shares: env {share["env"]:.1%}, forward {share["forward"]:.1%}, '
          f'update {share["update"]:.1%}')
    for w in summary['workers']:
        where = 'the main process' if processes == 1 else f'pid {w["pid"]}'
        busy = w['cpu_seconds'] / max(w['seconds']['wall'], 1e-9)
        print(f'  worker {w["index"]} ({where}): peak RSS {w["peak_rss_mb"]:.0f} MiB, '
              f'PSS at the end {w["pss_mb"]:.0f} MiB, on a core {busy:.0%} of its loop time')
    cpu = sum(w['cpu_seconds'] for w in summary['workers'])
    print(f'  {counters.steps} env steps in {cpu:.1f} worker CPU seconds: '
          f'{counters.steps / cpu:.1f} env steps per CPU second '
          f'(x {processes} = {processes * counters.steps / cpu:.1f} on {processes} idle cores)')
    if processes > 1:
        print(f'  main process: peak RSS {peak_rss_mb():.0f} MiB')
    return summary['sps']


def main(argv=None):
    args = parse_args(argv)
    if len(args.processes) == 1:
        print(f'train_steps_per_sec={run_one(args, args.processes[0]):.1f}')
        return 0
    # One fresh process per count: forked workers inherit their parent's memory, which a
    # previous run in the same process would have grown.
    last = None
    for processes in args.processes:
        command = [sys.executable, __file__, '--config', args.config, '--updates',
                   str(args.updates), '--processes', str(processes)]
        command += [arg for o in args.overrides for arg in ('--set', o)]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        lines = out.strip().splitlines()
        print('\n'.join(lines[:-1]), flush=True)
        last = lines[-1]
    print(last)
    return 0


if __name__ == '__main__':
    sys.exit(main())
