// Image bytes → normalised CHW floats: the plane layout, the 0..1 scale and the per-channel normalisation.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isDiffPromptError } from '../lib/errors';
import { channelLookup, checkNormalization, writeImageChw } from '../lib/data/batching/image-tensor';

const test = suite('batching: image tensor');

// A 2×1 image: pixel 0 = (0, 128, 255), pixel 1 = (51, 102, 204).
const image = { width: 2, height: 1, data: Uint8Array.from([0, 128, 255, 51, 102, 204]) };

test('without normalisation, bytes become 0..1 in planes R, G, B', () => {
  const target = new Float32Array(6);
  writeImageChw(image, channelLookup(undefined), target, 0);
  const expected = [0, 51, 128, 102, 255, 204].map((v) => v / 255);
  expected.forEach((value, i) => assert.ok(Math.abs(target[i]! - value) < 1e-7, `value ${i}: ${target[i]} vs ${value}`));
});

test('normalisation is (v/255 − mean) / std per channel, written at the offset', () => {
  const normalize = { mean: [0.5, 0.25, 0] as [number, number, number], std: [0.5, 0.25, 2] as [number, number, number] };
  const target = new Float32Array(10).fill(-99);
  writeImageChw(image, channelLookup(normalize), target, 4);
  assert.equal([...target.subarray(0, 4)], [-99, -99, -99, -99], 'nothing before the offset');
  const expected = [(0 - 0.5) / 0.5, (51 / 255 - 0.5) / 0.5, (128 / 255 - 0.25) / 0.25, (102 / 255 - 0.25) / 0.25, 255 / 255 / 2, 204 / 255 / 2];
  expected.forEach((value, i) => assert.ok(Math.abs(target[4 + i]! - value) < 1e-6, `value ${i}: ${target[4 + i]} vs ${value}`));
});

test('a normalisation without three finite means and three positive stds is ERR_CONFIG', () => {
  const bad = [
    { mean: [0.5, 0.5], std: [1, 1, 1] },
    { mean: [0.5, 0.5, 0.5], std: [1, 0, 1] },
    { mean: [0.5, Number.NaN, 0.5], std: [1, 1, 1] },
  ];
  for (const normalize of bad) {
    assert.throws(
      () => checkNormalization(normalize as never),
      (error: unknown) => isDiffPromptError(error, 'ERR_CONFIG') && /normalize must be/.test((error as Error).message),
    );
  }
});

test.run();
