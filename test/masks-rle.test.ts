// COCO RLE: uncompressed counts (column-major) and the compressed string, both ways.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isDiffPromptError } from '../lib/errors';
import { compressRle, decodeRle, decompressRle, encodeRle } from '../lib/data/masks/coco-rle';
import { maskArea, maskTightBox } from '../lib/data/masks/mask-geometry';
import { rleCountsFromString, rleCountsToString } from '../lib/data/masks/rle-string';
import type { BinaryMask } from '../lib/data/sample';
import { realDataTest } from './support/real-data';

const test = suite('masks: COCO RLE');

function randomMask(width: number, height: number, seed: number): BinaryMask {
  let state = seed;
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    // Blobs rather than noise: runs of varied length, some long (multi-character counts).
    data[i] = Math.floor(i / 7 + (state / 2147483648) * 3) % 5 < 2 ? 1 : 0;
  }
  return { width, height, data };
}

test('encode is column-major: a mask with its first column set', () => {
  // 2 rows × 3 columns, only column 0 set: column-major pixels 1,1,0,0,0,0.
  const mask: BinaryMask = { width: 3, height: 2, data: Uint8Array.from([1, 0, 0, 1, 0, 0]) };
  assert.equal(encodeRle(mask), { size: [2, 3], counts: [0, 2, 4] });
  const rowMask: BinaryMask = { width: 3, height: 2, data: Uint8Array.from([1, 1, 1, 0, 0, 0]) };
  assert.equal(encodeRle(rowMask).counts, [0, 1, 1, 1, 1, 1, 1]);
});

test('hand-made compressed strings decode to the counts worked out by hand', () => {
  // 3 → "3", 4 → "4", 2 → "2": small counts are one character, 48 + value.
  assert.equal(rleCountsFromString('342'), [3, 4, 2]);
  // 100 = 0b11_00100: low 5 bits 4 with the continuation bit (0x20) → 48+36 = 'T', then 3 → '3'.
  assert.equal(rleCountsFromString('T3'), [100]);
  // From the 4th count on, the stored value is the difference from two counts back:
  // counts [2, 10, 3, 1] store 2, 10, 3 and 1−10 = −9 → 5 bits 10111 (sign bit set) = 23 → 'G'.
  assert.equal(rleCountsFromString('2:3G'), [2, 10, 3, 1]);
  assert.is(rleCountsToString([2, 10, 3, 1]), '2:3G');
  assert.is(rleCountsToString([100]), 'T3');
  assert.is(rleCountsToString([3, 4, 2]), '342');
});

test('a known mask through the string: 4×4 with a 2×2 block at (1,1)', () => {
  const data = new Uint8Array(16);
  for (const [x, y] of [
    [1, 1],
    [2, 1],
    [1, 2],
    [2, 2],
  ])
    data[y * 4 + x] = 1;
  const rle = encodeRle({ width: 4, height: 4, data });
  // Column-major: column 0 empty (4) + row 0 of column 1 (1) = 5 zeros, 2 ones, 2 zeros, 2 ones, 5 zeros.
  assert.equal(rle.counts, [5, 2, 2, 2, 5]);
  // 5,2,2 → "522"; 4th: 2−2 = 0 → "0"; 5th: 5−2 = 3 → "3".
  assert.is(compressRle(rle).counts, '52203');
  assert.equal(decodeRle({ size: [4, 4], counts: '52203' }).data, data);
});

test('random masks survive encode → compress → decompress → decode', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const mask = randomMask(37 + seed, 23 + 2 * seed, seed);
    const rle = encodeRle(mask);
    const compressed = compressRle(rle);
    assert.equal(decompressRle(compressed).counts, rle.counts);
    assert.equal(decodeRle(compressed).data, mask.data);
    assert.equal(decodeRle(rle).data, mask.data);
  }
});

test('counts that do not cover the size, or a bad character, are ERR_DATA', () => {
  assert.throws(
    () => decodeRle({ size: [4, 4], counts: [5, 2] }),
    (error: unknown) => isDiffPromptError(error, 'ERR_DATA') && /16/.test((error as Error).message),
  );
  assert.throws(
    () => decodeRle({ size: [4, 4], counts: '5~' }),
    (error: unknown) => isDiffPromptError(error, 'ERR_DATA'),
  );
  assert.throws(
    () => rleCountsFromString('T'),
    (error: unknown) => isDiffPromptError(error, 'ERR_DATA') && /cut off/.test((error as Error).message),
  );
});

realDataTest(test, 'real crowd RLEs decode to a mask filling their box, and re-encode to the same counts', (dir) => {
  const coco = JSON.parse(fs.readFileSync(path.join(dir, 'coco-instances', 'train.json'), 'utf8'));
  const crowds = coco.annotations.filter((a: { iscrowd: number }) => a.iscrowd);
  assert.is(crowds.length, 3);
  for (const crowd of crowds) {
    const mask = decodeRle(crowd.segmentation);
    const oddRuns = (crowd.segmentation.counts as number[]).filter((_, i) => i % 2 === 1).reduce((a, b) => a + b, 0);
    assert.is(maskArea(mask), oddRuns);
    const tight = maskTightBox(mask)!;
    // COCO crowd boxes are whole pixels; the decoded mask must touch every side.
    tight.forEach((value, i) => assert.ok(Math.abs(value - crowd.bbox[i]) <= 1, `crowd ${crowd.id}: box ${tight} vs ${crowd.bbox}`));
    assert.equal(encodeRle(mask).counts, crowd.segmentation.counts);
  }
});

test.run();
