// Diff-Prompt (stage 3) configs: how many layers of each encoder get generated prompts, how many
// tokens, which parts (the paper's ablations), how the trajectory maps to layers, the alignment
// term, and optimizer settings. A preset is complete; depths are capped by the backbone's layers.
import { z } from 'zod';
import { DiffPromptError } from '../errors';
import { deviceSchema } from './device';

export const diffPromptConfigSchema = z
  .object({
    /** Prompted layers of the vision and the text encoder (0: that modality gets none). */
    visualDepth: z.number().int().min(0),
    textualDepth: z.number().int().min(0),
    /** Tokens per layer: L/2 instance-specific (from the decoded masks) + L/2 global (learned). */
    length: z.number().int().min(2).multipleOf(2).default(8),
    specific: z.boolean().default(true),
    global: z.boolean().default(true),
    baseChannels: z.number().int().min(1).default(8),
    /** DDIM steps of the trajectory, and the steps between consecutive layers' latents (layer 0: the clean sample). */
    samplingSteps: z.number().int().min(1).default(25),
    stride: z.number().int().min(1).default(2),
    eta: z.number().min(0).default(0),
    /** The alignment term: heads to this width, cosine / temperature, and its weight in the loss (0: the reference). */
    alignWidth: z.number().int().min(1).default(64),
    temperature: z.number().positive().default(0.07),
    alignmentWeight: z.number().min(0).default(0.1),
    /** Gradient norm clipping before each AdamW step (the reference: 1.0); 0 turns it off. */
    maxGradNorm: z.number().min(0).default(1),
    seed: z.number().int().min(0).optional(),
    device: deviceSchema,
    lr: z.number().positive().default(1e-3),
    weightDecay: z.number().min(0).default(0),
  })
  .strict()
  .superRefine((config, context) => {
    if (config.visualDepth + config.textualDepth === 0) context.addIssue({ code: 'custom', path: ['visualDepth'], message: 'visual or textual prompts (or both) are needed' });
    if (!config.specific && !config.global) context.addIssue({ code: 'custom', path: ['specific'], message: 'the instance-specific part, the global part or both are needed' });
    if (config.stride * (Math.max(config.visualDepth, config.textualDepth) - 1) >= config.samplingSteps) {
      context.addIssue({ code: 'custom', path: ['stride'], message: `stride·(depth − 1) must be below samplingSteps ${config.samplingSteps}` });
    }
  });

export type DiffPromptConfigInput = z.input<typeof diffPromptConfigSchema>;
export type DiffPromptConfig = z.output<typeof diffPromptConfigSchema>;

/** `paper`: depth 9 in both encoders, 8 tokens (Mask-VPT-V3), AdamW at 1e-4 with weight decay
 * 0.05 (§3.9). `tiny`: every layer of the tiny backbone (4 vision blocks, 2 text layers), at the
 * higher rate a few hundred CPU steps need. */
export const DIFF_PROMPT_PRESETS = {
  paper: { visualDepth: 9, textualDepth: 9, length: 8, lr: 1e-4, weightDecay: 0.05 },
  tiny: { visualDepth: 4, textualDepth: 2, length: 8 },
} as const satisfies Record<string, DiffPromptConfigInput>;

export type DiffPromptPresetName = keyof typeof DIFF_PROMPT_PRESETS;

export function diffPromptPreset(name: string): DiffPromptConfigInput {
  if (!(name in DIFF_PROMPT_PRESETS)) throw new DiffPromptError('ERR_CONFIG', `unknown Diff-Prompt preset '${name}': use ${Object.keys(DIFF_PROMPT_PRESETS).join(' or ')}`);
  return { ...DIFF_PROMPT_PRESETS[name as keyof typeof DIFF_PROMPT_PRESETS] };
}
