"""``chainer-spiral serve [--host 127.0.0.1] [--port 8000] [--painters NAME ...]``: the web page
of docs/serve.md, served by uvicorn until Ctrl-C."""
import argparse
import logging

from chainer_spiral.serve.limits import Limits

# Host names that mean "every interface": any Host header is then answered.
ANY_HOST = ('0.0.0.0', '::', '')


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f'expected a positive int, got {text!r}')
    return value


def build_parser(prog=None):
    defaults = Limits()
    parser = argparse.ArgumentParser(
        prog=prog, description='A local web page where you draw or drop a picture and watch a '
        'shipped painter paint it, stroke by stroke (docs/serve.md).')
    parser.add_argument('--host', default='127.0.0.1',
                        help='the address to listen on (default: 127.0.0.1, this machine only)')
    parser.add_argument('--port', type=int, default=8000, help='the port (default: 8000)')
    parser.add_argument('--painters', nargs='+', metavar='NAME',
                        help='the shipped painters to serve (default: all of trained_models/)')
    parser.add_argument('--workers', type=positive_int, default=defaults.workers,
                        help=f'threads that paint (default: {defaults.workers})')
    parser.add_argument('--queue', type=positive_int, default=defaults.queue,
                        help='paintings in progress at once; one more is answered 429 '
                        f'(default: {defaults.queue})')
    parser.add_argument('--max-upload-bytes', type=positive_int, default=defaults.max_bytes,
                        metavar='N', help=f'the largest upload (default: {defaults.max_bytes})')
    parser.add_argument('--max-pixels', type=positive_int, default=defaults.max_pixels,
                        metavar='N', help='the largest picture, width x height (default: '
                        f'{defaults.max_pixels})')
    return parser


def allowed_hosts(host):
    """The Host headers answered when listening on ``host`` (see ``app.create_app``)."""
    if host in ANY_HOST:
        return ('*',)
    return tuple(dict.fromkeys(('127.0.0.1', 'localhost', host)))


def main(argv=None, prog=None):
    """``chainer-spiral serve``; returns 0 after Ctrl-C, uvicorn's 3 when it cannot listen
    (argument and painter errors exit with status 2 through argparse)."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(levelname)s %(message)s')
    # Imported late so that `--help` and argument errors do not pay for chainer and the server.
    import uvicorn

    from chainer_spiral.painters import PainterError
    from chainer_spiral.serve.app import create_app
    from chainer_spiral.serve.painting import load_painters
    try:
        served = load_painters(args.painters)
    except (PainterError, OSError, ValueError) as e:
        parser.error(str(e).splitlines()[0])
    if not served:
        parser.error('--painters: expected at least one shipped painter, found none')
    limits = Limits(max_bytes=args.max_upload_bytes, max_pixels=args.max_pixels,
                    workers=args.workers, queue=args.queue)
    app = create_app(served, limits, allowed_hosts(args.host))
    try:  # uvicorn logs the URL it listens on, or in one line why it cannot
        uvicorn.run(app, host=args.host, port=args.port, log_level='info')
    except SystemExit as e:  # it cannot listen: exit status 3
        return e.code
    return 0
