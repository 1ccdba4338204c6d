// Images as users hand them to the library: a file path, encoded bytes, or decoded RGBA pixels.
import type { RgbImage } from '../sample';
import { DiffPromptError } from '../../errors';
import { loadImage } from './load-image';

/** An image as the serving and generation APIs take it: a file path, encoded bytes (JPEG, PNG, WebP), or decoded RGBA pixels (a canvas's ImageData). */
export type ImageInput = string | Buffer | { width: number; height: number; data: Uint8ClampedArray | Uint8Array };

/** RGBA (ImageData) → RGB. */
function rgbFromImageData(image: { width: number; height: number; data: Uint8ClampedArray | Uint8Array }): RgbImage {
  const { width, height, data } = image;
  if (!(Number.isSafeInteger(width) && Number.isSafeInteger(height) && width > 0 && height > 0) || data.length !== width * height * 4) {
    throw new DiffPromptError('ERR_DATA', `ImageData must hold width·height·4 RGBA bytes; got ${data?.length} for ${width}×${height}`);
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < data.length; i += 4, j += 3) {
    rgb[j] = data[i]!;
    rgb[j + 1] = data[i + 1]!;
    rgb[j + 2] = data[i + 2]!;
  }
  return { width, height, data: rgb };
}

/** Any ImageInput → RGB pixels; ERR_DATA (or the loader's error) for anything else. */
export async function decodeImageInput(image: ImageInput): Promise<RgbImage> {
  if (typeof image === 'string' || Buffer.isBuffer(image)) return loadImage(image);
  if (image && typeof image === 'object' && 'data' in image) return rgbFromImageData(image);
  throw new DiffPromptError('ERR_DATA', 'image must be a file path, a Buffer of an encoded image, or ImageData-like { width, height, data (RGBA) }');
}
