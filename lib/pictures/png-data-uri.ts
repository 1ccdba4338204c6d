// Pixels → `data:image/png;base64,...` URIs, the form in which pictures embed images in SVG
// <image> elements: photographs as they are, masks as grey pictures, and a mask as a colour
// overlay whose alpha is the mask (drawn with an opacity, it tints only the object's pixels).
import sharp from 'sharp';
import { encodePng } from '../data/images/encode-png';
import type { RgbImage } from '../data/sample';
import type { Colour } from './svg-markup';

function dataUri(png: Buffer): string {
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** `pixels`: height×width×channels bytes, row-major. */
async function pngUri(pixels: Uint8Array, width: number, height: number, channels: 1 | 4): Promise<string> {
  return dataUri(
    await sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.length), { raw: { width, height, channels } })
      .png()
      .toBuffer(),
  );
}

export async function rgbImageUri(image: RgbImage): Promise<string> {
  return dataUri(await encodePng(image));
}

/** `values` (height×width) as grey levels: `range[0]` black, `range[1]` white, clamped between. */
export function greyUri(values: Float32Array, width: number, height: number, range: readonly [number, number] = [0, 1]): Promise<string> {
  const [low, high] = range;
  const span = high - low || 1;
  const grey = Uint8Array.from(values, (v) => Math.round(255 * Math.min(1, Math.max(0, (v - low) / span))));
  return pngUri(grey, width, height, 1);
}

/** `colour` everywhere, opaque where the soft mask (height×width, values in [0, 1]) is 1 and clear where it is 0. */
export function maskOverlayUri(mask: Float32Array, width: number, height: number, colour: Colour): Promise<string> {
  const pixels = new Uint8Array(width * height * 4);
  mask.forEach((value, i) => {
    pixels.set(colour, 4 * i);
    pixels[4 * i + 3] = Math.round(255 * Math.min(1, Math.max(0, value)));
  });
  return pngUri(pixels, width, height, 4);
}
