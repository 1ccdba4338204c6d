// The order in which an epoch visits the samples: a permutation of 0..count−1 that is a pure
// function of (seed, epoch), so a run can be resumed mid-epoch by recomputing it. Fisher–Yates
// driven by the package's seeded stream (sfc32, integer math only: the same order on every machine).
import { DiffPromptError } from '../../errors';
import { RandomStream } from '../world/random';

const MAX_COUNT = 2 ** 32 - 1;

function checkInteger(name: string, value: number, high: number): void {
  if (!(Number.isSafeInteger(value) && value >= 0 && value <= high)) {
    throw new DiffPromptError('ERR_CONFIG', `epoch order: \`${name}\` must be an integer from 0 to ${high}; got ${value}`);
  }
}

/** The permutation for this epoch: same arguments, same order; another epoch or seed, another order. */
export function epochOrder(count: number, seed: number, epoch: number): Uint32Array {
  checkInteger('count', count, MAX_COUNT);
  checkInteger('seed', seed, Number.MAX_SAFE_INTEGER);
  checkInteger('epoch', epoch, Number.MAX_SAFE_INTEGER);
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  const random = new RandomStream('epoch-order', seed, epoch);
  for (let i = count - 1; i > 0; i--) {
    const j = random.below(i + 1);
    const swap = order[i]!;
    order[i] = order[j]!;
    order[j] = swap;
  }
  return order;
}
