// Bilinear resampling as PIL's `Image.resize(size, BILINEAR)` does it, which is what the
// reference's torchvision `Resize` runs on PIL images and masks: a triangle filter whose support
// widens with the reduction factor (so shrinking averages every source pixel, no aliasing),
// pixel centres at i+0.5, a horizontal pass then a vertical one. 8-bit pixels use PIL's 22-bit
// fixed-point weights and round to 8 bits after each pass, so results match PIL to the byte;
// float pixels (soft masks) are weighted in double precision.
import type { FrameSize } from './model-frame';

const PRECISION_BITS = 32 - 8 - 2;
const FIXED_ONE = 2 ** PRECISION_BITS;

/** Per output pixel: the first source pixel, how many it reads, and their weights (`taps` per output). */
interface FilterTaps {
  first: Int32Array;
  count: Int32Array;
  weights: Float64Array;
  taps: number;
}

function triangle(x: number): number {
  const distance = Math.abs(x);
  return distance < 1 ? 1 - distance : 0;
}

/** PIL `precompute_coeffs` for the bilinear filter (support 1). */
function filterTaps(inSize: number, outSize: number, fixedPoint: boolean): FilterTaps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale;
  const inverseScale = 1 / filterScale; // PIL multiplies by the reciprocal; kept for identical rounding
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * taps);
  for (let out = 0; out < outSize; out++) {
    const centre = (out + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(centre - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(centre + support + 0.5)) - xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      const weight = triangle((x + xmin - centre + 0.5) * inverseScale);
      weights[out * taps + x] = weight;
      total += weight;
    }
    for (let x = 0; x < xmax; x++) {
      let weight = weights[out * taps + x]!;
      if (total !== 0) weight /= total;
      // PIL `normalize_coeffs_8bpc`: round half away from zero to 22-bit fixed point.
      weights[out * taps + x] = fixedPoint ? Math.trunc(weight * FIXED_ONE + (weight < 0 ? -0.5 : 0.5)) : weight;
    }
    first[out] = xmin;
    count[out] = xmax;
  }
  return { first, count, weights, taps };
}

/** One pass along x (horizontal) or y; 8-bit mode rounds and clamps as PIL's `clip8`. */
function resamplePass<T extends Uint8Array | Float32Array>(source: T, size: FrameSize, channels: number, outLength: number, horizontal: boolean, target: T): void {
  const eightBit = source instanceof Uint8Array;
  const inLength = horizontal ? size.width : size.height;
  const { first, count, weights, taps } = filterTaps(inLength, outLength, eightBit);
  const outWidth = horizontal ? outLength : size.width;
  const lines = horizontal ? size.height : size.width; // rows for a horizontal pass, columns otherwise
  // Distance between neighbouring samples along the pass, and between lines, in array elements.
  const step = horizontal ? channels : size.width * channels;
  const outStep = horizontal ? channels : outWidth * channels;
  const lineStride = horizontal ? size.width * channels : channels;
  const outLineStride = horizontal ? outWidth * channels : channels;
  for (let line = 0; line < lines; line++) {
    for (let out = 0; out < outLength; out++) {
      const start = line * lineStride + first[out]! * step;
      const n = count[out]!;
      for (let c = 0; c < channels; c++) {
        let sum = eightBit ? FIXED_ONE / 2 : 0;
        for (let t = 0; t < n; t++) sum += source[start + t * step + c]! * weights[out * taps + t]!;
        const index = line * outLineStride + out * outStep + c;
        target[index] = eightBit ? Math.min(255, Math.max(0, Math.floor(sum / FIXED_ONE))) : sum;
      }
    }
  }
}

/** Resizes interleaved pixels (H×W×channels, row-major) to `out`; 8-bit in, 8-bit out; float in, float out. */
export function resampleBilinear<T extends Uint8Array | Float32Array>(pixels: T, size: FrameSize, channels: number, out: FrameSize): T {
  const make = (length: number): T => (pixels instanceof Uint8Array ? new Uint8Array(length) : new Float32Array(length)) as T;
  let current = pixels;
  let currentSize: FrameSize = size;
  if (out.width !== size.width) {
    const next = make(out.width * size.height * channels);
    resamplePass(current, currentSize, channels, out.width, true, next);
    current = next;
    currentSize = { width: out.width, height: size.height };
  }
  if (out.height !== size.height) {
    const next = make(out.width * out.height * channels);
    resamplePass(current, currentSize, channels, out.height, false, next);
    current = next;
  }
  return current === pixels ? (pixels.slice() as T) : current;
}
