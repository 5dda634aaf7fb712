"""A run directory and what it rebuilds: ``OUTDIR/config.yaml`` and snapshots ``OUTDIR/<step>/``.

- `loading`: the environment, dataset and agent of a Config; `load_agent(snapshot_dir)` ->
  (cfg, agent, dataset or None): what training, evaluation and the demos share.
- `snapshots`: `save_snapshot`, `load_snapshot`, `resolve_load`, `list_snapshots`, `Counters`.
"""
