// The options of the generated world, checked: a bad option fails with ERR_CONFIG and a message
// that names what is allowed.
import { DiffPromptError } from '../../errors';
import type { ExpressionFamily } from '../sample';
import { isWorldSplit, WORLD_SPLITS } from './splits';
import type { WorldSplit } from './splits';

/** Which expressions the samples carry: one family, or both (alternating, see index.ts). */
export type WorldFamily = ExpressionFamily | 'both';
export const WORLD_FAMILIES: readonly WorldFamily[] = ['source', 'target', 'both'];

export interface WorldOptions {
  /** Any non-negative safe integer; the same seed gives the same samples, byte for byte. */
  seed: number;
  split: WorldSplit;
  /** Samples in the dataset (one epoch). */
  count: number;
  /** Image side in pixels, 16..1024; default 64. */
  size?: number;
  /** Default 'both'. */
  family?: WorldFamily;
}

export type ResolvedWorldOptions = Required<WorldOptions>;

export const DEFAULT_WORLD_SIZE = 64;
export const MIN_WORLD_SIZE = 16;
export const MAX_WORLD_SIZE = 1024;

function isIntegerIn(value: unknown, low: number, high: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= low && value <= high;
}

function invalid(name: string, allowed: string, got: unknown): DiffPromptError {
  return new DiffPromptError('ERR_CONFIG', `world option \`${name}\` must be ${allowed} (got ${JSON.stringify(got) ?? String(got)})`);
}

export function resolveWorldOptions(options: WorldOptions): ResolvedWorldOptions {
  if (typeof options !== 'object' || options === null) {
    throw new DiffPromptError('ERR_CONFIG', 'world options must be an object { seed, split, count, size?, family? }');
  }
  const { seed, split, count, size = DEFAULT_WORLD_SIZE, family = 'both' } = options;
  if (!isIntegerIn(seed, 0, Number.MAX_SAFE_INTEGER)) throw invalid('seed', 'a non-negative integer', seed);
  if (!isWorldSplit(split)) throw invalid('split', `one of ${WORLD_SPLITS.join(', ')}`, split);
  if (!isIntegerIn(count, 0, Number.MAX_SAFE_INTEGER)) throw invalid('count', 'an integer ≥ 0', count);
  if (!isIntegerIn(size, MIN_WORLD_SIZE, MAX_WORLD_SIZE)) {
    throw invalid('size', `an integer from ${MIN_WORLD_SIZE} to ${MAX_WORLD_SIZE} (pixels per side)`, size);
  }
  if (!WORLD_FAMILIES.includes(family)) throw invalid('family', `one of ${WORLD_FAMILIES.join(', ')}`, family);
  return { seed, split, count, size, family };
}
