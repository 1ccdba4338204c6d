// Grounding-model configs: the sizes of native/nn/grounding/grounding_config.h, the tokenizer
// the text encoder reads, and seed, device and optimizer settings. A preset is a complete config.
import { z } from 'zod';
import { DiffPromptError } from '../errors';
import { deviceSchema } from './device';

const positiveInt = z.number().int().min(1);

export const groundingTokenizerSchema = z
  .object({
    /** 'word-level': the generated world's (vocab.txt ships with the model); 'bert-wordpiece': a user-supplied BERT vocab.txt. */
    kind: z.enum(['word-level', 'bert-wordpiece']),
    /** Tokens per expression, specials included (≤ maxPositions). */
    maxLength: z.number().int().min(2),
  })
  .strict();

export const groundingConfigSchema = z
  .object({
    imageSize: z.number().int().min(8),
    patchSize: positiveInt,
    visionWidth: positiveInt,
    visionDepth: positiveInt,
    visionHeads: positiveInt,
    visionMlpRatio: positiveInt.default(4),
    /** Strides of the simple feature pyramid, each patchSize·2^k with k from −2 to 2. */
    pyramidStrides: z.array(positiveInt).min(1),
    vocabSize: positiveInt,
    textWidth: positiveInt,
    textLayers: positiveInt,
    textHeads: positiveInt,
    textIntermediate: positiveInt,
    maxPositions: z.number().int().min(2),
    typeVocabSize: positiveInt.default(2),
    /** Bidirectional cross-attention layers (0 = GLIP-T(A), which has none). */
    fusionLayers: z.number().int().min(0),
    fusionHeads: positiveInt.default(4),
    headChannels: positiveInt,
    headConvs: z.number().int().min(0),
    normGroups: positiveInt,
    /** ATSS anchors: squares of anchorScale·stride; atssTopK candidates per level. */
    anchorScale: z.number().positive(),
    atssTopK: positiveInt.default(9),
    /** The model's own deep prompts (the baselines: VPT-deep visual, deep textual); 0 = none. */
    visualPromptDepth: z.number().int().min(0).default(0),
    visualPromptLength: z.number().int().min(0).default(0),
    textPromptDepth: z.number().int().min(0).default(0),
    textPromptLength: z.number().int().min(0).default(0),
    /** MaPLe: visual prompts are per-layer linear maps of the textual ones. */
    coupledVisualPrompts: z.boolean().default(false),
    /** FedTPG: textual prompts generated from the expression's tokens by cross-attention. */
    expressionTextPrompts: z.boolean().default(false),
    expressionPromptHeads: positiveInt.default(4),
    /** CLIP-Adapter on the pyramid maps: the bottleneck's channel reduction (0 = none) and residual ratio. */
    pyramidAdapterReduction: z.number().int().min(0).default(0),
    pyramidAdapterRatio: z.number().min(0).max(1).default(0.2),
    focalAlpha: z.number().min(0).max(1).default(0.25),
    focalGamma: z.number().min(0).default(2),
    regressionWeight: z.number().min(0).default(2),
    tokenizer: groundingTokenizerSchema,
    seed: z.number().int().min(0).optional(),
    device: deviceSchema,
    lr: z.number().positive().default(1e-3),
    weightDecay: z.number().min(0).default(0.01),
  })
  .strict()
  .superRefine((config, context) => {
    const problem = (path: (string | number)[], message: string) => context.addIssue({ code: 'custom', path, message });
    if (config.imageSize % config.patchSize !== 0) problem(['imageSize'], `must divide by patchSize ${config.patchSize}`);
    if (config.visionWidth % config.visionHeads !== 0) problem(['visionHeads'], `must divide visionWidth ${config.visionWidth}`);
    if (config.visionWidth % config.fusionHeads !== 0) problem(['fusionHeads'], `must divide visionWidth ${config.visionWidth}`);
    if (config.textWidth % config.textHeads !== 0) problem(['textHeads'], `must divide textWidth ${config.textWidth}`);
    if (config.headChannels % config.normGroups !== 0) problem(['normGroups'], `must divide headChannels ${config.headChannels}`);
    // stride = patchSize·2^k, k from −2 to 2: a finer level than the patches halves the vision width per doubling.
    const reachable = [-2, -1, 0, 1, 2].filter((k) => k >= 0 || config.visionWidth % 2 ** -k === 0).map((k) => config.patchSize * 2 ** k);
    config.pyramidStrides.forEach((stride, i) => {
      if (!reachable.includes(stride) || config.imageSize % stride !== 0) {
        problem(['pyramidStrides', i], `must be one of ${reachable.filter((s) => Number.isInteger(s)).join(', ')} and divide imageSize`);
      }
    });
    if (config.tokenizer.maxLength > config.maxPositions) problem(['tokenizer', 'maxLength'], `must be ≤ maxPositions ${config.maxPositions}`);
    if (config.visualPromptDepth > config.visionDepth) problem(['visualPromptDepth'], `must be ≤ visionDepth ${config.visionDepth}`);
    if (config.textPromptDepth > config.textLayers) problem(['textPromptDepth'], `must be ≤ textLayers ${config.textLayers}`);
    if (config.coupledVisualPrompts && (config.visualPromptDepth > config.textPromptDepth || config.visualPromptLength !== config.textPromptLength)) {
      problem(['coupledVisualPrompts'], 'coupled visual prompts are maps of the textual ones: visualPromptDepth must be ≤ textPromptDepth and the lengths equal');
    }
    if (config.expressionTextPrompts && config.textWidth % config.expressionPromptHeads !== 0) problem(['expressionPromptHeads'], `must divide textWidth ${config.textWidth}`);
    if (config.pyramidAdapterReduction > config.headChannels) problem(['pyramidAdapterReduction'], `must be ≤ headChannels ${config.headChannels}`);
  });

export type GroundingConfigInput = z.input<typeof groundingConfigSchema>;
export type GroundingConfig = z.output<typeof groundingConfigSchema>;

/** `tiny`: 64×64 images in 8×8 patches, a 96-wide vision encoder and head (at 64 it underfits:
 * train and val R@1 both ~0.77), a 64-wide text encoder with the generated world's word-level
 * vocabulary (vocabSize is set from it), two fusion layers, pyramid strides 4 and 8; for CPUs. `paper`: GLIP-T-like widths at 224×224
 * (ViT-S/16-sized vision encoder, bert-base text encoder with its 30,522-token vocabulary, a
 * 256-channel head on strides 8, 16, 32, no fusion as GLIP-T(A)); for GPUs. */
export const GROUNDING_PRESETS = {
  tiny: {
    imageSize: 64,
    patchSize: 8,
    visionWidth: 96,
    visionDepth: 4,
    visionHeads: 4,
    pyramidStrides: [4, 8],
    vocabSize: 64,
    textWidth: 64,
    textLayers: 2,
    textHeads: 4,
    textIntermediate: 256,
    maxPositions: 16,
    fusionLayers: 2,
    fusionHeads: 4,
    headChannels: 96,
    headConvs: 2,
    normGroups: 16,
    anchorScale: 3,
    tokenizer: { kind: 'word-level', maxLength: 16 },
  },
  paper: {
    imageSize: 224,
    patchSize: 16,
    visionWidth: 384,
    visionDepth: 12,
    visionHeads: 6,
    pyramidStrides: [8, 16, 32],
    vocabSize: 30522,
    textWidth: 768,
    textLayers: 12,
    textHeads: 12,
    textIntermediate: 3072,
    maxPositions: 512,
    fusionLayers: 0,
    fusionHeads: 6,
    headChannels: 256,
    headConvs: 4,
    normGroups: 32,
    anchorScale: 8,
    tokenizer: { kind: 'bert-wordpiece', maxLength: 256 },
  },
} as const satisfies Record<string, GroundingConfigInput>;

export type GroundingPreset = keyof typeof GROUNDING_PRESETS;

export function groundingPreset(name: string): GroundingConfigInput {
  if (!(name in GROUNDING_PRESETS)) {
    throw new DiffPromptError('ERR_CONFIG', `unknown grounding preset '${name}': use ${Object.keys(GROUNDING_PRESETS).join(' or ')}`);
  }
  return structuredClone(GROUNDING_PRESETS[name as GroundingPreset]) as GroundingConfigInput;
}
