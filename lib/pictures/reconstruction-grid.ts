// The Mask-VAE at work: one row per mask, the mask, its reconstruction (decoded from the posterior
// mean) and each latent channel of that mean, grey, under a header naming the columns. Masks are
// in [0, 1]; each latent plane is stretched from its own minimum (black) to maximum (white).
import { DiffPromptError } from '../errors';
import { greyUri } from './png-data-uri';
import { type Picture, renderSvg } from './render-svg';
import { type Colour, imageElement, svgDocument, textElement } from './svg-markup';

export interface ReconstructionRow {
  /** size×size values. */
  mask: Float32Array;
  /** size×size values. */
  reconstruction: Float32Array;
  /** One latentSide×latentSide plane per channel. */
  latents: Float32Array[];
}

const MARGIN = 4;
const COLUMN_GAP = 8;
const LATENT_GAP = 4;
const HEADER_HEIGHT = 20;
const HEADER_FONT_SIZE = 11;
/** Masks are drawn at least this wide, blown up by a whole factor so their pixels stay square blocks. */
const MIN_MASK_PIXELS = 128;
const PAPER: Colour = [255, 255, 255];
const INK: Colour = [0, 0, 0];

export async function drawReconstructionGrid(rows: readonly ReconstructionRow[], size: number, latentSide: number): Promise<Picture> {
  const channels = rows[0]?.latents.length ?? 0;
  if (
    rows.length === 0 ||
    rows.some(
      (row) => row.mask.length !== size * size || row.reconstruction.length !== size * size || row.latents.length !== channels || row.latents.some((plane) => plane.length !== latentSide * latentSide),
    )
  ) {
    throw new DiffPromptError('ERR_SHAPE', `a reconstruction grid needs rows of a ${size}×${size} mask, its reconstruction and the same number of ${latentSide}×${latentSide} latent planes`);
  }
  const maskPixels = size * Math.max(1, Math.floor(MIN_MASK_PIXELS / size));
  // Two latent planes side by side are as wide as a mask.
  const latentPixels = latentSide * Math.max(1, Math.floor(maskPixels / latentSide / 2));
  const columnLeft = [MARGIN, MARGIN + maskPixels + COLUMN_GAP, MARGIN + 2 * (maskPixels + COLUMN_GAP)];
  const width = columnLeft[2]! + channels * (latentPixels + LATENT_GAP) + MARGIN;
  const rowHeight = maskPixels + COLUMN_GAP;
  const body = ['mask', 'reconstruction', 'latent channels (mean)'].map((label, i) => textElement(label, columnLeft[i]!, 4, HEADER_FONT_SIZE, INK));
  for (const [r, row] of rows.entries()) {
    const top = HEADER_HEIGHT + r * rowHeight;
    body.push(imageElement(await greyUri(row.mask, size, size), columnLeft[0]!, top, maskPixels, maskPixels, { pixelated: true }));
    body.push(imageElement(await greyUri(row.reconstruction, size, size), columnLeft[1]!, top, maskPixels, maskPixels, { pixelated: true }));
    for (const [c, plane] of row.latents.entries()) {
      const range = [Math.min(...plane), Math.max(...plane)] as const;
      body.push(imageElement(await greyUri(plane, latentSide, latentSide, range), columnLeft[2]! + c * (latentPixels + LATENT_GAP), top, latentPixels, latentPixels, { pixelated: true }));
    }
  }
  return renderSvg(svgDocument(width, HEADER_HEIGHT + rows.length * rowHeight, PAPER, body));
}
