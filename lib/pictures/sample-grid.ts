// Samples drawn side by side into one picture (see sample-cell.ts for a cell), in rows of
// `columns`, for looking at a dataset: are the boxes on the objects, the masks aligned, the
// expressions right?
import { DiffPromptError } from '../errors';
import { loadImage } from '../data/images/load-image';
import type { Box, ReferringSample } from '../data/sample';
import { type Picture, renderSvg } from './render-svg';
import { CELL_TEXT_HEIGHT, sampleCellElements } from './sample-cell';
import { svgDocument } from './svg-markup';

export interface SampleGridOptions {
  /** Side of each cell's square picture, in pixels; default 192. */
  pictureSize?: number;
  /** Cells per row; default min(samples, 4). */
  columns?: number;
  /** A model's box per sample (image pixels), drawn in red beside the true one in green. */
  predictions?: readonly (Box | undefined)[];
}

export interface SampleGridLayout {
  width: number;
  height: number;
  pictureSize: number;
  /** Top-left corner of each cell's picture. */
  cells: { x: number; y: number }[];
}

const GAP = 8;
const BACKGROUND = [228, 228, 228] as const;

export function sampleGridLayout(count: number, options: SampleGridOptions = {}): SampleGridLayout {
  const pictureSize = options.pictureSize ?? 192;
  const columns = options.columns ?? Math.min(count, 4);
  if (!(Number.isSafeInteger(count) && count > 0 && Number.isSafeInteger(columns) && columns > 0 && Number.isSafeInteger(pictureSize) && pictureSize >= 16)) {
    throw new DiffPromptError(
      'ERR_CONFIG',
      `a sample grid needs at least one sample, whole columns ≥ 1 and a picture size ≥ 16 pixels; got ${count} samples, ${columns} columns, ${pictureSize} pixels`,
    );
  }
  const rows = Math.ceil(count / columns);
  const cellHeight = pictureSize + CELL_TEXT_HEIGHT;
  const cells = Array.from({ length: count }, (_, i) => ({
    x: GAP + (i % columns) * (pictureSize + GAP),
    y: GAP + Math.floor(i / columns) * (cellHeight + GAP),
  }));
  return { width: GAP + columns * (pictureSize + GAP), height: GAP + rows * (cellHeight + GAP), pictureSize, cells };
}

/** The grid as a PNG. Image files are decoded as needed; a missing one is ERR_DATA. */
export async function drawSampleGrid(samples: readonly ReferringSample[], options: SampleGridOptions = {}): Promise<Picture> {
  const layout = sampleGridLayout(samples.length, options);
  const cells = await Promise.all(
    samples.map(async (sample, i) => {
      const picture = sample.image.kind === 'pixels' ? sample.image.image : await loadImage(sample.image.path);
      const { x, y } = layout.cells[i]!;
      return sampleCellElements(sample, picture, layout.pictureSize, x, y, options.predictions?.[i]);
    }),
  );
  return renderSvg(svgDocument(layout.width, layout.height, BACKGROUND, cells.flat()));
}
