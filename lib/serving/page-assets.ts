// The page at `/`: pick a built-in scene or drop an image, type an expression, see the top boxes
// drawn on it with their scores and, for a Diff-Prompt, the masks its generator drew along the
// denoising trajectory. Plain HTML, CSS and a script the server sends as they are (no build step).

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>diff-prompt: find what an expression refers to</title>
<link rel="stylesheet" href="/page.css">
<script src="/page.js" defer></script>
</head>
<body>
<main>
  <h1>Find what an expression refers to</h1>
  <p id="model-line">Loading the model's description…</p>
  <form id="ask">
    <fieldset>
      <legend>Image</legend>
      <div id="scenes" class="scenes" role="group" aria-label="Built-in scenes"></div>
      <label for="file">Or your own image (JPEG, PNG or WebP), or drop one on the picture:</label>
      <input id="file" name="file" type="file" accept="image/jpeg,image/png,image/webp">
    </fieldset>
    <label for="expression">Expression</label>
    <input id="expression" name="expression" type="text" required maxlength="512" autocomplete="off" placeholder="the small red circle left of the square">
    <label class="inline"><input id="trajectory" type="checkbox" checked> show the generated masks along the trajectory</label>
    <button id="submit" type="submit">Find it</button>
  </form>
  <p id="status" role="status" aria-live="polite"></p>
  <section aria-labelledby="result-heading">
    <h2 id="result-heading">Result</h2>
    <div id="stage" class="stage">
      <img id="picture" alt="The image being searched (none chosen yet)">
      <svg id="boxes" aria-hidden="true"></svg>
    </div>
    <ol id="ranked" class="ranked"></ol>
    <div id="masks" class="masks"></div>
  </section>
</main>
</body>
</html>
`;

export const PAGE_CSS = `
body { font: 16px/1.45 system-ui, sans-serif; margin: 0; color: #1a1a1a; background: #fafafa; }
main { max-width: 760px; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
h1 { font-size: 1.5rem; margin: 0.5rem 0; }
h2 { font-size: 1.15rem; margin: 1.25rem 0 0.5rem; }
fieldset { border: 1px solid #8a8a8a; border-radius: 6px; margin: 0 0 0.75rem; padding: 0.5rem 0.75rem 0.75rem; }
label { display: block; margin: 0.5rem 0 0.25rem; }
label.inline { display: flex; gap: 0.5rem; align-items: center; }
input[type=text] { width: 100%; box-sizing: border-box; font: inherit; padding: 0.4rem 0.5rem; border: 1px solid #666; border-radius: 4px; }
button { font: inherit; padding: 0.45rem 1rem; border-radius: 4px; border: 1px solid #0b4f8a; background: #0b5cad; color: #fff; cursor: pointer; margin-top: 0.5rem; }
button:focus-visible, input:focus-visible { outline: 3px solid #f0a30a; outline-offset: 2px; }
.scenes { display: flex; flex-wrap: wrap; gap: 0.5rem; }
.scenes button { background: #fff; color: #1a1a1a; border-color: #666; padding: 0.25rem; display: flex; flex-direction: column; align-items: center; }
.scenes button[aria-pressed=true] { border: 3px solid #0b5cad; }
.scenes img { width: 72px; height: 72px; image-rendering: pixelated; }
.stage { position: relative; display: inline-block; min-height: 2rem; }
.stage.dropping { outline: 3px dashed #0b5cad; }
#picture { display: block; max-width: 100%; width: 512px; image-rendering: pixelated; }
#picture:not([src]) { display: none; }
#boxes { position: absolute; inset: 0; width: 100%; height: 100%; pointer-events: none; }
.ranked { padding-left: 1.5rem; }
.masks { display: flex; flex-wrap: wrap; gap: 0.5rem; }
.masks figure { margin: 0; text-align: center; font-size: 0.85rem; }
.masks img { width: 96px; height: 96px; image-rendering: pixelated; border: 1px solid #666; }
#status.error { color: #a40000; }
`;

export const PAGE_SCRIPT = `'use strict';
const BOX_COLOURS = ['#ff1f1f', '#1f6fff', '#00a651', '#ff8c00', '#9b30ff'];
const state = { blob: null, width: 0, height: 0 };
const $ = (id) => document.getElementById(id);

function setStatus(text, isError) {
  $('status').textContent = text;
  $('status').className = isError ? 'error' : '';
}

function showImage(blob, description) {
  state.blob = blob;
  const url = URL.createObjectURL(blob);
  const picture = $('picture');
  picture.onload = () => {
    state.width = picture.naturalWidth;
    state.height = picture.naturalHeight;
    $('boxes').setAttribute('viewBox', '0 0 ' + state.width + ' ' + state.height);
  };
  picture.src = url;
  picture.alt = description;
  $('boxes').replaceChildren();
  $('ranked').replaceChildren();
  $('masks').replaceChildren();
}

async function loadScenes() {
  const [model, scenes] = await Promise.all([fetch('/v1/model').then((r) => r.json()), fetch('/v1/scenes').then((r) => r.json())]);
  $('model-line').textContent = 'Model: ' + model.kind + ' (' + model.name + ')' + (model.generatesMasks ? ', with generated masks' : '');
  for (const scene of scenes) {
    const button = document.createElement('button');
    button.type = 'button';
    button.setAttribute('aria-pressed', 'false');
    button.dataset.scene = scene.name;
    const thumb = document.createElement('img');
    thumb.src = scene.image;
    thumb.alt = '';
    const caption = document.createElement('span');
    caption.textContent = scene.name;
    button.append(thumb, caption);
    button.addEventListener('click', async () => {
      for (const other of $('scenes').querySelectorAll('button')) other.setAttribute('aria-pressed', String(other === button));
      $('expression').value = scene.expression;
      showImage(await (await fetch(scene.image)).blob(), 'Built-in ' + scene.name + ': shapes on a plain background');
    });
    $('scenes').append(button);
  }
}

function drawBoxes(boxes) {
  const svg = $('boxes');
  svg.replaceChildren();
  const stroke = Math.max(2, Math.round(Math.max(state.width, state.height) / 128));
  boxes.slice(0, BOX_COLOURS.length).forEach((entry, k) => {
    const [x, y, w, h] = entry.box;
    const rect = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    rect.setAttribute('x', x); rect.setAttribute('y', y); rect.setAttribute('width', w); rect.setAttribute('height', h);
    rect.setAttribute('fill', 'none'); rect.setAttribute('stroke', BOX_COLOURS[k]); rect.setAttribute('stroke-width', k === 0 ? stroke * 1.5 : stroke);
    rect.dataset.rank = String(k + 1);
    svg.append(rect);
  });
  $('ranked').replaceChildren(...boxes.slice(0, BOX_COLOURS.length).map((entry, k) => {
    const item = document.createElement('li');
    const [x, y, w, h] = entry.box.map((v) => Math.round(v));
    item.textContent = 'score ' + entry.score.toFixed(3) + ' at x ' + x + ', y ' + y + ', ' + w + ' by ' + h + ' pixels (' + ['red', 'blue', 'green', 'orange', 'purple'][k] + ' frame)';
    return item;
  }));
}

function drawMasks(result) {
  const masks = result.trajectory ?? (result.mask ? [result.mask] : []);
  $('masks').replaceChildren(...masks.map((uri, k) => {
    const figure = document.createElement('figure');
    const img = document.createElement('img');
    img.src = uri;
    const label = masks.length === 1 ? 'generated mask' : k === masks.length - 1 ? 'clean sample' : 'step ' + (k + 1) + ' of ' + masks.length;
    img.alt = 'Generated mask, ' + label;
    const caption = document.createElement('figcaption');
    caption.textContent = label;
    figure.append(img, caption);
    return figure;
  }));
}

async function ask(event) {
  event.preventDefault();
  if (!state.blob) return setStatus('Pick a scene or an image first.', true);
  const body = new FormData();
  body.append('expression', $('expression').value);
  body.append('trajectory', String($('trajectory').checked));
  body.append('image', state.blob, 'image');
  $('submit').disabled = true;
  setStatus('Working…');
  try {
    const response = await fetch('/v1/predict', { method: 'POST', body });
    const result = await response.json();
    if (!response.ok) return setStatus(result.code + ': ' + result.error, true);
    drawBoxes(result.boxes);
    drawMasks(result);
    setStatus('Found ' + result.boxes.length + ' boxes in ' + result.ms + ' ms; the best is framed thickest.');
    document.body.dataset.answered = 'true';
  } catch (error) {
    setStatus('The request failed: ' + error.message, true);
  } finally {
    $('submit').disabled = false;
  }
}

function allowDrop() {
  const stage = $('stage');
  stage.addEventListener('dragover', (event) => { event.preventDefault(); stage.classList.add('dropping'); });
  stage.addEventListener('dragleave', () => stage.classList.remove('dropping'));
  stage.addEventListener('drop', (event) => {
    event.preventDefault();
    stage.classList.remove('dropping');
    const file = event.dataTransfer.files[0];
    if (file) showImage(file, 'Your image ' + file.name);
  });
}

$('file').addEventListener('change', () => { const file = $('file').files[0]; if (file) showImage(file, 'Your image ' + file.name); });
$('ask').addEventListener('submit', ask);
allowDrop();
loadScenes().catch((error) => setStatus('Cannot reach the model: ' + error.message, true));
`;
