// MaskVae: stage 1. Compresses a mask (1×S×S in [0, 1]) to a latent (4×S/8×S/8) and back, with
// diffusers AutoencoderKL's parameter names so published weights load by name.
import { parseConfig } from '../config/parse-config';
import { type MaskVaeConfig, type MaskVaeConfigInput, maskVaeConfigSchema } from '../config/mask-vae-config';
import { native } from '../native';
import type { NativeMaskVaeHandle } from '../native-api';
import { Tensor } from '../tensor';
import { withSeedTensor } from './seed-tensor';
import { NativeModel, storedConfig } from './native-model';

const KIND = 'mask-vae';

export interface VaeEncoding {
  mean: Tensor;
  logvar: Tensor;
  /** mean + exp(logvar / 2)·ε, ε from the model's own generator. */
  sample: Tensor;
}

export interface VaeLosses {
  loss: number;
  reconstruction: number;
  kl: number;
}

export interface VaeTrainStepOptions {
  lr: number;
  /** Weight of the KL term (the reference trains with 3.7732e-4). */
  klWeight: number;
  /** One seed per mask (stepSeeds): each mask's reparameterisation noise from its own stream;
   * without them the draws come from this model's generator. */
  seeds?: readonly number[];
}

export class MaskVae extends NativeModel<NativeMaskVaeHandle, MaskVaeConfig> {
  private constructor(config: MaskVaeConfig) {
    super(new (native().NativeMaskVae)(config), config, KIND);
  }

  static create(config: MaskVaeConfigInput): Promise<MaskVae> {
    return new MaskVae(parseConfig(maskVaeConfigSchema, config, 'Mask-VAE config')).built();
  }

  static async load(dir: string, options: { training?: boolean } = {}): Promise<{ model: MaskVae; loop?: Record<string, unknown> }> {
    const model = await new MaskVae(parseConfig(maskVaeConfigSchema, storedConfig(dir, KIND), `Mask-VAE config in ${dir}`)).built();
    return { model, loop: await model.restore(dir, options.training ?? false) };
  }

  /** Size of the latent: [latentChannels, S/f, S/f]. */
  get latentShape(): [number, number, number] {
    const side = this.config.sampleSize / 2 ** (this.config.blockChannels.length - 1);
    return [this.config.latentChannels, side, side];
  }

  /** masks: B×in×S×S float32. */
  async encode(masks: Tensor): Promise<VaeEncoding> {
    const encoded = await this.run((handle) => handle.encode(masks.handle));
    return { mean: new Tensor(encoded.mean), logvar: new Tensor(encoded.logvar), sample: new Tensor(encoded.sample) };
  }

  /** latents: B×latent×S/f×S/f → B×out×S×S (unbounded: threshold at 0.5 for a binary mask). */
  async decode(latents: Tensor): Promise<Tensor> {
    return new Tensor(await this.run((handle) => handle.decode(latents.handle)));
  }

  /** encode → reparameterise → decode → MSE + klWeight·KL → Adam step, in one native call. */
  trainStep(masks: Tensor, options: VaeTrainStepOptions): Promise<VaeLosses> {
    const { seeds, ...rest } = options;
    return withSeedTensor(seeds, (seedTensor) => this.run((handle) => handle.trainStep(masks.handle, { ...rest, seeds: seedTensor?.handle })));
  }

  /** Per mask: IoU of decode(mean) > 0.5 with the mask > 0.5, and the reconstruction MSE. */
  evaluate(masks: Tensor): Promise<{ iou: Float32Array; mse: Float32Array }> {
    return this.run((handle) => handle.evaluate(masks.handle));
  }
}
