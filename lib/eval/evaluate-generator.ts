// How well the prompt generator's masks match the referred objects: generated latents decoded by
// the Mask-VAE (threshold 0.5) against each sample's true mask, as mean IoU (samples without a
// mask are left out), with where it is lost: the share of masks found (IoU ≥ 0.5) and missed
// (IoU 0: nothing drawn on the object), the mean per expression family, and the ceiling the
// Mask-VAE sets (its own round trip of the true masks, at its own size). Two controls come with it: the IoU when each sample is
// scored against its neighbour's condition (sample i's true mask against the mask generated for
// sample i+1 of the same batch: near the mean IoU means the condition is ignored), and optionally
// the agreement of the masks sampled with another number of DDIM steps from the same initial noise.
import { batchStream, type SampleSource } from '../data/batching';
import { sampleSeed } from '../data/sample-seed';
import { DiffPromptError, abortedError } from '../errors';
import { DEFAULT_SAMPLING_STEPS, type GeneratorParts, type PromptGenerator } from '../models/prompt-generator';
import type { ExpressionFamily } from '../data/sample';
import { Tensor } from '../tensor';

export interface GeneratorEvaluation {
  count: number;
  /** Mean IoU of generated and true masks. */
  meanIou: number;
  /** Share of samples whose generated mask reaches IoU 0.5 with the true one. */
  found: number;
  /** Share of samples whose generated mask draws nothing on the true one (IoU 0: elsewhere, or empty). */
  missed: number;
  /** Mean IoU per expression family (samples without a family are left out). */
  byFamily: Partial<Record<ExpressionFamily, { count: number; meanIou: number }>>;
  /** Mean IoU of the Mask-VAE's own round trip of the true masks (decode(encode mean)), the truth
   * resampled to the Mask-VAE's size: the ceiling of what decoded latents can reach. */
  reconstructionIou: number;
  /** Mean IoU of each true mask with the mask generated for another sample's condition. */
  swappedIou: number;
  /** Mean IoU between masks sampled with `steps` and with compareSteps, from the same noise. */
  stepAgreement?: { steps: [number, number]; meanIou: number };
}

export interface EvaluateGeneratorOptions {
  batchSize?: number;
  /** DDIM steps (default 25). */
  steps?: number;
  /** Also sample with this many steps and report the agreement. */
  compareSteps?: number;
  useEma?: boolean;
  /** Base of the per-sample seeds (sampleSeed(id, seed)). */
  seed?: number;
  signal?: AbortSignal;
}

/** IoU of two binary masks (value > 0.5) given as flat planes; b is sampled at a's resolution (nearest). */
export function maskIou(a: Float32Array, aSize: number, b: Float32Array, bSize: number): number {
  let intersection = 0;
  let union = 0;
  for (let y = 0; y < aSize; y++) {
    const by = Math.min(bSize - 1, Math.floor(((y + 0.5) * bSize) / aSize));
    for (let x = 0; x < aSize; x++) {
      const bx = Math.min(bSize - 1, Math.floor(((x + 0.5) * bSize) / aSize));
      const inA = a[y * aSize + x]! > 0.5;
      const inB = b[by * bSize + bx]! > 0.5;
      if (inA && inB) intersection++;
      if (inA || inB) union++;
    }
  }
  return union === 0 ? 1 : intersection / union;
}

/** A square plane resampled to another side by nearest neighbour. */
function resampled(plane: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return plane;
  const out = new Float32Array(to * to);
  for (let y = 0; y < to; y++) {
    const sy = Math.min(from - 1, Math.floor(((y + 0.5) * from) / to));
    for (let x = 0; x < to; x++) out[y * to + x] = plane[sy * from + Math.min(from - 1, Math.floor(((x + 0.5) * from) / to))]!;
  }
  return out;
}

export async function evaluateGenerator(generator: PromptGenerator, parts: GeneratorParts, data: SampleSource, options: EvaluateGeneratorOptions = {}): Promise<GeneratorEvaluation> {
  const steps = options.steps ?? DEFAULT_SAMPLING_STEPS;
  const base = options.seed ?? 0;
  let count = 0;
  let iou = 0;
  let swapped = 0;
  let swappedCount = 0;
  let agreement = 0;
  let found = 0;
  let missed = 0;
  let reconstruction = 0;
  const families: GeneratorEvaluation['byFamily'] = {};
  const vaeSize = parts.vae.config.sampleSize;
  const stream = batchStream(data, { ...parts.conditioner.batchOptions(), batchSize: options.batchSize ?? 64, seed: 0, shuffle: false, epochs: 1 });
  try {
    for await (const batch of stream) {
      if (options.signal?.aborted) throw abortedError('generator evaluation', options.signal);
      const seeds = batch.ids.map((id) => sampleSeed(id, base));
      const sample = async (sampleSteps: number) => {
        const generated = await generator.generateBatch(parts, batch, { seeds, steps: sampleSteps, useEma: options.useEma, signal: options.signal });
        generated.trajectory.dispose();
        try {
          return { masks: await generated.masks.data<'float32'>(), size: generated.masks.shape[3]! };
        } finally {
          generated.masks.dispose();
        }
      };
      const generated = await sample(steps);
      const compared = options.compareSteps ? await sample(options.compareSteps) : undefined;
      if (batch.size.width !== batch.size.height) throw new DiffPromptError('ERR_CONFIG', "generator evaluation needs a square frame (the conditioner's batch options)");
      const size = batch.size.width;
      const truth = (i: number) => batch.masks.subarray(i * size * size, (i + 1) * size * size);
      const plane = (masks: Float32Array, i: number, side: number) => masks.subarray(i * side * side, (i + 1) * side * side);
      const withMask = [...batch.hasMask.keys()].filter((i) => batch.hasMask[i]);
      if (withMask.length > 0) {
        const truths = new Float32Array(withMask.length * vaeSize * vaeSize);
        withMask.forEach((i, k) => truths.set(resampled(truth(i), size, vaeSize), k * vaeSize * vaeSize));
        using masks = Tensor.from(truths, [withMask.length, 1, vaeSize, vaeSize]);
        reconstruction += (await parts.vae.evaluate(masks)).iou.reduce((a, b) => a + b, 0);
      }
      for (let i = 0; i < batch.count; i++) {
        if (!batch.hasMask[i]) continue; // nothing to compare with
        const sampleIou = maskIou(truth(i), size, plane(generated.masks, i, generated.size), generated.size);
        iou += sampleIou;
        if (sampleIou >= 0.5) found++;
        if (sampleIou === 0) missed++;
        const family = batch.family[i];
        if (family) {
          families[family] ??= { count: 0, meanIou: 0 };
          const entry = families[family];
          entry.meanIou = (entry.meanIou * entry.count + sampleIou) / (entry.count + 1);
          entry.count++;
        }
        if (batch.count > 1) {
          swapped += maskIou(truth(i), size, plane(generated.masks, (i + 1) % batch.count, generated.size), generated.size);
          swappedCount++;
        }
        if (compared) agreement += maskIou(plane(generated.masks, i, generated.size), generated.size, plane(compared.masks, i, compared.size), compared.size);
        count++;
      }
    }
  } finally {
    await stream.return();
  }
  return {
    count,
    meanIou: iou / Math.max(1, count),
    found: found / Math.max(1, count),
    missed: missed / Math.max(1, count),
    byFamily: families,
    reconstructionIou: reconstruction / Math.max(1, count),
    swappedIou: swapped / Math.max(1, swappedCount),
    ...(options.compareSteps ? { stepAgreement: { steps: [steps, options.compareSteps] as [number, number], meanIou: agreement / Math.max(1, count) } } : {}),
  };
}
