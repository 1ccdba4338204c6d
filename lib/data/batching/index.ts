// Batching: samples → typed-array batches for native steps, in a seeded, resumable order.
export type { Batch, BatchTokens } from './batch';
export { resolveBatchOptions } from './batch-options';
export type { BatchOptions, BatchTokenizer, ResolvedBatchOptions } from './batch-options';
export { BatchStream, batchStream } from './batch-stream';
export type { BadSamplePolicy, BatchStreamOptions, SkippedSample } from './batch-stream';
export type { BatchLayout, DataOrderState } from './data-order';
export { epochOrder } from './epoch-order';
export { channelLookup, writeImageChw } from './image-tensor';
export type { ImageNormalization, Rgb } from './image-tensor';
export { assembleBatch, makeBatch } from './make-batch';
export { BadSampleError, prepareSample } from './prepare-sample';
export type { PreparedSample, PreparedTokens } from './prepare-sample';
export { randomAccess } from './sample-source';
export type { RandomAccessSamples, SampleSource } from './sample-source';
