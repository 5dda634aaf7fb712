"""``player`` mode: one self-contained HTML page that replays the drawings stroke by stroke.

The page embeds the ``json`` mode's document and needs nothing else (no network, no build step).
It opens on a gallery of every drawing's finished canvas, with the first drawing finished on the
stage; clicking a drawing of the gallery replays it. It has play/pause, restart, a drawing picker
and a speed slider; URL parameters ``drawing`` (index), ``autoplay=1`` and ``interval`` (ms per
step) preset them (``drawing`` alone opens that drawing at its first step). The status line
carries the state in ``data-`` attributes (``drawing``, ``step``, ``steps``, ``state``:
paused/playing/done, ``ink``: canvas pixels that differ from the background), and each gallery
canvas its ``data-index`` and ``data-ink``, so scripts and tests can read the page.
"""
from html import escape
from json import dumps
from logging import getLogger
from pathlib import Path

from chainer_spiral.program.json import to_doc

logger = getLogger(__name__)

CANVAS_PX = 384
THUMB_PX = 96


def default_n(conditional):
    return 25

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>SPIRAL player: __TITLE__</title>
<style>
  body { font: 14px sans-serif; margin: 16px; color: #222; }
  h1 { font-size: 16px; font-weight: normal; margin: 0 0 8px; }
  #controls { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; margin-bottom: 8px; }
  #stage { position: relative; width: __PX__px; height: __PX__px; border: 1px solid #999; }
  #stage canvas { position: absolute; left: 0; top: 0; }
  button { min-width: 72px; }
  #gallery { display: flex; flex-wrap: wrap; gap: 6px; margin-bottom: 12px; max-width: 960px; }
  #gallery canvas { border: 1px solid #bbb; cursor: pointer; }
  #gallery canvas.current { border-color: #d0309a; outline: 2px solid #d0309a; }
</style>
</head>
<body>
<h1>__TITLE__</h1>
<div id="gallery" title="click a drawing to replay it"></div>
<div id="controls">
  <button id="play" type="button">Play</button>
  <button id="restart" type="button">Restart</button>
  <label>Drawing <select id="picker"></select></label>
  <label>Step every <input id="speed" type="range" min="20" max="1500" step="10" value="400">
    <span id="speed-value">400</span> ms</label>
</div>
<div id="stage">
  <canvas id="canvas" width="__PX__" height="__PX__"></canvas>
  <canvas id="pen" width="__PX__" height="__PX__"></canvas>
</div>
<p><output id="status"></output></p>
<script id="drawings" type="application/json">__DOC__</script>
<script>
"use strict";
const doc = JSON.parse(document.getElementById("drawings").textContent);
const canvas = document.getElementById("canvas");
const ctx = canvas.getContext("2d");
const penCtx = document.getElementById("pen").getContext("2d");
const playButton = document.getElementById("play");
const picker = document.getElementById("picker");
const speed = document.getElementById("speed");
const statusLine = document.getElementById("status");
const S = canvas.width;
const paper = doc.action_space === "paper";
const state = { drawing: 0, step: 0, playing: false, timer: null };

function rgb(c, alpha) {
  const [r, g, b] = c.map(v => Math.round(Math.min(1, Math.max(0, v)) * 255));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

// Stroke width in canvas units (multiply by the canvas side).
const widthColumn = doc.fields.indexOf("width");
function strokeWidth(row) {
  if (widthColumn >= 0) return row[widthColumn];
  const widths = doc.stroke_widths;
  if (!paper) return widths[0];
  const k = Math.min(widths.length - 1, Math.max(0, Math.round(row[9] * widths.length)));
  return widths[k];
}

// The pen position before step t of a drawing.
function penBefore(rows, t) {
  return t === 0 ? doc.start : rows[t - 1].slice(0, 2);
}

// Paper, then steps 0 .. upto - 1 of a drawing, on a 2D context of side `size`.
function paint(c, size, rows, upto) {
  c.fillStyle = rgb(doc.background, 1);
  c.fillRect(0, 0, size, size);
  for (let t = 0; t < upto; t++) {
    const row = rows[t];
    if (row[6] !== 1) continue;
    const [x0, y0] = penBefore(rows, t);
    c.beginPath();
    c.moveTo(x0 * size, y0 * size);
    if (paper) c.quadraticCurveTo(row[7] * size, row[8] * size, row[0] * size, row[1] * size);
    else c.lineTo(row[0] * size, row[1] * size);
    c.lineWidth = strokeWidth(row) * size;
    c.lineCap = "round";
    c.lineJoin = "round";
    c.strokeStyle = rgb(row.slice(3, 6), 1);
    c.stroke();
  }
}

function inkPixels(c, size) {
  const data = c.getImageData(0, 0, size, size).data;
  const bg = doc.background.map(v => Math.round(v * 255));
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (Math.abs(data[i] - bg[0]) > 8 || Math.abs(data[i + 1] - bg[1]) > 8 ||
        Math.abs(data[i + 2] - bg[2]) > 8) ink++;
  }
  return ink;
}

function render() {
  const rows = doc.actions[state.drawing];
  paint(ctx, S, rows, state.step);
  penCtx.clearRect(0, 0, S, S);
  const [px, py] = penBefore(rows, state.step);
  penCtx.beginPath();
  penCtx.arc(px * S, py * S, 6, 0, 2 * Math.PI);
  penCtx.strokeStyle = "rgba(255, 60, 160, 0.9)";
  penCtx.lineWidth = 2;
  penCtx.stroke();
  const done = state.step === rows.length;
  const label = state.playing ? "playing" : (done ? "done" : "paused");
  statusLine.textContent = `drawing ${state.drawing + 1}/${doc.actions.length}, ` +
    `step ${state.step}/${rows.length} (${label})`;
  Object.assign(statusLine.dataset, {
    drawing: state.drawing, step: state.step, steps: rows.length, state: label,
    ink: inkPixels(ctx, S),
  });
  playButton.textContent = state.playing ? "Pause" : "Play";
  document.querySelectorAll("#gallery canvas").forEach(
    (thumb, i) => thumb.classList.toggle("current", i === state.drawing));
}

function pause() {
  state.playing = false;
  clearTimeout(state.timer);
  render();
}

function tick() {
  if (state.step >= doc.actions[state.drawing].length) return pause();
  state.step++;
  render();
  state.timer = setTimeout(tick, Number(speed.value));
}

function play() {
  if (state.step >= doc.actions[state.drawing].length) state.step = 0;
  state.playing = true;
  render();
  state.timer = setTimeout(tick, Number(speed.value));
}

// Select drawing i at step `step` (0: the blank paper; its length: finished).
function choose(i, step = 0) {
  pause();
  state.drawing = i;
  state.step = step;
  picker.value = String(i);
  render();
}

doc.actions.forEach((rows, i) => {
  const thumb = document.createElement("canvas");
  thumb.width = thumb.height = __THUMB__;
  thumb.dataset.index = String(i);
  thumb.title = `drawing ${i + 1}: click to replay`;
  const c = thumb.getContext("2d");
  paint(c, thumb.width, rows, rows.length);
  thumb.dataset.ink = String(inkPixels(c, thumb.width));
  thumb.addEventListener("click", () => { choose(i); play(); });
  document.getElementById("gallery").appendChild(thumb);
});

doc.actions.forEach((rows, i) => {
  const option = document.createElement("option");
  option.value = String(i);
  option.textContent = `${i + 1} (${rows.filter(r => r[6] === 1).length} strokes)`;
  picker.appendChild(option);
});
playButton.addEventListener("click", () => (state.playing ? pause() : play()));
document.getElementById("restart").addEventListener("click", () => {
  choose(state.drawing);
  play();
});
picker.addEventListener("change", () => choose(Number(picker.value)));
speed.addEventListener("input", () => {
  document.getElementById("speed-value").textContent = speed.value;
});
document.addEventListener("keydown", e => {
  if (e.key === " " && e.target.tagName !== "SELECT") { e.preventDefault(); playButton.click(); }
});

const params = new URLSearchParams(location.search);
if (params.has("interval")) speed.value = params.get("interval");
document.getElementById("speed-value").textContent = speed.value;
const first = Number(params.get("drawing") || 0);
const chosen = Number.isInteger(first) && first >= 0 && first < doc.actions.length ? first : 0;
// Opened plainly, the stage shows the first drawing finished, as the gallery does.
const opened = params.has("drawing") || params.get("autoplay") === "1";
choose(chosen, opened ? 0 : doc.actions[chosen].length);
if (params.get("autoplay") === "1") play();
</script>
</body>
</html>
"""


def to_html(doc, title=''):
    """The player page for a ``json``-mode document.

    Args:
        doc: A dict from ``chainer_spiral.program.json.to_doc``.
        title: Shown as the page's heading.

    Returns:
        str, the whole HTML page.
    """
    # '</' inside the JSON would end the <script> element early; '<\\/' is the same JSON string.
    embedded = dumps(doc).replace('</', '<\\/')
    page = PAGE.replace('__TITLE__', escape(title)).replace('__PX__', str(CANVAS_PX))
    page = page.replace('__THUMB__', str(THUMB_PX))
    return page.replace('__DOC__', embedded)


def render(episodes, out):
    """Writes the player page for the programs of ``episodes``."""
    Path(out).write_text(to_html(to_doc(episodes.programs), episodes.title))
    logger.info('wrote %s', out)
