// diff-prompt data: datasets on disk.
//   data make --out DIR   writes the generated world in MDETR's COCO-style format (PNG images and
//                         annotations.json), for readMdetrCoco and other grounding tools
//   data show INPUT       draws the first n samples of a folder written by `data make`, an MDETR
//                         annotations file, or a RefCOCO eval JSON (with --images) into a PNG grid
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { DiffPromptError } from '../errors';
import { readMdetrCoco } from '../data/readers/mdetr-coco';
import type { ReferringReadResult } from '../data/readers/read-context';
import { readRefcocoEval } from '../data/readers/refcoco-eval';
import { iterateWorld, SHAPES, type WorldFamily, type WorldSplit } from '../data/world/index';
import { resolveWorldOptions } from '../data/world/options';
import { writeMdetrCoco } from '../data/writers/mdetr-coco-writer';
import { drawSampleGrid } from '../pictures/sample-grid';

interface MakeOptions {
  out: string;
  size: string;
  count: string;
  seed: string;
  split: string;
  family: string;
}

interface ShowOptions {
  n: string;
  out: string;
  images?: string;
  cell: string;
}

/** A flag's value as a whole number, or ERR_CONFIG naming the flag. */
function wholeNumber(flag: string, value: string, least: number): number {
  const number = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < least) {
    throw new DiffPromptError('ERR_CONFIG', `${flag} must be a whole number ≥ ${least}; got "${value}"`);
  }
  return number;
}

async function makeDataset(options: MakeOptions): Promise<void> {
  const world = resolveWorldOptions({
    seed: wholeNumber('--seed', options.seed, 0),
    split: options.split as WorldSplit,
    count: wholeNumber('--count', options.count, 1),
    size: wholeNumber('--size', options.size, 1),
    family: options.family as WorldFamily,
  });
  const started = performance.now();
  const written = await writeMdetrCoco(iterateWorld(world), options.out, {
    datasetName: 'diff-prompt-world',
    categories: SHAPES,
    info: { description: 'diff-prompt generated referring world', ...world },
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `wrote ${written.samples} expressions on ${written.images} images of the generated world ` +
      `(seed ${world.seed}, split ${world.split}, ${world.size}×${world.size}, family ${world.family}) in ${seconds.toFixed(1)} s`,
  );
  console.log(`  annotations: ${written.file}`);
  console.log(`  images:      ${written.imagesDir}`);
}

/** The annotation file and images folder behind `input`, read with the reader its format needs. */
function readForShow(input: string, images: string | undefined): { file: string; imagesDir: string; read: ReferringReadResult } {
  const usage = 'pass a folder written by `diff-prompt data make`, an MDETR annotations file, or a RefCOCO eval JSON with --images';
  if (!fs.existsSync(input)) throw new DiffPromptError('ERR_DATA', `${input} does not exist: ${usage}`);
  if (fs.statSync(input).isDirectory()) {
    const file = path.join(input, 'annotations.json');
    if (!fs.existsSync(file)) throw new DiffPromptError('ERR_DATA', `${input} holds no annotations.json: ${usage}`);
    const imagesDir = images ?? path.join(input, 'images');
    return { file, imagesDir, read: readMdetrCoco(file, { imagesDir, onMissingImage: 'skip' }) };
  }
  // The first character tells the formats apart: RefCOCO eval files are arrays, MDETR files objects.
  const handle = fs.openSync(input, 'r');
  const head = Buffer.alloc(64);
  const length = fs.readSync(handle, head, 0, head.length, 0);
  fs.closeSync(handle);
  if (head.subarray(0, length).toString('utf8').trimStart().startsWith('[')) {
    if (images === undefined) {
      throw new DiffPromptError('ERR_CONFIG', `${input} is a RefCOCO eval file, which names COCO images by id: pass --images DIR, the folder of COCO train2014 images`);
    }
    return { file: input, imagesDir: images, read: readRefcocoEval(input, { imagesDir: images, onMissingImage: 'skip' }) };
  }
  const imagesDir = images ?? path.join(path.dirname(input), 'images');
  return { file: input, imagesDir, read: readMdetrCoco(input, { imagesDir, onMissingImage: 'skip' }) };
}

async function showSamples(input: string, options: ShowOptions): Promise<void> {
  const n = wholeNumber('--n', options.n, 1);
  const pictureSize = wholeNumber('--cell', options.cell, 16);
  const { file, imagesDir, read } = readForShow(input, options.images);
  const drawable = read.samples.length;
  if (drawable === 0) {
    throw new DiffPromptError('ERR_DATA', `none of the ${read.missingImages} expressions in ${file} has its image in ${imagesDir}: pass --images with the folder that holds them`);
  }
  const samples = read.samples.slice(0, n);
  const grid = await drawSampleGrid(samples, { pictureSize });
  fs.mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
  fs.writeFileSync(options.out, grid.png);
  const missing = read.missingImages > 0 ? `; ${read.missingImages} expressions have no image in ${imagesDir} and were left out` : '';
  console.log(`${file}: ${drawable} expressions with images${missing}`);
  console.log(`drew ${samples.length} samples into ${options.out} (${grid.width}×${grid.height} pixels)`);
}

export function registerDataCommand(program: Command): void {
  const data = program.command('data').description('make datasets and look at them');
  data
    .command('make')
    .description('write the generated world as an MDETR COCO-style dataset: DIR/images/*.png and DIR/annotations.json')
    .requiredOption('--out <dir>', 'the folder to write')
    .option('--size <pixels>', 'image side, 16 to 1024', '64')
    .option('--count <n>', 'expressions (samples)', '1000')
    .option('--seed <s>', 'the same seed gives the same dataset, byte for byte', '0')
    .option('--split <name>', 'train, val, testA or testB', 'train')
    .option('--family <family>', 'source (attributes), target (relations, ordinals, superlatives) or both', 'both')
    .action(makeDataset);
  data
    .command('show')
    .description('draw samples (box, mask, expression) into a PNG grid')
    .argument('<input>', 'a folder written by `data make`, an MDETR annotations file, or a RefCOCO eval JSON')
    .option('--n <count>', 'samples to draw (the first n with images)', '8')
    .option('--out <file>', 'the PNG to write', 'grid.png')
    .option('--images <dir>', 'the images folder: required for a RefCOCO eval JSON; default <folder>/images')
    .option('--cell <pixels>', 'side of each picture', '192')
    .action(showSamples);
}
