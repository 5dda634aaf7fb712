"""The trainer: run directory, worker processes, supervision, snapshots and metrics.

``processes: N`` forks N workers that share the agent's parameters and optimizer states
(ChainerRL's `extract_shared_objects_from_agent`: every array becomes a view of a
`multiprocessing.RawArray` before the fork); ``processes: 1`` runs the same loop in the main
process. ``backend: ray`` runs the workers as Ray actors around one learner actor instead
(training/ray_backend.py). The main process supervises: it writes the metric records and PNG
grids the workers send, takes the snapshots, shows the progress bar, and stops the whole run with
a one-line `TrainingError` when a worker raises or dies. With ``train.eval_interval`` it also
evaluates every k-th snapshot in a low-priority process of its own (evaluation.summarise_to_file)
and writes the figures to quality.csv and TensorBoard when they arrive. See docs/training.md for
why this does not use ChainerRL's `train_agent_async` loop.
"""
import dataclasses
import json
import multiprocessing as mp
import os
import queue as queue_module
import shlex
import signal
import subprocess
import sys
import time
from logging import getLogger
from pathlib import Path

from chainer_spiral.config import dump_config
from chainer_spiral.runs import loading
from chainer_spiral.training.images import save_finals_grid
from chainer_spiral.training.metrics import MetricsWriter
from chainer_spiral.runs.snapshots import (COUNTERS_FILE, init_from_snapshot,
                                               latest_snapshot, list_snapshots, load_snapshot,
                                               load_warm_start, read_counters, remove_stale_tmp,
                                               resolve_load, save_snapshot, save_warm_start)
from chainer_spiral.training.state import Counters, SharedState
from chainer_spiral.training.worker import (Worker, describe_error, limit_blas_threads,
                                            run_worker_process)

logger = getLogger(__name__)

POLL_SECONDS = 0.05
STOP_GRACE_SECONDS = 30.0
RAY_MISSING = ('train.backend: ray needs the Ray package, which is not installed: '
               'pip install -e .[ray]')


class TrainingError(RuntimeError):
    """Training stopped because of a fault (one-line message); the last snapshot is intact."""


def train(cfg, outdir, load=None, argv=None, progress=True, ray_address=None, init=None):
    """Train `cfg` into `outdir` (optionally resuming from a snapshot).

    Args:
        cfg: a validated Config.
        outdir: run directory (created; an existing one is appended to).
        load: snapshot directory to resume from (counters, parameters and optimizer states), or
            a run directory: its newest snapshot that verifies (snapshots.resolve_load).
        argv: the command line, recorded in ``command.txt``.
        progress: show a tqdm progress bar.
        ray_address: with ``train.backend: ray``, the cluster to join ('auto': the one this
            machine belongs to, 'HOST:PORT': its head); None starts a local one.
        init: snapshot (or run) directory whose generator and discriminator a new run starts
            from, with its own counters and fresh optimizer states (fine-tuning another run's
            painter, on this config's data; no demonstrations warm start); not with `load`.

    Returns:
        dict: 'agent' (the trained agent, in the state of the final snapshot), 'counters'
        (final Counters), 'snapshot' (Path of the final snapshot),
        'seconds' (training loop wall time), 'sps' (env steps/s over the loop), 'interrupted',
        'workers' (per worker: index, pid, peak_rss_mb, pss_mb, cpu_seconds, seconds in
        env/forward/update/wall), 'ray' (backend ray: worker restarts, updates applied and
        dropped, mean policy lag, bytes of gradients and parameters moved; else None).

    Raises:
        TrainingError: a worker failed or died (the learner, with backend ray), or a loss was
            not finite; no snapshot is written after the fault.
    """
    check_backend(cfg, ray_address)
    outdir = Path(outdir)
    if load is not None and init is not None:
        raise TrainingError(f'--init {init}: expected a new run, got --load {load} as well '
                            '(--load resumes a run, --init starts one from another\'s painter)')
    if init is not None:
        init = resolve_load(init)
        if latest_snapshot(outdir) is not None:
            raise TrainingError(f'{outdir}: expected a new run for --init, got one with '
                                f'snapshots (resume it with --load {outdir})')
    if load is not None:
        load = resolve_load(load)
        check_no_later_snapshots(outdir, load)
    prepare_outdir(outdir, cfg, argv if argv is not None else sys.argv)
    dataset = loading.make_dataset_from_config(cfg)
    env = loading.make_env_from_config(cfg)
    agent = loading.build_agent_from_config(cfg, dataset, env)
    env.close()
    start, elapsed = Counters(), 0.0
    if load is not None:
        start, elapsed = load_snapshot(agent, load)
        logger.info('resuming from %s at %d env steps, %d updates', load, start.steps,
                    start.updates)
    elif init is not None:
        init_from_snapshot(agent, init)
        logger.info('starting from the networks of %s', init)
    elif cfg.agent.demo_updates:
        warm_start(cfg, agent, outdir)
    if load is None and cfg.agent.critic_warmup_updates:
        warm_critic(cfg, agent)
    supervisor = Supervisor(cfg, outdir, agent, dataset, start, elapsed, progress, ray_address)
    return supervisor.run()


def check_backend(cfg, ray_address):
    """Ray is an extra: say how to install it before anything is built.

    Raises:
        TrainingError: ``backend: ray`` without Ray, or a Ray address for the processes backend.
    """
    if cfg.train.backend != 'ray':
        if ray_address is not None:
            raise TrainingError(f'--ray-address {ray_address}: expected train.backend ray, got '
                                f'{cfg.train.backend} (add --set train.backend=ray)')
        return
    try:
        import ray  # noqa: F401
    except ImportError:
        raise TrainingError(RAY_MISSING) from None


def warm_start(cfg, agent, outdir=None):
    """`agent.demo_updates` behaviour-cloning updates on `agent.demonstrations` (a new run only;
    agents/demonstrations.py), in the main process before the workers start.

    With an `outdir` and `train.warm_start_save_interval` k, every k-th update and the last one
    checkpoint the warm start to ``outdir/warm_start/<updates done>/`` (the networks, optimizer
    states and both random states; snapshots.save_warm_start); a new run in an `outdir`
    holding one goes on from it: the same parameters as a warm start never interrupted.

    Raises:
        DatasetError: the demonstrations file is unreadable.
        TrainingError: a checkpoint of another config's warm start.
    """
    import numpy as np
    from chainer_spiral.agents import demonstrations
    a = cfg.agent
    demos = demonstrations.read_demonstrations(a.demonstrations)
    envs = loading.make_envs_from_config(cfg, a.rollout_n)
    rng = np.random.RandomState(cfg.seed)
    n, lr = a.demo_updates, agent.gen_optimizer.alpha
    interval = cfg.train.warm_start_save_interval if outdir is not None else 0
    first = resume_warm_start(cfg, agent, outdir, rng) if outdir is not None else 0
    for i in range(first, n):
        if a.demo_lr_decay:
            agent.gen_optimizer.alpha = lr * (n - i) / n
        loss = demonstrations.behaviour_cloning(agent, envs, demos, rng, a.demo_spacing)
        if i == 0 or (i + 1) % 10 == 0 or i + 1 == n:
            logger.info('behaviour cloning %d/%d on %d demonstrations: loss %.4f (lr %.3g)',
                        i + 1, n, len(demos), loss, agent.gen_optimizer.alpha)
        if interval and ((i + 1) % interval == 0 or i + 1 == n):
            save_warm_start(agent, outdir, warm_start_state(cfg, i + 1, rng, agent))
    agent.gen_optimizer.alpha = lr
    for env in envs:
        env.close()


def warm_start_state(cfg, done, rng, agent):
    """What a warm-start checkpoint records beside the agent (JSON-able): the updates done, the
    config that fixes the warm start, and the random states of its sampler and of the agent."""
    def random_state(r):
        name, keys, pos, has_gauss, gauss = r.get_state()
        return [name, keys.tolist(), int(pos), int(has_gauss), float(gauss)]
    return {'done': done, 'config': warm_start_config(cfg), 'sampler': random_state(rng),
            'agent': random_state(agent.rng)}


def warm_start_config(cfg):
    """The keys that fix a warm start (the seed and the agent section) as JSON values."""
    return json.loads(json.dumps({'seed': cfg.seed, 'agent': dataclasses.asdict(cfg.agent)}))


def resume_warm_start(cfg, agent, outdir, rng):
    """Load the newest warm-start checkpoint of `outdir` into the agent and both random states;
    returns the updates it had done (0: none to resume).

    Raises:
        TrainingError: a checkpoint of another config's warm start.
    """
    import numpy as np
    found = load_warm_start(agent, outdir)
    if found is None:
        return 0
    path, state = found
    saved, now = state.get('config', {}), warm_start_config(cfg)
    if saved != now:
        keys = sorted({*saved.get('agent', {}), *now['agent']})
        diff = (['seed'] if saved.get('seed') != now['seed'] else []) + [
            f'agent.{k}' for k in keys if saved.get('agent', {}).get(k) != now['agent'].get(k)]
        raise TrainingError(f'{path}: expected a warm start of this config, got one with another '
                            f'{", ".join(diff)} (start the run in a new OUTDIR)')
    for r, (name, keys, pos, has_gauss, gauss) in ((rng, state['sampler']),
                                                    (agent.rng, state['agent'])):
        r.set_state((name, np.array(keys, dtype=np.uint32), pos, has_gauss, gauss))
    logger.info('resuming the warm start from %s after %d updates', path, state['done'])
    return state['done']


def warm_critic(cfg, agent):
    """`agent.critic_warmup_updates` discriminator-only updates on the drawings of the policy a
    new run starts with, in the main process before the workers start: a policy that already
    draws (from --init or the demonstrations) first meets a critic that can tell its drawings
    from real images, not a random one."""
    envs = loading.make_envs_from_config(cfg, cfg.agent.rollout_n)
    n = cfg.agent.critic_warmup_updates
    for i in range(n):
        stats = agent.critic_step(envs)
        if i == 0 or (i + 1) % 10 == 0 or i + 1 == n:
            logger.info('critic warm-up %d/%d: d_loss %.4f', i + 1, n, stats['d_loss'])
    for env in envs:
        env.close()


def prepare_outdir(outdir, cfg, argv):
    """Create the run directory with config.yaml, command.txt, git.txt and what ChainerRL's
    prepare_output_dir records (`write_chainerrl_records`).

    Raises:
        TrainingError: OUTDIR is a file, or cannot be created or written.
    """
    if outdir.exists() and not outdir.is_dir():
        raise TrainingError(f'{outdir}: expected a run directory, got a file')
    try:
        _write_outdir(outdir, cfg, argv)
    except OSError as e:
        raise TrainingError(f'{outdir}: cannot write the run directory '
                            f'({e.strerror or e})') from None


def _write_outdir(outdir, cfg, argv):
    outdir.mkdir(parents=True, exist_ok=True)
    remove_stale_tmp(outdir)
    dump_config(cfg, outdir / loading.CONFIG_FILE)
    (outdir / 'command.txt').write_text(' '.join(shlex.quote(str(a)) for a in argv) + '\n')
    (outdir / 'git.txt').write_text(git_description())
    write_chainerrl_records(outdir, cfg)


def write_chainerrl_records(outdir, cfg):
    """What chainerrl.experiments.prepare_output_dir writes beside command.txt: args.txt (here
    the resolved config as JSON), environ.txt (the environment variables as JSON) and, when the
    working directory is under git, git-head.txt, git-status.txt, git-log.txt and
    git-diff.txt (ChainerRL's commands, run there)."""
    from chainerrl.experiments.prepare_output_dir import is_under_git_control
    (outdir / 'args.txt').write_text(json.dumps(dataclasses.asdict(cfg), default=str))
    (outdir / 'environ.txt').write_text(json.dumps(dict(os.environ)))
    if is_under_git_control():
        for name, command in (('git-head.txt', ['rev-parse', 'HEAD']),
                              ('git-status.txt', ['status']), ('git-log.txt', ['log']),
                              ('git-diff.txt', ['diff'])):
            (outdir / name).write_bytes(subprocess.check_output(['git'] + command))


def check_no_later_snapshots(outdir, load):
    """Resuming into a run directory must not meet snapshots it would have to overwrite."""
    steps = read_counters(Path(load) / COUNTERS_FILE)['steps']
    later = [p.name for p in list_snapshots(outdir) if int(p.name) > steps]
    if later:
        raise TrainingError(f'{outdir}: expected no snapshot beyond the loaded one '
                            f'({steps} steps), got {", ".join(later)}: resume into a new OUTDIR')


def git_description():
    """'revision: <sha>\\ndirty: <bool>\\n' of the package's checkout (or 'unknown')."""
    root = Path(__file__).resolve().parents[2]

    def git(*args):
        return subprocess.run(['git', '-C', str(root), *args], capture_output=True, text=True,
                              timeout=30)
    try:
        rev = git('rev-parse', 'HEAD')
        status = git('status', '--porcelain', '--untracked-files=no')
    except (OSError, subprocess.SubprocessError):
        return 'revision: unknown (git not available)\n'
    if rev.returncode != 0:
        return 'revision: unknown (not a git checkout)\n'
    dirty = bool(status.stdout.strip())
    return f'revision: {rev.stdout.strip()}\ndirty: {str(dirty).lower()}\n'


class Supervisor:
    """Runs the workers and turns what they report into files."""

    def __init__(self, cfg, outdir, agent, dataset, start, elapsed, progress, ray_address=None):
        self.cfg = cfg
        self.outdir = outdir
        self.agent = agent
        self.dataset = dataset
        self.start = start
        self.elapsed_before = elapsed
        self.ctx = mp.get_context('fork')
        self.state = SharedState(self.ctx, start, cfg.train.steps, cfg.train.n_save_interval)
        self.metrics = None
        self.bar = None
        self.progress = progress
        self.summaries = {}
        self.interrupted = False
        self.snapshots_taken = 0
        self.evaluation = None  # (process, snapshot Path, json Path, counters, elapsed)
        self.evaluated = set()  # snapshots whose evaluation was started
        self.ray_address = ray_address
        self.ray_stats = None

    # -- main flow

    def run(self):
        self.t0 = time.perf_counter()
        self._last_row = (self.t0, self.start.steps)
        # SIGTERM (what a cluster scheduler sends) stops the run as Ctrl-C does.
        previous = {sig: signal.signal(sig, self._on_stop_signal)
                    for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            if self.cfg.train.backend == 'ray':
                self._run_ray()
            elif self.cfg.train.processes == 1:
                self._run_inline()
            else:
                self._run_processes()
            seconds = time.perf_counter() - self.t0
            counters = self.state.counters()
            snapshot = self._snapshot(counters)
            if self.cfg.train.eval_interval:
                self._finish_evaluation()
                if snapshot not in self.evaluated:
                    self._start_evaluation(snapshot, counters)
                    self._finish_evaluation()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self._stop_evaluation()
            self._close_outputs()
        steps = counters.steps - self.start.steps
        logger.info('trained %d env steps in %.1f s (%.1f steps/s); final snapshot %s', steps,
                    seconds, steps / seconds if seconds else 0.0, snapshot)
        return dict(agent=self.agent, counters=counters, snapshot=snapshot, seconds=seconds,
                    sps=steps / seconds if seconds else 0.0, interrupted=self.interrupted,
                    workers=[self.summaries[i] for i in sorted(self.summaries)],
                    ray=self.ray_stats)

    def _on_stop_signal(self, signum, frame):
        if self.state.stopping:
            raise KeyboardInterrupt
        logger.warning('%s: finishing the current updates, then saving a snapshot (send it '
                       'again to abort without one)', signal.Signals(signum).name)
        self.interrupted = True
        self.state.request_stop()

    def _open_outputs(self):
        # After forking: TensorBoard's writer and tqdm run threads of their own.
        self.metrics = MetricsWriter(self.outdir)
        self.bar = _progress_bar(self.cfg.train.steps, self.start.steps, self.progress)

    def _close_outputs(self):
        if self.metrics is not None:
            self.metrics.close()
        if self.bar is not None:
            self.bar.close()

    def _run_inline(self):
        self._open_outputs()
        limit_blas_threads(1)
        worker = Worker(0, self.cfg, self.agent, self.dataset, self.state, _InlineSink(self),
                        self.start.updates)
        try:
            worker.run()
        except TrainingError:
            raise  # the supervisor's own (a snapshot it could not write), already one line
        except Exception as e:
            logger.exception('training failed')
            raise TrainingError(_fault_message(0, e)) from e
        self.summaries[0] = worker.summary()

    def _run_processes(self):
        from chainerrl.experiments.train_agent_async import extract_shared_objects_from_agent
        # Views of shared memory from here on; the forked workers inherit them.
        extract_shared_objects_from_agent(self.agent)
        self.queue = self.ctx.Queue()
        self.procs = [
            self.ctx.Process(target=run_worker_process, name=f'spiral-worker-{i}', daemon=True,
                             args=(i, self.cfg, self.agent, self.dataset, self.state, self.queue,
                                   self.start.updates, os.getpid()))
            for i in range(self.cfg.train.processes)]
        try:
            for p in self.procs:
                p.start()
            self._open_outputs()
            self._supervise()
        finally:
            self._stop_processes()

    def _run_ray(self):
        from chainer_spiral.training.ray_backend import RayBackend, connect
        with connect(self.ray_address):
            self._open_outputs()
            self.ray_stats = RayBackend(self).run()

    def _supervise(self):
        while len(self.summaries) < len(self.procs):
            self._drain(POLL_SECONDS)
            self._check_alive()
            if self.state.snapshot_pending:
                self._wait_quiescent()
                self._periodic_snapshot()
            self.refresh()

    # -- messages

    def _drain(self, timeout):
        """Handle queued messages (waiting up to `timeout` for the first one)."""
        while True:
            try:
                kind, index, payload = self.queue.get(timeout=timeout)
            except queue_module.Empty:
                return
            timeout = 0
            self.handle(kind, index, payload)

    def handle(self, kind, index, payload):
        """One message of worker `index`."""
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

    def _write_record(self, record):
        now = time.perf_counter()
        steps = self.state.steps
        last_time, last_steps = self._last_row
        record['time/elapsed'] = self.elapsed_before + now - self.t0
        record['time/sps'] = (steps - last_steps) / max(now - last_time, 1e-9)
        self._last_row = (now, steps)
        self.metrics.write(record)

    # -- faults

    def _check_alive(self):
        for i, p in enumerate(self.procs):
            if p.exitcode is not None and i not in self.summaries:
                self._drain(0.5)   # its last message may still be in the pipe
                if i not in self.summaries:
                    raise TrainingError(_exit_message(i, p))

    def _wait_quiescent(self):
        while not self.state.quiescent:
            self._check_alive()
            time.sleep(0.002)

    def _stop_processes(self):
        self.state.request_stop()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for p in self.procs:
            if p.pid is not None:
                p.join(max(0.0, deadline - time.monotonic()))
        for p in self.procs:
            if p.is_alive():
                logger.warning('terminating worker %s (pid %d)', p.name, p.pid)
                p.terminate()
                p.join(5)

    # -- snapshots and progress

    def service(self):
        """Inline mode: what the supervision loop does between updates."""
        if self.state.snapshot_pending:
            self._periodic_snapshot()
        self.refresh()

    def refresh(self):
        """Between updates: poll the quality evaluation, move the progress bar."""
        self._poll_evaluation()
        self._update_bar()

    def _periodic_snapshot(self):
        counters = self.state.counters()
        snapshot = self._snapshot(counters)
        self.state.resume()
        self._evaluate_periodically(snapshot, counters)

    def save_periodic(self, counters):
        """backend ray: save the agent, in the state after `counters`, as a periodic snapshot."""
        self._evaluate_periodically(self._snapshot(counters), counters)

    def _evaluate_periodically(self, snapshot, counters):
        self.snapshots_taken += 1
        interval = self.cfg.train.eval_interval
        if interval and self.snapshots_taken % interval == 0:
            if self.evaluation is not None:
                logger.warning('quality evaluation of %s still running: not evaluating %s',
                               self.evaluation[1], snapshot)
            else:
                self._start_evaluation(snapshot, counters)

    # -- quality evaluations

    def _start_evaluation(self, snapshot, counters):
        from chainer_spiral.evaluation.evaluate import summarise_to_file
        out = self.outdir / f'.quality-{counters.steps}.json'
        process = mp.get_context('spawn').Process(
            target=summarise_to_file, name='spiral-evaluation', daemon=True,
            args=(str(snapshot), self.cfg.train.eval_n, self.cfg.seed, str(out)))
        process.start()
        elapsed = self.elapsed_before + time.perf_counter() - self.t0
        self.evaluation = (process, snapshot, out, counters, elapsed)
        self.evaluated.add(snapshot)

    def _poll_evaluation(self):
        if self.evaluation is not None and self.evaluation[0].exitcode is not None:
            self._finish_evaluation()

    def _finish_evaluation(self):
        """Wait for the running evaluation, if any, and record its figures."""
        if self.evaluation is None:
            return
        process, snapshot, out, counters, elapsed = self.evaluation
        self.evaluation = None
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

    def _stop_evaluation(self):
        if self.evaluation is not None and self.evaluation[0].is_alive():
            self.evaluation[0].terminate()
            self.evaluation[0].join(5)

    def _snapshot(self, counters):
        elapsed = self.elapsed_before + time.perf_counter() - self.t0
        try:
            return save_snapshot(self.agent, self.outdir, counters, elapsed)
        except OSError as e:
            raise TrainingError(f'{self.outdir}: cannot write the snapshot of {counters.steps} '
                                f'env steps ({e.strerror or e}); stopped, '
                                f'{snapshot_note(self.outdir)}') from None

    def _update_bar(self):
        self.bar.update(self.state.steps - self.bar.n)


class _InlineSink:
    """processes: 1: the worker's messages go straight to the supervisor."""

    def __init__(self, supervisor):
        self.supervisor = supervisor

    def send(self, kind, payload):
        self.supervisor.handle(kind, 0, payload)

    def tick(self):
        self.supervisor.service()


def snapshot_note(outdir):
    """'the last snapshot, OUTDIR/N, is intact' (or 'no snapshot'), for a fault's message."""
    previous = list_snapshots(outdir)
    return f'the last snapshot, {previous[-1]}, is intact' if previous else 'no snapshot'


def _progress_bar(total, initial, enabled):
    from tqdm import tqdm
    return tqdm(total=total, initial=initial, unit='step', unit_scale=True, smoothing=0.05,
                mininterval=1.0, dynamic_ncols=True, disable=not enabled, desc='train')


def _fault_message(index, error):
    return f'worker {index}: {describe_error(error)}'


def _exit_message(index, process):
    code = process.exitcode
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f'signal {-code}'
        return f'worker {index} (pid {process.pid}) was killed by {name}'
    return f'worker {index} (pid {process.pid}) exited with status {code} without finishing'
