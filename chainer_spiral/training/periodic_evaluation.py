"""PeriodicEvaluation: the quality of every k-th snapshot, measured while the run goes on.

With ``train.eval_interval`` k the trainer measures every k-th snapshot, and the final one, with
the `evaluate` function it is given (the command line gives it
`chainer_spiral.evaluation.evaluate.summarise`): in a process of its own, one at a time, so the
workers never wait. The figures go to OUTDIR/quality.csv and TensorBoard (quality/*) when they
arrive; a snapshot that falls due while one is being measured is skipped, with a warning.
"""
import json
import multiprocessing as mp
import os
from logging import getLogger
from pathlib import Path

from chainer_spiral.training.worker import limit_blas_threads

logger = getLogger(__name__)


class PeriodicEvaluation:
    """Measures snapshots with `evaluate` in a spawned process and records the figures.

    Args:
        evaluate: ``evaluate(snapshot_dir, n, seed) -> {figure name: float}``, a function the
            spawned process can import (module level).
        interval: snapshots between evaluations (k >= 1).
        n: episodes per evaluation (``train.eval_n``).
        seed: the run's seed, for the evaluation's sampling.
        outdir: the run directory (the figures pass through ``OUTDIR/.quality-<steps>.json``).
        metrics: the run's MetricsWriter (its `write_quality` records a row).
    """

    def __init__(self, evaluate, interval, n, seed, outdir, metrics):
        self.evaluate = evaluate
        self.interval = interval
        self.n = n
        self.seed = seed
        self.outdir = Path(outdir)
        self.metrics = metrics
        self.snapshots_taken = 0
        self.running = None     # (process, snapshot Path, json Path, counters, elapsed)
        self.evaluated = set()  # snapshots whose evaluation was started

    def snapshot_taken(self, snapshot, counters, elapsed):
        """A periodic snapshot was written: measure it if it is the k-th and none is running."""
        self.snapshots_taken += 1
        if self.snapshots_taken % self.interval:
            return
        if self.running is not None:
            logger.warning('quality evaluation of %s still running: not evaluating %s',
                           self.running[1], snapshot)
            return
        self._start(snapshot, counters, elapsed)

    def final(self, snapshot, counters, elapsed):
        """The run is over: wait for the running evaluation, then measure the final snapshot
        unless it was measured already (it was the k-th periodic one)."""
        self.finish()
        if snapshot not in self.evaluated:
            self._start(snapshot, counters, elapsed)
            self.finish()

    def poll(self):
        """Record the running evaluation's figures if it has ended."""
        if self.running is not None and self.running[0].exitcode is not None:
            self.finish()

    def finish(self):
        """Wait for the running evaluation, if any, and record its figures."""
        if self.running is None:
            return
        process, snapshot, out, counters, elapsed = self.running
        self.running = None
        process.join()
        if process.exitcode != 0 or not out.is_file():
            logger.warning('quality evaluation of %s failed (exit status %s)', snapshot,
                           process.exitcode)
            return
        row = json.loads(out.read_text())
        out.unlink()
        self.metrics.write_quality({'steps': counters.steps, 'episodes': counters.episodes,
                                    'updates': counters.updates, 'time/elapsed': elapsed, **row})
        logger.info('quality at %d env steps: %s', counters.steps,
                    ', '.join(f'{k} {v:.4g}' for k, v in row.items()))

    def stop(self):
        """Terminate the running evaluation (the run stopped on a fault or an abort)."""
        if self.running is not None and self.running[0].is_alive():
            self.running[0].terminate()
            self.running[0].join(5)

    def _start(self, snapshot, counters, elapsed):
        out = self.outdir / f'.quality-{counters.steps}.json'
        # spawn, not fork: the evaluation builds its own agent, away from the shared memory.
        process = mp.get_context('spawn').Process(
            target=evaluate_to_file, name='spiral-evaluation', daemon=True,
            args=(self.evaluate, str(snapshot), self.n, self.seed, str(out)))
        process.start()
        self.running = (process, snapshot, out, counters, elapsed)
        self.evaluated.add(snapshot)


def evaluate_to_file(evaluate, snapshot_dir, n, seed, out_path):
    """Entry point of the evaluation process: ``evaluate(snapshot_dir, n, seed)`` written as
    JSON to `out_path` (atomically), with one BLAS thread beside the workers."""
    limit_blas_threads(1)
    row = evaluate(snapshot_dir, n, seed)
    tmp = Path(f'{out_path}.tmp')
    tmp.write_text(json.dumps(row) + '\n')
    os.replace(tmp, out_path)
