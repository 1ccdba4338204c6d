// Batches for a training or evaluation loop, as an async iterator that builds ahead: while the
// consumer awaits its native step, the next `prefetch` batches are being built. Building is
// async (image decoding runs on sharp's threads) and yields to the event loop before each
// sample, so it never runs inside the consumer's own call and fills the time the main thread
// would otherwise sit idle.
//
// Order: epoch e visits the samples in epochOrder(count, seed, e), cut into batches of
// batchSize from position 0. `state()` is where the consumer stands (after the last batch it
// received, not after the prefetched ones): a stream started from it yields the very batches
// the uninterrupted stream would have yielded next.
//
// Bad samples (ERR_DATA: missing image, wrong size, mask or box problems, a referent phrase
// cut off by the token limit) stop the stream with an error naming the sample, or under
// onBadSample 'skip' are left out of their batch and listed in `skipped` (a batch may then be
// smaller than batchSize; one with no good sample is not yielded at all).
import { DiffPromptError, isDiffPromptError } from '../../errors';
import type { Batch } from './batch';
import { resolveBatchOptions, type BatchOptions, type ResolvedBatchOptions } from './batch-options';
import { checkState, normaliseState, planBatch, type BatchLayout, type BatchPlan, type DataOrderState } from './data-order';
import { epochOrder } from './epoch-order';
import { assembleBatch } from './make-batch';
import { BadSampleError, prepareSample, type PreparedSample } from './prepare-sample';
import type { ReferringSample } from '../sample';
import { randomAccess, type RandomAccessSamples, type SampleSource } from './sample-source';

export type BadSamplePolicy = 'error' | 'skip';

export interface BatchStreamOptions extends BatchOptions {
  batchSize: number;
  /** Seeds every epoch's order. */
  seed: number;
  /** Resume here (a state() saved with a checkpoint); default the start of epoch 0. */
  startState?: DataOrderState;
  /** Default true; false visits the samples in source order every epoch (evaluation). */
  shuffle?: boolean;
  /** Default false: an epoch's short last batch is yielded; true leaves it out. */
  dropLast?: boolean;
  /** Batches built ahead of the consumer; default 2, 0 builds each batch when asked. */
  prefetch?: number;
  /** The stream ends when it reaches this epoch (counted from 0, not from the start state); default: never. */
  epochs?: number;
  /** Default 'error'. */
  onBadSample?: BadSamplePolicy;
}

export interface SkippedSample {
  /** The sample's id; absent when the source could not give the sample at all. */
  id?: string;
  /** Index in the source. */
  index: number;
  epoch: number;
  reason: string;
}

/** A built batch with what happened while building it; batch is null when no sample survived. */
interface BuiltBatch {
  batch: Batch | null;
  skipped: SkippedSample[];
  after: DataOrderState;
}

type PrepareResult = { prepared: PreparedSample } | { bad: SkippedSample; error: DiffPromptError } | { closed: true };

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function checkCount(name: string, value: unknown, low: number): void {
  if (!(typeof value === 'number' && Number.isSafeInteger(value) && value >= low)) {
    throw new DiffPromptError('ERR_CONFIG', `batch stream option \`${name}\` must be an integer ≥ ${low}; got ${JSON.stringify(value)}`);
  }
}

export class BatchStream implements AsyncIterableIterator<Batch> {
  /** Samples left out under onBadSample 'skip', with why, in the order their batches were received. */
  readonly skipped: SkippedSample[] = [];
  private readonly source: RandomAccessSamples;
  private readonly batchOptions: ResolvedBatchOptions;
  private readonly layout: BatchLayout;
  private readonly seed: number;
  private readonly shuffle: boolean;
  private readonly prefetch: number;
  private readonly epochs: number;
  private readonly onBadSample: BadSamplePolicy;
  /** After the last batch the consumer received. */
  private delivered: DataOrderState;
  /** Where the next batch to build starts (ahead of `delivered` by the batches in `pending`). */
  private planned: DataOrderState;
  private readonly pending: Promise<BuiltBatch>[] = [];
  /** Deliveries happen one after another, so state() moves forward only. */
  private delivery: Promise<unknown> = Promise.resolve();
  private order: { epoch: number; indices: Uint32Array } | null = null;
  /** Samples skipped since the last good one: a whole epoch of them means no sample is good. */
  private skippedInARow = 0;
  private closed = false;

  constructor(source: SampleSource, options: BatchStreamOptions) {
    this.source = randomAccess(source);
    this.batchOptions = resolveBatchOptions(options);
    checkCount('batchSize', options.batchSize, 1);
    checkCount('seed', options.seed, 0);
    if (options.prefetch !== undefined) checkCount('prefetch', options.prefetch, 0);
    if (options.epochs !== undefined) checkCount('epochs', options.epochs, 0);
    if (options.onBadSample !== undefined && options.onBadSample !== 'error' && options.onBadSample !== 'skip') {
      throw new DiffPromptError('ERR_CONFIG', `batch stream option \`onBadSample\` must be 'error' or 'skip'; got ${JSON.stringify(options.onBadSample)}`);
    }
    this.layout = { count: this.source.count, batchSize: options.batchSize, dropLast: options.dropLast ?? false };
    if (this.layout.count === 0) throw new DiffPromptError('ERR_DATA', 'the batch stream has no samples: its source is empty');
    if (this.layout.dropLast && this.layout.count < this.layout.batchSize) {
      throw new DiffPromptError('ERR_CONFIG', `with dropLast, ${this.layout.count} samples make no batch of ${this.layout.batchSize}: lower batchSize or keep the short batch`);
    }
    this.seed = options.seed;
    this.shuffle = options.shuffle ?? true;
    this.prefetch = options.prefetch ?? 2;
    this.epochs = options.epochs ?? Infinity;
    this.onBadSample = options.onBadSample ?? 'error';
    const start = options.startState ?? { seed: this.seed, epoch: 0, position: 0 };
    checkState(start, this.seed, this.layout);
    this.delivered = normaliseState(start, this.layout);
    this.planned = { ...this.delivered };
  }

  /** The data-order state to save with a checkpoint: resuming from it continues right after the last batch received. */
  state(): DataOrderState {
    return { ...this.delivered };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Batch>> {
    const result = this.delivery.then(() => this.take());
    this.delivery = result.catch(() => undefined);
    return result;
  }

  /** Stops building; batches in flight are dropped. Called by `break` in a for-await loop. */
  async return(): Promise<IteratorResult<Batch>> {
    this.close();
    return { value: undefined, done: true };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  private close(): void {
    this.closed = true;
    this.pending.length = 0;
  }

  private async take(): Promise<IteratorResult<Batch>> {
    for (;;) {
      if (this.closed) return { value: undefined, done: true };
      this.fill(this.prefetch + 1);
      const head = this.pending.shift();
      if (head === undefined) {
        this.close();
        return { value: undefined, done: true };
      }
      let built: BuiltBatch;
      try {
        built = await head;
      } catch (error) {
        this.close();
        throw error;
      }
      if (this.closed) return { value: undefined, done: true };
      this.delivered = built.after;
      this.skipped.push(...built.skipped);
      if (built.batch) {
        this.skippedInARow = built.skipped.length;
        return { value: built.batch, done: false };
      }
      this.skippedInARow += built.skipped.length;
      if (this.skippedInARow >= this.layout.count) {
        this.close();
        throw new DiffPromptError(
          'ERR_DATA',
          `the last ${this.skippedInARow} samples were all bad, a whole epoch of them (first: ${this.skipped[this.skipped.length - this.skippedInARow]!.reason}): no batch can be made`,
        );
      }
    }
  }

  /** Starts building batches until `target` are pending or the last epoch is planned. */
  private fill(target: number): void {
    while (this.pending.length < target && this.planned.epoch < this.epochs) {
      const plan = planBatch(this.planned, this.layout);
      this.planned = plan.after;
      const indices = this.orderOf(plan.epoch).slice(plan.start, plan.end);
      const built = this.build(plan, indices);
      built.catch(() => undefined); // a prefetched batch's error is thrown when the consumer reaches it, never unhandled
      this.pending.push(built);
    }
  }

  private orderOf(epoch: number): Uint32Array {
    if (this.order?.epoch !== epoch) {
      const indices = this.shuffle ? epochOrder(this.layout.count, this.seed, epoch) : Uint32Array.from({ length: this.layout.count }, (_, i) => i);
      this.order = { epoch, indices };
    }
    return this.order.indices;
  }

  private async build(plan: BatchPlan, indices: Uint32Array): Promise<BuiltBatch> {
    const results = await Promise.all(Array.from(indices, (index) => this.prepareAt(index, plan.epoch)));
    const prepared: PreparedSample[] = [];
    const skipped: SkippedSample[] = [];
    for (const result of results) {
      if ('closed' in result) return { batch: null, skipped: [], after: plan.after };
      if ('prepared' in result) {
        prepared.push(result.prepared);
      } else if (this.onBadSample === 'skip') {
        skipped.push(result.bad);
      } else {
        throw new DiffPromptError(
          'ERR_DATA',
          `${result.error.message}. Fix or remove the sample, or stream with { onBadSample: 'skip' } to leave bad samples out (they are listed in stream.skipped)`,
          { cause: result.error },
        );
      }
    }
    return { batch: prepared.length > 0 ? assembleBatch(prepared, this.batchOptions) : null, skipped, after: plan.after };
  }

  /** Sample `index` prepared, or why it is bad; errors that are not about the data (bugs, ERR_CONFIG) are thrown. */
  private async prepareAt(index: number, epoch: number): Promise<PrepareResult> {
    await yieldToEventLoop();
    if (this.closed) return { closed: true };
    let sample: ReferringSample;
    try {
      sample = await this.source.get(index);
    } catch (error) {
      if (!isDiffPromptError(error, 'ERR_DATA')) throw error;
      const wrapped = new DiffPromptError('ERR_DATA', `the sample at index ${index} of the source: ${error.message}`, { cause: error });
      return { bad: { index, epoch, reason: error.message }, error: wrapped };
    }
    try {
      return { prepared: await prepareSample(sample, this.batchOptions) };
    } catch (error) {
      if (!(error instanceof BadSampleError)) throw error;
      return { bad: { id: error.sampleId, index, epoch, reason: error.reason }, error };
    }
  }
}

/** Batches of `source` for a loop: `for await (const batch of batchStream(samples, options))`. */
export function batchStream(source: SampleSource, options: BatchStreamOptions): BatchStream {
  return new BatchStream(source, options);
}
