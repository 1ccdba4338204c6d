// Prepared samples → one Batch: each part copied into its slot of the flat arrays (sample i
// owns images[i·3·H·W ..], masks[i·H·W ..], boxes[4i ..], tokens[i·L ..]).
import { DiffPromptError } from '../../errors';
import type { ReferringSample } from '../sample';
import type { Batch, BatchTokens } from './batch';
import { resolveBatchOptions, type BatchOptions, type ResolvedBatchOptions } from './batch-options';
import { writeImageChw } from './image-tensor';
import { prepareSample, type PreparedSample } from './prepare-sample';

function assembleTokens(prepared: readonly PreparedSample[], name: string): BatchTokens {
  const length = prepared[0]!.tokens[name]!.ids.length;
  const count = prepared.length;
  const tokens: BatchTokens = { length, ids: new Int32Array(count * length), attentionMask: new Uint8Array(count * length), positive: new Uint8Array(count * length) };
  prepared.forEach((sample, i) => {
    const own = sample.tokens[name]!;
    if (own.ids.length !== length) {
      throw new DiffPromptError('ERR_INTERNAL', `tokenizer "${name}" gave ${own.ids.length} tokens for sample ${sample.id} but ${length} for ${prepared[0]!.id}: it must pad to maxLength`);
    }
    tokens.ids.set(own.ids, i * length);
    tokens.attentionMask.set(own.attentionMask, i * length);
    tokens.positive.set(own.positive, i * length);
  });
  return tokens;
}

/** Copies prepared samples (all made with `options`) into a batch. */
export function assembleBatch(prepared: readonly PreparedSample[], options: ResolvedBatchOptions): Batch {
  const count = prepared.length;
  if (count === 0) throw new DiffPromptError('ERR_CONFIG', 'a batch needs at least one sample');
  const { width, height } = options.size;
  const plane = width * height;
  const batch: Batch = {
    count,
    size: { height, width },
    images: new Float32Array(count * 3 * plane),
    masks: new Float32Array(count * plane),
    hasMask: new Uint8Array(count),
    boxes: new Float32Array(count * 4),
    imageBoxes: new Float64Array(count * 4),
    transforms: [],
    tokens: {},
    family: [],
    ids: [],
    expressions: [],
  };
  prepared.forEach((sample, i) => {
    writeImageChw(sample.image, options.lookup, batch.images, i * 3 * plane);
    if (sample.mask) {
      batch.masks.set(sample.mask, i * plane);
      batch.hasMask[i] = 1;
    }
    batch.boxes.set(sample.modelBox, i * 4);
    batch.imageBoxes.set(sample.imageBox, i * 4);
    batch.transforms.push(sample.transform);
    batch.family.push(sample.family);
    batch.ids.push(sample.id);
    batch.expressions.push(sample.expression);
  });
  for (const { name } of options.tokenizers) batch.tokens[name] = assembleTokens(prepared, name);
  return batch;
}

/** The batch of these samples, in this order. Throws ERR_DATA naming the first bad sample. */
export async function makeBatch(samples: readonly ReferringSample[], options: BatchOptions): Promise<Batch> {
  const resolved = resolveBatchOptions(options);
  // All settle before any error is thrown, so the error names the first bad sample in order, not the first to fail.
  const settled = await Promise.allSettled(samples.map((sample) => prepareSample(sample, resolved)));
  const prepared = settled.map((result) => {
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  });
  return assembleBatch(prepared, resolved);
}
