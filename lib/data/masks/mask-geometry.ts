// Measures of a binary mask in its own frame: pixel area and the tight box around its pixels.
import type { BinaryMask, Box } from '../sample';

export function maskArea(mask: BinaryMask): number {
  let area = 0;
  for (let i = 0; i < mask.data.length; i++) area += mask.data[i] ? 1 : 0;
  return area;
}

/**
 * The smallest box holding every set pixel, [x, y, w, h] with whole-pixel extents (a single pixel
 * at (3, 4) gives [3, 4, 1, 1]), as pycocotools `toBbox`; undefined for an empty mask.
 */
export function maskTightBox(mask: BinaryMask): Box | undefined {
  const { width, height, data } = mask;
  let minX = width;
  let minY = height;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (!data[row + x]) continue;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  if (maxX < 0) return undefined;
  return [minX, minY, maxX - minX + 1, maxY - minY + 1];
}
