"""Demos of a trained snapshot: figures, movies and the drawings as programs.

``demo.py MODE SNAPSHOT_DIR OUT [--without_dataset] [--n N] [--seed S] [--greedy] [--imsize S]``
(also ``chainer-spiral demo ...``) reads ``SNAPSHOT_DIR/../config.yaml``, loads the agent, records N
episodes and renders them with the mode's module:

- ``static``: rows of [final canvas | strokes coloured by drawing order | target] -> PNG
- ``many``: a 10x10 grid of final canvases or of input/reconstruction pairs -> PNG
- ``movie``: the canvas step by step, the final canvas, the strokes and the pen -> mp4 (or gif)
- ``json``: the drawings as programs (chainer_spiral's JSON format, extended) -> JSON
- ``svg``: one SVG of its strokes per drawing -> a directory of SVG files
- ``player``: a self-contained HTML page replaying the drawings -> HTML

``demo.py reconstruct SNAPSHOT_DIR IMAGE... OUT_DIR`` paints the user's own images with a
conditional painter (demo/reconstruct.py).
"""
import argparse
import importlib
import logging
import sys
from pathlib import Path

from chainer_spiral.errors import report_unwritable

MODES = ('static', 'many', 'movie', 'json', 'svg', 'player')


def mode_module(mode):
    """The module that renders ``mode`` (``render(episodes, out)``, ``default_n(conditional)``)."""
    assert mode in MODES, mode
    return importlib.import_module(f'chainer_spiral.demo.{mode}')


def build_parser(prog=None):
    parser = argparse.ArgumentParser(
        prog=prog, description='Render episodes of a trained SPIRAL snapshot.',
        epilog=f'{prog or "demo.py"} reconstruct SNAPSHOT_DIR IMAGE... OUT_DIR paints your own '
        'images with a conditional painter (see its --help).')
    parser.add_argument('mode', choices=MODES, help='what to render (see docs/demo.md)')
    parser.add_argument('snapshot_dir', type=Path,
                        help='a snapshot directory (its parent holds the run\'s config.yaml) or a shipped '
                        'painter\'s name (trained_models/)')
    parser.add_argument('out', type=Path, help='output file (a directory for svg)')
    parser.add_argument('--without_dataset', action='store_true',
                        help='do not load the dataset (unconditional models only)')
    parser.add_argument('--n', type=int, default=None,
                        help='number of episodes (default: what the mode lays out)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the sampling and the targets')
    parser.add_argument('--greedy', action='store_true',
                        help='take the most likely action instead of sampling')
    parser.add_argument('--imsize', type=int, default=None,
                        help="show the drawings replayed as programs on an S x S canvas, the "
                        "grid scaled with it (default: the run's canvas)")
    return parser


def main(argv=None, prog=None):
    """Command line entry point (``demo.py`` and ``chainer-spiral demo``).

    Args:
        argv: The arguments after the program name (None: ``sys.argv[1:]``).
        prog: The program name shown in usage and errors.

    Returns:
        0, or 1 when the output cannot be written (input errors exit with status 2 through
        argparse).
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ['reconstruct']:
        from chainer_spiral.demo import reconstruct
        return reconstruct.main(argv[1:], prog=f'{prog or "demo.py"} reconstruct')
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    if args.n is not None and args.n < 1:
        parser.error(f'--n: expected a positive int, got {args.n}')
    # Imported late so that `--help` and argument errors do not pay for the env and chainer.
    from chainer_spiral.demo.session import DemoError, record_from_snapshot
    module = mode_module(args.mode)
    try:
        episodes = record_from_snapshot(args.snapshot_dir, module.default_n, n=args.n,
                                        seed=args.seed, with_dataset=not args.without_dataset,
                                        greedy=args.greedy, imsize=args.imsize)
    except DemoError as e:
        parser.error(str(e))
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        module.render(episodes, args.out)
    except OSError as e:
        return report_unwritable(parser.prog, e, args.out)
    print(f'{args.mode}: wrote {args.out}', file=sys.stderr)
    return 0
