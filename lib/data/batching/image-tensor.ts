// RgbImage (H×W×3 bytes, interleaved) → float CHW planes, the layout every vision encoder reads.
// Values are first scaled to 0..1, then normalised per channel as (v − mean) / std when the
// config asks for it (e.g. CLIP's mean [0.4815, 0.4578, 0.4082], std [0.2686, 0.2613, 0.2758]).
import { DiffPromptError } from '../../errors';
import type { RgbImage } from '../sample';

export type Rgb = [red: number, green: number, blue: number];

export interface ImageNormalization {
  mean: Rgb;
  std: Rgb;
}

/** Throws ERR_CONFIG unless mean and std are three finite numbers each, std all > 0. */
export function checkNormalization(normalize: ImageNormalization): void {
  const { mean, std } = normalize;
  const triple = (values: unknown): values is Rgb => Array.isArray(values) && values.length === 3 && values.every(Number.isFinite);
  if (!triple(mean) || !triple(std) || std.some((value) => value <= 0)) {
    throw new DiffPromptError('ERR_CONFIG', `normalize must be { mean: [r, g, b], std: [r, g, b] } on 0..1 values with every std > 0; got ${JSON.stringify(normalize)}`);
  }
}

/** Per channel, the float each of the 256 byte values becomes: 3×256 entries. */
export function channelLookup(normalize: ImageNormalization | null | undefined): Float32Array {
  const table = new Float32Array(3 * 256);
  for (let channel = 0; channel < 3; channel++) {
    const mean = normalize ? normalize.mean[channel]! : 0;
    const std = normalize ? normalize.std[channel]! : 1;
    for (let value = 0; value < 256; value++) table[channel * 256 + value] = (value / 255 - mean) / std;
  }
  return table;
}

/** Writes the image as 3×H×W floats into `target` from `offset`, using a table from channelLookup. */
export function writeImageChw(image: RgbImage, lookup: Float32Array, target: Float32Array, offset: number): void {
  const plane = image.width * image.height;
  const { data } = image;
  for (let channel = 0; channel < 3; channel++) {
    const base = offset + channel * plane;
    const table = channel * 256;
    for (let pixel = 0; pixel < plane; pixel++) target[base + pixel] = lookup[table + data[pixel * 3 + channel]!]!;
  }
}
