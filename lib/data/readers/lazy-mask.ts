// Masks of real datasets are decoded when read, not when the file is loaded: RefCOCO's train
// split alone would take ~12 GB as full-size masks. `mask` becomes an enumerable getter that
// rasterises on every access and keeps nothing, so memory stays that of the polygons; a stage
// that reads a mask twice should keep the value it got.
import type { BinaryMask } from '../sample';

export function defineLazyMask<T extends object>(target: T, decode: () => BinaryMask): T & { mask: BinaryMask } {
  return Object.defineProperty(target, 'mask', { get: decode, enumerable: true, configurable: true }) as T & { mask: BinaryMask };
}
