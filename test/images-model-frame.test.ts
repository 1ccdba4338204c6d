// The model frame: PIL-style bilinear resampling, stretch and letterbox, boxes and masks there and back.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isDiffPromptError } from '../lib/errors';
import { resampleBilinear } from '../lib/data/images/bilinear-resample';
import { loadImage } from '../lib/data/images/load-image';
import { modelFrameTransform, toImageBox, toModelBox, type AspectMode } from '../lib/data/images/model-frame';
import { resizeToModel } from '../lib/data/images/resize-to-model';
import { maskArea } from '../lib/data/masks/mask-geometry';
import { maskFromModelFrame, maskToModelFrame } from '../lib/data/masks/mask-model-frame';
import { rasterisePolygons } from '../lib/data/masks/polygon-rasterise';
import type { BinaryMask, Box, RgbImage } from '../lib/data/sample';
import { realDataTest } from './support/real-data';

const test = suite('images: model frame');

test('bilinear upscaling puts pixel centres at i+0.5 (2 → 4: 0, 25, 75, 100)', () => {
  const out = resampleBilinear(Uint8Array.from([0, 100]), { width: 2, height: 1 }, 1, { width: 4, height: 1 });
  assert.equal([...out], [0, 25, 75, 100]);
});

test('bilinear downscaling widens the filter as PIL does (4 → 2: weights 3/7, 3/7, 1/7)', () => {
  const out = resampleBilinear(Uint8Array.from([0, 100, 200, 255]), { width: 4, height: 1 }, 1, { width: 2, height: 1 });
  // (0·3 + 100·3 + 200)/7 = 71.4 → 71; (100 + 200·3 + 255·3)/7 = 209.3 → 209.
  assert.equal([...out], [71, 209]);
  const float = resampleBilinear(Float32Array.from([0, 100, 200, 255]), { width: 4, height: 1 }, 1, { width: 2, height: 1 });
  assert.ok(Math.abs(float[0]! - 500 / 7) < 1e-4 && Math.abs(float[1]! - 1465 / 7) < 1e-4);
});

test('a flat image stays flat at any size, per channel', () => {
  const data = new Uint8Array(13 * 9 * 3);
  for (let i = 0; i < data.length; i += 3) data.set([10, 120, 250], i);
  const { image } = resizeToModel({ width: 13, height: 9, data }, { width: 5, height: 17 }, 'stretch');
  for (let i = 0; i < image.data.length; i += 3) assert.equal([...image.data.subarray(i, i + 3)], [10, 120, 250]);
});

test('letterbox keeps the aspect, centres the content and pads with black', () => {
  const data = new Uint8Array(200 * 100 * 3).fill(200);
  const { image, transform } = resizeToModel({ width: 200, height: 100, data }, 64, 'letterbox');
  assert.equal(transform.content, { x: 0, y: 16, width: 64, height: 32 });
  assert.is(transform.scaleX, transform.scaleY);
  const row = (y: number): number[] => [...image.data.subarray(y * 64 * 3, (y + 1) * 64 * 3)];
  assert.ok(
    row(15).every((v) => v === 0),
    'padding above',
  );
  assert.ok(
    row(16).every((v) => v === 200),
    'content',
  );
  assert.ok(
    row(47).every((v) => v === 200),
    'content',
  );
  assert.ok(
    row(48).every((v) => v === 0),
    'padding below',
  );
});

test('sizes that are not whole positive pixels are ERR_CONFIG', () => {
  assert.throws(
    () => modelFrameTransform({ width: 10, height: 10 }, 0, 'stretch'),
    (error: unknown) => isDiffPromptError(error, 'ERR_CONFIG'),
  );
  assert.throws(
    () => modelFrameTransform({ width: 10.5, height: 10 }, 64, 'letterbox'),
    (error: unknown) => isDiffPromptError(error, 'ERR_CONFIG'),
  );
});

/** Mean RGB of the pixels whose centres lie inside the box. */
function meanColour(image: RgbImage, box: Box): number[] {
  const sum = [0, 0, 0];
  let count = 0;
  for (let y = Math.ceil(box[1] - 0.5); y + 0.5 <= box[1] + box[3]; y++) {
    for (let x = Math.ceil(box[0] - 0.5); x + 0.5 <= box[0] + box[2]; x++) {
      for (let c = 0; c < 3; c++) sum[c]! += image.data[(y * image.width + x) * 3 + c]!;
      count++;
    }
  }
  return sum.map((value) => value / count);
}

function iou(a: BinaryMask, b: BinaryMask): number {
  let intersection = 0;
  let union = 0;
  for (let i = 0; i < a.data.length; i++) {
    if (a.data[i] && b.data[i]) intersection++;
    if (a.data[i] || b.data[i]) union++;
  }
  return intersection / union;
}

realDataTest(test, 'a real COCO box maps to the model frame and back onto the same pixels, and frames the same content', async (dir) => {
  // Annotation 161532 (an airplane) on image 334868, 640×479.
  const coco = JSON.parse(fs.readFileSync(path.join(dir, 'coco-instances', 'train.json'), 'utf8'));
  const annotation = coco.annotations.find((a: { id: number }) => a.id === 161532);
  const image = await loadImage(path.join(dir, 'coco-images', '000000334868.jpg'));
  assert.equal([image.width, image.height], [640, 479]);
  const box = annotation.bbox as Box;
  const mask = rasterisePolygons(annotation.segmentation, image);
  for (const aspect of ['stretch', 'letterbox'] as AspectMode[]) {
    const { image: modelImage, transform } = resizeToModel(image, 224, aspect);
    const modelBox = toModelBox(box, transform);
    const back = toImageBox(modelBox, transform);
    back.forEach((value, i) => assert.ok(Math.abs(value - box[i]!) <= 0.5, `${aspect}: ${back} vs ${box}`));
    const inside = modelBox[0] >= 0 && modelBox[1] >= 0 && modelBox[0] + modelBox[2] <= 224 && modelBox[1] + modelBox[3] <= 224;
    assert.ok(inside, `${aspect}: ${modelBox} lies in the 224×224 frame`);
    // The mapped box frames the same picture: mean colours agree within a few levels.
    const original = meanColour(image, box);
    const resized = meanColour(modelImage, modelBox);
    original.forEach((value, c) => assert.ok(Math.abs(value - resized[c]!) < 4, `${aspect} channel ${c}: ${value} vs ${resized[c]}`));
    // The object's mask goes there and back with its shape intact.
    const soft = maskToModelFrame(mask, transform);
    assert.is(soft.length, 224 * 224);
    const returned = maskFromModelFrame(soft, transform);
    const overlap = iou(mask, returned);
    assert.ok(overlap > 0.9, `${aspect}: mask IoU after the round trip ${overlap.toFixed(3)}`);
    assert.ok(Math.abs(maskArea(returned) - maskArea(mask)) / maskArea(mask) < 0.05);
  }
  // Letterbox of a 640×479 image: full width, 168 rows centred (28 rows of padding above).
  const letterbox = modelFrameTransform(image, 224, 'letterbox');
  assert.equal(letterbox.content, { x: 0, y: 28, width: 224, height: 168 });
});

test.run();
