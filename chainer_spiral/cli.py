"""The ``chainer-spiral`` console script: ``chainer-spiral train|demo ...``."""
import os
import sys

# Before numpy is imported: one BLAS thread per process (the workers run side by side).
os.environ.setdefault('OMP_NUM_THREADS', '1')

USAGE = '''usage: chainer-spiral {train,demo} ...

  train CONFIG OUTDIR [--load SNAPSHOT_DIR] [--set section.key=value ...]
  demo MODE SNAPSHOT_DIR OUT [--without_dataset] [--n N] [--seed S] [--greedy]
  demo reconstruct SNAPSHOT_DIR IMAGE... OUT_DIR [--invert] [--n-samples K]

`chainer-spiral train --help` and `chainer-spiral demo --help` tell more.'''


def main(argv=None):
    """Dispatch to the sub-command; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ('-h', '--help'):
        print(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == 'train':
        from chainer_spiral.training import main as train_main
        return train_main(rest, prog='chainer-spiral train')
    if command == 'demo':
        # The demo package is imported only when asked for.
        from chainer_spiral.demo import main as demo_main
        return demo_main(rest, prog='chainer-spiral demo')
    print(f"chainer-spiral: expected a command 'train' or 'demo', got {command!r}\n\n{USAGE}",
          file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main())
