import { z } from 'zod';
import { deviceSchema } from './device';

export const mlpConfigSchema = z
  .object({
    inputSize: z.number().int().min(1),
    hiddenSizes: z.array(z.number().int().min(1)).default([]),
    outputSize: z.number().int().min(1),
    /** Initial weights come from this seed (default: manualSeed's, else 0). */
    seed: z.number().int().min(0).optional(),
    device: deviceSchema,
    lr: z.number().positive().default(1e-3),
  })
  .strict();

export type MlpConfigInput = z.input<typeof mlpConfigSchema>;
export type MlpConfig = z.output<typeof mlpConfigSchema>;
