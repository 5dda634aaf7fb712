"""The command lines: ``train.py`` (`train_main`) and the ``chainer-spiral`` console script
(`main`: ``chainer-spiral train|demo|serve ...``); the demo's own lives in chainer_spiral.demo.

``train.py CONFIG OUTDIR [--load SNAPSHOT_DIR | --init SNAPSHOT_DIR] [--set section.key=value
...] [--ray-address ADDRESS]`` runs the trainer (chainer_spiral.training) with what it does not
import itself: the quality evaluation of ``train.eval_interval`` (chainer_spiral.evaluation) and
the shipped painters' names for ``--load`` and ``--init`` (chainer_spiral.painters).
"""
import argparse
import logging
import os
import sys

# Before numpy is imported: one BLAS thread per process (the workers run side by side).
os.environ.setdefault('OMP_NUM_THREADS', '1')

USAGE = '''usage: chainer-spiral {train,demo,serve} ...

  train CONFIG OUTDIR [--load SNAPSHOT_DIR] [--set section.key=value ...]
  demo MODE SNAPSHOT_DIR OUT [--without_dataset] [--n N] [--seed S] [--greedy]
  demo reconstruct SNAPSHOT_DIR IMAGE... OUT_DIR [--tiles K] [--size S] [--invert] ...
  serve [--host 127.0.0.1] [--port 8000] [--painters NAME ...]

`chainer-spiral COMMAND --help` tells more.'''


def main(argv=None):
    """Dispatch to the sub-command; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ('-h', '--help'):
        print(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == 'train':
        return train_main(rest, prog='chainer-spiral train')
    if command == 'demo':
        # The demo package is imported only when asked for.
        from chainer_spiral.demo import main as demo_main
        return demo_main(rest, prog='chainer-spiral demo')
    if command == 'serve':
        from chainer_spiral.serve.command import main as serve_main
        return serve_main(rest, prog='chainer-spiral serve')
    print(f"chainer-spiral: expected a command 'train', 'demo' or 'serve', got {command!r}\n\n"
          f"{USAGE}",
          file=sys.stderr)
    return 2


def build_train_parser(prog=None):
    parser = argparse.ArgumentParser(
        prog=prog, description='Train a SPIRAL agent (see docs/training.md).')
    parser.add_argument('config', help='YAML config file (see configs/ and docs/configs.md)')
    parser.add_argument('outdir', help='run directory: config.yaml, snapshots, metrics, finals/')
    parser.add_argument('--load', metavar='SNAPSHOT_DIR', default=None,
                        help='resume from a snapshot (counters, parameters, optimizer states), '
                        'or from the newest good snapshot of a run directory')
    parser.add_argument('--init', metavar='SNAPSHOT_DIR', default=None,
                        help='start a new run from the generator and discriminator of a '
                        'snapshot (or run directory, or shipped painter\'s name), with fresh '
                        'counters and optimizer states: '
                        'fine-tuning another run\'s painter, e.g. on another dataset')
    parser.add_argument('--set', dest='overrides', metavar='SECTION.KEY=VALUE', action='append',
                        default=[], help='override a config value (YAML syntax); repeatable')
    parser.add_argument('--ray-address', metavar='ADDRESS', default=None,
                        help='train.backend ray: the Ray cluster to join (auto: the one this '
                        'machine belongs to; HOST:PORT: its head); default: start a local one '
                        '(docs/distributed.md)')
    parser.add_argument('--no-progress', action='store_true', help='no progress bar')
    parser.add_argument('--log-level', default='INFO',
                        choices=('DEBUG', 'INFO', 'WARNING', 'ERROR'))
    return parser


def train_main(argv=None, prog=None):
    """Command line entry point of ``train.py`` and ``chainer-spiral train``.

    Returns:
        Exit status: 0 done, 1 a configuration/data/snapshot error or a training fault (one
        line), 130 aborted.
    """
    args = build_train_parser(prog).parse_args(argv)
    logging.basicConfig(level=args.log_level, format='%(asctime)s %(name)s %(levelname)s '
                        '%(message)s')
    # Imported late: `--help` and argument errors should not pay for chainer.
    from chainer_spiral.config import ConfigError, load_config
    from chainer_spiral.datasets import DatasetError
    from chainer_spiral.envs import BrushError
    from chainer_spiral.evaluation.evaluate import summarise
    from chainer_spiral.painters import PainterError, resolve_snapshot
    from chainer_spiral.runs.snapshots import SnapshotError
    from chainer_spiral.training import TrainingError, train
    try:
        cfg = load_config(args.config, args.overrides)
        command = [sys.argv[0]] + (sys.argv[1:] if argv is None else list(argv))
        load, init = (None if path is None else str(resolve_snapshot(path))
                      for path in (args.load, args.init))
        summary = train(cfg, args.outdir, load=load, argv=command,
                        progress=not args.no_progress, ray_address=args.ray_address, init=init,
                        evaluate=summarise)
    except (BrushError, ConfigError, DatasetError, PainterError, SnapshotError,
            TrainingError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # a second Ctrl-C or SIGTERM (snapshots are written atomically)
        print(f'aborted: the last complete snapshot in {args.outdir} is intact', file=sys.stderr)
        return 130
    counters = summary['counters']
    print(f'{"interrupted" if summary["interrupted"] else "done"}: {counters.steps} env steps, '
          f'{counters.updates} updates, {summary["sps"]:.1f} env steps/s; '
          f'snapshot {summary["snapshot"]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
