// Where a batch stream reads samples: an array, or anything that can give sample i of `count`
// on demand (the generated world: `{ count, get: (i) => worldSample(options, i) }`), so a large
// dataset never has to be in memory at once. `get` may be async (e.g. reading from disk).
import { DiffPromptError } from '../../errors';
import type { ReferringSample } from '../sample';

export interface RandomAccessSamples {
  count: number;
  get(index: number): ReferringSample | Promise<ReferringSample>;
}

export type SampleSource = readonly ReferringSample[] | RandomAccessSamples;

export function randomAccess(source: SampleSource): RandomAccessSamples {
  if (Array.isArray(source)) {
    const samples = source as readonly ReferringSample[];
    return { count: samples.length, get: (index) => samples[index]! };
  }
  const { count, get } = source as RandomAccessSamples;
  if (!(Number.isSafeInteger(count) && count >= 0) || typeof get !== 'function') {
    throw new DiffPromptError('ERR_CONFIG', 'a sample source is an array of samples or { count: integer ≥ 0, get(index) → sample }');
  }
  return source as RandomAccessSamples;
}
