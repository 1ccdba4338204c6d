// Decoding a photograph into the RgbImage every stage reads: 3 channels, sRGB, 8 bits, rows top
// to bottom as a viewer shows it (the EXIF orientation is applied, as a phone photo would be
// displayed). Greyscale, CMYK and alpha images come out as plain RGB (alpha dropped).
import fs from 'node:fs';
import sharp from 'sharp';
import { DiffPromptError } from '../../errors';
import type { RgbImage } from '../sample';

/** Decodes a file path or the bytes of an encoded image. Throws ERR_DATA naming the file when it is missing or does not decode. */
export async function loadImage(source: string | Buffer): Promise<RgbImage> {
  const name = typeof source === 'string' ? source : `an image buffer of ${source.length} bytes`;
  if (typeof source === 'string' && !fs.existsSync(source)) {
    throw new DiffPromptError('ERR_DATA', `image file ${source} not found: check the images folder given to the reader`);
  }
  try {
    // failOn 'warning': a truncated or damaged JPEG is an error, not a half-grey picture.
    const { data, info } = await sharp(source, { failOn: 'warning' }).autoOrient().toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, not 3`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DiffPromptError('ERR_DATA', `cannot decode ${name}: ${reason}. The file may be truncated or not an image; replace it with a complete JPEG, PNG or WebP`, { cause: error });
  }
}
