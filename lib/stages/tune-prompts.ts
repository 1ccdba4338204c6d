// Tuning one prompt method on the frozen backbone: a seeded data order, a constant learning rate
// (the reference removed GLIP's schedule; by default the method's own), progress and
// cancellation. The same loop serves Diff-Prompt and every baseline, so a comparison differs only
// in the method.
import { batchStream, randomAccess, type SampleSource } from '../data/batching';
import { stepSeeds } from '../data/sample-seed';
import { DiffPromptError, abortedError } from '../errors';
import type { PromptMethod } from '../models/prompt-method';

/** What the loop needs of a method. */
export type Tunable = Pick<PromptMethod, 'batchOptions' | 'trainStep' | 'trainableParameters' | 'lr'>;

export interface TuneProgress {
  step: number;
  totalSteps: number;
  loss: number;
  /** Diff-Prompt's alignment term (before its weight). */
  alignment?: number;
}

export interface TunePromptsOptions {
  steps: number;
  batchSize?: number;
  /** Default: the method's own (its config's, or the rate it was built with). */
  lr?: number;
  /** Seeds the data order. */
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (event: TuneProgress) => void;
}

export interface TunePromptsResult {
  /** Every step's loss. */
  losses: number[];
  seconds: number;
}

export async function tunePrompts(method: Tunable, data: SampleSource, options: TunePromptsOptions): Promise<TunePromptsResult> {
  if (!(Number.isSafeInteger(options.steps) && options.steps >= 0)) throw new DiffPromptError('ERR_CONFIG', `steps must be a whole number ≥ 0; got ${options.steps}`);
  if (randomAccess(data).count < 1) throw new DiffPromptError('ERR_DATA', 'the tuning set is empty');
  const started = performance.now();
  const losses: number[] = [];
  if (method.trainableParameters() === 0 || options.steps === 0) return { losses, seconds: 0 };
  const lr = options.lr ?? method.lr;
  if (!(lr > 0)) throw new DiffPromptError('ERR_CONFIG', `lr must be > 0; got ${lr}`);
  const stream = batchStream(data, { ...method.batchOptions(), batchSize: options.batchSize ?? 32, seed: options.seed ?? 0, dropLast: true });
  try {
    for await (const batch of stream) {
      if (options.signal?.aborted) throw abortedError('prompt tuning', options.signal);
      const result = await method.trainStep(batch, { lr, seeds: stepSeeds(batch.ids, options.seed ?? 0, losses.length) });
      losses.push(result.loss);
      options.onProgress?.({ step: losses.length, totalSteps: options.steps, loss: result.loss, ...(result.alignment === undefined ? {} : { alignment: result.alignment }) });
      if (losses.length >= options.steps) break;
    }
  } finally {
    await stream.return();
  }
  return { losses, seconds: (performance.now() - started) / 1000 };
}
