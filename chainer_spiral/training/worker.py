"""Worker: one process's training loop (its own envs and seeds, the shared agent); the Ray
backend's RemoteWorker runs it in an actor (training/ray_backend.py).

Each iteration collects B = rollout_n episodes of T = max_episode_steps steps in lockstep, then
applies one update (generator, then discriminator) to the shared parameters inside the
SharedState's update section. What the supervisor needs (metric records, final canvases for the
PNG grids) goes to a `sink`: a queue in a worker process, the supervisor itself with
``processes: 1``.
"""
import copy
import ctypes
import os
import resource
import signal
import sys
import time
import traceback
from logging import getLogger

import numpy as np
import psutil
from threadpoolctl import threadpool_limits

from chainer_spiral.agents.population import member_of
from chainer_spiral.runs.loading import make_envs_from_config
from chainer_spiral.runs.snapshots import set_optimizer_steps

logger = getLogger(__name__)


def worker_seeds(seed, index, start_updates):
    """Seeds of one worker, different for every worker and for every resumption point.

    Returns:
        dict with int seeds for 'agent' (its RandomState: action sampling, interpolation),
        'numpy' (numpy's global RNG), 'dataset' (the examples the agent trains on) and 'grid'
        (the real images of the PNG grids).
    """
    names = ('agent', 'numpy', 'dataset', 'grid')
    state = np.random.SeedSequence([seed, index, start_updates]).generate_state(len(names))
    return dict(zip(names, (int(s) for s in state)))


class TimedEnv:
    """Wraps an env to add up the time spent in `step` and `reset`."""

    def __init__(self, env):
        self.env = env
        self.seconds = 0.0

    def step(self, action):
        start = time.perf_counter()
        try:
            return self.env.step(action)
        finally:
            self.seconds += time.perf_counter() - start

    def reset(self, **kwargs):
        start = time.perf_counter()
        try:
            return self.env.reset(**kwargs)
        finally:
            self.seconds += time.perf_counter() - start

    def __getattr__(self, name):
        return getattr(self.env, name)


class Timing:
    """Seconds spent in the env, in the rest of `collect` (network forward), in `update`."""

    KEYS = ('env', 'forward', 'update', 'wall')

    def __init__(self):
        self.total = dict.fromkeys(self.KEYS, 0.0)
        self._mark = dict(self.total)

    def add(self, **seconds):
        for key, value in seconds.items():
            self.total[key] += value

    def shares_since_mark(self):
        """{'time/share_env': ...} over the time since the last call."""
        delta = {k: self.total[k] - self._mark[k] for k in self.KEYS}
        self._mark = dict(self.total)
        wall = delta['wall'] or 1.0
        return {f'time/share_{k}': delta[k] / wall for k in self.KEYS if k != 'wall'}


class Worker:
    """The training loop of one process.

    Args:
        index: worker index (0-based).
        cfg: Config.
        agent: the SPIRAL agent whose parameters and optimizer states are shared.
        dataset: the SpiralDataset (this process's copy; reseeded here).
        state: SharedState (None where a subclass's `_update` does without it: the Ray
            backend's RemoteWorker).
        sink: object with `send(kind, payload)` and `tick()`.
        start_updates: global updates when the run (or its resumption) started.
    """

    def __init__(self, index, cfg, agent, dataset, state, sink, start_updates):
        self.index = index
        self.cfg = cfg
        self.agent = agent
        self.state = state
        self.sink = sink
        seeds = worker_seeds(cfg.seed, index, start_updates)
        agent.seed(seeds['agent'])
        np.random.seed(seeds['numpy'])
        dataset.seed(seeds['dataset'])
        self.dataset = dataset
        # A copy with its own RNG, so that drawing real images for the grids leaves the
        # training stream of examples alone (the images themselves are shared, not copied).
        self.grid_dataset = copy.copy(dataset)
        self.grid_dataset.seed(seeds['grid'])
        self.envs = [TimedEnv(env) for env in make_envs_from_config(cfg, cfg.agent.rollout_n)]
        self.timing = Timing()
        self.rollouts = 0
        self._cpu_start = time.process_time()

    def run(self):
        """Collect and update until the SharedState says training is over."""
        while self.state.claim(self.cfg.agent.rollout_n * self.cfg.env.max_episode_steps):
            if not self.step():
                break
            self.sink.tick()

    def step(self):
        """Collect one rollout, update, report.

        Returns:
            True when the update was applied and counted (False: the run is stopping, or, with
            the Ray backend, the learner dropped it).
        """
        batch, horizon = self.cfg.agent.rollout_n, self.cfg.env.max_episode_steps
        if self.agent.population is not None:
            self.agent.use_member(member_of(self.index, self.rollouts, self.cfg.train.processes,
                                            self.agent.population.size))
        self.rollouts += 1
        start = time.perf_counter()
        env_before = sum(env.seconds for env in self.envs)
        rollout = self.agent.collect(self.envs)
        collected = time.perf_counter()
        env_seconds = sum(env.seconds for env in self.envs) - env_before
        counters = self._update(rollout, batch * horizon, batch)
        if counters is None:
            return False
        end = time.perf_counter()
        self.timing.add(env=env_seconds, forward=collected - start - env_seconds,
                        update=end - collected, wall=end - start)
        self._report(counters, rollout)
        return True

    def _update(self, rollout, steps, episodes):
        """Apply one update inside the update section; Counters after it, or None if stopping."""
        updates = self.state.begin_update()
        if updates is None:
            return None
        try:
            set_optimizer_steps(self.agent, updates)
            self.agent.update(rollout)
        except BaseException:
            self.state.abort_update()
            raise
        return self.state.end_update(steps, episodes)

    def _report(self, counters, rollout):
        train = self.cfg.train
        if counters.updates % train.log_interval == 0:
            self.sink.send('record', self._record(counters))
        if train.n_save_final_obs_interval and \
                counters.updates % train.n_save_final_obs_interval == 0:
            self.sink.send('finals', self._finals(counters, rollout))

    def _record(self, counters):
        """A metric row: counters, time shares since the last row, the agent's statistics."""
        record = dict(counters.as_dict())
        record.update(self.timing.shares_since_mark())
        record.update((name, float(value)) for name, value in self.agent.get_statistics())
        return record

    def _finals(self, counters, rollout):
        """Final canvases with the targets (conditional) or as many real images."""
        finals = np.asarray(rollout.finals, np.float32)
        if rollout.targets is not None:
            reals = np.asarray(rollout.targets, np.float32)
        else:
            reals = np.stack([self.grid_dataset.get_example() for _ in range(len(finals))])
        return dict(steps=counters.steps, finals=finals, reals=reals)

    def summary(self):
        """What the supervisor reports at the end: times, CPU time of the loop, memory."""
        return dict(index=self.index, pid=os.getpid(), peak_rss_mb=peak_rss_mb(),
                    pss_mb=pss_mb(), seconds=dict(self.timing.total),
                    cpu_seconds=time.process_time() - self._cpu_start)


def peak_rss_mb():
    """Peak resident memory of this process in MiB (shared pages included; ru_maxrss is in kB
    on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pss_mb():
    """Proportional set size of this process in MiB: its resident memory with every page
    shared with other processes (the forked workers, their parent) counted as a fraction."""
    return psutil.Process().memory_full_info().pss / 2**20


def child_pids(pid):
    """Pids of the live (not zombie) child processes of `pid`, sorted; none when it is gone."""
    try:
        children = psutil.Process(pid).children()
    except psutil.NoSuchProcess:
        return []
    found = []
    for child in children:
        try:
            if child.status() != psutil.STATUS_ZOMBIE:
                found.append(child.pid)
        except psutil.NoSuchProcess:
            continue
    return sorted(found)


def limit_blas_threads(n=1):
    """Limit the BLAS threads of this process (and of the processes it starts) to `n`.

    Several workers on few cores must not each start a pool of BLAS threads.
    """
    # threadpoolctl limits the libraries loaded now; the variables, those loaded or started later.
    os.environ['OMP_NUM_THREADS'] = str(n)
    os.environ['OPENBLAS_NUM_THREADS'] = str(n)
    threadpool_limits(limits=n, user_api='blas')


PR_SET_PDEATHSIG = 1   # <sys/prctl.h>


def die_with_parent(parent_pid):
    """Have the kernel kill this process when its parent dies (Linux), so that the workers of a
    supervisor killed with SIGKILL do not train on, unsupervised."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        logger.warning('cannot tie the worker to its parent (no prctl)')
    if os.getppid() != parent_pid:      # the parent died before prctl took effect
        os._exit(1)


def run_worker_process(index, cfg, agent, dataset, state, queue, start_updates, parent_pid):
    """Entry point of a forked worker process: run, then report 'done' or one 'error' line."""
    die_with_parent(parent_pid)
    # The supervisor decides how to stop (Ctrl-C and a scheduler's SIGTERM reach the group).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    limit_blas_threads(1)
    try:
        worker = Worker(index, cfg, agent, dataset, state, QueueSink(queue, index),
                        start_updates)
        worker.run()
        queue.put(('done', index, worker.summary()))
    except BaseException as e:  # noqa: B902  (every failure must reach the supervisor)
        traceback.print_exc(file=sys.stderr)
        queue.put(('error', index, describe_error(e)))
        queue.close()
        queue.join_thread()
        sys.exit(1)
    queue.close()
    queue.join_thread()


def describe_error(error):
    """One line: 'ValueError: <first line of the message>'; a NaN/inf loss says so first.

    The agent's NonFiniteLossError is a FloatingPointError raised before any parameter changes.
    """
    text = str(error).strip().splitlines()
    line = f'{type(error).__name__}: {text[0]}' if text else type(error).__name__
    if isinstance(error, FloatingPointError):
        return f'non-finite loss, stopped before updating the parameters: {line}'
    return line


class QueueSink:
    """Sends a worker's messages, ``(kind, worker index, payload)``, to the supervisor."""

    def __init__(self, queue, index):
        self.queue = queue
        self.index = index

    def send(self, kind, payload):
        self.queue.put((kind, self.index, payload))

    def tick(self):
        pass
