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

/** The largest mask decoded (width × height), as sharp's default limit on an image's pixels. */
export const MAX_MASK_PIXELS = 268_402_689;

/** What is wrong with a (schema-valid) segmentation for an image of this size, or undefined. */
export function segmentationProblem(segmentation: CocoSegmentation, size: MaskSize): string | undefined {
  if (!(size.width * size.height <= MAX_MASK_PIXELS)) return `its image is ${size.width}×${size.height}, past the ${MAX_MASK_PIXELS} pixels a mask may have`;
  if (Array.isArray(segmentation)) {
    if (segmentation.length === 0) return 'the segmentation has no polygon';
    for (let i = 0; i < segmentation.length; i++) {
      const polygon = segmentation[i]!;
      if (polygon.length < 6 || polygon.length % 2 !== 0) {
        return `polygon ${i} has ${polygon.length} numbers; a polygon is x,y pairs of at least 3 points`;
      }
      if (polygon.some((value) => !Number.isFinite(value))) return `polygon ${i} has a non-finite coordinate`;
      // The rasteriser walks every edge pixel by pixel: a vertex far outside its image would make
      // that walk (and its memory) as long as the number is large. COCO's lie inside, or within a pixel.
      const outside = polygon.findIndex((value, k) => (k % 2 === 0 ? value < -size.width || value > 2 * size.width : value < -size.height || value > 2 * size.height));
      if (outside >= 0) return `polygon ${i} has coordinate ${polygon[outside]} (number ${outside}), far outside its ${size.width}×${size.height} image`;
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
