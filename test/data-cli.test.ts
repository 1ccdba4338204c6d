// diff-prompt data make / show, run as the command runs (through tsx, in a child process): the
// written MDETR folder reads back to the generated samples, the grid has the boxes, masks and
// text where they belong, and bad input fails with a one-line coded message and exit code 1.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { suite } from 'uvu';
import { tempDir } from './support/temp-dir';
import * as assert from 'uvu/assert';
import { drawText, textWidth } from '../lib/data/drawing/bitmap-font';
import { createCanvas } from '../lib/data/drawing/rgb-canvas';
import { BOX_COLOUR, CELL_TEXT_HEIGHT, MASK_COLOUR, MASK_OPACITY } from '../lib/data/drawing/sample-cell';
import { sampleGridLayout } from '../lib/data/drawing/sample-grid';
import { wrapText } from '../lib/data/drawing/wrap-text';
import { loadImage } from '../lib/data/images/load-image';
import { toModelBox } from '../lib/data/images/model-frame';
import { resizeToModel } from '../lib/data/images/resize-to-model';
import { maskToModelFrame } from '../lib/data/masks/mask-model-frame';
import { readMdetrCoco } from '../lib/data/readers/mdetr-coco';
import type { RgbImage } from '../lib/data/sample';
import { generateWorld } from '../lib/data/world/index';
import { writeMdetrCoco } from '../lib/data/writers/mdetr-coco-writer';
import { realDataTest } from './support/real-data';

const test = suite('data command');
const root = path.join(__dirname, '..');
const temporary = tempDir('diff-prompt-data-cli-');
const datasetDir = path.join(temporary, 'world');
const worldOptions = { seed: 7, split: 'val', count: 14, size: 48, family: 'both' } as const;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The test runner's environment without its colour switches (set together, they make Node print a warning). */
const { FORCE_COLOR: _force, NO_COLOR: _no, ...childEnv } = process.env;

/** `diff-prompt ...args` through tsx, as `npx tsx lib/cli/main.ts ...args` runs it. */
function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(root, 'lib', 'cli', 'main.ts'), ...args], { cwd: root, env: childEnv }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A failed run: exit code 1 and one line `diff-prompt: CODE: message`, no stack trace. */
function assertFails(run: Run, code: string, pattern: RegExp): void {
  assert.is(run.code, 1, `exit code; stderr: ${run.stderr}`);
  const lines = run.stderr.trim().split('\n');
  assert.is(lines.length, 1, `one line, no stack trace: ${run.stderr}`);
  assert.ok(lines[0]!.startsWith(`diff-prompt: ${code}: `), lines[0]);
  assert.match(lines[0]!, pattern);
}

async function readPng(file: string): Promise<RgbImage> {
  return loadImage(file);
}

function pixelAt(image: RgbImage, x: number, y: number): number[] {
  const index = (y * image.width + x) * 3;
  return [...image.data.subarray(index, index + 3)];
}

test('data make writes an MDETR folder that reads back to the generated samples', async () => {
  const run = await cli('data', 'make', '--out', datasetDir, '--count', '14', '--size', '48', '--seed', '7', '--split', 'val');
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, /wrote 14 expressions on 3 images of the generated world \(seed 7, split val, 48×48, family both\)/);
  assert.match(run.stdout, new RegExp(`annotations: ${datasetDir}/annotations\\.json`));

  const world = generateWorld(worldOptions);
  const read = readMdetrCoco(path.join(datasetDir, 'annotations.json'), { imagesDir: path.join(datasetDir, 'images') });
  assert.is(read.skipped, 0);
  assert.is(read.samples.length, world.length);
  const pictures = new Map<string, RgbImage>();
  for (const [i, sample] of read.samples.entries()) {
    const expected = world[i]!;
    assert.is(sample.expression, expected.expression);
    assert.equal(sample.box, expected.box);
    assert.equal(sample.tokensPositive, expected.tokensPositive);
    assert.is(sample.category, expected.category);
    assert.equal([...sample.mask!.data], [...expected.mask.data], `${expected.id}: decoded mask`);
    const file = (sample.image as { path: string }).path;
    if (!pictures.has(file)) pictures.set(file, await loadImage(file));
    assert.equal(pictures.get(file)!.data, expected.image.image.data, `${expected.id}: PNG pixels`);
    // Samples of one picture (and of one object) share it after the round trip too.
    assert.is(sample.imageId === read.samples[0]!.imageId, expected.imageId === world[0]!.imageId);
    assert.is(sample.objectId === read.samples[0]!.objectId, expected.objectId === world[0]!.objectId);
  }
  assert.is(pictures.size, 3, 'one PNG per scene, shared by its expressions');

  const json = JSON.parse(fs.readFileSync(path.join(datasetDir, 'annotations.json'), 'utf8'));
  assert.equal(Object.keys(json.images[0]).sort(), ['caption', 'dataset_name', 'file_name', 'height', 'id', 'original_id', 'tokens_positive_eval', 'width']);
  assert.equal(json.images[0].tokens_positive_eval, [world[0]!.tokensPositive]);
  const annotation = json.annotations[0];
  assert.is(annotation.iscrowd, 0);
  assert.is(typeof annotation.segmentation.counts, 'string', 'compressed RLE');
  assert.equal(annotation.segmentation.size, [48, 48]);
  assert.is(annotation.area, world[0]!.mask.data.reduce((sum, v) => sum + v, 0));
  assert.is(json.categories.find((c: { id: number }) => c.id === annotation.category_id).name, world[0]!.category);
});

test('data show draws the box on the object, the mask tinted over it and the expression under it', async () => {
  const out = path.join(temporary, 'grids', 'world.png');
  const run = await cli('data', 'show', datasetDir, '--n', '5', '--out', out, '--cell', '96');
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, /14 expressions with images/);
  assert.match(run.stdout, /drew 5 samples into .*world\.png/);
  const grid = await readPng(out);
  const layout = sampleGridLayout(5, { pictureSize: 96 });
  assert.equal([grid.width, grid.height], [layout.width, layout.height]);

  const world = generateWorld(worldOptions).slice(0, 5);
  world.forEach((sample, i) => {
    const cell = layout.cells[i]!;
    const { image, transform } = resizeToModel(sample.image.image, 96, 'letterbox');
    const [x, y, w, h] = toModelBox(sample.box, transform);
    // The box outline's top-left corner, and its bottom-right one.
    assert.equal(pixelAt(grid, cell.x + Math.floor(x), cell.y + Math.floor(y)), [...BOX_COLOUR], `${sample.id}: box corner`);
    assert.equal(pixelAt(grid, cell.x + Math.ceil(x + w) - 1, cell.y + Math.ceil(y + h) - 1), [...BOX_COLOUR], `${sample.id}: far box corner`);
    // A pixel well inside the mask (soft value 1, off the outline) is half the picture, half the tint.
    const soft = maskToModelFrame(sample.mask, transform);
    let inside = -1;
    for (let p = 0; p < soft.length && inside < 0; p++) {
      const [px, py] = [p % 96, Math.floor(p / 96)];
      if (soft[p] === 1 && px > x + 3 && px < x + w - 4 && py > y + 3 && py < y + h - 4) inside = p;
    }
    assert.ok(inside >= 0, `${sample.id}: the mask has an interior pixel`);
    const expected = [0, 1, 2].map((c) => Math.round(image.data[inside * 3 + c]! * (1 - MASK_OPACITY) + MASK_COLOUR[c]! * MASK_OPACITY));
    assert.equal(pixelAt(grid, cell.x + (inside % 96), cell.y + Math.floor(inside / 96)), expected, `${sample.id}: tinted mask pixel`);
    // Ink in the first text line, none right of the first line's words.
    const textTop = cell.y + 96 + 6;
    const firstLine = wrapText(sample.expression, Math.floor((96 - 12 + 2) / 12), 3)[0]!;
    let ink = 0;
    let stray = 0;
    for (let row = textTop; row < textTop + 16; row++) {
      for (let column = cell.x; column < cell.x + 96; column++) {
        const dark = pixelAt(grid, column, row)[0]! < 128;
        if (column < cell.x + 6 + textWidth(firstLine, 2)) ink += dark ? 1 : 0;
        else stray += dark ? 1 : 0;
      }
    }
    assert.ok(ink > 10 * firstLine.replace(/ /g, '').length, `${sample.id}: "${firstLine}" is written (${ink} dark pixels)`);
    assert.is(stray, 0, `${sample.id}: nothing is written past the line`);
  });
  assert.ok(CELL_TEXT_HEIGHT > 60, 'room for three lines of expression and the id');
});

test('bad input fails with ERR_CONFIG or ERR_DATA, exit code 1 and no stack trace', async () => {
  const noAnnotations = path.join(temporary, 'empty-folder');
  fs.mkdirSync(noAnnotations);
  const evalFile = path.join(temporary, 'refcoco_val.json');
  fs.writeFileSync(evalFile, JSON.stringify([{ img_id: 'COCO_train2014_000000000154_2', sents: 'zebra on the left', bbox: [10, 20, 100, 50], height: 480, width: 640 }]));
  const [badSplit, badCount, missing, empty, evalWithoutImages] = await Promise.all([
    cli('data', 'make', '--out', path.join(temporary, 'never'), '--split', 'test', '--count', '3'),
    cli('data', 'make', '--out', path.join(temporary, 'never'), '--count', 'many'),
    cli('data', 'show', path.join(temporary, 'no-such-folder')),
    cli('data', 'show', noAnnotations),
    cli('data', 'show', evalFile),
  ]);
  assertFails(badSplit!, 'ERR_CONFIG', /`split` must be one of train, val, testA, testB \(got "test"\)/);
  assertFails(badCount!, 'ERR_CONFIG', /--count must be a whole number ≥ 1; got "many"/);
  assertFails(missing!, 'ERR_DATA', /no-such-folder does not exist/);
  assertFails(empty!, 'ERR_DATA', /empty-folder holds no annotations\.json/);
  assertFails(evalWithoutImages!, 'ERR_CONFIG', /is a RefCOCO eval file.*pass --images DIR/);
  assert.not.ok(fs.existsSync(path.join(temporary, 'never')), 'nothing is written on bad options');
});

test('the writer copies image files and round-trips samples read from a folder', async () => {
  const read = readMdetrCoco(path.join(datasetDir, 'annotations.json'), { imagesDir: path.join(datasetDir, 'images') });
  const copyDir = path.join(temporary, 'copy');
  const written = await writeMdetrCoco(read.samples, copyDir);
  assert.equal([written.samples, written.images], [14, 3]);
  const again = readMdetrCoco(written.file, { imagesDir: written.imagesDir });
  again.samples.forEach((sample, i) => {
    const first = read.samples[i]!;
    assert.equal([sample.expression, sample.box, sample.tokensPositive, sample.category], [first.expression, first.box, first.tokensPositive, first.category]);
    assert.equal(sample.mask!.data, first.mask!.data);
    const bytes = (s: typeof sample) => fs.readFileSync((s.image as { path: string }).path);
    assert.ok(bytes(sample).equals(bytes(first)), 'the image file is copied as it is');
  });
});

test('text wraps at spaces, cuts long words and marks what does not fit; the font draws every printable character', () => {
  assert.equal(wrapText('the second small red circle', 10, 3), ['the second', 'small red', 'circle']);
  assert.equal(wrapText('a supercalifragilistic b', 8, 4), ['a', 'supercal', 'ifragili', 'stic b']);
  assert.equal(wrapText('one two three four five six', 9, 2), ['one two', 'three...']);
  const canvas = createCanvas(6 * 95, 8, [255, 255, 255]);
  let printable = '';
  for (let code = 32; code < 127; code++) printable += String.fromCharCode(code);
  drawText(canvas, printable, 0, 0, [0, 0, 0]);
  for (let i = 1; i < 95; i++) {
    let ink = 0;
    for (let y = 0; y < 8; y++) for (let x = 0; x < 5; x++) ink += pixelAt(canvas, i * 6 + x, y)[0] === 0 ? 1 : 0;
    assert.ok(ink > 0, `"${printable[i]}" has a glyph`);
  }
});

realDataTest(test, 'data show draws real RefCOCO expressions on their COCO photographs', async (dir) => {
  const out = path.join(temporary, 'refcoco.png');
  const run = await cli('data', 'show', path.join(dir, 'refcoco-eval', 'refcoco_testB.json'), '--images', path.join(dir, 'coco-images'), '--n', '3', '--out', out, '--cell', '64');
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, /: \d+ expressions with images; \d+ expressions have no image in .* and were left out/);
  assert.match(run.stdout, /drew 3 samples/);
  const { width, height } = await sharp(out).metadata();
  assert.equal([width, height], [sampleGridLayout(3, { pictureSize: 64 }).width, sampleGridLayout(3, { pictureSize: 64 }).height]);
});

test.run();
