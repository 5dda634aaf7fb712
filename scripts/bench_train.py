#!/usr/bin/env python
"""Training throughput: env steps/s of configs/mnist.yaml with 1 and with 2 processes.

    python scripts/bench_train.py [--config configs/mnist.yaml] [--updates 40] [--processes 1 2]

Each run trains a fresh agent for a fixed number of updates (all processes together; one update
is B x T = rollout_n x max_episode_steps env steps) with the trainer itself (snapshots only at the
end, no PNG grids), and prints env steps/s over the training loop, the share of the workers' time
spent in the env, in the acting forward pass and in the update, and the peak resident memory of
every worker process. The last line is ``train_steps_per_sec=<number>`` for 2 processes (or for
the last count given).
"""
import argparse
import os
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


def main(argv=None):
    args = parse_args(argv)
    import chainer_spiral  # noqa: F401  (before chainerrl)
    from chainer_spiral.training.worker import peak_rss_mb
    sps = None
    for processes in args.processes:
        cfg, summary = bench(args.config, processes, args.updates, args.overrides)
        sps = summary['sps']
        share = shares(summary)
        counters = summary['counters']
        print(f'processes={processes}: {counters.steps} env steps ({counters.updates} updates of '
              f'B={cfg.agent.rollout_n} x T={cfg.env.max_episode_steps}) in '
              f'{summary["seconds"]:.1f} s: {sps:.1f} env steps/s')
        print(f'  time shares: env {share["env"]:.1%}, forward {share["forward"]:.1%}, '
              f'update {share["update"]:.1%}')
        for w in summary['workers']:
            where = 'main process' if processes == 1 else f'pid {w["pid"]}'
            print(f'  worker {w["index"]} ({where}): peak RSS {w["peak_rss_mb"]:.0f} MiB, '
                  f'PSS at the end {w["pss_mb"]:.0f} MiB')
        sys.stdout.flush()
    print(f'main process peak RSS {peak_rss_mb():.0f} MiB')
    print(f'train_steps_per_sec={sps:.1f}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
