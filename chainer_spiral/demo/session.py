"""Loading a snapshot and recording the episodes that the demo modes render."""
from logging import getLogger
from pathlib import Path

import numpy as np

from chainer_spiral.demo.episodes import Episodes
from chainer_spiral.painters import PainterError, resolve_snapshot
from chainer_spiral.program.conversion import program_from_actions, replay

logger = getLogger(__name__)

BATCH = 20


class DemoError(ValueError):
    """A problem with the demo's inputs (one line, shown as a command line error)."""


def check_snapshot_dir(snapshot_dir):
    """The snapshot directory that ``snapshot_dir`` (a path or a shipped painter's name) means.

    Raises:
        DemoError: not a directory whose parent holds config.yaml, nor a shipped painter.
    """
    try:
        snapshot_dir = resolve_snapshot(snapshot_dir)
    except PainterError as e:
        raise DemoError(str(e)) from None
    if not snapshot_dir.is_dir():
        raise DemoError(f'{snapshot_dir}: expected a snapshot directory, got a file')
    from chainer_spiral.runs.loading import run_config_path
    config = run_config_path(snapshot_dir)
    if not config.is_file():
        raise DemoError(f'{config}: expected the run\'s config.yaml beside the snapshot directory, '
                        f'got nothing')
    return snapshot_dir


def record(agent, envs, n, dataset=None, greedy=False, title='', targets=None, render=None):
    """Runs ``n`` episodes in batches of ``len(envs)`` and records them.

    Args:
        agent: A ``SPIRAL`` agent.
        envs: B envs (the batch size).
        n: Number of episodes.
        dataset: A ``SpiralDataset`` to draw targets from (its test split) when the agent is
            conditional, else None.
        greedy: Take the most likely actions.
        title: Caption of the figures.
        targets: float32 (n, C, H, W), the targets of a conditional agent given instead of a
            dataset.
        render: (envs, targets or None) of another canvas: the episodes are replayed there as
            their programs (conversion.replay), and the Episodes show them with those targets
            (float32 (n, C, H', W'), the same images on that canvas).

    Returns:
        ``Episodes`` with frames (n, T+1, H, W, 3) (H', W' with `render`).
    """
    from chainer_spiral.evaluation.evaluate import paint
    if targets is None and dataset is not None:
        targets = np.stack([dataset.get_example(train=False) for _ in range(n)]).astype(
            np.float32)
    frames, programs = [], []
    for batch, rollout in paint(agent, envs, n, targets, greedy, record=render is None):
        if render is None:
            assert rollout.frames.shape[1] == len(batch), rollout.frames.shape
            frames.append(np.swapaxes(rollout.frames, 0, 1))
            programs += rollout_programs(batch, rollout)
        else:
            shots, replayed = replay(batch, rollout.actions, render[0])
            frames.append(shots)
            programs += replayed
    shown = targets if render is None else render[1]
    return Episodes(np.concatenate(frames), programs, None if shown is None else shown[:n],
                    title)


def rollout_programs(envs, rollout):
    """The Program of each episode of a rollout, in the order of `envs` (its B envs)."""
    return [program_from_actions(env, {k: np.asarray(v)[:, b] for k, v in rollout.actions.items()})
            for b, env in enumerate(envs)]


def record_from_snapshot(snapshot_dir, default_n, n=None, seed=0, with_dataset=True,
                         greedy=False, imsize=None):
    """Loads a snapshot with its run's config and records episodes of it.

    Args:
        snapshot_dir: A snapshot directory (``OUTDIR/<step>``); ``OUTDIR/config.yaml`` describes it.
        default_n: ``default_n(conditional) -> int``, the episodes a mode lays out.
        n: Number of episodes (None: ``default_n``).
        seed: Seeds the action sampling and the choice of targets.
        with_dataset: Load the dataset (needed by conditional models).
        greedy: Take the most likely actions.
        imsize: show the episodes replayed as programs on an imsize x imsize canvas, the grid
            scaled with it (None: the run's canvas).

    Returns:
        ``Episodes``.

    Raises:
        DemoError: missing snapshot or config, a conditional model without its dataset, or an
            imsize the grid does not scale to.
    """
    snapshot_dir = check_snapshot_dir(snapshot_dir)
    from chainer_spiral.runs.loading import load_agent, make_envs_from_config
    try:
        cfg, agent, dataset = load_agent(str(snapshot_dir), with_dataset=with_dataset)
    except (OSError, ValueError) as e:
        raise DemoError(str(e).splitlines()[0]) from None
    conditional = cfg.model.conditional
    if conditional and dataset is None:
        raise DemoError(f'{snapshot_dir}: the model is conditional and needs its dataset to draw '
                        f'targets from; drop --without_dataset')
    seed_everything(seed, agent, dataset if conditional else None)
    n = default_n(conditional) if n is None else n
    envs = make_envs_from_config(cfg, min(BATCH, n))
    if imsize is None:
        return record(agent, envs, n, dataset if conditional else None, greedy,
                      title=short_title(snapshot_dir))
    return record(agent, envs, n, greedy=greedy, title=short_title(snapshot_dir),
                  **rendered(cfg, dataset if conditional else None, n, imsize, seed))


def rendered(cfg, dataset, n, imsize, seed):
    """`record`'s targets and render for a run's episodes shown on an imsize x imsize canvas:
    the same n test images drawn from the dataset (None: unconditional) on both canvases."""
    from chainer_spiral.evaluation.evaluate import rendered_config
    from chainer_spiral.runs.loading import make_dataset_from_config, make_envs_from_config
    try:
        other = rendered_config(cfg, imsize)
    except ValueError as e:
        raise DemoError(str(e)) from None
    targets = shown = None
    if dataset is not None:
        large = make_dataset_from_config(other)
        large.seed(seed)
        targets = np.stack([dataset.get_example(train=False) for _ in range(n)])
        shown = np.stack([large.get_example(train=False) for _ in range(n)])
    return {'targets': targets,
            'render': (make_envs_from_config(other, min(BATCH, n)), shown)}


def short_title(snapshot_dir):
    """'RUN/STEP' of a snapshot directory: a caption short enough for the figures."""
    path = Path(snapshot_dir).resolve()
    return f'{path.parent.name}/{path.name}'


def seed_everything(seed, agent, dataset=None):
    """Seeds the agent's action sampling and the dataset's choice of targets."""
    agent.seed(seed)
    if dataset is not None:
        dataset.seed(seed)
