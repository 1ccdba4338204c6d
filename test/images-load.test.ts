// Decoding photographs to RGB (EXIF orientation applied), PNG encoding, and ERR_DATA on bad files.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { suite } from 'uvu';
import { tempDir } from './support/temp-dir';
import * as assert from 'uvu/assert';
import { isDiffPromptError } from '../lib/errors';
import { encodePng } from '../lib/data/images/encode-png';
import { loadImage } from '../lib/data/images/load-image';
import { realDataTest } from './support/real-data';

const test = suite('images: load and encode');
const temporary = tempDir('diff-prompt-images-');

async function rejectsWithData(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isDiffPromptError(error, 'ERR_DATA'), `expected ERR_DATA, got ${String(error)}`);
    assert.match((error as Error).message, pattern);
    return;
  }
  assert.unreachable('expected the promise to reject');
}

realDataTest(test, 'a real COCO JPEG decodes at its annotated size, 3 bytes per pixel', async (dir) => {
  const image = await loadImage(path.join(dir, 'coco-images', '000000457745.jpg'));
  assert.is(image.width, 612); // RefCOCOg gives this image as 612×612
  assert.is(image.height, 612);
  assert.is(image.data.length, 612 * 612 * 3);
  const mean = image.data.reduce((sum, value) => sum + value, 0) / image.data.length;
  assert.ok(mean > 20 && mean < 235, `a photograph, not a flat fill (mean ${mean})`);
});

test('EXIF orientation is applied: a left-red/right-blue image tagged "rotate 90° CW" comes out tall, red on top', async () => {
  const width = 64;
  const height = 32;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels.set(x < width / 2 ? [230, 20, 20] : [20, 20, 230], (y * width + x) * 3);
  }
  const jpeg = await sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 95 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
  const image = await loadImage(jpeg);
  assert.is(image.width, height);
  assert.is(image.height, width);
  const at = (x: number, y: number): number[] => [...image.data.subarray((y * image.width + x) * 3, (y * image.width + x) * 3 + 3)];
  const top = at(16, 8);
  const bottom = at(16, 56);
  assert.ok(top[0]! > 180 && top[2]! < 80, `top is red: ${top}`);
  assert.ok(bottom[2]! > 180 && bottom[0]! < 80, `bottom is blue: ${bottom}`);
});

test('greyscale and RGBA images come out as 3-channel RGB', async () => {
  const grey = await sharp(Buffer.from([0, 64, 128, 255]), { raw: { width: 2, height: 2, channels: 1 } })
    .png()
    .toBuffer();
  const fromGrey = await loadImage(grey);
  assert.equal([...fromGrey.data], [0, 0, 0, 64, 64, 64, 128, 128, 128, 255, 255, 255]);
  const rgba = await sharp(Buffer.from([10, 20, 30, 0, 40, 50, 60, 255]), { raw: { width: 2, height: 1, channels: 4 } })
    .png()
    .toBuffer();
  const fromRgba = await loadImage(rgba);
  assert.equal([...fromRgba.data], [10, 20, 30, 40, 50, 60]);
});

test('encodePng → loadImage gives the same pixels back', async () => {
  const width = 7;
  const height = 5;
  const data = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37) % 256);
  const png = await encodePng({ width, height, data });
  assert.equal([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
  const back = await loadImage(png);
  assert.equal(back.data, data);
});

test('encodePng refuses pixels that do not match the size (ERR_SHAPE)', async () => {
  try {
    await encodePng({ width: 4, height: 4, data: new Uint8Array(10) });
    assert.unreachable('expected ERR_SHAPE');
  } catch (error) {
    assert.ok(isDiffPromptError(error, 'ERR_SHAPE'));
  }
});

test('a missing file is ERR_DATA naming the file', async () => {
  const missing = path.join(temporary, 'no-such-image.jpg');
  await rejectsWithData(loadImage(missing), /no-such-image\.jpg.*not found/);
});

realDataTest(test, 'a truncated JPEG is ERR_DATA naming the file', async (dir) => {
  const bytes = fs.readFileSync(path.join(dir, 'coco-images', '000000000154.jpg'));
  const truncated = path.join(temporary, 'truncated-000000000154.jpg');
  fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await rejectsWithData(loadImage(truncated), /truncated-000000000154\.jpg/);
});

test('bytes that are no image are ERR_DATA', async () => {
  await rejectsWithData(loadImage(Buffer.from('not an image at all')), /cannot decode an image buffer/);
});

test.after(() => fs.rmSync(temporary, { recursive: true, force: true }));

test.run();
