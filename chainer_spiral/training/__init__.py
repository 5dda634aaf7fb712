"""Training: the multi-process trainer, snapshots, metrics, and building a run's objects.

- `train(cfg, outdir, load=None, argv=None, progress=True) -> dict`; `main(argv=None, prog=None)`
  is the command line (``train.py``, ``chainer-spiral train``).
- `make_env_from_config(cfg)`, `make_envs_from_config(cfg, n)`,
  `make_dataset_from_config(cfg, seed=None)`, `build_agent_from_config(cfg, dataset, env=None)`,
  `load_agent(snapshot_dir, with_dataset=True) -> (cfg, agent, dataset or None)`.
- `save_snapshot`, `load_snapshot`, `latest_snapshot`, `list_snapshots`.
"""
from chainer_spiral.training.command import main
from chainer_spiral.training.factory import (build_agent_from_config, load_agent,
                                             make_dataset_from_config, make_env_from_config,
                                             make_envs_from_config, run_config_path)
from chainer_spiral.training.snapshots import (SnapshotError, latest_snapshot, list_snapshots,
                                               load_snapshot, save_snapshot)
from chainer_spiral.training.trainer import TrainingError, train

__all__ = ['SnapshotError', 'TrainingError', 'build_agent_from_config', 'latest_snapshot',
           'list_snapshots', 'load_agent', 'load_snapshot', 'main', 'make_dataset_from_config',
           'make_env_from_config', 'make_envs_from_config', 'run_config_path', 'save_snapshot',
           'train']
