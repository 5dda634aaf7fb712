"""The web app (Starlette): the page, its assets and the HTTP API of docs/serve.md.

Routes:
    GET  /                                   the page (chainer_spiral/serve/static/index.html)
    GET  /static/...                         its script and style (package data)
    GET  /api/painters                       the painters served and the limits
    POST /api/painters/{name}/paint          paint: the picture in the body (conditional
                                             painters) or none; ?seed=S&invert=auto|0|1&tiles=K;
                                             answers the NDJSON stream of events.py
    GET  /api/drawings/{id}.{png,svg,json,mp4}  a finished drawing (?size=S for a PNG)

Every refusal is a JSON ``{"error": "one line"}`` with its status and one log line; no input
reaches a traceback.
"""
import contextlib
import logging
from importlib import resources

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from chainer_spiral.serve import drawings as drawings_module
from chainer_spiral.serve import events
from chainer_spiral.serve.drawings import Drawings, new_id
from chainer_spiral.serve.errors import RequestError
from chainer_spiral.serve.limits import Limits
from chainer_spiral.serve.painting import Painting, TiledPainting
from chainer_spiral.serve.uploads import INVERT_CHOICES, is_inverted, read_upload, upload_target
from chainer_spiral.serve.workers import EXPORT, FIRST, Workers

logger = logging.getLogger(__name__)

MAX_SEED = 2 ** 32 - 1
MIN_SIZE = 8
# Everything the page loads comes from this server (no CDN, no inline script); a drawn or dropped
# picture is shown from a blob: URL.
PAGE_HEADERS = {
    'Content-Security-Policy': "default-src 'self'; img-src 'self' blob: data:; "
                               "media-src 'self' blob:; object-src 'none'; base-uri 'none'; "
                               "form-action 'none'; frame-ancestors 'none'",
    'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer'}


class _Stream(StreamingResponse):
    """A streaming answer that gives its painting's place back however the stream ends (done,
    failed, or the client gone before or while it ran)."""

    def __init__(self, content, release):
        super().__init__(content, media_type=events.MEDIA_TYPE,
                         headers={'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff'})
        self._release = release

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self.body_iterator.aclose()
            self._release()


def query_choice(request, key, default, choices):
    value = request.query_params.get(key, default)
    if value not in choices:
        raise RequestError(400, f'{key}: expected one of {", ".join(choices)}, got {value!r}')
    return value


def query_int(request, key, default, low, high):
    value = request.query_params.get(key, default)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 20
            and low <= int(value) <= high):
        raise RequestError(400, f'{key}: expected an int from {low} to {high}, got '
                                f'{value[:40]!r}')
    return int(value)


async def read_body(request, max_bytes):
    """The request's body, read no further than ``max_bytes``.

    Raises:
        RequestError: 413 when it is longer (by its Content-Length, or once read past).
    """
    too_long = RequestError(413, f'upload: expected at most {max_bytes} bytes, got more')
    length = request.headers.get('content-length', '')
    if length.isdigit() and int(length) > max_bytes:
        raise too_long
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise too_long
    return bytes(body)


class Studio:
    """What the endpoints share: the painters served, the workers, the finished drawings.

    Args:
        served: dict name -> ServedPainter (``painting.load_painters``), loaded once.
        limits: ``Limits``.
    """

    def __init__(self, served, limits):
        self.served, self.limits = served, limits
        self.workers = Workers(limits.workers, limits.queue)
        self.drawings = Drawings(limits.kept)
        self.page = (resources.files('chainer_spiral.serve') / 'static' / 'index.html').read_text()

    async def index(self, request):
        return HTMLResponse(self.page, headers=PAGE_HEADERS)

    async def list_painters(self, request):
        limits = self.limits
        return JSONResponse({'painters': [p.info() for p in self.served.values()],
                             'limits': {'max_bytes': limits.max_bytes,
                                        'max_pixels': limits.max_pixels,
                                        'queue': limits.queue, 'max_tiles': limits.max_tiles,
                                        'max_size': limits.max_size}})

    def painter(self, name):
        if name not in self.served:
            raise RequestError(404, f'painter: expected one of {", ".join(self.served)}, got '
                                    f'{name[:60]!r}')
        return self.served[name]

    def prepare(self, painter, seed, data, invert, tiles):
        """A worker's first job for a painting: the picture made a target (or the tiled
        painting's work target), the episode begun."""
        if not painter.conditional:
            return Painting(painter, seed), False
        image = read_upload(data, self.limits, color=painter.channels == 3)
        inverted = is_inverted(image, painter.channels, invert)
        if tiles > 1:
            return TiledPainting(painter, seed, image, tiles, inverted), inverted
        target = upload_target(image, painter.cfg, painter.channels, inverted)
        return Painting(painter, seed, target), inverted

    async def paint(self, request):
        painter = self.painter(request.path_params['name'])
        seed = query_int(request, 'seed', '0', 0, MAX_SEED)
        invert = query_choice(request, 'invert', 'auto', INVERT_CHOICES)
        tiles = query_int(request, 'tiles', '1', 1, self.limits.max_tiles)
        if tiles > 1 and not painter.conditional:
            raise RequestError(400, f'tiles: {painter.name} paints without a picture '
                                    f'(unconditional): expected 1, got {tiles}')
        self.workers.acquire()
        try:
            data = await read_body(request, self.limits.max_bytes)
            if data and not painter.conditional:
                raise RequestError(400, f'{painter.name} paints without a picture '
                                        f'(unconditional): expected an empty body, got '
                                        f'{len(data)} bytes')
            painting, inverted = await self.workers.run(FIRST, self.prepare, painter, seed,
                                                        data, invert, tiles)
        except BaseException:
            self.workers.release()
            raise
        logger.info('paint %s seed %d tiles %d', painter.name, seed, tiles)
        return _Stream(self.paint_events(painting, new_id(), inverted), self.workers.release)

    async def paint_events(self, painting, drawing_id, inverted):
        """The lines of the paint stream (events.py), each step as soon as it is painted (a
        tiled painting's: as soon as its pass is painted and kept)."""
        yield events.line(events.start_event(painting, drawing_id, inverted))
        try:
            while (job := await self.workers.run(painting.progress, painting.advance)):
                for event in job:
                    yield events.line(event)
            drawing = painting.drawing(drawing_id)
        except Exception as e:  # a fault of the server's, not of the request: it is logged
            logger.error('paint %s: %s: %s', painting.painter.name, type(e).__name__, e,
                         exc_info=True)
            yield events.line(events.error_event('painting failed (see the server\'s log)'))
            return
        self.drawings.add(drawing)
        yield events.line(events.done_event(drawing))

    async def download(self, request):
        drawing_id, fmt = request.path_params['id'], request.path_params['fmt']
        drawing = self.drawings.get(drawing_id)
        if drawing is None or fmt not in drawings_module.FORMATS:
            raise RequestError(404, f'drawing: expected one of the last {self.limits.kept} '
                                    f'drawings as {", ".join(drawings_module.FORMATS)}, got '
                                    f'{(drawing_id + "." + fmt)[:60]!r}')
        size = query_int(request, 'size', None, MIN_SIZE, self.limits.max_size) \
            if fmt == 'png' else None
        media_type, slow = drawings_module.FORMATS[fmt]
        if slow or size is not None:
            self.workers.acquire()
            try:
                body = await self.workers.run(EXPORT, drawings_module.export, drawing, fmt, size)
            finally:
                self.workers.release()
        else:
            body = drawings_module.export(drawing, fmt)
        return Response(body, media_type=media_type, headers={
            'Content-Disposition': f'attachment; filename="{drawing.filename(fmt)}"',
            'X-Content-Type-Options': 'nosniff'})


async def refused(request, exc):
    """A refusal (RequestError, or Starlette's own 404 and 405) as one JSON line and one log
    line."""
    if isinstance(exc, RequestError):
        status, message = exc.status, str(exc)
    elif exc.status_code == 404:
        status, message = 404, f'{request.url.path[:80]}: no such page (docs/serve.md)'
    else:
        status, message = exc.status_code, exc.detail
    logger.warning('%s %s: %d %s', request.method, request.url.path, status, message)
    headers = {'Retry-After': '1'} if status == 429 else None
    return JSONResponse({'error': message}, status_code=status, headers=headers)


def create_app(served, limits=Limits(), allowed_hosts=('127.0.0.1', 'localhost')):
    """The app serving ``served`` painters.

    Args:
        served: dict name -> ServedPainter (``painting.load_painters``), loaded once.
        limits: ``Limits``.
        allowed_hosts: the Host headers answered (others get 400): the names the server is
            reached by, so that a web page elsewhere cannot reach it by DNS rebinding; ``('*',)``
            for any.

    Returns:
        a Starlette app; ``app.state`` holds ``served``, ``limits``, ``workers`` and ``drawings``.
    """
    studio = Studio(served, limits)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        studio.workers.close()

    app = Starlette(
        routes=[Route('/', studio.index),
                Route('/api/painters', studio.list_painters),
                Route('/api/painters/{name}/paint', studio.paint, methods=['POST']),
                Route('/api/drawings/{id}.{fmt}', studio.download),
                Mount('/static', StaticFiles(packages=[('chainer_spiral.serve', 'static')]))],
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))],
        exception_handlers={RequestError: refused, HTTPException: refused},
        lifespan=lifespan)
    app.state.served, app.state.limits = served, limits
    app.state.workers, app.state.drawings = studio.workers, studio.drawings
    return app
