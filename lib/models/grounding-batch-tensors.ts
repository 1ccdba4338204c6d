// A grounding batch as native tensors for one call: the backbone's images, its token set and,
// when asked, the boxes and each sample's seed. Every model that grounds expressions (the
// grounding model, Diff-Prompt) sends batches this way; the tensors are freed after the call.
import type { Batch } from '../data/batching';
import { DiffPromptError } from '../errors';
import type { NativeGroundingBatch, NativeDiffPromptBatch } from '../native-api';
import { Tensor } from '../tensor';

/** The batch's token set a grounding model reads. */
export const GROUNDING_TOKENS = 'text';

export interface GroundingBatchOptions {
  /** The square frame the model reads: a batch of another size is ERR_SHAPE. */
  imageSize: number;
  /** Send the boxes (training and loss). */
  withBoxes: boolean;
  /** One seed per sample (int64), for models that draw per-sample noise. */
  seeds?: readonly number[];
}

export async function withGroundingBatch<T>(batch: Batch, options: GroundingBatchOptions, call: (native: NativeGroundingBatch & NativeDiffPromptBatch) => Promise<T>): Promise<T> {
  const tokens = batch.tokens[GROUNDING_TOKENS];
  if (!tokens) throw new DiffPromptError('ERR_CONFIG', `the batch has no "${GROUNDING_TOKENS}" tokens: make it with model.batchOptions()`);
  const { count, size } = batch;
  if (size.width !== options.imageSize || size.height !== options.imageSize) {
    throw new DiffPromptError('ERR_SHAPE', `the batch is ${size.width}×${size.height} but the model reads ${options.imageSize}×${options.imageSize}: make it with model.batchOptions()`);
  }
  const images = Tensor.from(batch.images, [count, 3, size.height, size.width]);
  const ids = Tensor.from(tokens.ids, [count, tokens.length]);
  const attentionMask = Tensor.from(tokens.attentionMask, [count, tokens.length]);
  const positiveTokens = Tensor.from(tokens.positive, [count, tokens.length]);
  const boxes = options.withBoxes ? Tensor.from(batch.boxes, [count, 4]) : undefined;
  const seeds = options.seeds
    ? Tensor.from(
        BigInt64Array.from(options.seeds, (seed) => BigInt(seed)),
        [count],
      )
    : undefined;
  try {
    return await call({
      images: images.handle,
      ids: ids.handle,
      attentionMask: attentionMask.handle,
      positiveTokens: positiveTokens.handle,
      ...(boxes ? { boxes: boxes.handle } : {}),
      ...(seeds ? { seeds: seeds.handle } : {}),
    });
  } finally {
    for (const tensor of [images, ids, attentionMask, positiveTokens, boxes, seeds]) tensor?.dispose();
  }
}
