// How well a Mask-VAE reconstructs held-out masks: per mask the IoU of decode(mean) > 0.5 with
// the mask > 0.5, and the MSE; summarised as mean, spread and quantiles.
import type { MaskSet } from '../data/mask-sets';
import { stackMasks } from '../data/mask-sets';
import type { MaskVae } from '../models/mask-vae';
import { Tensor } from '../tensor';

export interface ReconstructionSummary {
  count: number;
  meanIoU: number;
  /** Standard deviation of the per-mask IoU. */
  stdIoU: number;
  /** IoU quantiles: 10th percentile, median, 90th percentile. */
  p10IoU: number;
  medianIoU: number;
  p90IoU: number;
  mse: number;
}

export interface ReconstructionResult {
  iou: Float32Array;
  mse: Float32Array;
}

export async function reconstructMasks(model: MaskVae, set: MaskSet, indices?: readonly number[], batchSize = 64): Promise<ReconstructionResult> {
  const chosen = indices ?? Array.from({ length: set.count }, (_, i) => i);
  const iou = new Float32Array(chosen.length);
  const mse = new Float32Array(chosen.length);
  for (let start = 0; start < chosen.length; start += batchSize) {
    const slice = chosen.slice(start, start + batchSize);
    using masks = Tensor.from(stackMasks(set, slice), [slice.length, 1, set.size, set.size]);
    const result = await model.evaluate(masks);
    iou.set(result.iou, start);
    mse.set(result.mse, start);
  }
  return { iou, mse };
}

function quantile(sorted: Float32Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

export function summariseReconstruction(result: ReconstructionResult): ReconstructionSummary {
  const count = result.iou.length;
  const mean = (values: Float32Array) => values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);
  const meanIoU = mean(result.iou);
  const variance = result.iou.reduce((sum, v) => sum + (v - meanIoU) ** 2, 0) / Math.max(1, count);
  const sorted = Float32Array.from(result.iou).sort();
  return {
    count,
    meanIoU,
    stdIoU: Math.sqrt(variance),
    p10IoU: quantile(sorted, 0.1),
    medianIoU: quantile(sorted, 0.5),
    p90IoU: quantile(sorted, 0.9),
    mse: mean(result.mse),
  };
}

/** Evaluates `set`, or only its masks covering at least `minArea` of their image. */
export async function evaluateReconstruction(model: MaskVae, set: MaskSet, options: { minArea?: number } = {}): Promise<ReconstructionSummary> {
  const minArea = options.minArea ?? 0;
  const indices = Array.from({ length: set.count }, (_, i) => i).filter((i) => set.areaFraction(i) >= minArea);
  return summariseReconstruction(await reconstructMasks(model, set, indices));
}
