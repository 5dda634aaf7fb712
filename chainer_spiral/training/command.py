"""``train.py CONFIG OUTDIR [--load SNAPSHOT_DIR | --init SNAPSHOT_DIR]
[--set section.key=value ...] [--ray-address ADDRESS]``."""
import argparse
import logging
import sys

from chainer_spiral.config import ConfigError, load_config


def build_parser(prog=None):
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


def main(argv=None, prog=None):
    """Command line entry point of ``train.py`` and ``chainer-spiral train``.

    Returns:
        Exit status: 0 done, 1 a configuration/data/snapshot error or a training fault.
    """
    args = build_parser(prog).parse_args(argv)
    logging.basicConfig(level=args.log_level, format='%(asctime)s %(name)s %(levelname)s '
                        '%(message)s')
    # Imported late: `--help` and config errors should not pay for chainer.
    from chainer_spiral.datasets import DatasetError
    from chainer_spiral.envs import BrushError
    from chainer_spiral.painters import PainterError, resolve_snapshot
    from chainer_spiral.runs.snapshots import SnapshotError
    from chainer_spiral.training.trainer import TrainingError, train
    try:
        cfg = load_config(args.config, args.overrides)
        command = [sys.argv[0]] + (sys.argv[1:] if argv is None else list(argv))
        load, init = (None if path is None else str(resolve_snapshot(path))
                      for path in (args.load, args.init))
        summary = train(cfg, args.outdir, load=load, argv=command,
                        progress=not args.no_progress, ray_address=args.ray_address, init=init)
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
