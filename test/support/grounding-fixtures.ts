// A small grounding model and generated batches for tests: 32×32 images, two-layer encoders.
import { makeBatch, type Batch } from '../../lib/data/batching';
import { worldSample } from '../../lib/data/world';
import type { WorldFamily, WorldSplit } from '../../lib/data/world';
import type { GroundingConfigInput } from '../../lib/config/grounding-config';
import type { GroundingModel } from '../../lib/models/grounding-model';

export const SMALL_GROUNDING: GroundingConfigInput = {
  imageSize: 32,
  patchSize: 8,
  visionWidth: 32,
  visionDepth: 2,
  visionHeads: 2,
  pyramidStrides: [4, 8],
  vocabSize: 0, // set from the world vocabulary
  textWidth: 32,
  textLayers: 2,
  textHeads: 2,
  textIntermediate: 64,
  maxPositions: 16,
  fusionLayers: 1,
  fusionHeads: 2,
  headChannels: 32,
  headConvs: 1,
  normGroups: 8,
  anchorScale: 3,
  tokenizer: { kind: 'word-level', maxLength: 16 },
  seed: 3,
};

export function worldSamples(options: { split: WorldSplit; family: WorldFamily; count: number; size?: number; seed?: number }) {
  const world = { seed: options.seed ?? 0, split: options.split, family: options.family, count: options.count, size: options.size ?? 32 };
  return Array.from({ length: options.count }, (_, i) => worldSample(world, i));
}

export function groundingBatch(model: GroundingModel, options: { split: WorldSplit; family: WorldFamily; count: number }): Promise<Batch> {
  return makeBatch(worldSamples({ ...options, size: model.config.imageSize }), model.batchOptions());
}
