// The small stage-2 parts the generator tests train on: a Mask-VAE for 32×32 masks (4×4×4
// latents) and a generator on the small grounding model's features (32 and 32) and its 4×4 map of
// vision tokens (SMALL_GROUNDING in grounding-fixtures.ts).
import type { MaskVaeConfigInput } from '../../lib/config/mask-vae-config';
import type { PromptGeneratorConfigInput } from '../../lib/config/prompt-generator-config';

export const SMALL_STAGE2_VAE: MaskVaeConfigInput = { blockChannels: [4, 8, 8, 8], layersPerBlock: 1, latentChannels: 4, normGroups: 4, sampleSize: 32, seed: 2 };

export const SMALL_STAGE2_GENERATOR: PromptGeneratorConfigInput = {
  inputSize: 4,
  inChannels: 4,
  patchSize: 1,
  hiddenSize: 32,
  depth: 2,
  numHeads: 2,
  imageConditionWidth: 32,
  textConditionWidth: 32,
  spatialConditionWidth: 32,
  seed: 5,
};
