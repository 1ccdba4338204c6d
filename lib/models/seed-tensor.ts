// Per-sample seeds cross to the native side as one int64 tensor (B), freed after the call.
import { Tensor } from '../tensor';

/** Calls `call` with `seeds` as an int64 tensor (undefined when there are none), and frees it after. */
export async function withSeedTensor<T>(seeds: readonly number[] | undefined, call: (seeds: Tensor | undefined) => Promise<T>): Promise<T> {
  const tensor = seeds
    ? Tensor.from(
        BigInt64Array.from(seeds, (seed) => BigInt(seed)),
        [seeds.length],
      )
    : undefined;
  try {
    return await call(tensor);
  } finally {
    tensor?.dispose();
  }
}
