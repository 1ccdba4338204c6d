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
import { loadImage } from '../lib/data/images/load-image';
import { toModelBox } from '../lib/data/images/model-frame';
import { resizeToModel } from '../lib/data/images/resize-to-model';
import { maskToModelFrame } from '../lib/data/masks/mask-model-frame';
import { readMdetrCoco } from '../lib/data/readers/mdetr-coco';
import type { RgbImage } from '../lib/data/sample';
import { generateWorld } from '../lib/data/world/index';
import { writeMdetrCoco } from '../lib/data/writers/mdetr-coco-writer';
import { BOX_COLOUR, CELL_PADDING, CELL_TEXT_HEIGHT, EXPRESSION_FONT_SIZE, expressionLines, MASK_COLOUR, MASK_OPACITY } from '../lib/pictures/sample-cell';
import { sampleGridLayout } from '../lib/pictures/sample-grid';
import { keepEnd, textWidth, wrapText } from '../lib/pictures/svg-text';
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
  assert.is(
    annotation.area,
    world[0]!.mask.data.reduce((sum, v) => sum + v, 0),
  );
  assert.is(json.categories.find((c: { id: number }) => c.id === annotation.category_id).name, world[0]!.category);
});

test('data show draws the box on the object, the mask tinted over it and the expression under it', async () => {
  const out = path.join(temporary, 'grids', 'world.png');
  const run = await cli('data', 'show', datasetDir, '--n', '5', '--out', out, '--cell', '96');
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, /14 expressions with images/);
  const layout = sampleGridLayout(5, { pictureSize: 96 });
  assert.match(run.stdout, new RegExp(`drew 5 samples into .*world\\.png \\(${layout.width}×${layout.height} pixels\\)`));
  const grid = await readPng(out);
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
    const expected = [0, 1, 2].map((c) => image.data[inside * 3 + c]! * (1 - MASK_OPACITY) + MASK_COLOUR[c]! * MASK_OPACITY);
    const tinted = pixelAt(grid, cell.x + (inside % 96), cell.y + Math.floor(inside / 96));
    assert.ok(
      tinted.every((v, c) => Math.abs(v - expected[c]!) <= 1),
      `${sample.id}: tinted mask pixel ${tinted}, expected ${expected}`,
    );
    // Outside the mask and the outline, the picture is as it was.
    const outsideAt = soft.findIndex((v, p) => v === 0 && (p % 96 < x - 3 || p % 96 > x + w + 3 || Math.floor(p / 96) < y - 3 || Math.floor(p / 96) > y + h + 3));
    const outside = pixelAt(grid, cell.x + (outsideAt % 96), cell.y + Math.floor(outsideAt / 96));
    assert.ok(
      outside.every((v, c) => Math.abs(v - image.data[outsideAt * 3 + c]!) <= 1),
      `${sample.id}: untinted pixel`,
    );
    // Ink in the first text line, none right of where the font's advance widths end it.
    const textTop = cell.y + 96 + CELL_PADDING;
    const firstLine = expressionLines(sample.expression, 96)[0]!;
    const lineEnd = cell.x + CELL_PADDING + textWidth(firstLine, EXPRESSION_FONT_SIZE);
    let ink = 0;
    let stray = 0;
    for (let row = textTop; row < textTop + 15; row++) {
      for (let column = cell.x; column < cell.x + 96; column++) {
        const dark = pixelAt(grid, column, row)[0]! < 128;
        if (column < lineEnd + 1) ink += dark ? 1 : 0;
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

test('text wraps at spaces into lines that fit, cuts a word wider than a line and marks what does not fit', () => {
  const size = EXPRESSION_FONT_SIZE;
  assert.equal(wrapText('the second small red circle', textWidth('the second', size), size, 3), ['the second', 'small red', 'circle']);
  const expression = 'the second small red circle to the left of the large blue square below the green star';
  for (const width of [60, 84, 120, 180]) {
    const lines = wrapText(expression, width, size, 20);
    assert.ok(lines.length > 1, `${width} pixels: more than one line`);
    for (const line of lines) assert.ok(textWidth(line, size) <= width, `"${line}" fits ${width} pixels`);
    assert.is(lines.join(' '), expression, 'the words, in order, none lost');
  }
  // Widths are the font's, not a character count: narrow letters fit where as many wide ones do not.
  assert.equal(wrapText('iiiiiiii', textWidth('WWWW', size), size, 1), ['iiiiiiii']);
  assert.is(wrapText('WWWWWWWW', textWidth('WWWW', size), size, 1)[0], 'WW…', 'a cut leaves room for the ellipsis');
  const long = 'a supercalifragilistic b';
  const cut = wrapText(long, 40, size, 10);
  for (const line of cut) assert.ok(textWidth(line, size) <= 40, `"${line}" fits`);
  assert.is(cut.join('').replace(/ /g, ''), long.replace(/ /g, ''), 'the long word continues on the next lines');
  const kept = wrapText(expression, 84, size, 3);
  assert.is(kept.length, 3);
  assert.ok(kept[2]!.endsWith('…') && textWidth(kept[2]!, size) <= 84, `the last kept line says more followed: "${kept[2]}"`);
  // A long id keeps its end, where ids differ.
  const id = keepEnd('COCO_train2014_000000000605_3#0', 80, 10);
  assert.ok(id.startsWith('…') && id.endsWith('0605_3#0') && textWidth(id, 10) <= 80, id);
  assert.is(keepEnd('1:1', 80, 10), '1:1');
});

realDataTest(test, 'data show draws real RefCOCO expressions on their COCO photographs', async (dir) => {
  const out = path.join(temporary, 'refcoco.png');
  const run = await cli('data', 'show', path.join(dir, 'refcoco-eval', 'refcoco_testB.json'), '--images', path.join(dir, 'coco-images'), '--n', '3', '--out', out, '--cell', '64');
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, /: \d+ expressions with images; \d+ expressions have no image in .* and were left out/);
  assert.match(run.stdout, /drew 3 samples/);
  const { width, height } = await sharp(out).metadata();
  const layout = sampleGridLayout(3, { pictureSize: 64 });
  assert.equal([width, height], [layout.width, layout.height]);
});

test.run();
