// The few SVG elements the pictures are made of, as strings: a document, an embedded PNG, a box
// outline, a filled rectangle and a line of text. Coordinates are pixels of the finished picture.
import { PICTURE_FONT_FAMILY } from './render-svg';

export type Colour = readonly [red: number, green: number, blue: number];

function cssColour([red, green, blue]: Colour): string {
  return `rgb(${red},${green},${blue})`;
}

/** `text` as XML character data: markup characters escaped, and control characters (which XML cannot hold) dropped. */
function escapeXml(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters XML 1.0 forbids
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/[&<>"']/g, (character) => `&#${character.codePointAt(0)};`);
}

/** A whole document `width`×`height` pixels on a `background` fill. */
export function svgDocument(width: number, height: number, background: Colour, body: readonly string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="${cssColour(background)}"/>`,
    ...body,
    '</svg>',
  ].join('\n');
}

export interface ImageOptions {
  /** Whole-image opacity in [0, 1] (the PNG's own alpha applies too). */
  opacity?: number;
  /** Scale by repeating pixels (masks and latents read as square blocks) instead of smoothing. */
  pixelated?: boolean;
}

/** A PNG data URI drawn stretched over [x, x+width) × [y, y+height). */
export function imageElement(dataUri: string, x: number, y: number, width: number, height: number, options: ImageOptions = {}): string {
  const opacity = options.opacity === undefined ? '' : ` opacity="${options.opacity}"`;
  const rendering = options.pixelated ? ' image-rendering="optimizeSpeed"' : '';
  return `<image x="${x}" y="${y}" width="${width}" height="${height}" preserveAspectRatio="none"${opacity}${rendering} href="${dataUri}"/>`;
}

/** The pixels [x, x+width) × [y, y+height), filled. */
export function rectElement(x: number, y: number, width: number, height: number, colour: Colour): string {
  return `<rect x="${x}" y="${y}" width="${width}" height="${height}" fill="${cssColour(colour)}" shape-rendering="crispEdges"/>`;
}

/** An outline `thickness` whole pixels wide lying just inside the box [x0, x1) × [y0, y1); a box too small to have an inside is filled. */
export function outlineElement(x0: number, y0: number, x1: number, y1: number, thickness: number, colour: Colour): string {
  const [innerWidth, innerHeight] = [x1 - x0 - thickness, y1 - y0 - thickness];
  if (innerWidth <= 0 || innerHeight <= 0) return rectElement(x0, y0, x1 - x0, y1 - y0, colour);
  // A stroke is centred on the path: inset by half the thickness, it covers exactly the inner pixels.
  const half = thickness / 2;
  return `<rect x="${x0 + half}" y="${y0 + half}" width="${innerWidth}" height="${innerHeight}" fill="none" stroke="${cssColour(colour)}" stroke-width="${thickness}" shape-rendering="crispEdges"/>`;
}

/** DejaVu Sans's ascent (hhea: 1901 of 2048 units): from the top of a line of text to its baseline, per pixel of font size. */
const ASCENT = 1901 / 2048;

/** One line of text whose top (the font's ascent line) is at y, starting at x; `fontSize` is pixels per em. */
export function textElement(text: string, x: number, y: number, fontSize: number, colour: Colour): string {
  // SVG places text by its baseline.
  const baseline = y + ASCENT * fontSize;
  return `<text x="${x}" y="${baseline.toFixed(2)}" font-family="${PICTURE_FONT_FAMILY}" font-size="${fontSize}" fill="${cssColour(colour)}">${escapeXml(text)}</text>`;
}
