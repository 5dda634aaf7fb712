"""The HTTP API of `chainer-spiral serve` (docs/serve.md) against a real server: the painters, the
paint stream (one episode, and coarse to fine with tiles), the downloads, and every refusal as one
line with its status."""
import json
import re
import struct
import threading
import time
import xml.etree.ElementTree as ET
import zlib

import cv2
import httpx
import imageio.v3 as iio
import numpy as np
import pytest

from chainer_spiral.painters import painter
from chainer_spiral.program.json import from_doc
from chainer_spiral.serve import painting, uploads
from chainer_spiral.serve.limits import Limits
from chainer_spiral.serve.workers import FIRST

LIMITS = Limits(max_bytes=256 * 1024, max_pixels=1024 * 1024, workers=2, queue=8, kept=4)
PAINTERS = ['toy', 'mnist_conditional']  # the smallest unconditional and conditional ones


@pytest.fixture(scope='module')
def server(running_server):
    with running_server(PAINTERS, LIMITS) as running:
        yield running


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


def paint(client, name, body=b'', **query):
    """(status, events or the error document) of a paint request."""
    with client.stream('POST', f'api/painters/{name}/paint', params=query,
                       content=body) as response:
        if response.status_code != 200:
            response.read()
            return response.status_code, response.json()
        assert response.headers['content-type'] == 'application/x-ndjson'
        return 200, [json.loads(line) for line in response.iter_lines() if line]


def png_chunk(kind, data):
    return (struct.pack('>I', len(data)) + kind + data
            + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff))


def bomb(side):
    """A grayscale PNG of side x side white pixels: a few kilobytes that decode to side**2 bytes."""
    rows = zlib.compress(bytes(side * (side + 1)), 9)
    header = struct.pack('>IIBBBBB', side, side, 8, 0, 0, 0, 0)
    return (b'\x89PNG\r\n\x1a\n' + png_chunk(b'IHDR', header) + png_chunk(b'IDAT', rows)
            + png_chunk(b'IEND', b''))


def test_painters_are_listed_with_their_card_figures(client):
    listing = client.get('api/painters').json()
    assert [p['name'] for p in listing['painters']] == PAINTERS
    toy, conditional = listing['painters']
    assert (toy['conditional'], conditional['conditional']) == (False, True)
    assert conditional['imsize'] == 32 and conditional['steps'] == 20
    assert conditional['headline'] == painter('mnist_conditional').headline() != []
    assert listing['limits'] == {'max_bytes': LIMITS.max_bytes,
                                 'max_pixels': LIMITS.max_pixels, 'queue': LIMITS.queue,
                                 'max_tiles': 4, 'max_size': 2048}


def test_a_picture_is_painted_step_by_step_and_downloads_agree(client, png_bytes, digit_one):
    status, events = paint(client, 'mnist_conditional', png_bytes(digit_one()), seed=3)
    assert status == 200
    start, steps, done = events[0], events[1:-1], events[-1]
    assert start['event'] == 'start' and done['event'] == 'done'
    assert start['id'] == done['id'] and start['steps'] == 20 and not start['inverted']
    assert [s['t'] for s in steps] == list(range(20))
    pens = [start['start']] + [s['end'] for s in steps]
    assert [s['from'] for s in steps] == pens[:-1]  # each step starts where the pen is
    strokes = sum(s['draw'] for s in steps)
    assert done['strokes'] == strokes > 0

    svg = ET.fromstring(client.get(done['downloads']['svg']).content)
    paths = svg.findall('{http://www.w3.org/2000/svg}path')
    assert len(paths) == strokes
    [program] = from_doc(client.get(done['downloads']['json']).json())
    assert [list(s.end) for s in program.steps] == [s['end'] for s in steps]
    assert [s.draw for s in program.steps] == [s['draw'] for s in steps]
    png = client.get(done['downloads']['png'])
    assert png.headers['content-disposition'] == \
        'attachment; filename="mnist_conditional_seed3.png"'
    canvas = iio.imread(png.content)
    assert canvas.shape == (32, 32, 3) and canvas.min() < 128  # ink on the canvas


def test_the_same_seed_paints_the_same_drawing_another_seed_another(client, png_bytes, digit_one):
    picture = png_bytes(digit_one())

    def drawing(seed):
        return [(s['end'], s['draw']) for s in paint(client, 'mnist_conditional', picture,
                                                     seed=seed)[1][1:-1]]
    assert drawing(5) == drawing(5) != drawing(6)


def test_light_on_dark_pictures_are_detected_and_inverted(client, png_bytes, digit_one):
    dark_on_light = paint(client, 'mnist_conditional', png_bytes(digit_one()), seed=1)[1]
    light_on_dark = paint(client, 'mnist_conditional',
                          png_bytes(digit_one(light_on_dark=True)), seed=1)[1]
    assert light_on_dark[0]['inverted'] and not dark_on_light[0]['inverted']
    assert [e.get('end') for e in light_on_dark[1:-1]] == \
        [e.get('end') for e in dark_on_light[1:-1]]
    # Told that it is dark on light, the server paints the bar's negative instead.
    forced = paint(client, 'mnist_conditional', png_bytes(digit_one(light_on_dark=True)),
                   seed=1, invert='0')[1]
    assert not forced[0]['inverted']


def four_digits():
    """Four printed digits, one per quadrant: uint8 (64, 64)."""
    picture = np.full((64, 64), 255, np.uint8)
    for (x, y), digit in zip([(8, 26), (40, 26), (8, 58), (40, 58)], '1742'):
        cv2.putText(picture, digit, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 0, 3, cv2.LINE_AA)
    return picture


def test_tiles_paint_coarse_to_fine_pass_by_pass_and_downloads_cover_every_pass(
        server, client, png_bytes, monkeypatch):
    picture = png_bytes(four_digits())
    whole = paint(client, 'mnist_conditional', picture, seed=2)[1]
    workers, priorities = server.app.state.workers, []
    submit = workers.submit
    monkeypatch.setattr(workers, 'submit', lambda priority, *job: (
        priorities.append(priority), submit(priority, *job))[1])
    status, events = paint(client, 'mnist_conditional', picture, seed=2, tiles=2)
    assert status == 200
    # Its jobs: the picture made the work target, then a pass per job, each after T steps
    # more of the painting (the least advanced painting's jobs go first).
    assert priorities == [FIRST, 0, 20, 40, 60, 80, 100]
    start, done = events[0], events[-1]
    assert (start['tiles'], start['passes'], start['steps']) == (2, 5, 5 * 21)
    assert start['imsize'] == 60 and start['start'] is None  # 2 x (32 - 4) + 4 work pixels
    steps = [e for e in events if e['event'] == 'step']
    assert len(steps) > len(whole) - 2 == 20  # more steps than the painter's one drawing
    # Each pass is announced, painted and judged, before its steps (kept passes only).
    passes = [e for e in events if e['event'] == 'pass']
    assert [e['pass'] for e in passes] == list(range(5)) and passes[0]['box'] == [0, 0, 1, 1]
    kept = [e for e in passes if e['kept']]
    assert len(kept) >= 2 and done['passes'] == len(kept)
    order = [(e['event'], e.get('pass', e.get('t'))) for e in events[1:-1]]
    for e in kept:
        first, stop = e['steps']
        at = order.index(('pass', e['pass']))
        assert order[at + 1:at + 1 + stop - first] == [('step', t) for t in range(first, stop)]
    assert [s['t'] for s in steps] == list(range(len(steps))) == list(range(done['steps']))
    assert [s['from'] for s in steps[1:]] == [s['end'] for s in steps[:-1]]

    strokes = sum(s['draw'] for s in steps)
    assert done['strokes'] == strokes
    svg = ET.fromstring(client.get(done['downloads']['svg']).content)
    assert len(svg.findall('{http://www.w3.org/2000/svg}path')) == strokes
    doc = client.get(done['downloads']['json']).json()
    [program] = from_doc(doc)
    assert [list(s.end) for s in program.steps] == [s['end'] for s in steps]
    assert [s.width for s in program.steps] == pytest.approx([s['width'] for s in steps])
    assert [p['steps'] for p in doc['passes']] == [e['steps'] for e in kept]
    png = client.get(done['downloads']['png'], params={'size': 128})
    assert png.headers['content-disposition'] == \
        'attachment; filename="mnist_conditional_seed2_tiles2.png"'
    assert iio.imread(png.content).shape == (128, 128, 3)
    assert iio.imread(client.get(done['downloads']['png']).content).shape == (60, 60, 3)
    movie = client.get(done['downloads']['mp4'])
    assert movie.status_code == 200 and movie.content[4:8] == b'ftyp'
    # The same picture, seed and tiles paint the same painting.
    again = paint(client, 'mnist_conditional', picture, seed=2, tiles=2)[1]
    assert again[1:-1] == events[1:-1]


@pytest.mark.parametrize('size', ['7', '2049', 'big'])
def test_a_png_size_out_of_range_is_refused_in_one_line(client, size):
    done = paint(client, 'toy', seed=0)[1][-1]
    answer = client.get(done['downloads']['png'], params={'size': size})
    assert answer.status_code == 400
    assert answer.json() == {'error': f'size: expected an int from 8 to 2048, got {size!r}'}


def test_an_unconditional_painter_samples_and_its_movie_downloads(client):
    status, events = paint(client, 'toy', seed=0)
    assert status == 200 and len(events) == 2 + 2
    movie = client.get(events[-1]['downloads']['mp4'])
    assert movie.status_code == 200 and movie.headers['content-type'] == 'video/mp4'
    assert movie.content[4:8] == b'ftyp'


def test_finished_drawings_are_kept_up_to_the_limit(client):
    ids = [paint(client, 'toy', seed=s)[1][-1]['id'] for s in range(LIMITS.kept + 1)]
    assert client.get(f'api/drawings/{ids[0]}.svg').status_code == 404
    assert client.get(f'api/drawings/{ids[-1]}.svg').status_code == 200


@pytest.mark.parametrize('body, status, message', [
    (b'', 400, 'upload: expected an image in the request body, got none'),
    (b'%PDF-1.4 not a picture', 415, 'upload: expected an image (PNG, JPEG, WEBP, BMP, TIFF), '
                                     'got 22 bytes of something else'),
    (bomb(1500), 413, 'upload: expected at most 1048576 pixels, got 1500 x 1500'),
])
def test_bad_pictures_are_refused_in_one_line(client, body, status, message):
    assert paint(client, 'mnist_conditional', body) == (status, {'error': message})


def test_a_decompression_bomb_is_refused_before_it_is_decoded(client, monkeypatch):
    decoded = []
    monkeypatch.setattr(uploads, 'decode_image', lambda *args: decoded.append(args))
    assert paint(client, 'mnist_conditional', bomb(3000))[0] == 413
    assert decoded == []


def test_other_formats_and_broken_pictures_are_refused(client, png_bytes, digit_one):
    gif = png_bytes(digit_one(), 'GIF')
    assert paint(client, 'mnist_conditional', gif) == (415, {
        'error': 'upload: expected an image in PNG, JPEG, WEBP, BMP, TIFF, got GIF'})
    whole = png_bytes(np.random.RandomState(0).randint(0, 256, (64, 64), np.uint8))
    status, error = paint(client, 'mnist_conditional', whole[:len(whole) // 2])
    assert status == 422 and error['error'].startswith('upload: not a readable image')


def test_uploads_are_read_no_further_than_the_byte_limit(client):
    too_long = bytes(LIMITS.max_bytes + 1)
    error = {'error': f'upload: expected at most {LIMITS.max_bytes} bytes, got more'}
    assert paint(client, 'mnist_conditional', too_long) == (413, error)

    def chunks():  # no Content-Length: the server counts as it reads
        for _ in range(LIMITS.max_bytes // 4096 + 2):
            yield bytes(4096)
    assert paint(client, 'mnist_conditional', chunks()) == (413, error)


@pytest.mark.parametrize('name, query, status, message', [
    ('nope', {}, 404, "painter: expected one of toy, mnist_conditional, got 'nope'"),
    ('mnist7', {}, 404, "painter: expected one of toy, mnist_conditional, got 'mnist7'"),
    ('%2E%2E', {}, 404, "painter: expected one of toy, mnist_conditional, got '..'"),
    ('..%2F..%2Fconfigs', {}, 404, '/api/painters/../../configs/paint: no such page '
                                   '(docs/serve.md)'),
    ('toy', {'seed': '-1'}, 400, "seed: expected an int from 0 to 4294967295, got '-1'"),
    ('toy', {'seed': '1e3'}, 400, "seed: expected an int from 0 to 4294967295, got '1e3'"),
    ('toy', {'invert': 'maybe'}, 400, "invert: expected one of auto, 0, 1, got 'maybe'"),
    ('mnist_conditional', {'tiles': '5'}, 400, "tiles: expected an int from 1 to 4, got '5'"),
    ('mnist_conditional', {'tiles': '0'}, 400, "tiles: expected an int from 1 to 4, got '0'"),
    ('mnist_conditional', {'tiles': '2x2'}, 400,
     "tiles: expected an int from 1 to 4, got '2x2'"),
    ('toy', {'tiles': '2'}, 400, 'tiles: toy paints without a picture (unconditional): '
                                 'expected 1, got 2'),
])
def test_bad_requests_are_refused_in_one_line(client, name, query, status, message):
    assert paint(client, name, **query) == (status, {'error': message})


def test_an_unconditional_painter_refuses_a_picture(client, png_bytes, digit_one):
    status, error = paint(client, 'toy', png_bytes(digit_one()))
    assert status == 400 and error['error'].startswith('toy paints without a picture')


def test_refusals_are_logged_in_one_line(client, caplog):
    with caplog.at_level('WARNING', logger='chainer_spiral.serve.app'):
        paint(client, 'mnist_conditional', b'not a picture')
    [record] = [r for r in caplog.records if r.name == 'chainer_spiral.serve.app']
    assert record.getMessage() == ('POST /api/painters/mnist_conditional/paint: 415 upload: '
                                   'expected an image (PNG, JPEG, WEBP, BMP, TIFF), got 13 bytes '
                                   'of something else')
    assert record.exc_info is None


def test_unknown_pages_and_other_hosts_are_refused(client):
    missing = client.get('api/paint')
    assert missing.status_code == 404 and missing.json() == {
        'error': '/api/paint: no such page (docs/serve.md)'}
    assert client.get('api/drawings/0123.svg').status_code == 404
    # A page elsewhere that reaches the server through its own name (DNS rebinding) is refused.
    assert client.get('api/painters', headers={'Host': 'attacker.example'}).status_code == 400


def test_the_page_loads_only_its_own_assets(client):
    page = client.get('')
    assert "default-src 'self'" in page.headers['content-security-policy']
    urls = re.findall(r'(?:src|href)="([^"]*)"', page.text)
    assert urls and all(not re.match(r'[a-z]+://|//', u) for u in urls), urls
    for url in urls:
        if not url.startswith('data:'):
            asset = client.get(url)
            assert asset.status_code == 200, url
            assert not re.search(r'https?://|url\(\s*["\']?//', asset.text), url


@pytest.fixture
def one_place(running_server):
    """A server of one worker and one place in the queue, and its client."""
    with running_server(['mnist_conditional'], Limits(workers=1, queue=1)) as server, \
            httpx.Client(base_url=server.url, timeout=60) as client:
        yield server, client


def wait_until(condition, what, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f'waited {seconds} s for {what}'
        time.sleep(0.01)


def test_a_full_queue_answers_busy(one_place, png_bytes, digit_one):
    server, client = one_place
    workers, picture = server.app.state.workers, png_bytes(digit_one())
    gate = threading.Event()
    workers.submit(-100, gate.wait)  # the one worker is taken until the gate opens
    first = []
    thread = threading.Thread(target=lambda: first.append(
        paint(client, 'mnist_conditional', picture)))
    thread.start()
    wait_until(lambda: workers.active == 1, 'the first painting to take the place')
    busy = client.post('api/painters/mnist_conditional/paint', content=picture)
    assert busy.status_code == 429 and busy.headers['retry-after'] == '1'
    assert busy.json() == {'error': 'busy: expected a free place among the 1 paintings in '
                                    'progress, got none; try again shortly'}
    gate.set()
    thread.join(timeout=60)
    assert first[0][0] == 200 and first[0][1][-1]['event'] == 'done'
    wait_until(lambda: workers.active == 0, 'the place to be given back')
    assert paint(client, 'mnist_conditional', picture)[0] == 200


def test_a_client_that_leaves_stops_its_painting(one_place, png_bytes, digit_one, monkeypatch):
    server, client = one_place
    steps = []
    step = painting.Painting.step

    def slow_step(self):
        steps.append(self)
        time.sleep(0.2)
        return step(self)
    monkeypatch.setattr(painting.Painting, 'step', slow_step)
    with client.stream('POST', 'api/painters/mnist_conditional/paint',
                       content=png_bytes(digit_one())) as response:
        lines = response.iter_lines()
        assert [json.loads(next(lines))['event'] for _ in range(2)] == ['start', 'step']
    wait_until(lambda: server.app.state.workers.active == 0, 'the place to be given back')
    assert len(steps) < 20  # the painting stopped when its client left
