// Masks for the Mask-VAE, random access at one size S: the referred objects of the generated
// world, or real COCO object masks resized to S×S in the whole-image frame (stretched, as the
// reference resizes them: ×255, bilinear, /255 — soft edges).
import type { CocoInstance } from './readers/coco-instances';
import { modelFrameTransform } from './images/model-frame';
import { maskToModelFrame } from './masks/mask-model-frame';
import { type WorldOptions, type WorldSample, worldSample } from './world';

export interface MaskSet {
  readonly count: number;
  /** Masks are size × size. */
  readonly size: number;
  /** Mask `index`: size·size values in [0, 1], row-major. */
  get(index: number): Float32Array;
  /** The object's share of its image's area (for "objects covering at least 1%"). */
  areaFraction(index: number): number;
  id(index: number): string;
}

/** The referred object's mask of each sample of a generated split (the image frame at `size`). */
export function worldMaskSet(options: Omit<WorldOptions, 'family'> & { size: number }): MaskSet {
  const world: WorldOptions = { ...options, family: 'source' };
  // get, areaFraction and id usually ask for the same index in a row: render its scene once.
  let last: { index: number; sample: WorldSample } | undefined;
  const sample = (index: number) => {
    if (last?.index !== index) last = { index, sample: worldSample(world, index) };
    return last.sample;
  };
  return {
    count: options.count,
    size: options.size,
    get: (index) => Float32Array.from(sample(index).mask.data),
    areaFraction: (index) => {
      const { data } = sample(index).mask;
      let area = 0;
      for (const value of data) area += value;
      return area / data.length;
    },
    id: (index) => sample(index).id,
  };
}

/** COCO instances (crowds excluded) resized to size × size. Masks are computed once, lazily. */
export function cocoMaskSet(instances: readonly CocoInstance[], size: number): MaskSet {
  const kept = instances.filter((instance) => !instance.iscrowd);
  const cache = new Map<number, Float32Array>();
  return {
    count: kept.length,
    size,
    get: (index) => {
      let soft = cache.get(index);
      if (!soft) {
        const instance = kept[index];
        soft = maskToModelFrame(instance.mask, modelFrameTransform(instance, size, 'stretch'));
        cache.set(index, soft);
      }
      return soft;
    },
    areaFraction: (index) => kept[index].area / (kept[index].width * kept[index].height),
    id: (index) => `coco-${kept[index].id}`,
  };
}

/** Several sets read as one. */
export function concatMaskSets(sets: readonly MaskSet[]): MaskSet {
  const size = sets[0]?.size ?? 0;
  const offsets: number[] = [];
  let count = 0;
  for (const set of sets) {
    offsets.push(count);
    count += set.count;
  }
  const locate = (index: number): [MaskSet, number] => {
    let k = sets.length - 1;
    while (offsets[k] > index) k--;
    return [sets[k], index - offsets[k]];
  };
  return {
    count,
    size,
    get: (index) => {
      const [set, local] = locate(index);
      return set.get(local);
    },
    areaFraction: (index) => {
      const [set, local] = locate(index);
      return set.areaFraction(local);
    },
    id: (index) => {
      const [set, local] = locate(index);
      return set.id(local);
    },
  };
}

/** The masks at `indices` as one B×1×S×S Float32Array. */
export function stackMasks(set: MaskSet, indices: ArrayLike<number>): Float32Array {
  const plane = set.size * set.size;
  const out = new Float32Array(indices.length * plane);
  for (let i = 0; i < indices.length; i++) out.set(set.get(indices[i]), i * plane);
  return out;
}

/** `set` seen `repeats` times, each copy flipped one of four ways (none, left-right, up-down,
 * both): a few hundred real masks weigh more beside thousands of generated ones, without
 * repeating the exact same picture. */
export function flippedMaskSet(set: MaskSet, repeats: number): MaskSet {
  const side = set.size;
  return {
    count: set.count * repeats,
    size: side,
    get: (index) => {
      const source = set.get(index % set.count);
      const flip = Math.floor(index / set.count) % 4;
      if (flip === 0) return source;
      const out = new Float32Array(source.length);
      for (let y = 0; y < side; y++) {
        const fromY = flip & 2 ? side - 1 - y : y;
        for (let x = 0; x < side; x++) out[y * side + x] = source[fromY * side + (flip & 1 ? side - 1 - x : x)];
      }
      return out;
    },
    areaFraction: (index) => set.areaFraction(index % set.count),
    // Unique per copy (not per flip): a copy's training draws are seeded by its id.
    id: (index) => `${set.id(index % set.count)}-copy${Math.floor(index / set.count)}-flip${Math.floor(index / set.count) % 4}`,
  };
}
