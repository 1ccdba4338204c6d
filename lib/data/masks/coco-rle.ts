// COCO run-length encoding of a binary mask (pycocotools semantics). The pixels are read in
// column-major order (down column 0, then column 1, ...); `counts` are the lengths of
// alternating runs of 0s and 1s, starting with 0s (a mask whose first pixel is set starts with a
// 0-length run). `size` is [height, width]. Compressed RLE holds the same counts as a string.
import { DiffPromptError } from '../../errors';
import type { BinaryMask } from '../sample';
import { rleCountsFromString, rleCountsToString } from './rle-string';

export interface UncompressedRle {
  size: [height: number, width: number];
  counts: number[];
}

export interface CompressedRle {
  size: [height: number, width: number];
  counts: string;
}

export type CocoRle = UncompressedRle | CompressedRle;

/** Mask (row-major) → uncompressed RLE (column-major counts). */
export function encodeRle(mask: BinaryMask): UncompressedRle {
  const { width, height, data } = mask;
  const counts: number[] = [];
  let value = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const pixel = data[y * width + x] ? 1 : 0;
      if (pixel !== value) {
        counts.push(run);
        run = 0;
        value = pixel;
      }
      run++;
    }
  }
  counts.push(run);
  return { size: [height, width], counts };
}

export function compressRle(rle: UncompressedRle): CompressedRle {
  return { size: [rle.size[0], rle.size[1]], counts: rleCountsToString(rle.counts) };
}

export function decompressRle(rle: CompressedRle): UncompressedRle {
  return { size: [rle.size[0], rle.size[1]], counts: rleCountsFromString(rle.counts) };
}

/** What is wrong with these counts for this size, or undefined when they are a valid RLE. */
export function rleCountsProblem(counts: readonly number[], height: number, width: number): string | undefined {
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i]!;
    if (!Number.isInteger(count) || count < 0) return `RLE count ${i} is ${count}, not a non-negative integer`;
    total += count;
  }
  if (total !== height * width) {
    return `RLE counts add up to ${total} pixels but its size ${height}×${width} has ${height * width}`;
  }
  return undefined;
}

/** Either RLE form → mask (row-major). Throws ERR_DATA when the counts do not cover the size exactly. */
export function decodeRle(rle: CocoRle): BinaryMask {
  const [height, width] = rle.size;
  const counts = typeof rle.counts === 'string' ? rleCountsFromString(rle.counts) : rle.counts;
  const problem = rleCountsProblem(counts, height, width);
  if (problem) throw new DiffPromptError('ERR_DATA', `cannot decode RLE: ${problem}`);
  const columnMajor = new Uint8Array(height * width);
  let position = 0;
  for (let i = 0; i < counts.length; i++) {
    if (i % 2 === 1) columnMajor.fill(1, position, position + counts[i]!);
    position += counts[i]!;
  }
  return { width, height, data: columnMajorToRowMajor(columnMajor, width, height) };
}

/** COCO's pixel order (x·H + y) → the BinaryMask order (y·W + x). */
export function columnMajorToRowMajor(columnMajor: Uint8Array, width: number, height: number): Uint8Array {
  const rowMajor = new Uint8Array(width * height);
  for (let x = 0; x < width; x++) {
    const column = x * height;
    for (let y = 0; y < height; y++) rowMajor[y * width + x] = columnMajor[column + y]!;
  }
  return rowMajor;
}
