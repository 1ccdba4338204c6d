// Pictures of the generator at work: one row per sample, the image with its expression, then
// the decoded mask at a few steps of the denoising trajectory (noisy → clean), then the true mask.
import { DiffPromptError } from '../../errors';
import { resampleBilinear } from '../images/bilinear-resample';
import type { RgbImage } from '../sample';
import { drawText, LINE_ADVANCE } from './bitmap-font';
import { createCanvas, pasteImage, type Colour } from './rgb-canvas';
import { wrapText } from './wrap-text';

export interface TrajectoryRow {
  image: RgbImage;
  expression: string;
  /** Decoded masks of the kept steps, first (noisiest) to last, each side×side values in [0, 1]. */
  steps: Float32Array[];
  /** The referred object's true mask (side×side), drawn last. */
  truth?: Float32Array;
  side: number;
}

const GAP = 6;
const TEXT_LINES = 2;
const BACKGROUND: Colour = [236, 236, 236];
const INK: Colour = [20, 20, 20];

/** A grey picture of a mask in [0, 1], scaled to cell×cell. */
function maskPicture(mask: Float32Array, side: number, cell: number): RgbImage {
  const scaled = resampleBilinear(mask, { width: side, height: side }, 1, { width: cell, height: cell });
  const data = new Uint8Array(cell * cell * 3);
  scaled.forEach((v, i) => data.fill(Math.round(255 * Math.min(1, Math.max(0, v))), 3 * i, 3 * i + 3));
  return { width: cell, height: cell, data };
}

/** Rows of [image | step masks … | true mask], each cell `cell` pixels square, with headers. */
export function drawTrajectoryStrip(rows: readonly TrajectoryRow[], stepLabels: readonly string[], cell = 96): RgbImage {
  if (rows.length === 0 || rows.some((row) => row.steps.length !== stepLabels.length)) {
    throw new DiffPromptError('ERR_CONFIG', 'a trajectory strip needs rows, each with one mask per step label');
  }
  const columns = 1 + stepLabels.length + 1;
  const rowHeight = cell + TEXT_LINES * LINE_ADVANCE + GAP;
  const canvas = createCanvas(GAP + columns * (cell + GAP), GAP + LINE_ADVANCE + rows.length * rowHeight, BACKGROUND);
  ['image', ...stepLabels, 'truth'].forEach((label, column) => drawText(canvas, label, GAP + column * (cell + GAP), GAP, INK));
  rows.forEach((row, r) => {
    const top = GAP + LINE_ADVANCE + r * rowHeight;
    const picture = resampleBilinear(row.image.data, { width: row.image.width, height: row.image.height }, 3, { width: cell, height: cell });
    pasteImage(canvas, { width: cell, height: cell, data: picture }, GAP, top);
    row.steps.forEach((mask, k) => pasteImage(canvas, maskPicture(mask, row.side, cell), GAP + (k + 1) * (cell + GAP), top));
    if (row.truth) pasteImage(canvas, maskPicture(row.truth, row.side, cell), GAP + (columns - 1) * (cell + GAP), top);
    wrapText(row.expression, Math.floor((columns * (cell + GAP)) / 6), TEXT_LINES).forEach((line, i) => drawText(canvas, line, GAP, top + cell + 2 + i * LINE_ADVANCE, INK));
  });
  return canvas;
}
