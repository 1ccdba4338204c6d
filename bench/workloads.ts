// The benchmark rows. Each names a model and input the two sides build identically: the addon
// side writes the initial weights, inputs and generator state; the PyTorch side reads them.
import { MASK_VAE_PRESETS } from '../lib/config/mask-vae-config';
import { maskVaeForwardFlops } from './flops';

export interface Workload {
  name: string;
  kind: 'mask-vae-train-step';
  batch: number;
  /** Analytic FLOPs of one timed call. */
  flops: number;
  config: Record<string, unknown>;
  tiny: boolean;
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

export const WORKLOADS: Workload[] = [vaeTrainStep('tiny', 32), vaeTrainStep('paper', 16)];
