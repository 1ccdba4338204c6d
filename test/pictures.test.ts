// The pictures the CLI and the reports write, read back as pixels: text is drawn in the shipped
// DejaVu Sans (not a system font) as wide as svg-text.ts estimates, charts have their bars at
// the heights of their values in the series colours, the comparison report writes both charts,
// a predicted box is outlined in its colour, and the trajectory and reconstruction pictures put
// each mask where it belongs.
import fs from 'node:fs';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadImage } from '../lib/data/images/load-image';
import { toModelBox } from '../lib/data/images/model-frame';
import { resizeToModel } from '../lib/data/images/resize-to-model';
import type { RgbImage } from '../lib/data/sample';
import { worldSample } from '../lib/data/world';
import { barChart, lineChart, SERIES_COLOURS } from '../lib/pictures/charts';
import { drawReconstructionGrid } from '../lib/pictures/reconstruction-grid';
import { PICTURE_FONT_FILE, renderSvg } from '../lib/pictures/render-svg';
import { PREDICTION_COLOUR } from '../lib/pictures/sample-cell';
import { drawSampleGrid, sampleGridLayout } from '../lib/pictures/sample-grid';
import { svgDocument, textElement } from '../lib/pictures/svg-markup';
import { textWidth } from '../lib/pictures/svg-text';
import { drawTrajectoryStrip } from '../lib/pictures/trajectory-strip';
import { writeComparisonReport } from '../lib/report/comparison-report';
import type { ComparisonRow } from '../lib/stages/compare-methods';
import { tempDir } from './support/temp-dir';

const test = suite('pictures');
const WHITE = [255, 255, 255] as const;
const BLACK = [0, 0, 0] as const;

function pixelAt(image: RgbImage, x: number, y: number): number[] {
  const index = (y * image.width + x) * 3;
  return [...image.data.subarray(index, index + 3)];
}

function hexColour(hex: string): number[] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

const same = (a: readonly number[], b: readonly number[]) => a.every((v, i) => v === b[i]);

/** Columns holding ink (any channel below 128) in rows [top, bottom). */
function inkColumns(image: RgbImage, top: number, bottom: number): number[] {
  const columns: number[] = [];
  for (let x = 0; x < image.width; x++) {
    for (let y = top; y < bottom; y++) {
      if (pixelAt(image, x, y).some((v) => v < 128)) {
        columns.push(x);
        break;
      }
    }
  }
  return columns;
}

/** Per column, the longest vertical run of exactly `colour`; the largest over columns. */
function tallestRun(image: RgbImage, colour: readonly number[]): number {
  let tallest = 0;
  for (let x = 0; x < image.width; x++) {
    let run = 0;
    for (let y = 0; y < image.height; y++) {
      run = same(pixelAt(image, x, y), colour) ? run + 1 : 0;
      tallest = Math.max(tallest, run);
    }
  }
  return tallest;
}

function countColour(image: RgbImage, colour: readonly number[], tolerance = 0): number {
  let count = 0;
  for (let i = 0; i < image.width * image.height; i++) {
    if ([0, 1, 2].every((c) => Math.abs(image.data[3 * i + c]! - colour[c]!) <= tolerance)) count++;
  }
  return count;
}

const textSvg = (family: string, text: string) => svgDocument(400, 40, WHITE, [`<text x="10" y="28" font-family="${family}" font-size="20" fill="black">${text}</text>`]);

test('text is drawn in the shipped DejaVu Sans, never a system font, as wide as its advance widths say', async () => {
  const text = 'Shapes, left of 3 squares?';
  const asked = await loadImage((await renderSvg(textSvg('DejaVu Sans', text))).png);
  // A family that is not loaded (DejaVu Serif is a system font on many machines) falls back to the shipped one.
  const serif = await loadImage((await renderSvg(textSvg('DejaVu Serif', text))).png);
  assert.equal(serif.data, asked.data, 'the same glyphs whatever family the SVG names');
  // The comparison can tell fonts apart: with DejaVu Serif loaded, the same SVG draws other glyphs.
  const serifFile = path.join(path.dirname(PICTURE_FONT_FILE), 'DejaVuSerif.ttf');
  const withSerif = new Resvg(textSvg('DejaVu Serif', text), { font: { fontFiles: [PICTURE_FONT_FILE, serifFile], loadSystemFonts: false } }).render();
  assert.not.equal((await loadImage(withSerif.asPng())).data, asked.data);

  const columns = inkColumns(asked, 0, 40);
  const drawn = columns.at(-1)! - columns[0]! + 1;
  const estimated = textWidth(text, 20);
  // The estimate counts the last glyph's advance (and side bearings) that ink does not fill, and leaves kerning out.
  assert.ok(drawn <= estimated && drawn > estimated - 8, `${drawn} pixels of ink, ${estimated.toFixed(1)} estimated`);
});

test('every printable ASCII character has a glyph', async () => {
  let printable = '';
  for (let code = 33; code < 127; code++) printable += String.fromCharCode(code);
  // Each character alone in a band 30 pixels wide, so its ink can be found.
  const svg = svgDocument(
    30 * printable.length,
    32,
    WHITE,
    [...printable].map((character, i) => textElement(character, 30 * i + 6, 4, 20, BLACK)),
  );
  const ink = inkColumns(await loadImage((await renderSvg(svg)).png), 0, 32);
  [...printable].forEach((character, i) =>
    assert.ok(
      ink.some((x) => x >= 30 * i && x < 30 * (i + 1)),
      `"${character}" has a glyph`,
    ),
  );
});

test('bar chart: one bar per series and group in the series colours, as tall as its value', async () => {
  const chart = await barChart(
    'R@1',
    ['val', 'testA', 'testB'],
    [
      { label: 'zero-shot', values: [0.25, 0.5, 1] },
      { label: 'diff-prompt', values: [0.125, 0.25, 0.5] },
    ],
  );
  const picture = await loadImage(chart.png);
  assert.equal([picture.width, picture.height], [chart.width, chart.height]);
  const heights = SERIES_COLOURS.slice(0, 3).map((hex) => tallestRun(picture, hexColour(hex)));
  assert.ok(heights[2]! > 100, `the bar at 1.0 is the plot's height (${heights})`);
  assert.ok(Math.abs(heights[1]! - heights[2]! / 2) <= 2 && Math.abs(heights[0]! - heights[2]! / 4) <= 2, `bars at 0.25, 0.5 and 1 (${heights})`);
  assert.is(countColour(picture, hexColour(SERIES_COLOURS[3])), 0, 'no fourth series');
  assert.ok(countColour(picture, BLACK, 80) > 100, 'title, axis and labels are written');
});

test('line chart: each curve in its colour, falling curves fall, and a NaN loss is left out', async () => {
  const falling = Array.from({ length: 200 }, (_, i) => 2 - i / 100);
  const chart = await lineChart('loss', [
    { label: 'a', values: falling },
    { label: 'b', values: falling.map((v, i) => (i === 50 ? Number.NaN : v / 2)) },
  ]);
  const picture = await loadImage(chart.png);
  const middle = Math.floor(picture.width / 2); // inside the plot; the legend is at the right
  for (const hex of SERIES_COLOURS.slice(0, 2)) {
    const colour = hexColour(hex);
    const pixels: { x: number; y: number }[] = [];
    for (let y = 0; y < picture.height; y++) {
      for (let x = 0; x < picture.width; x++) if (pixelAt(picture, x, y).every((v, c) => Math.abs(v - colour[c]!) <= 12)) pixels.push({ x, y });
    }
    assert.ok(pixels.length > 200, `${hex}: the curve is drawn (${pixels.length} pixels)`);
    const start = Math.min(...pixels.map((p) => p.x));
    const startY = Math.min(...pixels.filter((p) => p.x === start).map((p) => p.y));
    const middleY = Math.min(...pixels.filter((p) => Math.abs(p.x - middle) <= 2).map((p) => p.y));
    assert.ok(startY < middleY - 20, `${hex} falls from left to right (y ${startY} at its start, ${middleY} at the middle)`);
  }
});

test('the comparison report writes the R@1 bar chart and the loss curves as PNGs', async () => {
  const dir = tempDir('diff-prompt-pictures-');
  const score = (mean: number) => ({ r1: { mean, std: 0 }, r5: { mean, std: 0 }, r10: { mean, std: 0 }, ub: { mean, std: 0 } });
  const row = (method: ComparisonRow['method'], r1: number, losses: number[]): ComparisonRow => ({
    method,
    trainableParameters: 10,
    lr: 1e-3,
    lrSearch: {},
    splits: { val: score(r1), testA: score(r1 / 2), testB: score(r1 / 4) },
    trainSeconds: { mean: 1, std: 0 },
    inferenceMsPerExpression: 1,
    losses,
    predictions: [],
  });
  const files = await writeComparisonReport(dir, [row('zero-shot', 0.4, []), row('diff-prompt', 0.8, [3, 2, 1, 0.5])], { seeds: 1 });
  const chart = await loadImage(fs.readFileSync(files.chart));
  const heights = SERIES_COLOURS.slice(0, 3).map((hex) => tallestRun(chart, hexColour(hex)));
  assert.ok(heights[0]! > 100 && Math.abs(heights[1]! - heights[0]! / 2) <= 2 && Math.abs(heights[2]! - heights[0]! / 4) <= 2, `val, testA and testB bars of diff-prompt (${heights})`);
  const losses = await loadImage(fs.readFileSync(files.losses));
  assert.ok(countColour(losses, hexColour(SERIES_COLOURS[0]), 12) > 50, 'the one method with losses has its curve');
});

test('a prediction is outlined in its colour beside the true box', async () => {
  const sample = worldSample({ seed: 3, split: 'val', family: 'target', count: 1, size: 64 }, 0);
  const prediction: [number, number, number, number] = [4, 6, 20, 16];
  const grid = await drawSampleGrid([sample], { pictureSize: 128, predictions: [prediction] });
  const picture = await loadImage(grid.png);
  const layout = sampleGridLayout(1, { pictureSize: 128 });
  assert.equal([picture.width, picture.height], [layout.width, layout.height]);
  const [x, y] = toModelBox(prediction, resizeToModel((sample.image as { image: RgbImage }).image, 128, 'letterbox').transform);
  const cell = layout.cells[0]!;
  assert.equal(pixelAt(picture, cell.x + Math.floor(x), cell.y + Math.floor(y)), [...PREDICTION_COLOUR]);
  assert.equal(pixelAt(picture, cell.x + Math.floor(x) - 1, cell.y + Math.floor(y) - 1), [...BLACK], 'the dark edge outside the outline');
});

test('trajectory strip: image, one column per step and the truth, each mask in its cell', async () => {
  const side = 8;
  const ones = new Float32Array(side * side).fill(1);
  const zeros = new Float32Array(side * side);
  const image = { width: 4, height: 4, data: new Uint8Array(48).fill(200) };
  const cell = 40;
  const strip = await drawTrajectoryStrip([{ image, expression: 'the red circle', steps: [zeros, ones], truth: ones, side }], ['step 1', 'sample'], cell);
  const picture = await loadImage(strip.png);
  assert.is(picture.width, 6 + 4 * (cell + 6));
  // Column k's cell centre: k = 0 the image, 1 and 2 the steps, 3 the truth.
  const centre = (k: number) => pixelAt(picture, 6 + k * (cell + 6) + cell / 2, 6 + 16 + cell / 2);
  assert.equal(centre(0), [200, 200, 200]);
  assert.equal(centre(1), [...BLACK]);
  assert.equal(centre(2), [...WHITE]);
  assert.equal(centre(3), [...WHITE]);
  assert.ok(inkColumns(picture, 6 + 16 + cell + 2, 6 + 16 + cell + 16).length > 30, 'the expression under the row');
  try {
    await drawTrajectoryStrip([{ image, expression: 'x', steps: [ones], side }], ['a', 'b']);
    assert.unreachable('a row with too few steps');
  } catch (error) {
    assert.match(String(error), /one mask per step label/);
  }
});

test('reconstruction grid: mask, reconstruction and each latent plane, blown up in square blocks', async () => {
  const size = 16;
  const latentSide = 4;
  const mask = Float32Array.from({ length: size * size }, (_, p) => (p % size < size / 2 ? 1 : 0)); // left half
  const reconstruction = new Float32Array(size * size).fill(0.5);
  const ramp = Float32Array.from({ length: latentSide * latentSide }, (_, p) => p - 3); // its own range: first pixel black, last white
  const grid = await drawReconstructionGrid([{ mask, reconstruction, latents: [ramp, ramp] }], size, latentSide);
  const picture = await loadImage(grid.png);
  const maskPixels = 128; // 16 pixels blown up 8 times
  const latentPixels = 64; // two planes as wide as a mask
  // Margins of 4, a gap of 8 after each mask column and of 4 after each latent plane; a header of 20 above the row.
  assert.equal([picture.width, picture.height], [4 + 2 * (maskPixels + 8) + 2 * (latentPixels + 4) + 4, 20 + maskPixels + 8]);
  const top = 20;
  assert.equal(pixelAt(picture, 4 + 63, top + 10), [...WHITE], 'left half of the mask');
  assert.equal(pixelAt(picture, 4 + 64, top + 10), [...BLACK], 'a sharp block edge, not a blur');
  assert.equal(pixelAt(picture, 4 + maskPixels + 8 + 10, top + 10), [128, 128, 128], 'the reconstruction at 0.5');
  const latentLeft = 4 + 2 * (maskPixels + 8);
  assert.equal(pixelAt(picture, latentLeft + 2, top + 2), [...BLACK], "the latent plane's minimum");
  assert.equal(pixelAt(picture, latentLeft + latentPixels - 2, top + latentPixels - 2), [...WHITE], 'its maximum');
});

test.run();
