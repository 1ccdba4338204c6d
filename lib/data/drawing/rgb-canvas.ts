// Drawing on an RgbImage (H×W×3 bytes, row-major) in place: filled and outlined rectangles,
// pasting an image, and tinting the pixels under a soft mask. Everything is clipped to the canvas.
import type { RgbImage } from '../sample';

export type Colour = readonly [red: number, green: number, blue: number];

export function createCanvas(width: number, height: number, background: Colour): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(background, i);
  return { width, height, data };
}

/** Fills the pixels [x, x+w) × [y, y+h) (whole pixels; the part outside the canvas is ignored). */
export function fillRect(canvas: RgbImage, x: number, y: number, w: number, h: number, colour: Colour): void {
  const x0 = Math.max(0, Math.round(x));
  const y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(canvas.width, Math.round(x + w));
  const y1 = Math.min(canvas.height, Math.round(y + h));
  for (let row = y0; row < y1; row++) {
    for (let column = x0; column < x1; column++) canvas.data.set(colour, (row * canvas.width + column) * 3);
  }
}

/** An outline `thickness` pixels wide drawn just inside the box [x0, x1) × [y0, y1). */
export function strokeRect(canvas: RgbImage, x0: number, y0: number, x1: number, y1: number, thickness: number, colour: Colour): void {
  const width = x1 - x0;
  const height = y1 - y0;
  fillRect(canvas, x0, y0, width, thickness, colour);
  fillRect(canvas, x0, y1 - thickness, width, thickness, colour);
  fillRect(canvas, x0, y0, thickness, height, colour);
  fillRect(canvas, x1 - thickness, y0, thickness, height, colour);
}

/** Copies `image` onto the canvas with its top-left corner at (x, y). */
export function pasteImage(canvas: RgbImage, image: RgbImage, x: number, y: number): void {
  for (let row = 0; row < image.height; row++) {
    const top = y + row;
    if (top < 0 || top >= canvas.height) continue;
    const from = Math.max(0, -x);
    const to = Math.min(image.width, canvas.width - x);
    if (to <= from) continue;
    const source = image.data.subarray((row * image.width + from) * 3, (row * image.width + to) * 3);
    canvas.data.set(source, (top * canvas.width + x + from) * 3);
  }
}

/** Blends `colour` into an image of the mask's size: pixel ← pixel·(1 − a·m) + colour·a·m, m the mask value in [0,1]. */
export function tintMask(image: RgbImage, mask: Float32Array, colour: Colour, opacity: number): void {
  for (let pixel = 0; pixel < mask.length; pixel++) {
    const weight = opacity * mask[pixel]!;
    if (weight <= 0) continue;
    for (let channel = 0; channel < 3; channel++) {
      const index = pixel * 3 + channel;
      image.data[index] = Math.round(image.data[index]! * (1 - weight) + colour[channel]! * weight);
    }
  }
}
