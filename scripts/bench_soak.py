#!/usr/bin/env python
"""Soak benchmark: a long training run, its memory and open files sampled as it goes.

    python scripts/bench_soak.py OUTDIR [--minutes 30] [--every 10] [--config configs/mnist.yaml]
        [-- TRAIN_ARGS ...]

Runs ``train.py CONFIG OUTDIR --no-progress TRAIN_ARGS`` (processes and steps as the config says,
unless TRAIN_ARGS set them) for `--minutes`, then stops it with SIGTERM (it saves a final snapshot
and exits). Every `--every` seconds it samples the resident set size (VmRSS) of the main process
and of each of its child processes (the workers; the quality evaluations of train.eval_interval
come and go), and their open file descriptors, into OUTDIR/soak.csv. Prints, per long-lived
process, the RSS and the open file descriptors at the 5th minute and at the end, and the RSS
growth between them (goal: under 5%); and the peak RSS of the short-lived ones.
"""
import argparse
import csv
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from chainer_spiral.training.worker import child_pids

REPO = Path(__file__).resolve().parents[1]
WARMUP_S = 300  # the growth is measured from the 5th minute on


def sample(main_pid):
    """{role: (pid, rss MiB, open fds)} for the main process and its workers."""
    out = {}
    for role, pid in [('main', main_pid)] + [(f'child{i}', p)
                                            for i, p in enumerate(child_pids(main_pid))]:
        try:
            proc = psutil.Process(pid)
            out[role] = (pid, proc.memory_info().rss / 2**20, proc.num_fds())
        except psutil.NoSuchProcess:
            continue
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('outdir', type=Path)
    parser.add_argument('--config', default=str(REPO / 'configs' / 'mnist.yaml'))
    parser.add_argument('--minutes', type=float, default=30.0)
    parser.add_argument('--every', type=float, default=10.0, help='seconds between samples')
    argv = sys.argv[1:] if argv is None else list(argv)
    train_args = argv[argv.index('--') + 1:] if '--' in argv else []
    args = parser.parse_args(argv[:argv.index('--')] if '--' in argv else argv)
    args.outdir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(REPO / 'train.py'), args.config, str(args.outdir),
               '--no-progress', *train_args]
    log = open(args.outdir / 'soak.log', 'a')
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    start, rows = time.monotonic(), []
    try:
        while proc.poll() is None and time.monotonic() - start < args.minutes * 60:
            t = time.monotonic() - start
            for role, (pid, rss, fds) in sample(proc.pid).items():
                rows.append({'seconds': round(t, 1), 'role': role, 'pid': pid,
                             'rss_mib': round(rss, 1), 'open_fds': fds})
            time.sleep(args.every)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        code = proc.wait()
    with open(args.outdir / 'soak.csv', 'w', newline='') as f:
        writer = csv.DictWriter(f, ['seconds', 'role', 'pid', 'rss_mib', 'open_fds'])
        writer.writeheader()
        writer.writerows(rows)
    print(f'train.py exit status {code} after {(time.monotonic() - start) / 60:.1f} min; '
          f'{len(rows)} samples in {args.outdir / "soak.csv"}')
    by_pid = {}
    for r in rows:
        by_pid.setdefault(r['pid'], []).append(r)
    transient = []
    for pid, own in by_pid.items():
        if len(own) < len(by_pid[proc.pid]) // 2:
            transient.append(max(r['rss_mib'] for r in own))  # an evaluation, a helper
            continue
        late = [r for r in own if r['seconds'] >= WARMUP_S] or own
        first, last = late[0], own[-1]
        growth = (last['rss_mib'] - first['rss_mib']) / first['rss_mib']
        print(f'{own[0]["role"]} (pid {pid}): RSS {first["rss_mib"]:.0f} MiB at '
              f'{first["seconds"]:.0f} s -> {last["rss_mib"]:.0f} MiB at {last["seconds"]:.0f} s '
              f'({100 * growth:+.1f}%); open fds {first["open_fds"]} -> {last["open_fds"]}')
    if transient:
        print(f'{len(transient)} short-lived child processes (quality evaluations): peak RSS '
              f'{max(transient):.0f} MiB')
    return code


if __name__ == '__main__':
    sys.exit(main())
