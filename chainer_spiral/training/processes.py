"""The processes backend (``train.backend: processes``): the workers as processes of this machine.

``processes: 1`` runs the worker loop in the main process (`InlineBackend`); ``processes: N``
forks N workers that share the agent's parameters and optimizer states (`ProcessesBackend`:
ChainerRL's `extract_shared_objects_from_agent` makes every array a view of a
`multiprocessing.RawArray` before the fork). The main process supervises the forked workers:
it drains their messages, takes the snapshots when the SharedState's gate has stopped the
updates, and stops the run with a one-line `TrainingError` when a worker raises or dies.
"""
import multiprocessing as mp
import os
import queue as queue_module
import signal
import time
from logging import getLogger

from chainer_spiral.training.backend import POLL_SECONDS, Backend
from chainer_spiral.training.errors import TrainingError
from chainer_spiral.training.worker import (Worker, describe_error, limit_blas_threads,
                                            run_worker_process)

logger = getLogger(__name__)

# Seconds the forked workers have to finish their update and exit once the run stops.
STOP_GRACE_SECONDS = 30.0


class InlineBackend(Backend):
    """``processes: 1``: the worker loop in the main process, the Supervisor its sink."""

    def run(self, supervisor):
        supervisor.open_outputs()
        limit_blas_threads(1)
        worker = Worker(0, supervisor.cfg, supervisor.agent, supervisor.dataset,
                        supervisor.state, _InlineSink(supervisor), supervisor.start.updates)
        try:
            worker.run()
        except TrainingError:
            raise  # the supervisor's own (a snapshot it could not write), already one line
        except Exception as e:
            logger.exception('training failed')
            raise TrainingError(f'worker 0: {describe_error(e)}') from e
        supervisor.summaries[0] = worker.summary()


class _InlineSink:
    """The worker's messages go straight to the supervisor; between updates it serves."""

    def __init__(self, supervisor):
        self.supervisor = supervisor

    def send(self, kind, payload):
        self.supervisor.handle(kind, 0, payload)

    def tick(self):
        self.supervisor.service()


class ProcessesBackend(Backend):
    """``processes: N``: N forked workers sharing the agent's memory, supervised from here."""

    def run(self, supervisor):
        from chainerrl.experiments.train_agent_async import extract_shared_objects_from_agent
        self.sup = supervisor
        # Views of shared memory from here on; the forked workers inherit them.
        extract_shared_objects_from_agent(supervisor.agent)
        ctx = mp.get_context('fork')
        if supervisor.agent.population is not None:
            supervisor.agent.population.share(ctx)
        self.queue = ctx.Queue()
        self.procs = [
            ctx.Process(target=run_worker_process, name=f'spiral-worker-{i}', daemon=True,
                        args=(i, supervisor.cfg, supervisor.agent, supervisor.dataset,
                              supervisor.state, self.queue, supervisor.start.updates,
                              os.getpid()))
            for i in range(supervisor.cfg.train.processes)]
        try:
            for p in self.procs:
                p.start()
            supervisor.open_outputs()
            self._supervise()
        finally:
            self._stop_processes()

    def _supervise(self):
        state = self.sup.state
        while len(self.sup.summaries) < len(self.procs):
            self._drain(POLL_SECONDS)
            self._check_alive()
            if state.snapshot_pending:
                self._wait_quiescent()
                self.sup.periodic_snapshot()
            self.sup.refresh()

    def _drain(self, timeout):
        """Handle queued messages (waiting up to `timeout` for the first one)."""
        while True:
            try:
                kind, index, payload = self.queue.get(timeout=timeout)
            except queue_module.Empty:
                return
            timeout = 0
            self.sup.handle(kind, index, payload)

    def _check_alive(self):
        for i, p in enumerate(self.procs):
            if p.exitcode is not None and i not in self.sup.summaries:
                self._drain(0.5)   # its last message may still be in the pipe
                if i not in self.sup.summaries:
                    raise TrainingError(_exit_message(i, p))

    def _wait_quiescent(self):
        while not self.sup.state.quiescent:
            self._check_alive()
            time.sleep(0.002)

    def _stop_processes(self):
        self.sup.state.request_stop()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for p in self.procs:
            if p.pid is not None:
                p.join(max(0.0, deadline - time.monotonic()))
        for p in self.procs:
            if p.is_alive():
                logger.warning('terminating worker %s (pid %d)', p.name, p.pid)
                p.terminate()
                p.join(5)


def _exit_message(index, process):
    code = process.exitcode
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f'signal {-code}'
        return f'worker {index} (pid {process.pid}) was killed by {name}'
    return f'worker {index} (pid {process.pid}) exited with status {code} without finishing'
