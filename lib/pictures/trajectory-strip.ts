// Pictures of the generator at work: one row per sample, the image with its expression, then
// the decoded mask at a few steps of the denoising trajectory (noisy → clean), then the true mask.
import { DiffPromptError } from '../errors';
import type { RgbImage } from '../data/sample';
import { greyUri, rgbImageUri } from './png-data-uri';
import { type Picture, renderSvg } from './render-svg';
import { type Colour, imageElement, svgDocument, textElement } from './svg-markup';
import { wrapText } from './svg-text';

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
const HEADER_FONT_SIZE = 11;
const HEADER_HEIGHT = 16;
const EXPRESSION_FONT_SIZE = 11;
const EXPRESSION_LINE_HEIGHT = 14;
const EXPRESSION_LINES = 2;
const BACKGROUND: Colour = [236, 236, 236];
const INK: Colour = [20, 20, 20];

/** Rows of [image | step masks … | true mask], each cell `cell` pixels square, under a header naming the columns. */
export async function drawTrajectoryStrip(rows: readonly TrajectoryRow[], stepLabels: readonly string[], cell = 96): Promise<Picture> {
  if (rows.length === 0 || rows.some((row) => row.steps.length !== stepLabels.length)) {
    throw new DiffPromptError('ERR_CONFIG', 'a trajectory strip needs rows, each with one mask per step label');
  }
  const columns = 1 + stepLabels.length + 1;
  const columnLeft = (column: number) => GAP + column * (cell + GAP);
  const width = columnLeft(columns);
  const rowHeight = cell + 2 + EXPRESSION_LINES * EXPRESSION_LINE_HEIGHT + GAP;
  const body = ['image', ...stepLabels, 'truth'].map((label, column) => textElement(label, columnLeft(column), GAP, HEADER_FONT_SIZE, INK));
  for (const [r, row] of rows.entries()) {
    const top = GAP + HEADER_HEIGHT + r * rowHeight;
    body.push(imageElement(await rgbImageUri(row.image), columnLeft(0), top, cell, cell));
    for (const [k, mask] of row.steps.entries()) body.push(imageElement(await greyUri(mask, row.side, row.side), columnLeft(k + 1), top, cell, cell));
    if (row.truth) body.push(imageElement(await greyUri(row.truth, row.side, row.side), columnLeft(columns - 1), top, cell, cell));
    wrapText(row.expression, width - 2 * GAP, EXPRESSION_FONT_SIZE, EXPRESSION_LINES).forEach((line, i) => {
      body.push(textElement(line, GAP, top + cell + 2 + i * EXPRESSION_LINE_HEIGHT, EXPRESSION_FONT_SIZE, INK));
    });
  }
  return renderSvg(svgDocument(width, GAP + HEADER_HEIGHT + rows.length * rowHeight, BACKGROUND, body));
}
