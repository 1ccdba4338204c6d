// Samples → one batch: every array in its slot, boxes and masks in the model frame (stretch and
// letterbox) and back, tokens with the referent's phrase marked, files decoded like pixels, and
// bad data named by sample id.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import { tempDir } from './support/temp-dir';
import * as assert from 'uvu/assert';
import { isDiffPromptError } from '../lib/errors';
import { makeBatch } from '../lib/data/batching/make-batch';
import { encodePng } from '../lib/data/images/encode-png';
import { toImageBox } from '../lib/data/images/model-frame';
import { resizeToModel } from '../lib/data/images/resize-to-model';
import { loadImage } from '../lib/data/images/load-image';
import { maskArea } from '../lib/data/masks/mask-geometry';
import { readRefcocoEval } from '../lib/data/readers/refcoco-eval';
import type { ReferringSample } from '../lib/data/sample';
import { BertWordPieceTokenizer } from '../lib/data/tokenizers/bert-wordpiece-tokenizer';
import { WordLevelTokenizer } from '../lib/data/tokenizers/word-level-tokenizer';
import { generateWorld, worldVocabulary } from '../lib/data/world/index';
import { realDataTest } from './support/real-data';

const test = suite('batching: make batch');
const temporary = tempDir('diff-prompt-batch-');
const words = WordLevelTokenizer.fromWords(worldVocabulary());
const world = generateWorld({ seed: 11, split: 'train', count: 6, size: 64 });

function close(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);
}

function throwsData(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  return promise.then(
    () => assert.unreachable('expected ERR_DATA'),
    (error: unknown) => {
      assert.ok(isDiffPromptError(error, 'ERR_DATA'), `expected ERR_DATA, got ${String(error)}`);
      assert.match((error as Error).message, pattern);
    },
  );
}

test('world samples at their own size: pixels, masks and boxes are copied exactly, in sample order', async () => {
  const batch = await makeBatch(world, { size: 64, tokenizers: { text: words } });
  assert.is(batch.count, 6);
  assert.equal(batch.size, { height: 64, width: 64 });
  assert.is(batch.images.length, 6 * 3 * 64 * 64);
  assert.is(batch.masks.length, 6 * 64 * 64);
  assert.equal(
    batch.ids,
    world.map((s) => s.id),
  );
  assert.equal(
    batch.family,
    world.map((s) => s.family),
  );
  assert.equal([...batch.hasMask], [1, 1, 1, 1, 1, 1]);
  const plane = 64 * 64;
  world.forEach((sample, i) => {
    const { data } = sample.image.image;
    // Pixel (x=10, y=20), channel G, lands at images[i, 1, 20, 10].
    const pixel = 20 * 64 + 10;
    close(batch.images[i * 3 * plane + plane + pixel]!, data[pixel * 3 + 1]! / 255, 1e-7, 'green value');
    const mask = batch.masks.subarray(i * plane, (i + 1) * plane);
    assert.equal([...mask], [...sample.mask.data], 'a mask at its own size stays binary and equal');
    const [x, y, w, h] = sample.box;
    assert.equal([...batch.boxes.subarray(4 * i, 4 * i + 4)], [x, y, x + w, y + h]);
    assert.equal([...batch.imageBoxes.subarray(4 * i, 4 * i + 4)], [x, y, x + w, y + h]);
  });
});

test("each encoder gets ids, attention and the referent phrase's tokens, L from its maxLength", async () => {
  const batch = await makeBatch(world, { size: 64, tokenizers: { text: { tokenizer: words, maxLength: 12 }, other: words } });
  assert.equal(Object.keys(batch.tokens).sort(), ['other', 'text']);
  const tokens = batch.tokens.text!;
  assert.is(tokens.length, 12);
  assert.is(batch.tokens.other!.length, 32, "the tokenizer's own default");
  world.forEach((sample, i) => {
    const row = (array: Int32Array | Uint8Array): number[] => [...array.subarray(i * 12, (i + 1) * 12)];
    const encoded = words.encode(sample.expression, { maxLength: 12 });
    assert.equal(row(tokens.ids), [...encoded.ids]);
    assert.equal(row(tokens.attentionMask), [...encoded.attentionMask]);
    const phrase = sample.expression.slice(...sample.tokensPositive[0]!);
    const positiveWords = encoded.tokens.filter((_, t) => row(tokens.positive)[t] === 1);
    assert.is(positiveWords.join(' '), phrase, `${sample.expression}: the positive tokens spell the head phrase`);
  });
});

test('stretch to another size scales boxes, softens masks, and the transforms map boxes back', async () => {
  const batch = await makeBatch(world, { size: { width: 32, height: 48 } });
  assert.equal(batch.size, { height: 48, width: 32 });
  const plane = 32 * 48;
  world.forEach((sample, i) => {
    const [x, y, w, h] = sample.box;
    const box = [...batch.boxes.subarray(4 * i, 4 * i + 4)];
    [x / 2, (y * 3) / 4, (x + w) / 2, ((y + h) * 3) / 4].forEach((v, k) => close(box[k]!, v, 1e-5, `box coordinate ${k}`));
    const back = toImageBox([box[0]!, box[1]!, box[2]! - box[0]!, box[3]! - box[1]!], batch.transforms[i]!);
    sample.box.forEach((v, k) => close(back[k]!, v, 1e-4, `mapped-back coordinate ${k}`));
    const mask = batch.masks.subarray(i * plane, (i + 1) * plane);
    const mass = mask.reduce((sum, v) => sum + v, 0);
    // Area scales by (32/64)·(48/64) = 0.375; the soft edge keeps the total close.
    close(mass, maskArea(sample.mask) * 0.375, maskArea(sample.mask) * 0.375 * 0.1 + 2, 'mask mass');
    assert.ok(mask.every((v) => v >= 0 && v <= 1));
  });
});

test('letterbox centres a wide image: padding is black before normalisation, box and mask move together', async () => {
  // A 48×24 grey image with a white 12×6 rectangle at (30, 9), its mask and box.
  const width = 48;
  const height = 24;
  const data = new Uint8Array(width * height * 3).fill(100);
  const mask = new Uint8Array(width * height);
  for (let y = 9; y < 15; y++) {
    for (let x = 30; x < 42; x++) {
      data.fill(255, (y * width + x) * 3, (y * width + x) * 3 + 3);
      mask[y * width + x] = 1;
    }
  }
  const sample: ReferringSample = {
    id: 'wide',
    imageId: 'wide',
    image: { kind: 'pixels', image: { width, height, data } },
    width,
    height,
    expression: 'the white box',
    box: [30, 9, 12, 6],
    mask: { width, height, data: mask },
  };
  const normalize = { mean: [0.5, 0.5, 0.5] as [number, number, number], std: [0.25, 0.25, 0.25] as [number, number, number] };
  const batch = await makeBatch([sample], { size: 32, aspect: 'letterbox', normalize });
  const transform = batch.transforms[0]!;
  assert.equal(transform.content, { x: 0, y: 8, width: 32, height: 16 });
  // Row 0 is padding: (0 − 0.5) / 0.25 = −2 in every channel; row 8 is grey content.
  for (let channel = 0; channel < 3; channel++) {
    close(batch.images[channel * 1024 + 0 * 32 + 5]!, -2, 1e-6, 'padding');
    close(batch.images[channel * 1024 + 8 * 32 + 5]!, (100 / 255 - 0.5) / 0.25, 1e-6, 'content');
  }
  const [x0, y0, x1, y1] = [...batch.boxes];
  [20, 8 + 6, 28, 8 + 10].forEach((v, k) => close([x0, y0, x1, y1][k]!, v, 1e-5, `model box ${k}`));
  // The mask's weight sits inside the model box, with its centre at the box centre.
  let mass = 0;
  let cx = 0;
  let cy = 0;
  batch.masks.forEach((v, i) => {
    mass += v;
    cx += v * ((i % 32) + 0.5);
    cy += v * (Math.floor(i / 32) + 0.5);
  });
  close(cx / mass, (x0! + x1!) / 2, 0.05, 'mask centre x');
  close(cy / mass, (y0! + y1!) / 2, 0.05, 'mask centre y');
  close(mass, 8 * 4, 1, 'mask mass');
});

test('an image file gives the same batch as its pixels; a sample without mask or phrase has hasMask 0 and its whole text positive', async () => {
  const sample = world[1]!;
  const file = path.join(temporary, 'scene.png');
  fs.writeFileSync(file, await encodePng(sample.image.image));
  const { mask: _mask, tokensPositive: _spans, ...bare } = sample;
  const fromFile: ReferringSample = { ...bare, id: 'from-file', image: { kind: 'file', path: file } };
  const batch = await makeBatch([sample, fromFile], { size: 40, tokenizers: { text: words } });
  const half = batch.images.length / 2;
  assert.equal([...batch.images.subarray(half)], [...batch.images.subarray(0, half)]);
  assert.equal([...batch.hasMask], [1, 0]);
  assert.ok(batch.masks.subarray(40 * 40).every((v) => v === 0));
  const { length, positive, attentionMask } = batch.tokens.text!;
  const second = (array: Uint8Array): number[] => [...array.subarray(length, 2 * length)];
  const real = second(attentionMask).reduce((sum, v) => sum + v, 0);
  assert.equal(
    second(positive),
    second(attentionMask).map((v, t) => (v && t > 0 && t < real - 1 ? 1 : 0)),
    'every word token, no [CLS]/[SEP]',
  );
});

test('bad data is ERR_DATA naming the sample', async () => {
  const sample = world[0]!;
  const { data, width, height } = sample.mask;
  await throwsData(makeBatch([sample, { ...sample, id: 'small-mask', mask: { width: 32, height: 32, data: data.subarray(0, 1024) } }], { size: 64 }), /^sample small-mask: its mask is 32×32/);
  await throwsData(makeBatch([{ ...sample, id: 'gone', image: { kind: 'file', path: path.join(temporary, 'missing.png') } }], { size: 64 }), /^sample gone: image file .*missing\.png not found/);
  const { mask: _mask, ...maskless } = sample;
  await throwsData(makeBatch([{ ...maskless, id: 'resized', width: width * 2, height: height * 2 }], { size: 64 }), /^sample resized: its image is 64×64 but the sample says 128×128/);
  await throwsData(makeBatch([{ ...sample, id: 'flat', box: [3, 3, 0, 5] }], { size: 64 }), /^sample flat: box .* has no area/);
  const long: ReferringSample = { ...sample, id: 'long', expression: 'the big red circle', tokensPositive: [[13, 18]] };
  await throwsData(makeBatch([long], { size: 64, tokenizers: { text: { tokenizer: words, maxLength: 4 } } }), /^sample long: no "text" token .* 4-token limit/);
  // The first bad sample in order is named, whichever fails first.
  await throwsData(
    makeBatch(
      [
        { ...sample, id: 'first', box: [0, 0, -1, 1] },
        { ...sample, id: 'second', box: [0, 0, -1, 1] },
      ],
      { size: 64 },
    ),
    /^sample first:/,
  );
});

realDataTest(test, 'real RefCOCO photographs letterboxed to 224 with BERT tokens; boxes map back to the photograph', async (dir) => {
  const read = readRefcocoEval(path.join(dir, 'refcoco-eval', 'refcoco_testB.json'), { imagesDir: path.join(dir, 'coco-images'), onMissingImage: 'skip' });
  const samples = read.samples.slice(0, 4);
  assert.is(samples.length, 4);
  const bert = BertWordPieceTokenizer.fromVocabFile(path.join(dir, 'vocab', 'bert-base-uncased-vocab.txt'));
  const batch = await makeBatch(samples, { size: 224, aspect: 'letterbox', tokenizers: { bert: { tokenizer: bert, maxLength: 24 } } });
  assert.equal([...batch.hasMask], [0, 0, 0, 0]);
  const photo = await loadImage((samples[0]!.image as { path: string }).path);
  const expected = resizeToModel(photo, 224, 'letterbox').image.data;
  for (const pixel of [0, 224 * 112 + 100, 224 * 200 + 17]) {
    close(batch.images[pixel]!, expected[pixel * 3]! / 255, 1e-7, `red at pixel ${pixel}`);
  }
  samples.forEach((sample, i) => {
    const [x0, y0, x1, y1] = [...batch.boxes.subarray(4 * i, 4 * i + 4)] as [number, number, number, number];
    assert.ok(x0 >= 0 && x1 <= 224 && y0 >= batch.transforms[i]!.content.y - 1e-3, 'inside the content');
    const back = toImageBox([x0, y0, x1 - x0, y1 - y0], batch.transforms[i]!);
    sample.box.forEach((v, k) => close(back[k]!, v, 1e-3, `${sample.id} box ${k}`));
    assert.ok(batch.tokens.bert!.positive.subarray(i * 24, (i + 1) * 24).includes(1));
  });
});

test.run();
