// CLIP configs: the sizes of native/nn/clip/clip_config.h (Hugging Face CLIPConfig's, under this
// package's names), seed and device. A preset is a complete config. CLIP is frozen here (the
// generator's conditioner), so there are no optimizer settings.
import { z } from 'zod';
import { DiffPromptError } from '../errors';
import { deviceSchema } from './device';

const positiveInt = z.number().int().min(1);

export const clipConfigSchema = z
  .object({
    /** Square input, pixels (vision_config.image_size). */
    imageSize: positiveInt,
    patchSize: positiveInt,
    visionWidth: positiveInt,
    visionLayers: positiveInt,
    visionHeads: positiveInt,
    textWidth: positiveInt,
    textLayers: positiveInt,
    textHeads: positiveInt,
    /** 49,408 for CLIP's BPE (ClipBpeTokenizer). */
    vocabSize: positiveInt,
    /** Text positions (max_position_embeddings): 77 in every published CLIP. */
    contextLength: z.number().int().min(2),
    /** Width of the image and text embeddings. */
    projectionDim: positiveInt,
    /** MLP width = mlpRatio · the tower's width, in both towers. */
    mlpRatio: positiveInt.default(4),
    seed: z.number().int().min(0).optional(),
    device: deviceSchema,
  })
  .strict()
  .superRefine((config, context) => {
    const problem = (path: string[], message: string) => context.addIssue({ code: 'custom', path, message });
    if (config.imageSize % config.patchSize !== 0) problem(['imageSize'], `must divide by patchSize ${config.patchSize}`);
    if (config.visionWidth % config.visionHeads !== 0) problem(['visionHeads'], `must divide visionWidth ${config.visionWidth}`);
    if (config.textWidth % config.textHeads !== 0) problem(['textHeads'], `must divide textWidth ${config.textWidth}`);
  });

export type ClipConfigInput = z.input<typeof clipConfigSchema>;
export type ClipConfig = z.output<typeof clipConfigSchema>;

/** `vit-b-32`: OpenAI's CLIP ViT-B/32 (openai/clip-vit-base-patch32), the reference's
 * conditioner: 224×224 in 32×32 patches, a 768-wide 12-layer vision tower, a 512-wide 12-layer
 * text tower over 77 tokens, 512-wide embeddings; 151,277,313 parameters. `tiny`: 64×64 in 8×8
 * patches, two 64-wide layers per tower, CLIP's own vocabulary and context (so ClipBpeTokenizer
 * feeds it); for tests and CPUs. */
export const CLIP_PRESETS = {
  'vit-b-32': {
    imageSize: 224,
    patchSize: 32,
    visionWidth: 768,
    visionLayers: 12,
    visionHeads: 12,
    textWidth: 512,
    textLayers: 12,
    textHeads: 8,
    vocabSize: 49408,
    contextLength: 77,
    projectionDim: 512,
  },
  tiny: {
    imageSize: 64,
    patchSize: 8,
    visionWidth: 64,
    visionLayers: 2,
    visionHeads: 4,
    textWidth: 64,
    textLayers: 2,
    textHeads: 4,
    vocabSize: 49408,
    contextLength: 77,
    projectionDim: 64,
  },
} as const satisfies Record<string, ClipConfigInput>;

export type ClipPreset = keyof typeof CLIP_PRESETS;

export function clipPreset(name: string): ClipConfigInput {
  if (!(name in CLIP_PRESETS)) {
    throw new DiffPromptError('ERR_CONFIG', `unknown CLIP preset '${name}': use ${Object.keys(CLIP_PRESETS).join(' or ')}`);
  }
  return { ...CLIP_PRESETS[name as ClipPreset] };
}
