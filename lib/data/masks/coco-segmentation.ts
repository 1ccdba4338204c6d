// A COCO `segmentation` field in any of its three forms → a binary mask in its image's frame:
// polygons ([[x0,y0,x1,y1,...], ...], unioned), uncompressed RLE ({counts: number[], size}) or
// compressed RLE ({counts: string, size}). Readers check a field with `segmentationProblem`
// first, so that a bad one is reported with its file and record.
import { z } from 'zod';
import { DiffPromptError } from '../../errors';
import type { BinaryMask } from '../sample';
import { decodeRle, rleCountsProblem, type CocoRle } from './coco-rle';
import { rleCountsFromString } from './rle-string';
import { rasterisePolygons, type MaskSize, type Polygon } from './polygon-rasterise';

const rleSize = z.tuple([z.number().int(), z.number().int()]);

export const cocoSegmentationSchema = z.union([z.array(z.array(z.number())), z.object({ size: rleSize, counts: z.array(z.number()) }), z.object({ size: rleSize, counts: z.string() })]);

export type CocoSegmentation = Polygon[] | CocoRle;

/** What is wrong with a (schema-valid) segmentation for an image of this size, or undefined. */
export function segmentationProblem(segmentation: CocoSegmentation, size: MaskSize): string | undefined {
  if (Array.isArray(segmentation)) {
    if (segmentation.length === 0) return 'the segmentation has no polygon';
    for (let i = 0; i < segmentation.length; i++) {
      const polygon = segmentation[i]!;
      if (polygon.length < 6 || polygon.length % 2 !== 0) {
        return `polygon ${i} has ${polygon.length} numbers; a polygon is x,y pairs of at least 3 points`;
      }
      if (polygon.some((value) => !Number.isFinite(value))) return `polygon ${i} has a non-finite coordinate`;
    }
    return undefined;
  }
  const [height, width] = segmentation.size;
  if (height !== size.height || width !== size.width) {
    return `the RLE size is ${height}×${width} but its image is ${size.height}×${size.width} (height×width)`;
  }
  let counts: number[];
  try {
    counts = typeof segmentation.counts === 'string' ? rleCountsFromString(segmentation.counts) : segmentation.counts;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return rleCountsProblem(counts, height, width);
}

export function segmentationToMask(segmentation: CocoSegmentation, size: MaskSize): BinaryMask {
  const problem = segmentationProblem(segmentation, size);
  if (problem) throw new DiffPromptError('ERR_DATA', `invalid COCO segmentation: ${problem}`);
  return Array.isArray(segmentation) ? rasterisePolygons(segmentation, size) : decodeRle(segmentation);
}
