// The page of `chainer-spiral serve`: choose a painter, draw or drop a picture, watch the strokes
// arrive (the NDJSON stream of POST api/painters/NAME/paint, docs/serve.md), download the drawing.
// Every URL is relative to the page: nothing is loaded from anywhere else.
'use strict';

const $ = (id) => document.getElementById(id);
const PEN_WIDTH = 18;  // px of the 256 px pad: about an MNIST digit's stroke on 28 px
const PNG_SIZES = [256, 512, 1024, 2048];  // those up to the server's max_size are offered

let painters = {};
let picture = null;   // the Blob painted from: a chosen or dropped file, or the pad as PNG
let padDrawn = false;
let busy = false;

function current() { return painters[$('painter').value]; }

function showError(message) {
  $('error').textContent = message;
  $('error').hidden = false;
  setStatus({ state: 'error' }, message);
}

function setStatus(data, text) {
  const status = $('status');
  Object.assign(status.dataset, data);
  if (text !== undefined) status.textContent = text;
}

function clearPad() {
  const ctx = $('pad').getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, $('pad').width, $('pad').height);
  padDrawn = false;
  picture = null;
}

function choosePainter() {
  const p = current();
  $('headline').replaceChildren(...p.headline.map((h) => {
    const li = document.createElement('li');
    li.textContent = h;
    return li;
  }));
  $('kind').textContent = p.conditional
    ? `Paints your picture in ${p.steps} steps on a ${p.imsize} x ${p.imsize} canvas (${p.channels === 3 ? 'colour' : 'grayscale'}).`
    : `Paints from nothing in ${p.steps} steps on a ${p.imsize} x ${p.imsize} canvas: press Sample.`;
  $('input').hidden = !p.conditional;
  $('paint').hidden = !p.conditional;
  $('sample').hidden = p.conditional;
  $('repaint').disabled = true;
  setStatus({ state: 'idle', step: 0, steps: p.steps, strokes: 0 },
    p.conditional ? 'Draw or drop a picture, then Paint.' : 'Press Sample.');
}

// ---------------------------------------------------------------- the pad (mouse, pen, touch)

function padPoint(event) {
  const pad = $('pad');
  const box = pad.getBoundingClientRect();
  return [(event.clientX - box.left) * pad.width / box.width,
          (event.clientY - box.top) * pad.height / box.height];
}

function setUpPad() {
  const pad = $('pad');
  const ctx = pad.getContext('2d');
  let last = null;
  pad.addEventListener('pointerdown', (event) => {
    pad.setPointerCapture(event.pointerId);
    if (!padDrawn) clearPad();
    last = padPoint(event);
    padDrawn = true;
    picture = null;
  });
  pad.addEventListener('pointermove', (event) => {
    if (last === null) return;
    const point = padPoint(event);
    ctx.strokeStyle = '#000';
    ctx.lineWidth = PEN_WIDTH;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(...last);
    ctx.lineTo(...point);
    ctx.stroke();
    last = point;
  });
  const stop = () => { last = null; };
  pad.addEventListener('pointerup', stop);
  pad.addEventListener('pointercancel', stop);
  pad.addEventListener('dragover', (event) => {
    event.preventDefault();
    pad.classList.add('dragging');
  });
  pad.addEventListener('dragleave', () => pad.classList.remove('dragging'));
  pad.addEventListener('drop', (event) => {
    event.preventDefault();
    pad.classList.remove('dragging');
    const file = event.dataTransfer && event.dataTransfer.files[0];
    if (file) usePicture(file);
  });
  $('file').addEventListener('change', () => {
    const file = $('file').files[0];
    if (file) usePicture(file);
    $('file').value = '';
  });
  $('clear').addEventListener('click', clearPad);
  clearPad();
}

// A chosen or dropped file: shown on the pad when the browser can read it (the server judges it
// either way), then painted.
async function usePicture(file) {
  clearPad();
  picture = file;
  try {
    const bitmap = await createImageBitmap(file);
    const pad = $('pad');
    const scale = Math.min(pad.width / bitmap.width, pad.height / bitmap.height);
    const w = bitmap.width * scale, h = bitmap.height * scale;
    pad.getContext('2d').drawImage(bitmap, (pad.width - w) / 2, (pad.height - h) / 2, w, h);
  } catch (e) {
    // not an image the browser reads: the server says what it is
  }
  paint();
}

function padBlob() {
  return new Promise((resolve) => $('pad').toBlob(resolve, 'image/png'));
}

// ---------------------------------------------------------------- the stage (the strokes)

function rgb(color) {
  return `rgb(${color.map((v) => Math.round(255 * v)).join(',')})`;
}

function clearStage(background) {
  const stage = $('stage');
  const ctx = stage.getContext('2d');
  ctx.fillStyle = rgb(background);
  ctx.fillRect(0, 0, stage.width, stage.height);
}

function drawStep(step) {
  if (!step.draw) return;
  const stage = $('stage');
  const s = stage.width;
  const ctx = stage.getContext('2d');
  ctx.strokeStyle = rgb(step.color);
  ctx.lineWidth = step.width * s;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.beginPath();
  ctx.moveTo(step.from[0] * s, step.from[1] * s);
  if (step.control) {
    ctx.quadraticCurveTo(step.control[0] * s, step.control[1] * s, step.end[0] * s, step.end[1] * s);
  } else {
    ctx.lineTo(step.end[0] * s, step.end[1] * s);
  }
  ctx.stroke();
}

// ---------------------------------------------------------------- painting

async function paint() {
  const p = current();
  if (busy || !p) return;
  let body = null;
  if (p.conditional) {
    if (picture === null && padDrawn) picture = await padBlob();
    if (picture === null) {
      showError('Draw something on the pad, or choose or drop a picture, first.');
      return;
    }
    body = picture;
  }
  busy = true;
  $('error').hidden = true;
  $('downloads').hidden = true;
  $('final').removeAttribute('src');
  $('repaint').disabled = true;
  setStatus({ state: 'waiting', step: 0, strokes: 0, pass: 0 }, 'Waiting for the painter...');
  const query = new URLSearchParams({ seed: $('seed').value || '0', invert: $('invert').value,
                                      tiles: p.conditional ? $('tiles').value : '1' });
  try {
    const response = await fetch(`api/painters/${encodeURIComponent(p.name)}/paint?${query}`,
      { method: 'POST', body, headers: body ? { 'Content-Type': body.type || 'application/octet-stream' } : {} });
    if (!response.ok) {
      let message = `${response.status} ${response.statusText}`;
      try { message = (await response.json()).error; } catch (e) { /* not JSON */ }
      showError(message);
      return;
    }
    await readEvents(response);
  } catch (e) {
    showError(`The server could not be reached (${e.message}).`);
  } finally {
    busy = false;
    $('repaint').disabled = false;
  }
}

async function readEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    let newline;
    while ((newline = text.indexOf('\n')) >= 0) {
      handle(JSON.parse(text.slice(0, newline)));
      text = text.slice(newline + 1);
    }
  }
}

let strokes = 0;

function handle(event) {
  const status = $('status');
  if (event.event === 'start') {
    strokes = 0;
    clearStage(event.background);
    setStatus({ state: 'painting', step: 0, steps: event.steps, strokes: 0, id: event.id,
                tiles: event.tiles, pass: 0, passes: event.passes },
      `${event.painter}, seed ${event.seed}: painting...`);
  } else if (event.event === 'pass') {
    // A coarse-to-fine painting's pass, painted and judged: its steps follow when it was kept.
    setStatus({ pass: event.pass + 1 }, `pass ${event.pass + 1} of ${event.passes}`
      + (event.kept ? '' : ': not kept (it did not lower its tile\'s distance to the picture)'));
  } else if (event.event === 'step') {
    drawStep(event);
    strokes += event.draw ? 1 : 0;
    const where = status.dataset.tiles > 1
      ? `pass ${status.dataset.pass} of ${status.dataset.passes}, step ${event.t + 1}`
      : `step ${event.t + 1} of ${status.dataset.steps}`;
    setStatus({ step: event.t + 1, strokes }, `${where}, ${strokes} strokes`);
  } else if (event.event === 'done') {
    for (const [format, url] of Object.entries(event.downloads)) {
      $(`download-${format}`).href = url;
    }
    $('download-png').dataset.url = event.downloads.png;
    choosePngSize();
    $('downloads').hidden = false;
    $('final').src = event.downloads.png;
    const passes = status.dataset.tiles > 1
      ? ` (${event.passes} of ${status.dataset.passes} passes kept)` : '';
    setStatus({ state: 'done', strokes: event.strokes },
      `done: ${event.strokes} strokes in ${event.steps} steps${passes}`);
  } else if (event.event === 'error') {
    showError(event.message);
  }
}

function choosePngSize() {
  const link = $('download-png');
  const size = $('png-size').value;
  link.href = size ? `${link.dataset.url}?size=${size}` : link.dataset.url;
}

function setUpChoices(limits) {
  for (let k = 1; k <= limits.max_tiles; k += 1) {
    const option = document.createElement('option');
    option.value = option.textContent = String(k);
    $('tiles').append(option);
  }
  for (const size of PNG_SIZES.filter((s) => s <= limits.max_size)) {
    const option = document.createElement('option');
    option.value = String(size);
    option.textContent = `${size} px`;
    $('png-size').append(option);
  }
  $('png-size').addEventListener('change', choosePngSize);
}

async function start() {
  setUpPad();
  $('painter').addEventListener('change', choosePainter);
  $('paint').addEventListener('click', paint);
  $('sample').addEventListener('click', paint);
  $('repaint').addEventListener('click', () => {
    $('seed').value = String((Number($('seed').value) || 0) + 1);
    paint();
  });
  try {
    const response = await fetch('api/painters');
    const listing = await response.json();
    setUpChoices(listing.limits);
    for (const p of listing.painters) {
      painters[p.name] = p;
      const option = document.createElement('option');
      option.value = p.name;
      option.textContent = p.name;
      $('painter').append(option);
    }
  } catch (e) {
    showError(`The server could not be reached (${e.message}).`);
    return;
  }
  const wanted = new URLSearchParams(location.search).get('painter');
  if (wanted && painters[wanted]) $('painter').value = wanted;
  if ($('painter').value) choosePainter();
  document.body.dataset.ready = '1';
}

start();
