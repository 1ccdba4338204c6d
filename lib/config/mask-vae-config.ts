// Mask-VAE configs: diffusers AutoencoderKL's keys, plus seed, device and learning rate.
import { z } from 'zod';
import { DiffPromptError } from '../errors';
import { deviceSchema } from './device';

export const maskVaeConfigSchema = z
  .object({
    inChannels: z.number().int().min(1).default(1),
    outChannels: z.number().int().min(1).default(1),
    /** One block per entry; every block but the last halves the size. */
    blockChannels: z.array(z.number().int().min(1)).min(1),
    layersPerBlock: z.number().int().min(1).default(2),
    latentChannels: z.number().int().min(1).default(4),
    normGroups: z.number().int().min(1).default(2),
    /** Masks are sampleSize × sampleSize. */
    sampleSize: z.number().int().min(8),
    seed: z.number().int().min(0).optional(),
    device: deviceSchema,
    /** Training: Adam's rate, its factor per epoch (the reference's ExponentialLR γ) and the KL weight. */
    lr: z.number().positive().default(5e-3),
    lrDecay: z.number().positive().max(1).default(0.95),
    klWeight: z.number().min(0).default(3.7732e-4),
  })
  .strict()
  .superRefine((config, context) => {
    const factor = 2 ** (config.blockChannels.length - 1);
    if (config.sampleSize % factor !== 0) {
      context.addIssue({ code: 'custom', path: ['sampleSize'], message: `must divide by ${factor} (one halving per block but the last)` });
    }
    for (const [i, channels] of config.blockChannels.entries()) {
      if (channels % config.normGroups !== 0) {
        context.addIssue({ code: 'custom', path: ['blockChannels', i], message: `${channels} must divide by normGroups ${config.normGroups}` });
      }
    }
  });

export type MaskVaeConfigInput = z.input<typeof maskVaeConfigSchema>;
export type MaskVaeConfig = z.output<typeof maskVaeConfigSchema>;

/** `paper`: the reference's 1×224×224 → 4×28×28, exactly 85,529 parameters. `tiny`: 64×64 →
 * 4×8×8 for CPUs, with twice the paper's channels (334,093 parameters) so that it reconstructs
 * real object masks too; ~0.23 s per step of 32 on 2 cores (four times the channels: 1.35 s). */
export const MASK_VAE_PRESETS = {
  paper: { blockChannels: [4, 8, 16, 16], layersPerBlock: 2, latentChannels: 4, normGroups: 2, sampleSize: 224 },
  // The shipped tiny model decays faster: 12 epochs of a few hundred steps, not the reference's 158.
  tiny: { blockChannels: [8, 16, 32, 32], layersPerBlock: 2, latentChannels: 4, normGroups: 4, sampleSize: 64, lrDecay: 0.8 },
} as const satisfies Record<string, MaskVaeConfigInput>;

export type MaskVaePreset = keyof typeof MASK_VAE_PRESETS;

export function maskVaePreset(name: string): MaskVaeConfigInput {
  if (!(name in MASK_VAE_PRESETS)) {
    throw new DiffPromptError('ERR_CONFIG', `unknown Mask-VAE preset '${name}': use ${Object.keys(MASK_VAE_PRESETS).join(' or ')}`);
  }
  const preset = MASK_VAE_PRESETS[name as MaskVaePreset];
  return { ...preset, blockChannels: [...preset.blockChannels] };
}
