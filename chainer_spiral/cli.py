"""The ``chainer-spiral`` console script: ``chainer-spiral train|demo|serve ...``."""
import os
import sys

# Before numpy is imported: one BLAS thread per process (the workers run side by side).
os.environ.setdefault('OMP_NUM_THREADS', '1')

USAGE = '''usage: chainer-spiral {train,demo,serve} ...

  train CONFIG OUTDIR [--load SNAPSHOT_DIR] [--set section.key=value ...]
  demo MODE SNAPSHOT_DIR OUT [--without_dataset] [--n N] [--seed S] [--greedy]
  demo reconstruct SNAPSHOT_DIR IMAGE... OUT_DIR [--invert] [--n-samples K]
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
        from chainer_spiral.training import main as train_main
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


if __name__ == '__main__':
    sys.exit(main())
