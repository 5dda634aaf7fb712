"""Loading a run: the environment, the dataset and the agent of a Config, and a snapshot's agent.

These are what the trainer, the evaluation, the demos and the scripts share: a run directory's
``config.yaml`` rebuilds exactly the objects the run trained.
"""
import dataclasses
from logging import getLogger
from pathlib import Path

from chainer_spiral.config import ConfigError, load_config

logger = getLogger(__name__)

CONFIG_FILE = 'config.yaml'


def env_kwargs(cfg):
    """The keyword arguments of `make_env(cfg.env.kind, **kwargs)`."""
    kwargs = dataclasses.asdict(cfg.env)
    del kwargs['kind']
    return kwargs


def make_env_from_config(cfg):
    """One painting environment as configured (MyPaintEnv or ToyEnv).

    Environments are deterministic: the randomness is in the agent and the dataset.
    """
    from chainer_spiral.envs import make_env
    return make_env(cfg.env.kind, **env_kwargs(cfg))


def make_envs_from_config(cfg, n):
    """`n` environments for one process's lockstep rollouts (B = n)."""
    return [make_env_from_config(cfg) for _ in range(n)]


def make_dataset_from_config(cfg, seed=None):
    """The configured dataset; its example RNG seeded with `seed` (default: cfg.seed)."""
    from chainer_spiral.datasets import make_dataset
    return make_dataset(cfg.data, cfg.env.imsize, seed=cfg.seed if seed is None else seed)


def build_agent_from_config(cfg, dataset, env=None):
    """A freshly initialised SPIRAL agent for `cfg`, its parameters drawn from `cfg.seed`.

    Args:
        cfg: Config.
        dataset: SpiralDataset, or None to build the networks only (`ImageShape` stands in).
        env: one env to read the action space from (default: a new one).
    """
    from chainer_spiral.agents import build_agent
    if env is None:
        env = make_env_from_config(cfg)
    if dataset is None:
        dataset = ImageShape.of(cfg)
    return build_agent(env, dataset, cfg.model, cfg.agent, seed=cfg.seed)


class ImageShape:
    """Stands in for the dataset when only the networks are needed (a demo without the data):
    it has the images' `imsize` and `channels` but no images."""

    def __init__(self, name, imsize, channels):
        self.name, self.imsize, self.channels = name, imsize, channels

    @classmethod
    def of(cls, cfg):
        """The image shape the config's dataset would have, without reading it."""
        from chainer_spiral.datasets import image_channels
        return cls(cfg.data.problem, cfg.env.imsize, image_channels(cfg.data))

    def seed(self, seed):
        pass

    def get_example(self, train=True):
        raise RuntimeError(f'{self.name}: the dataset was not loaded (with_dataset=False)')


def run_config_path(snapshot_dir):
    """``SNAPSHOT_DIR/../config.yaml``: the resolved config of the run that wrote the snapshot."""
    return Path(snapshot_dir).resolve().parent / CONFIG_FILE


def load_agent(snapshot_dir, with_dataset=True):
    """Rebuild a run's agent from one of its snapshots.

    Args:
        snapshot_dir: ``OUTDIR/<step>``; ``OUTDIR/config.yaml`` describes the run.
        with_dataset: load the dataset too (its data files must exist). Without it the agent
            gets None as dataset: enough to draw unconditionally, not for conditional models.

    Returns:
        (Config, agent, dataset or None).

    Raises:
        ConfigError: the run's config is missing or invalid.
        SnapshotError: the snapshot directory is incomplete.
    """
    from chainer_spiral.runs.snapshots import init_from_snapshot
    path = run_config_path(snapshot_dir)
    if not path.is_file():
        raise ConfigError(f'{path}: expected the config.yaml of the run that wrote '
                          f'{snapshot_dir}, got no such file')
    cfg = load_config(path, check_paths=with_dataset)
    dataset = make_dataset_from_config(cfg) if with_dataset else None
    agent = build_agent_from_config(cfg, dataset)
    counters = init_from_snapshot(agent, snapshot_dir)
    logger.info('loaded %s (%d env steps, %d updates)', snapshot_dir, counters.steps,
                counters.updates)
    return cfg, agent, dataset
