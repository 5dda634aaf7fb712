"""A real server (uvicorn in a thread, on a free port of 127.0.0.1) for the API and browser tests,
started once per test module with the smallest painters each module needs."""
import contextlib
import io
import socket
import threading
import time

import numpy as np
import pytest
import uvicorn
from PIL import Image

from chainer_spiral.serve.app import create_app
from chainer_spiral.serve.limits import Limits
from chainer_spiral.serve.painting import load_painters


class RunningServer:
    """A started server: ``url`` (ending in '/'), its ``app`` (``app.state``: served, limits,
    workers, drawings)."""

    def __init__(self, app, port):
        self.app, self.url = app, f'http://127.0.0.1:{port}/'


@contextlib.contextmanager
def running_server(names, limits=Limits()):
    """Serves the painters ``names`` until the block ends."""
    app = create_app(load_painters(names), limits)
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level='warning'))
    thread = threading.Thread(target=server.run, kwargs={'sockets': [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, 'the server did not start'
        time.sleep(0.02)
    try:
        yield RunningServer(app, sock.getsockname()[1])
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@pytest.fixture(name='running_server', scope='session')
def running_server_fixture():
    return running_server


def png_bytes(image, fmt='PNG'):
    """uint8 (H, W[, 3]) encoded (PNG unless ``fmt`` says otherwise)."""
    out = io.BytesIO()
    Image.fromarray(image).save(out, fmt)
    return out.getvalue()


def digit_one(size=96, light_on_dark=False):
    """A vertical bar in the middle of a square: dark on light (or light on dark)."""
    image = np.full((size, size), 255, np.uint8)
    image[size // 6:-size // 6, size // 2 - size // 16:size // 2 + size // 16] = 0
    return 255 - image if light_on_dark else image


@pytest.fixture(name='png_bytes')
def png_bytes_fixture():
    return png_bytes


@pytest.fixture(name='digit_one')
def digit_one_fixture():
    return digit_one
