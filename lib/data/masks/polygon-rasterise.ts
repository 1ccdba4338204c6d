// COCO polygons → binary mask, as pycocotools does it: `frPyObjects(polygons, h, w)` turns each
// polygon into an RLE with `rleFrPoly`, and `merge` unions them (a polygon inside another is no
// hole). `rleFrPoly` scales the vertices ×5, walks every edge in integer steps, keeps the points
// where the walk crosses a pixel column centre and turns those crossings into column-major run
// boundaries. Ported operation for operation (C integer casts included), so the areas are the
// ones COCO's own `area` fields were computed with.
import type { BinaryMask } from '../sample';
import { columnMajorToRowMajor } from './coco-rle';

/** A polygon as COCO stores it: [x0, y0, x1, y1, ...] in image pixels. */
export type Polygon = readonly number[];

export interface MaskSize {
  width: number;
  height: number;
}

const SCALE = 5;

/** One polygon → COCO RLE counts (column-major), pycocotools `rleFrPoly`. */
export function polygonToRleCounts(polygon: Polygon, size: MaskSize): number[] {
  const { width: w, height: h } = size;
  const k = Math.floor(polygon.length / 2);
  if (k === 0) return [h * w];
  // Upsample: integer vertices at 5× resolution, closed.
  const xs = new Array<number>(k + 1);
  const ys = new Array<number>(k + 1);
  for (let j = 0; j < k; j++) {
    xs[j] = Math.trunc(SCALE * polygon[2 * j]! + 0.5);
    ys[j] = Math.trunc(SCALE * polygon[2 * j + 1]! + 0.5);
  }
  xs[k] = xs[0]!;
  ys[k] = ys[0]!;

  // Dense boundary points along every edge (one per step of the longer axis).
  const u: number[] = [];
  const v: number[] = [];
  for (let j = 0; j < k; j++) {
    let x0 = xs[j]!;
    let x1 = xs[j + 1]!;
    let y0 = ys[j]!;
    let y1 = ys[j + 1]!;
    const dx = Math.abs(x1 - x0);
    const dy = Math.abs(y0 - y1);
    const flip = (dx >= dy && x0 > x1) || (dx < dy && y0 > y1);
    if (flip) {
      [x0, x1] = [x1, x0];
      [y0, y1] = [y1, y0];
    }
    // A repeated vertex gives 0/0 = NaN here, as in C; its single point never changes column.
    const slope = dx >= dy ? (y1 - y0) / dx : (x1 - x0) / dy;
    if (dx >= dy) {
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u.push(t + x0);
        v.push(Math.trunc(y0 + slope * t + 0.5));
      }
    } else {
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v.push(t + y0);
        u.push(Math.trunc(x0 + slope * t + 0.5));
      }
    }
  }

  // Points where the boundary crosses a pixel column centre, downsampled to pixel rows.
  const boundaries: number[] = [];
  for (let j = 1; j < u.length; j++) {
    if (u[j] === u[j - 1]) continue;
    let xd = u[j]! < u[j - 1]! ? u[j]! : u[j]! - 1;
    xd = (xd + 0.5) / SCALE - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > w - 1) continue;
    let yd = Math.min(v[j]!, v[j - 1]!);
    yd = (yd + 0.5) / SCALE - 0.5;
    yd = Math.ceil(yd < 0 ? 0 : Math.min(yd, h));
    boundaries.push(xd * h + yd);
  }

  // Sorted boundary positions → run lengths; equal positions cancel (merged into one run).
  const positions = Float64Array.from(boundaries);
  const sorted = new Float64Array(positions.length + 1);
  sorted.set(positions);
  sorted[positions.length] = h * w;
  sorted.sort();
  let previous = 0;
  for (let j = 0; j < sorted.length; j++) {
    const position = sorted[j]!;
    sorted[j] = position - previous;
    previous = position;
  }
  const counts: number[] = [sorted[0]!];
  for (let j = 1; j < sorted.length; ) {
    if (sorted[j]! > 0) {
      counts.push(sorted[j++]!);
    } else {
      j++;
      if (j < sorted.length) counts[counts.length - 1]! += sorted[j++]!;
    }
  }
  return counts;
}

/** Polygons of one object → the union of their masks (pycocotools frPyObjects + merge + decode). */
export function rasterisePolygons(polygons: readonly Polygon[], size: MaskSize): BinaryMask {
  const { width, height } = size;
  const columnMajor = new Uint8Array(width * height);
  for (const polygon of polygons) {
    const counts = polygonToRleCounts(polygon, size);
    let position = 0;
    for (let i = 0; i < counts.length; i++) {
      if (i % 2 === 1) columnMajor.fill(1, position, position + counts[i]!);
      position += counts[i]!;
    }
  }
  return { width, height, data: columnMajorToRowMajor(columnMajor, width, height) };
}
