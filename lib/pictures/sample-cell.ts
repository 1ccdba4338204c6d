// One sample drawn for a person to check, as SVG elements: its image letterboxed into a square,
// the referred object's mask tinted over it, its box outlined (and a model's predicted box, when
// given, in red), and under the picture the expression (wrapped) and the sample id.
import { type ModelFrameTransform, toModelBox } from '../data/images/model-frame';
import { resizeToModel } from '../data/images/resize-to-model';
import { maskToModelFrame } from '../data/masks/mask-model-frame';
import type { Box, ReferringSample, RgbImage } from '../data/sample';
import { maskOverlayUri, rgbImageUri } from './png-data-uri';
import { type Colour, imageElement, outlineElement, rectElement, textElement } from './svg-markup';
import { keepEnd, wrapText } from './svg-text';

export const BOX_COLOUR: Colour = [0, 255, 0];
export const MASK_COLOUR: Colour = [255, 0, 255];
export const PREDICTION_COLOUR: Colour = [255, 40, 40];
export const MASK_OPACITY = 0.5;
const BOX_THICKNESS = 2;
/** One pixel outside each coloured outline, so it stays visible on any background. */
const BOX_EDGE_COLOUR: Colour = [0, 0, 0];
const PAPER: Colour = [255, 255, 255];
const RULE_COLOUR: Colour = [200, 200, 200];
const TEXT_COLOUR: Colour = [0, 0, 0];
const ID_COLOUR: Colour = [110, 110, 110];

export const CELL_PADDING = 6;
export const EXPRESSION_FONT_SIZE = 12;
const EXPRESSION_LINE_HEIGHT = 15;
const EXPRESSION_LINES = 3;
const ID_FONT_SIZE = 10;
const ID_LINE_HEIGHT = 12;
/** From the top of the text part to the id line: the expression's lines and a small gap. */
const ID_TOP = CELL_PADDING + EXPRESSION_LINES * EXPRESSION_LINE_HEIGHT + 3;

/** Height of the text part under a cell's picture: the expression's lines, then the id in small type. */
export const CELL_TEXT_HEIGHT = ID_TOP + ID_LINE_HEIGHT + CELL_PADDING;

/** The expression as it is written under a picture `pictureSize` wide: wrapped to the cell, at most three lines. */
export function expressionLines(expression: string, pictureSize: number): string[] {
  return wrapText(expression, pictureSize - 2 * CELL_PADDING, EXPRESSION_FONT_SIZE, EXPRESSION_LINES);
}

/** Outline of `box` (image pixels) in the picture's frame: the coloured band just inside the box's whole pixels, the dark edge just outside. */
function boxOutline(box: Box, transform: ModelFrameTransform, colour: Colour): string[] {
  const [x, y, w, h] = toModelBox(box, transform);
  const [x0, y0, x1, y1] = [Math.floor(x), Math.floor(y), Math.ceil(x + w), Math.ceil(y + h)];
  return [outlineElement(x0 - 1, y0 - 1, x1 + 1, y1 + 1, 1, BOX_EDGE_COLOUR), outlineElement(x0, y0, x1, y1, BOX_THICKNESS, colour)];
}

/**
 * The cell with its top-left corner at (left, top): pictureSize wide, pictureSize + CELL_TEXT_HEIGHT
 * tall. `picture` is the sample's decoded image; `prediction` a box in its pixels.
 */
export async function sampleCellElements(sample: ReferringSample, picture: RgbImage, pictureSize: number, left: number, top: number, prediction?: Box): Promise<string[]> {
  // The picture is resampled here, not by the renderer, so the box and mask land on the pixels they cover.
  const { image, transform } = resizeToModel(picture, pictureSize, 'letterbox');
  const mask = sample.mask; // may decode a segmentation: read once
  const onPicture = [imageElement(await rgbImageUri(image), 0, 0, pictureSize, pictureSize)];
  if (mask) {
    const overlay = await maskOverlayUri(maskToModelFrame(mask, transform), pictureSize, pictureSize, MASK_COLOUR);
    onPicture.push(imageElement(overlay, 0, 0, pictureSize, pictureSize, { opacity: MASK_OPACITY }));
  }
  onPicture.push(...boxOutline(sample.box, transform, BOX_COLOUR));
  if (prediction) onPicture.push(...boxOutline(prediction, transform, PREDICTION_COLOUR));
  const underPicture = [rectElement(0, pictureSize, pictureSize, 1, RULE_COLOUR)];
  expressionLines(sample.expression, pictureSize).forEach((line, i) => {
    underPicture.push(textElement(line, CELL_PADDING, pictureSize + CELL_PADDING + i * EXPRESSION_LINE_HEIGHT, EXPRESSION_FONT_SIZE, TEXT_COLOUR));
  });
  const id = keepEnd(sample.id, pictureSize - 2 * CELL_PADDING, ID_FONT_SIZE);
  underPicture.push(textElement(id, CELL_PADDING, pictureSize + ID_TOP, ID_FONT_SIZE, ID_COLOUR));
  return [
    `<g transform="translate(${left},${top})">`,
    rectElement(0, 0, pictureSize, pictureSize + CELL_TEXT_HEIGHT, PAPER),
    // A nested <svg> clips its content: an outline at the picture's border stays on the picture.
    `<svg width="${pictureSize}" height="${pictureSize}">`,
    ...onPicture,
    '</svg>',
    ...underPicture,
    '</g>',
  ];
}
