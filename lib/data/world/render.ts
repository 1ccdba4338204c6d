// The rasteriser: composites the placed objects over the background, anti-aliased, and returns
// each object's visible binary mask and tight box.
//
// Coverage of a pixel by a shape is the analytic box-filter estimate clamp(0.5 − d, 0, 1), d the
// signed distance (pixels) of the pixel centre from the outline: exact along straight edges,
// within a fraction of a pixel at corners, and independent of the image size. Objects are
// composited front to back: with T the light still passing through a pixel (1 at first), an
// object of coverage c contributes visible coverage v = c·T and leaves T ← T·(1 − c). An object's
// mask is its visible pixels, v ≥ 0.5: occlusion by later (front) objects is allowed and removes
// pixels from the masks of the objects behind.
import type { BinaryMask, Box, RgbImage } from '../sample';
import type { PlacedObject } from './placement';
import type { RandomStream } from './random';
import { SHAPE_GEOMETRY } from './shapes';

export interface RenderedObject {
  /** Visible pixels (visible coverage ≥ 0.5), size×size. */
  mask: BinaryMask;
  /** The tight box [x, y, w, h] of the mask; [0, 0, 0, 0] when the mask is empty. */
  box: Box;
  /** Pixels in the mask. */
  visibleArea: number;
  /** Pixels the object would cover (coverage ≥ 0.5) with nothing in front of it. */
  ownArea: number;
}

export interface RenderedScene {
  image: RgbImage;
  /** In the order of the placed objects. */
  objects: RenderedObject[];
}

/** Per-pixel, per-channel noise, uniform in ±PIXEL_NOISE grey levels (σ ≈ 5.8). */
const PIXEL_NOISE = 10;

function rasteriseObject(object: PlacedObject, size: number, colour: Float32Array, transmittance: Float32Array): RenderedObject {
  const geometry = SHAPE_GEOMETRY[object.shape];
  const { centreX, centreY, radius, fill, lightX, lightY, shading } = object;
  const cos = Math.cos(object.rotation);
  const sin = Math.sin(object.rotation);
  const reach = geometry.boundingRadius * radius + 1;
  const x0 = Math.max(0, Math.floor(centreX - reach));
  const x1 = Math.min(size - 1, Math.ceil(centreX + reach));
  const y0 = Math.max(0, Math.floor(centreY - reach));
  const y1 = Math.min(size - 1, Math.ceil(centreY + reach));

  const mask = new Uint8Array(size * size);
  let visibleArea = 0;
  let ownArea = 0;
  let minX = size;
  let minY = size;
  let maxX = -1;
  let maxY = -1;
  for (let py = y0; py <= y1; py += 1) {
    const dy = py + 0.5 - centreY;
    for (let px = x0; px <= x1; px += 1) {
      const dx = px + 0.5 - centreX;
      // Into the shape frame: rotate by −rotation, scale to unit radius.
      const u = (dx * cos + dy * sin) / radius;
      const v = (dy * cos - dx * sin) / radius;
      const distance = geometry.distance(u, v) * radius;
      if (distance >= 0.5) continue;
      const coverage = distance <= -0.5 ? 1 : 0.5 - distance;
      if (distance <= 0) ownArea += 1;
      const p = py * size + px;
      const passing = transmittance[p];
      const visible = coverage * passing;
      if (visible >= 0.5) {
        mask[p] = 1;
        visibleArea += 1;
        if (px < minX) minX = px;
        if (px > maxX) maxX = px;
        if (py < minY) minY = py;
        if (py > maxY) maxY = py;
      }
      const light = visible * (1 + shading * (u * lightX + v * lightY));
      colour[3 * p] += light * fill[0];
      colour[3 * p + 1] += light * fill[1];
      colour[3 * p + 2] += light * fill[2];
      transmittance[p] = passing * (1 - coverage);
    }
  }
  const box: Box = visibleArea > 0 ? [minX, minY, maxX - minX + 1, maxY - minY + 1] : [0, 0, 0, 0];
  return { mask: { width: size, height: size, data: mask }, box, visibleArea, ownArea };
}

/**
 * Renders the objects (painted in order, later in front) over `background` (size×size×3 floats,
 * see background.ts), adds per-pixel noise from `noise`, and quantises to 8-bit RGB.
 */
export function renderScene(objects: readonly PlacedObject[], background: Float32Array, noise: RandomStream, size: number): RenderedScene {
  const pixels = size * size;
  const colour = new Float32Array(pixels * 3);
  const transmittance = new Float32Array(pixels).fill(1);
  const rendered: RenderedObject[] = new Array(objects.length);
  for (let i = objects.length - 1; i >= 0; i -= 1) {
    rendered[i] = rasteriseObject(objects[i], size, colour, transmittance);
  }

  const data = new Uint8Array(pixels * 3);
  const clamped = new Uint8ClampedArray(data.buffer); // rounds half to even and clamps to 0..255
  for (let p = 0; p < pixels; p += 1) {
    const passing = transmittance[p];
    for (let channel = 3 * p; channel < 3 * p + 3; channel += 1) {
      const jitter = (noise.float() * 2 - 1) * PIXEL_NOISE;
      clamped[channel] = colour[channel] + passing * background[channel] + jitter;
    }
  }
  return { image: { width: size, height: size, data }, objects: rendered };
}
