// The benchmark rows. Each names a model and input the two sides build identically: the addon
// side writes the initial weights, inputs and generator state; the PyTorch side reads them.
import { groundingConfigSchema, groundingPreset } from '../lib/config/grounding-config';
import { MASK_VAE_PRESETS } from '../lib/config/mask-vae-config';
import { DIFF_PROMPT_PRESETS } from '../lib/config/diff-prompt-config';
import { PROMPT_GENERATOR_PRESETS } from '../lib/config/prompt-generator-config';
import { groundingForwardFlops, maskDitForwardFlops, maskVaeDecodeFlops, maskVaeForwardFlops } from './flops';

export type WorkloadKind = 'mask-vae-train-step' | 'mask-dit-train-step' | 'ddim-trajectory' | 'grounding-train-step' | 'diff-prompt-train-step';

export interface Workload {
  name: string;
  kind: WorkloadKind;
  batch: number;
  /** Analytic FLOPs of one timed call. */
  flops: number;
  config: Record<string, unknown>;
  tiny: boolean;
  /** Timed runs per side, when a row is too slow for the default. */
  runs?: number;
  /** A bf16 row: the float32 row it is the autocast version of (the bench sets one against the other). */
  fp32Name?: string;
}

function vaeTrainStep(preset: 'tiny' | 'paper', batch: number): Workload {
  const config = { ...MASK_VAE_PRESETS[preset], blockChannels: [...MASK_VAE_PRESETS[preset].blockChannels], inChannels: 1, outChannels: 1, seed: 0 };
  return {
    name: `Mask-VAE train step, ${preset} (batch ${batch}, ${config.sampleSize}×${config.sampleSize})`,
    kind: 'mask-vae-train-step',
    batch,
    flops: 3 * batch * maskVaeForwardFlops(config),
    config,
    tiny: preset === 'tiny',
  };
}

type Precision = 'fp32' | 'bf16';

function ditConfig(preset: 'tiny' | 'paper', precision: Precision) {
  return { ...PROMPT_GENERATOR_PRESETS[preset], seed: 0, precision };
}

function ditTokens(config: ReturnType<typeof ditConfig>): number {
  return (config.inputSize / config.patchSize) ** 2;
}

/** The name with the precision, and for bf16 the name of its float32 row. */
function named(name: string, precision: Precision): Pick<Workload, 'name' | 'fp32Name'> {
  return precision === 'bf16' ? { name: `${name}, bf16`, fp32Name: name } : { name };
}

function ditTrainStep(preset: 'tiny' | 'paper', batch: number, precision: Precision = 'fp32'): Workload {
  const config = ditConfig(preset, precision);
  return {
    ...named(`MaskDiT train step, ${preset} (batch ${batch}, ${ditTokens(config)} tokens)`, precision),
    kind: 'mask-dit-train-step',
    batch,
    flops: 3 * batch * maskDitForwardFlops(config),
    config,
    tiny: preset === 'tiny',
  };
}

function ddimTrajectory(preset: 'tiny' | 'paper', batch: number, runs?: number, precision: Precision = 'fp32'): Workload {
  const config = ditConfig(preset, precision);
  return {
    ...named(`DDIM-25 trajectory, ${preset} (batch ${batch}, ${ditTokens(config)} tokens)`, precision),
    kind: 'ddim-trajectory',
    batch,
    flops: 25 * batch * maskDitForwardFlops(config),
    config,
    tiny: preset === 'tiny',
    runs,
  };
}

/** Forward, ATSS assignment, grounding loss, backward and AdamW over every parameter (pretraining). */
function groundingTrainStep(batch: number): Workload {
  const config = { ...groundingPreset('tiny'), seed: 0 };
  return {
    name: `grounding model train step, tiny (batch ${batch}, ${config.imageSize}×${config.imageSize}, ${config.tokenizer.maxLength} tokens)`,
    kind: 'grounding-train-step',
    batch,
    flops: 3 * batch * groundingForwardFlops(groundingConfigSchema.parse(config)),
    config,
    tiny: true,
  };
}

/** A Diff-Prompt step on the shipped tiny parts (pretrained/): the backbone's features, the DDIM-25
 * trajectory, the Mask-VAE decoding each prompted layer's latent, the adapters, the prompted backbone
 * forward and backward (to its inputs only: it is frozen), the alignment term, clipping and AdamW.
 * FLOPs: the trajectory, the decodes, the conditioning pass (as one backbone forward) and 2× the
 * prompted backbone forward (a backward without weight gradients costs about one forward; the
 * adapters are negligible). */
function diffPromptTrainStep(batch: number): Workload {
  const config = { ...DIFF_PROMPT_PRESETS.tiny, seed: 0 };
  const backbone = groundingConfigSchema.parse({ ...groundingPreset('tiny') });
  const generator = PROMPT_GENERATOR_PRESETS['tiny-spatial'];
  const vae = { ...MASK_VAE_PRESETS.tiny, blockChannels: [...MASK_VAE_PRESETS.tiny.blockChannels], inChannels: 1, outChannels: 1 };
  const layers = Math.max(config.visualDepth, config.textualDepth);
  return {
    name: `Diff-Prompt train step, tiny (batch ${batch}, DDIM-25, ${config.visualDepth} + ${config.textualDepth} prompted layers)`,
    kind: 'diff-prompt-train-step',
    batch,
    flops: batch * (25 * maskDitForwardFlops(generator) + layers * maskVaeDecodeFlops(vae) + 3 * groundingForwardFlops(backbone)),
    config,
    tiny: true,
  };
}

export const WORKLOADS: Workload[] = [
  vaeTrainStep('tiny', 32),
  vaeTrainStep('paper', 16),
  ditTrainStep('tiny', 32),
  ditTrainStep('paper', 8),
  ddimTrajectory('tiny', 1),
  ddimTrajectory('tiny', 8),
  ddimTrajectory('paper', 1, 5),
  ddimTrajectory('paper', 8, 3),
  groundingTrainStep(32),
  diffPromptTrainStep(32),
  ditTrainStep('tiny', 32, 'bf16'),
  ditTrainStep('paper', 8, 'bf16'),
  ddimTrajectory('paper', 1, 5, 'bf16'),
];
