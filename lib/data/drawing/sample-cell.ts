// One sample drawn for a person to check: its image letterboxed into a square, the referred
// object's mask tinted over it, its box outlined (and a model's predicted box, when given, in
// red), and under the picture the expression (wrapped) and the sample id, in the built-in
// bitmap font.
import { toModelBox } from '../images/model-frame';
import { resizeToModel } from '../images/resize-to-model';
import { maskToModelFrame } from '../masks/mask-model-frame';
import type { Box, ReferringSample, RgbImage } from '../sample';
import { CHARACTER_ADVANCE, LINE_ADVANCE, drawText } from './bitmap-font';
import { createCanvas, fillRect, pasteImage, strokeRect, tintMask, type Colour } from './rgb-canvas';
import { wrapText } from './wrap-text';

export const BOX_COLOUR: Colour = [0, 255, 0];
export const MASK_COLOUR: Colour = [255, 0, 255];
export const PREDICTION_COLOUR: Colour = [255, 40, 40];
export const MASK_OPACITY = 0.5;
const BOX_THICKNESS = 2;
const TEXT_COLOUR: Colour = [0, 0, 0];
const ID_COLOUR: Colour = [110, 110, 110];
const PAPER: Colour = [255, 255, 255];
const TEXT_SCALE = 2;
const EXPRESSION_LINES = 3;
const PADDING = 6;
/** From the top of the text part to the id line: the expression's lines and a small gap. */
const ID_TOP = PADDING + EXPRESSION_LINES * LINE_ADVANCE * TEXT_SCALE + 3;

/** Height of the text part under a cell's picture: the expression's lines, then the id in small type. */
export const CELL_TEXT_HEIGHT = ID_TOP + LINE_ADVANCE + PADDING;

/** `picture` is the sample's decoded image; `prediction` a box in its pixels. The cell is pictureSize
 * wide and pictureSize + CELL_TEXT_HEIGHT tall. */
export function drawSampleCell(sample: ReferringSample, picture: RgbImage, pictureSize: number, prediction?: Box): RgbImage {
  const { image, transform } = resizeToModel(picture, pictureSize, 'letterbox');
  const mask = sample.mask; // may decode a segmentation: read once
  if (mask) tintMask(image, maskToModelFrame(mask, transform), MASK_COLOUR, MASK_OPACITY);
  const outline = (box: Box, colour: Colour) => {
    const [x, y, w, h] = toModelBox(box, transform);
    const [x0, y0, x1, y1] = [Math.floor(x), Math.floor(y), Math.ceil(x + w), Math.ceil(y + h)];
    // A dark edge one pixel outside the coloured outline keeps it visible on any background.
    strokeRect(image, x0 - 1, y0 - 1, x1 + 1, y1 + 1, 1, [0, 0, 0]);
    strokeRect(image, x0, y0, x1, y1, BOX_THICKNESS, colour);
  };
  outline(sample.box, BOX_COLOUR);
  if (prediction) outline(prediction, PREDICTION_COLOUR);

  const cell = createCanvas(pictureSize, pictureSize + CELL_TEXT_HEIGHT, PAPER);
  pasteImage(cell, image, 0, 0);
  fillRect(cell, 0, pictureSize, pictureSize, 1, [200, 200, 200]);
  const columns = Math.max(1, Math.floor((pictureSize - 2 * PADDING + TEXT_SCALE) / (CHARACTER_ADVANCE * TEXT_SCALE)));
  let top = pictureSize + PADDING;
  for (const line of wrapText(sample.expression, columns, EXPRESSION_LINES)) {
    drawText(cell, line, PADDING, top, TEXT_COLOUR, TEXT_SCALE);
    top += LINE_ADVANCE * TEXT_SCALE;
  }
  const idColumns = Math.floor((pictureSize - 2 * PADDING + 1) / CHARACTER_ADVANCE);
  // A long id keeps its end, where ids differ (COCO_train2014_000000000605_3#0 → ...0605_3#0).
  const id = sample.id.length > idColumns ? `...${sample.id.slice(-(idColumns - 3))}` : sample.id;
  drawText(cell, id, PADDING, pictureSize + ID_TOP, ID_COLOUR);
  return cell;
}
