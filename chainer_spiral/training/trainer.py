"""The trainer: `train(cfg, outdir, ...)` turns a config into a trained run directory.

In order: the backend is chosen (training/backend.py; Ray is imported only for ``train.backend:
ray``), the run takes OUTDIR's lock (training/run_lock.py: one run per OUTDIR), records itself
(training/records.py), builds its agent and resumes it (``--load``), starts it from another
run's networks (``--init``) or warm-starts it (training/warm_start.py), then the Supervisor
(training/supervisor.py) runs the workers through the backend and writes the snapshots and
metrics. The quality evaluation of ``train.eval_interval`` is the `evaluate` function the caller
passes, as ChainerRL's `train_agent_async` takes its hooks: the trainer imports no evaluation.
See docs/training.md for why this does not use `train_agent_async` itself.
"""
import signal
import sys
from logging import getLogger
from pathlib import Path

from chainer_spiral.runs import loading
from chainer_spiral.runs.snapshots import (COUNTERS_FILE, Counters, init_from_snapshot,
                                           latest_snapshot, list_snapshots, load_snapshot,
                                           read_counters, resolve_load)
from chainer_spiral.training.errors import TrainingError
from chainer_spiral.training.processes import InlineBackend, ProcessesBackend
from chainer_spiral.training.records import prepare_outdir
from chainer_spiral.training.run_lock import RunLock
from chainer_spiral.training.supervisor import Supervisor
from chainer_spiral.training.warm_start import kickstart, warm_critic, warm_start

logger = getLogger(__name__)

RAY_MISSING = ('train.backend: ray needs the Ray package, which is not installed: '
               'pip install -e .[ray]')


def train(cfg, outdir, load=None, argv=None, progress=True, ray_address=None, init=None,
          evaluate=None):
    """Train `cfg` into `outdir` (optionally resuming from a snapshot).

    Args:
        cfg: a validated Config.
        outdir: run directory (created; an existing one is appended to). It is locked for the
            run: a second run into it stops at once (training/run_lock.py).
        load: snapshot directory to resume from (counters, parameters and optimizer states), or
            a run directory: its newest snapshot that verifies (snapshots.resolve_load).
        argv: the command line, recorded in ``command.txt`` and in the lock.
        progress: show a tqdm progress bar.
        ray_address: with ``train.backend: ray``, the cluster to join ('auto': the one this
            machine belongs to, 'HOST:PORT': its head, which must answer at once); None starts
            a local one.
        init: snapshot (or run) directory whose generator and discriminator a new run starts
            from, with its own counters and fresh optimizer states (fine-tuning another run's
            painter, on this config's data; its warm start, if any, clones from there); not
            with `load`.
        evaluate: ``evaluate(snapshot_dir, n, seed) -> {figure: float}``, a module-level
            function that measures every ``train.eval_interval``-th snapshot and the final one
            in a process of its own (``train.py`` passes evaluation.evaluate.summarise); None:
            none is measured.

    Returns:
        dict: 'agent' (the trained agent, in the state of the final snapshot), 'counters'
        (final Counters), 'snapshot' (Path of the final snapshot),
        'seconds' (training loop wall time), 'sps' (env steps/s over the loop), 'interrupted',
        'workers' (per worker: index, pid, peak_rss_mb, pss_mb, cpu_seconds, seconds in
        env/forward/update/wall), 'ray' (backend ray: worker restarts, updates applied and
        dropped, mean policy lag, bytes of gradients and parameters moved; else None).

    Raises:
        TrainingError: a worker failed or died (the learner, with backend ray), or a loss was
            not finite (no snapshot is written after the fault); another run holds OUTDIR;
            the arguments do not fit together.
    """
    backend = make_backend(cfg, ray_address)
    if cfg.train.eval_interval and evaluate is None:
        logger.warning('train.eval_interval %d without an evaluate function: no snapshot is '
                       'measured (train.py passes chainer_spiral.evaluation.evaluate.summarise)',
                       cfg.train.eval_interval)
    if load is not None and init is not None:
        raise TrainingError(f'--init {init}: expected a new run, got --load {load} as well '
                            '(--load resumes a run, --init starts one from another\'s painter)')
    outdir = Path(outdir)
    argv = list(argv if argv is not None else sys.argv)
    load = None if load is None else resolve_load(load)
    init = None if init is None else resolve_load(init)
    # SIGTERM unwinds as Ctrl-C does until the Supervisor takes it over: the lock is released.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with RunLock(outdir, argv):
            agent, dataset, start, elapsed = prepare_run(cfg, outdir, load, init, argv)
            supervisor = Supervisor(cfg, outdir, agent, dataset, start, elapsed, backend,
                                    progress, evaluate)
            return supervisor.run()
    finally:
        signal.signal(signal.SIGTERM, previous)


def make_backend(cfg, ray_address=None):
    """The Backend of ``train.backend`` and ``train.processes``, before anything is built.

    Raises:
        TrainingError: ``backend: ray`` without Ray installed, or with nothing answering at
            `ray_address`; a Ray address for the processes backend.
    """
    if cfg.train.backend != 'ray':
        if ray_address is not None:
            raise TrainingError(f'--ray-address {ray_address}: expected train.backend ray, got '
                                f'{cfg.train.backend} (add --set train.backend=ray)')
        return InlineBackend() if cfg.train.processes == 1 else ProcessesBackend()
    try:
        from chainer_spiral.training.ray_backend import RayBackend
    except ImportError as e:
        if (e.name or '').split('.')[0] != 'ray':
            raise
        raise TrainingError(RAY_MISSING) from None
    return RayBackend(ray_address)


def prepare_run(cfg, outdir, load, init, argv):
    """Check the run's start against OUTDIR, record it there, build its agent and bring it to
    its starting point: resumed (`load`), from another run's networks (`init`) or warm-started.

    Args:
        load, init: snapshot directories (resolve_load), or None.

    Returns:
        (agent, dataset, start Counters, training seconds before this run).
    """
    if init is not None and latest_snapshot(outdir) is not None:
        raise TrainingError(f'{outdir}: expected a new run for --init, got one with '
                            f'snapshots (resume it with --load {outdir})')
    if load is not None:
        check_no_later_snapshots(outdir, load)
    prepare_outdir(outdir, cfg, argv)
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
    if load is None and (cfg.agent.demo_updates or cfg.agent.synthetic_updates):
        warm_start(cfg, agent, outdir)
    if load is None and cfg.agent.critic_warmup_updates:
        warm_critic(cfg, agent)
    if cfg.agent.teacher_weight:
        kickstart(cfg, agent)
    return agent, dataset, start, elapsed


def check_no_later_snapshots(outdir, load):
    """Resuming into a run directory must not meet snapshots it would have to overwrite."""
    steps = read_counters(Path(load) / COUNTERS_FILE)['steps']
    later = [p.name for p in list_snapshots(outdir) if int(p.name) > steps]
    if later:
        raise TrainingError(f'{outdir}: expected no snapshot beyond the loaded one '
                            f'({steps} steps), got {", ".join(later)}: resume into a new OUTDIR')


def _interrupt(signum, frame):
    raise KeyboardInterrupt
