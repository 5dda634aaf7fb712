"""The Supervisor: runs a backend's workers and turns what they report into files.

It writes the metric records and PNG grids the workers send, takes the snapshots (periodic and
final), has every k-th one measured (training/periodic_evaluation.py), shows the progress bar,
and turns Ctrl-C or a scheduler's SIGTERM into a stop after the current updates, with a final
snapshot. The backend (training/backend.py) decides how the workers run.
"""
import multiprocessing as mp
import signal
import time
from logging import getLogger

from chainer_spiral.runs.snapshots import save_snapshot
from chainer_spiral.training.errors import TrainingError, snapshot_note
from chainer_spiral.training.images import save_finals_grid
from chainer_spiral.training.metrics import MetricsWriter
from chainer_spiral.training.periodic_evaluation import PeriodicEvaluation
from chainer_spiral.training.state import SharedState

logger = getLogger(__name__)


class Supervisor:
    """Runs the workers through `backend` and turns what they report into files.

    Args:
        cfg: Config.
        outdir: Path of the run directory.
        agent: the SPIRAL agent to train (fresh, resumed or warm-started).
        dataset: the SpiralDataset.
        start: Counters to count on from; elapsed: training seconds before this run.
        backend: a Backend.
        progress: show a tqdm progress bar.
        evaluate: ``evaluate(snapshot_dir, n, seed) -> {figure: float}`` for the snapshots that
            ``train.eval_interval`` picks, or None.
    """

    def __init__(self, cfg, outdir, agent, dataset, start, elapsed, backend, progress=True,
                 evaluate=None):
        self.cfg = cfg
        self.outdir = outdir
        self.agent = agent
        self.dataset = dataset
        self.start = start
        self.elapsed_before = elapsed
        self.backend = backend
        self.progress = progress
        self.evaluate = evaluate
        # Shared memory, created before any fork: the forked workers count in it.
        self.state = SharedState(mp.get_context('fork'), start, cfg.train.steps,
                                 cfg.train.n_save_interval)
        self.summaries = {}     # worker index -> its summary
        self.interrupted = False
        self.writing = False    # a snapshot is being written: a second stop waits for it
        self.abort = False
        self.metrics = self.bar = self.evaluation = None

    def run(self):
        """Train to the end (or a stop) and take the final snapshot.

        Returns:
            dict: agent, counters, snapshot, seconds, sps, interrupted, workers, ray (see
            trainer.train).
        """
        self.t0 = time.perf_counter()
        self._last_row = (self.t0, self.start.steps)
        # SIGTERM (what a cluster scheduler sends) stops the run as Ctrl-C does.
        previous = {sig: signal.signal(sig, self._on_stop_signal)
                    for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            stats = self.backend.run(self)
            seconds = time.perf_counter() - self.t0
            counters = self.state.counters()
            snapshot = self._snapshot(counters)
            if self.evaluation is not None:
                self.evaluation.final(snapshot, counters, self.elapsed())
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if self.evaluation is not None:
                self.evaluation.stop()
            self._close_outputs()
        steps = counters.steps - self.start.steps
        logger.info('trained %d env steps in %.1f s (%.1f steps/s); final snapshot %s', steps,
                    seconds, steps / seconds if seconds else 0.0, snapshot)
        return dict(agent=self.agent, counters=counters, snapshot=snapshot, seconds=seconds,
                    sps=steps / seconds if seconds else 0.0, interrupted=self.interrupted,
                    workers=[self.summaries[i] for i in sorted(self.summaries)], ray=stats)

    def elapsed(self):
        """Training seconds so far, the runs this one resumes included."""
        return self.elapsed_before + time.perf_counter() - self.t0

    def _on_stop_signal(self, signum, frame):
        if self.state.stopping:
            if self.writing:
                self.abort = True   # raised once the snapshot is complete
                return
            raise KeyboardInterrupt
        logger.warning('%s: finishing the current updates, then saving a snapshot (send it '
                       'again to abort without one)', signal.Signals(signum).name)
        self.interrupted = True
        self.state.request_stop()

    # -- what the backends call

    def open_outputs(self):
        """Open the metric files, the progress bar and the periodic evaluation (after any fork:
        TensorBoard's writer and tqdm run threads of their own)."""
        self.metrics = MetricsWriter(self.outdir)
        self.bar = _progress_bar(self.cfg.train.steps, self.start.steps, self.progress)
        if self.evaluate is not None and self.cfg.train.eval_interval:
            self.evaluation = PeriodicEvaluation(self.evaluate, self.cfg.train.eval_interval,
                                                 self.cfg.train.eval_n, self.cfg.seed,
                                                 self.outdir, self.metrics)

    def handle(self, kind, index, payload):
        """One message of worker `index`: 'record', 'finals', 'done' or 'error'."""
        if kind == 'record':
            self._write_record(payload)
        elif kind == 'finals':
            path = self.outdir / 'finals' / f'{payload["steps"]:012d}.png'
            save_finals_grid(path, payload['finals'], payload['reals'])
        elif kind == 'done':
            self.summaries[index] = payload
        elif kind == 'error':
            raise TrainingError(f'worker {index}: {payload}')
        else:
            raise AssertionError(kind)

    def service(self):
        """The worker loop in this process: what supervision does between its updates."""
        if self.state.snapshot_pending:
            self.periodic_snapshot()
        self.refresh()

    def refresh(self):
        """Between updates: poll the quality evaluation, move the progress bar."""
        if self.evaluation is not None:
            self.evaluation.poll()
        self.bar.update(self.state.steps - self.bar.n)

    def periodic_snapshot(self):
        """The SharedState's gate stopped the updates at a snapshot interval: save, go on."""
        counters = self.state.counters()
        if self.agent.population is not None:
            self._exploit_explore(counters)
        snapshot = self._snapshot(counters)
        self.state.resume()
        self._snapshot_taken(snapshot, counters)

    def save_periodic(self, counters):
        """backend ray: save the agent, in the state after `counters`, as a periodic snapshot."""
        self._snapshot_taken(self._snapshot(counters), counters)

    def _exploit_explore(self, counters):
        """The population's step (agents/population.py), with the updates stopped; one row of
        OUTDIR/population.csv for each."""
        event = self.agent.population.exploit_explore()
        if event is None:
            return
        size = len(event['fitness'])
        row = dict(counters.as_dict(), loser=event['loser'], winner=event['winner'])
        row.update((f'fitness_{m}', event['fitness'][m]) for m in range(size))
        row.update((f'lr_{m}', event['hyper'][m][0]) for m in range(size))
        row.update((f'beta_{m}', event['hyper'][m][1]) for m in range(size))
        self.metrics.write_population(row)
        logger.info('population at %d env steps: member %d (mean score %.3g) copies member %d '
                    '(%.3g); its lr %.3g, beta %.3g', counters.steps, event['loser'],
                    event['fitness'][event['loser']], event['winner'],
                    event['fitness'][event['winner']], *event['hyper'][event['loser']])

    # -- files

    def _snapshot_taken(self, snapshot, counters):
        if self.evaluation is not None:
            self.evaluation.snapshot_taken(snapshot, counters, self.elapsed())

    def _snapshot(self, counters):
        self.writing = True
        try:
            return save_snapshot(self.agent, self.outdir, counters, self.elapsed())
        except OSError as e:
            raise TrainingError(f'{self.outdir}: cannot write the snapshot of {counters.steps} '
                                f'env steps ({e.strerror or e}); stopped, '
                                f'{snapshot_note(self.outdir)}') from None
        finally:
            self.writing = False
            if self.abort:
                raise KeyboardInterrupt

    def _write_record(self, record):
        now = time.perf_counter()
        steps = self.state.steps
        last_time, last_steps = self._last_row
        record['time/elapsed'] = self.elapsed_before + now - self.t0
        record['time/sps'] = (steps - last_steps) / max(now - last_time, 1e-9)
        self._last_row = (now, steps)
        self.metrics.write(record)

    def _close_outputs(self):
        if self.metrics is not None:
            self.metrics.close()
        if self.bar is not None:
            self.bar.close()


def _progress_bar(total, initial, enabled):
    from tqdm import tqdm
    return tqdm(total=total, initial=initial, unit='step', unit_scale=True, smoothing=0.05,
                mininterval=1.0, dynamic_ncols=True, disable=not enabled, desc='train')
