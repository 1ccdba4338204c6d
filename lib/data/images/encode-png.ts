// RgbImage → PNG bytes, for drawing tools and reports (lossless, so pixels read back as written).
import sharp from 'sharp';
import { DiffPromptError } from '../../errors';
import type { RgbImage } from '../sample';

export async function encodePng(image: RgbImage): Promise<Buffer> {
  const { width, height, data } = image;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0) || data.length !== width * height * 3) {
    throw new DiffPromptError('ERR_SHAPE', `encodePng needs an RGB image of width·height·3 bytes; got ${width}×${height} with ${data.length} bytes`);
  }
  const pixels = Buffer.from(data.buffer, data.byteOffset, data.length);
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}
