// Textured backgrounds: two muted tones blended along a random gradient, with the blend and the
// brightness perturbed by smooth value noise. Tones span grey levels ~60..205 (the range of the
// object colours), so the objects are not found by one grey threshold, but stay greys and
// earth tones (HSV saturation ≤ 0.4, objects ≥ 0.5), so no background can be named like an
// object colour. Per-pixel noise is added by render.ts over objects and background alike.
import type { RandomStream } from './random';

type Rgb = readonly [number, number, number];

/** Greys (HSV saturation ≤ 0.2), then earth tones (≤ 0.4). */
const BACKGROUND_TONES: readonly Rgb[] = [
  [62, 60, 56], // charcoal
  [96, 84, 80], // brown grey
  [92, 98, 104], // slate
  [118, 112, 96], // olive grey
  [136, 146, 146], // grey teal
  [150, 140, 122], // sand
  [176, 168, 160], // warm light grey
  [204, 200, 206], // pale mauve grey
  [120, 96, 72], // umber
  [96, 116, 84], // moss
  [84, 110, 120], // teal slate
  [160, 136, 156], // dusty mauve
  [186, 168, 128], // khaki
];

/**
 * Smooth value noise in [0, 1): random values on a (cells+1)² lattice over the image,
 * interpolated with smoothstep weights. Cells count per image side, so the texture has the
 * same look at every image size.
 */
class ValueNoise {
  private readonly lattice: Float64Array;

  constructor(
    stream: RandomStream,
    private readonly cells: number,
  ) {
    this.lattice = new Float64Array((cells + 1) * (cells + 1));
    for (let i = 0; i < this.lattice.length; i += 1) this.lattice[i] = stream.float();
  }

  /** The noise at (u, v) ∈ [0, 1]², in image fractions. */
  at(u: number, v: number): number {
    const gx = Math.min(u * this.cells, this.cells - 1e-9);
    const gy = Math.min(v * this.cells, this.cells - 1e-9);
    const ix = Math.floor(gx);
    const iy = Math.floor(gy);
    const fx = gx - ix;
    const fy = gy - iy;
    const sx = fx * fx * (3 - 2 * fx);
    const sy = fy * fy * (3 - 2 * fy);
    const row = this.cells + 1;
    const top = this.lattice[iy * row + ix] * (1 - sx) + this.lattice[iy * row + ix + 1] * sx;
    const bottom = this.lattice[(iy + 1) * row + ix] * (1 - sx) + this.lattice[(iy + 1) * row + ix + 1] * sx;
    return top * (1 - sy) + bottom * sy;
  }
}

/** A size×size RGB background as floats in 0..255, row-major H×W×3. */
export function paintBackground(stream: RandomStream, size: number): Float32Array {
  const first = stream.below(BACKGROUND_TONES.length);
  const second = (first + 1 + stream.below(BACKGROUND_TONES.length - 1)) % BACKGROUND_TONES.length;
  const toneA = BACKGROUND_TONES[first];
  const toneB = BACKGROUND_TONES[second];
  const angle = stream.between(0, 2 * Math.PI);
  const gradientX = Math.cos(angle) * stream.between(0.8, 1.4);
  const gradientY = Math.sin(angle) * stream.between(0.8, 1.4);
  const blendNoise = new ValueNoise(stream, 3);
  const coarseNoise = new ValueNoise(stream, 4);
  const fineNoise = new ValueNoise(stream, 9);

  const pixels = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y += 1) {
    const v = (y + 0.5) / size;
    for (let x = 0; x < size; x += 1) {
      const u = (x + 0.5) / size;
      // Blend weight of toneB: the gradient through the centre, shifted by blotches.
      const blend = 0.5 + (u - 0.5) * gradientX + (v - 0.5) * gradientY + 0.6 * (blendNoise.at(u, v) - 0.5);
      const t = blend < 0 ? 0 : Math.min(blend, 1);
      // Brightness in [0.7, 1.3]: coarse and fine octaves of value noise.
      const brightness = 0.7 + 0.6 * (0.65 * coarseNoise.at(u, v) + 0.35 * fineNoise.at(u, v));
      const p = (y * size + x) * 3;
      pixels[p] = (toneA[0] + (toneB[0] - toneA[0]) * t) * brightness;
      pixels[p + 1] = (toneA[1] + (toneB[1] - toneA[1]) * t) * brightness;
      pixels[p + 2] = (toneA[2] + (toneB[2] - toneA[2]) * t) * brightness;
    }
  }
  return pixels;
}
