// Prompt-generator configs: MaskDiT's sizes (DiT's keys), the widths of the conditioner's image
// and text features, the diffusion it trains with, and optimizer settings. A preset is complete.
import { z } from 'zod';
import { DiffPromptError } from '../errors';
import { deviceSchema } from './device';

const positiveInt = z.number().int().min(1);

export const promptGeneratorConfigSchema = z
  .object({
    /** The Mask-VAE latent: inChannels × inputSize × inputSize. */
    inputSize: positiveInt,
    inChannels: positiveInt,
    patchSize: positiveInt,
    hiddenSize: positiveInt,
    depth: positiveInt,
    numHeads: positiveInt,
    mlpRatio: positiveInt.default(4),
    /** Widths of the conditioner's features; the generator projects them to hiddenSize when they differ. */
    imageConditionWidth: positiveInt,
    textConditionWidth: positiveInt,
    /** Channels of the conditioner's image feature map added to the patch embeddings (spatial
     * conditioning, beyond the reference); 0: the reference's two global vectors only. */
    spatialConditionWidth: z.number().int().min(0).default(0),
    /** The map spatial conditioning reads: the image encoder's tokens, or the tokens after the
     * conditioner's cross-modal fusion with the expression (a grounding model's; CLIP has none). */
    spatialMap: z.enum(['encoder', 'fused']).default('encoder'),
    /** The noise schedule it trains with; sampling uses the same. */
    schedule: z.enum(['linear', 'squaredcos_cap_v2']).default('linear'),
    diffusionSteps: positiveInt.default(100),
    emaDecay: z.number().min(0).lt(1).default(0.9999),
    /** What the generator learns to produce: s·z for the Mask-VAE latent z of the referred mask,
     * z a posterior draw (the reference, unscaled: s = 1) or the posterior mean. */
    latentTarget: z.enum(['sample', 'mean']).default('sample'),
    latentScale: z.number().positive().default(1),
    /** bf16: MaskDiT's forward passes (training and sampling) run under autocast, bfloat16 matrix
     * products with float32 weights (fast on CPUs with AVX512-BF16 or AMX, and on CUDA). */
    precision: z.enum(['fp32', 'bf16']).default('fp32'),
    seed: z.number().int().min(0).optional(),
    device: deviceSchema,
    lr: z.number().positive().default(1e-4),
    weightDecay: z.number().min(0).default(0),
  })
  .strict()
  .superRefine((config, context) => {
    if (config.inputSize % config.patchSize !== 0) context.addIssue({ code: 'custom', path: ['patchSize'], message: `must divide inputSize ${config.inputSize}` });
    if (config.hiddenSize % config.numHeads !== 0) context.addIssue({ code: 'custom', path: ['numHeads'], message: `must divide hiddenSize ${config.hiddenSize}` });
    if (config.hiddenSize % 4 !== 0) context.addIssue({ code: 'custom', path: ['hiddenSize'], message: 'must divide by 4 (the 2-D sin-cos position embedding)' });
  });

export type PromptGeneratorConfigInput = z.input<typeof promptGeneratorConfigSchema>;
export type PromptGeneratorConfig = z.output<typeof promptGeneratorConfigSchema>;

/** `paper`: the reference's DiT-My/2 (depth 12, hidden 512, 8 heads, patch 2 on 4×28×28 latents,
 * CLIP ViT-B/32's 512 + 512 condition): exactly 77,158,944 parameters. `tiny`: 4×8×8 latents of the
 * tiny Mask-VAE, conditioned on the tiny grounding model's features (image 96, text 64), as the
 * reference conditions (two global vectors, on posterior draws); `tiny-spatial` adds the grounding
 * model's 8×8 map of vision tokens after fusion with the expression (96 channels) to the patch
 * embeddings, and learns the posterior mean scaled to unit variance (the tiny Mask-VAE's latent
 * means have std 0.41 on generated masks: scale 2.5). */
export const PROMPT_GENERATOR_PRESETS = {
  paper: { inputSize: 28, inChannels: 4, patchSize: 2, hiddenSize: 512, depth: 12, numHeads: 8, imageConditionWidth: 512, textConditionWidth: 512 },
  // The tiny presets train a few thousand CPU steps: a higher rate and a shorter EMA than DiT's.
  tiny: { inputSize: 8, inChannels: 4, patchSize: 1, hiddenSize: 128, depth: 4, numHeads: 4, imageConditionWidth: 96, textConditionWidth: 64, lr: 5e-4, emaDecay: 0.999 },
  'tiny-spatial': {
    inputSize: 8,
    inChannels: 4,
    patchSize: 1,
    hiddenSize: 128,
    depth: 4,
    numHeads: 4,
    imageConditionWidth: 96,
    textConditionWidth: 64,
    spatialConditionWidth: 96,
    spatialMap: 'fused',
    latentTarget: 'mean',
    latentScale: 2.5,
    lr: 5e-4,
    emaDecay: 0.999,
  },
} as const satisfies Record<string, PromptGeneratorConfigInput>;

export type PromptGeneratorPreset = keyof typeof PROMPT_GENERATOR_PRESETS;

export function promptGeneratorPreset(name: string): PromptGeneratorConfigInput {
  if (!(name in PROMPT_GENERATOR_PRESETS)) {
    throw new DiffPromptError('ERR_CONFIG', `unknown prompt generator preset '${name}': use ${Object.keys(PROMPT_GENERATOR_PRESETS).join(' or ')}`);
  }
  return { ...PROMPT_GENERATOR_PRESETS[name as PromptGeneratorPreset] };
}
