"""The page of `chainer-spiral serve` in a real browser: Debian's chromium driven by Playwright
(its own browser download is out of reach offline). `pytest -m browser` runs these alone."""
import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from chainer_spiral.config import dump_config, load_config
from chainer_spiral.datasets import image_channels
from chainer_spiral.painters import MODELS_ENV, painters
from chainer_spiral.runs.loading import build_agent_from_config, run_config_path
from chainer_spiral.runs.snapshots import COUNTERS_FILE, MANIFEST_FILE, manifest
from chromium_flags import FLAGS as CHROMIUM_FLAGS

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = '/usr/bin/chromium'
CHROMIUM_ARGS = list(CHROMIUM_FLAGS)
DIGITS = 'mnist_conditional'  # the smallest conditional MNIST painter (32 x 32)
TIMEOUT_MS = 60_000


def colour_painter():
    """The smallest shipped conditional painter that paints colour (3 channels), or None."""
    found = []
    for name, shipped in painters().items():
        cfg = load_config(run_config_path(shipped.snapshot), check_paths=False)
        if cfg.model.conditional and image_channels(cfg.data) == 3:
            found.append((cfg.env.imsize, name))
    return min(found)[1] if found else None


UNTRAINED_COLOUR = 'celeba_untrained32'


def untrained_colour_painter(root):
    """A painter folder in `root`: configs/celeba.yaml's networks on 32 x 32 (R 16), untrained,
    with a card and a snapshot as a shipped painter has them."""
    folder = root / UNTRAINED_COLOUR
    snapshot = folder / '0'
    snapshot.mkdir(parents=True)
    cfg = load_config(REPO / 'configs' / 'celeba.yaml',
                      ['env.imsize=32', 'env.pos_resolution=16'], check_paths=False)
    dump_config(cfg, folder / 'config.yaml')
    build_agent_from_config(cfg, None).save(str(snapshot))
    (snapshot / COUNTERS_FILE).write_text(json.dumps(
        {'steps': 0, 'updates': 0, 'episodes': 0, 'elapsed': 0.0}))
    (snapshot / MANIFEST_FILE).write_text(json.dumps(manifest(snapshot)))
    (folder / 'MODEL_CARD.md').write_text(f'# {UNTRAINED_COLOUR}\n\nUntrained: for tests.\n')


@pytest.fixture(scope='module')
def colour(tmp_path_factory):
    """A colour painter's name: the smallest shipped one, else an untrained one in a models
    folder beside the shipped painters (``$CHAINER_SPIRAL_MODELS`` for the module)."""
    shipped = colour_painter()
    if shipped is not None:
        yield shipped
        return
    root = tmp_path_factory.mktemp('models')
    for name, painter in painters().items():
        (root / name).symlink_to(painter.folder, target_is_directory=True)
    untrained_colour_painter(root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(MODELS_ENV, str(root))
        yield UNTRAINED_COLOUR


@pytest.fixture(scope='module')
def server(running_server, colour):
    with running_server([DIGITS, colour]) as running:
        yield running


@pytest.fixture(scope='module')
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail('the browser tests need Playwright: bash scripts/install.sh --test')
    assert os.access(CHROMIUM, os.X_OK), \
        f'the browser tests need Debian\'s chromium at {CHROMIUM}: bash scripts/install.sh --test'
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    """A fresh page of the server; ``page.requests`` lists every URL it asked for."""
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.requests = []
    page.on('request', lambda request: page.requests.append(request.url))
    yield page
    context.close()


def open_page(page, server, painter):
    page.goto(f'{server.url}?painter={painter}')
    page.wait_for_selector('body[data-ready="1"]')
    assert page.input_value('#painter') == painter


def wait_until_done(page):
    page.wait_for_selector('#status[data-state="done"], #status[data-state="error"]')
    assert page.get_attribute('#status', 'data-state') == 'done', page.inner_text('#status')
    return page.evaluate('({...document.getElementById("status").dataset})')


def record_steps(page):
    """Records each value the status line's step takes from now on (see ``steps_seen``)."""
    page.evaluate('''() => {
        window.stepsBefore = [];
        new MutationObserver((records) => records.forEach((r) => {
            window.stepsBefore.push(Number(r.oldValue));
        })).observe(document.getElementById('status'),
                    {attributeFilter: ['data-step'], attributeOldValue: true});
    }''')


def steps_seen(page):
    """The values the status line's step took since ``record_steps``, in order (each record
    holds the value before its change: the values after are the next records' and the last)."""
    before = page.evaluate('window.stepsBefore')
    return before[1:] + [int(page.get_attribute('#status', 'data-step'))]


def ink(page, selector):
    """Pixels of a canvas that are not white."""
    return page.evaluate('''(selector) => {
        const canvas = document.querySelector(selector);
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 0; i < data.length; i += 4) {
            n += data[i] < 250 || data[i + 1] < 250 || data[i + 2] < 250;
        }
        return n;
    }''', selector)


def assert_only_own_assets(page, server):
    """Every request went to the server itself; no src or href in the page is absolute."""
    assert page.requests and all(u.startswith(server.url) for u in page.requests), page.requests
    links = page.evaluate('''() => [...document.querySelectorAll('[src], [href]')]
        .map((e) => e.getAttribute('src') || e.getAttribute('href'))''')
    assert not [u for u in links if re.match(r'[a-z]+://|//', u)], links


def draw_seven(page):
    """A '7' drawn with the mouse on the pad: the top bar, then the diagonal."""
    box = page.locator('#pad').bounding_box()

    def at(x, y):
        return box['x'] + x * box['width'], box['y'] + y * box['height']
    page.mouse.move(*at(0.25, 0.2))
    page.mouse.down()
    page.mouse.move(*at(0.75, 0.2), steps=8)
    page.mouse.move(*at(0.45, 0.85), steps=8)
    page.mouse.up()


def drop_file(page, name, mime, data):
    """Drops a file on the pad, as a person dragging it from the desktop would."""
    transfer = page.evaluate_handle('''([name, mime, bytes]) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], name, {type: mime}));
        return transfer;
    }''', [name, mime, list(data)])
    page.dispatch_event('#pad', 'dragover', {'dataTransfer': transfer})
    page.dispatch_event('#pad', 'drop', {'dataTransfer': transfer})


def test_a_drawn_digit_is_painted_stroke_by_stroke_and_its_svg_downloads(page, server):
    open_page(page, server, DIGITS)
    assert page.is_visible('#paint') and not page.is_visible('#sample')
    draw_seven(page)
    assert ink(page, '#pad') > 1000
    record_steps(page)
    page.click('#paint')
    status = wait_until_done(page)
    steps = server.app.state.served[DIGITS].cfg.env.max_episode_steps
    assert status['step'] == status['steps'] == str(steps)
    # Each step was drawn as it arrived, one after the other.
    assert [t for t in steps_seen(page) if t > 0] == list(range(1, steps + 1))
    strokes = int(status['strokes'])
    assert strokes > 0 and ink(page, '#stage') > 0
    # The brush engine's canvas, at the painter's 32 x 32 pixels.
    assert page.evaluate('''() => new Promise((resolve) => {
        const img = document.getElementById('final');
        if (img.complete && img.naturalWidth) resolve(img.naturalWidth);
        img.onload = () => resolve(img.naturalWidth);
    })''') == 32

    with page.expect_download() as download:
        page.click('#download-svg')
    svg = ET.fromstring(open(download.value.path(), 'rb').read())
    assert svg.tag == '{http://www.w3.org/2000/svg}svg'
    assert len(svg.findall('{http://www.w3.org/2000/svg}path')) == strokes
    drawing = server.app.state.drawings.get(status['id'])
    assert drawing.program.n_strokes == strokes
    assert_only_own_assets(page, server)


def test_two_tiles_paint_the_drawing_coarse_to_fine_pass_by_pass(page, server):
    open_page(page, server, DIGITS)
    assert page.locator('#tiles option').all_inner_texts() == ['1', '2', '3', '4']
    page.select_option('#tiles', '2')
    draw_seven(page)
    record_steps(page)
    page.click('#paint')
    status = wait_until_done(page)
    assert (status['tiles'], status['pass'], status['passes']) == ('2', '5', '5')
    drawing = server.app.state.drawings.get(status['id'])
    steps = len(drawing.program.steps)
    T = server.app.state.served[DIGITS].cfg.env.max_episode_steps
    assert steps > T and drawing.tiles == 2
    # The strokes arrived one after the other, pass after pass, and were drawn.
    assert [t for t in steps_seen(page) if t > 0] == list(range(1, steps + 1))
    assert int(status['strokes']) == drawing.program.n_strokes > 0 and ink(page, '#stage') > 0
    page.select_option('#png-size', '512')
    assert page.get_attribute('#download-png', 'href') == \
        f'api/drawings/{status["id"]}.png?size=512'


def test_repaint_paints_the_same_picture_with_the_next_seed(page, server):
    open_page(page, server, DIGITS)
    draw_seven(page)
    page.click('#paint')
    first = wait_until_done(page)
    page.click('#repaint')
    page.wait_for_selector(f'#status:not([data-id="{first["id"]}"])')
    second = wait_until_done(page)
    assert page.input_value('#seed') == '1'
    drawings = server.app.state.drawings
    a, b = drawings.get(first['id']), drawings.get(second['id'])
    assert (a.seed, b.seed) == (0, 1)
    assert np.array_equal(a.target, b.target)  # the same picture


def test_a_dropped_picture_is_painted(page, server, png_bytes, digit_one):
    open_page(page, server, DIGITS)
    drop_file(page, 'one.png', 'image/png', png_bytes(digit_one()))
    status = wait_until_done(page)
    assert int(status['strokes']) > 0
    assert ink(page, '#pad') > 0  # the picture is shown where it was dropped


def test_a_dropped_colour_picture_is_painted_by_the_colour_painter(page, server, colour,
                                                                  png_bytes):
    open_page(page, server, colour)
    picture = np.zeros((96, 96, 3), np.uint8)
    picture[..., 0], picture[..., 2] = 220, np.linspace(0, 255, 96).astype(np.uint8)[None]
    drop_file(page, 'colour.png', 'image/png', png_bytes(picture))
    status = wait_until_done(page)
    assert int(status['strokes']) > 0 and ink(page, '#stage') > 0


def test_a_file_that_is_not_a_picture_gets_a_short_message(page, server):
    open_page(page, server, DIGITS)
    page.set_input_files('#file', files=[{'name': 'notes.txt', 'mimeType': 'text/plain',
                                          'buffer': b'a shopping list, not a picture'}])
    page.wait_for_selector('#error:not([hidden])')
    assert page.inner_text('#error') == ('upload: expected an image (PNG, JPEG, WEBP, BMP, '
                                         'TIFF), got 30 bytes of something else')
    assert page.get_attribute('#status', 'data-state') == 'error'
    assert page.is_hidden('#downloads')


def test_the_painters_card_figures_are_shown(page, server):
    open_page(page, server, DIGITS)
    listing = json.loads(page.evaluate('fetch("api/painters").then((r) => r.text())'))
    [card] = [p['headline'] for p in listing['painters'] if p['name'] == DIGITS]
    assert page.locator('#headline li').all_inner_texts() == card != []
