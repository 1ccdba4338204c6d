// PromptGenerator: stage 2. MaskDiT (DiT's names) learns by Gaussian diffusion to produce the
// Mask-VAE latent of the referred object's mask from the conditioner's image and text features;
// the DDIM trajectory of its samples becomes stage 3's prompts. Its EMA weights are kept beside
// the training weights (ema.safetensors) and are what sampling uses by default.
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../config/parse-config';
import { type PromptGeneratorConfig, type PromptGeneratorConfigInput, promptGeneratorConfigSchema } from '../config/prompt-generator-config';
import { DiffPromptError } from '../errors';
import { EMA_FILE, weightsMetadata } from '../io/checkpoint-folder';
import { native } from '../native';
import type { NativeLoadReport, NativePromptGeneratorHandle } from '../native-api';
import { Tensor } from '../tensor';
import { NativeModel, storedConfig } from './native-model';

const KIND = 'prompt-generator';

export interface DiffusionLossTerms {
  /** Per sample: mean (ε − ε̂)², the variational bound term in bits, and their sum. */
  mse: Tensor;
  vb: Tensor;
  loss: Tensor;
}

export interface TrajectoryOptions {
  /** "ddimN" (default "ddim25") or "" for every step. */
  respacing?: string;
  /** DDIM's η (default 0: deterministic given the initial noise). */
  eta?: number;
  /** Ancestral sampling with the learned variance instead of DDIM. */
  ddpm?: boolean;
  /** Sample with the EMA weights (default true). */
  useEma?: boolean;
  /** The noise each step adds (steps×B×C×S×S), instead of the model's generator: for comparisons. */
  stepNoise?: Tensor;
}

/** β, ᾱ (float64) and the kept original timesteps of a schedule, as the generator computes them. */
export async function diffusionSchedule(schedule: 'linear' | 'squaredcos_cap_v2', steps = 100, respacing = ''): Promise<{ betas: Float64Array; alphasCumprod: Float64Array; timesteps: number[] }> {
  const tables = await native().diffusionSchedule(schedule, steps, respacing);
  const [betas, alphasCumprod, timesteps] = [new Tensor(tables.betas), new Tensor(tables.alphasCumprod), new Tensor(tables.timesteps)];
  try {
    return { betas: await betas.data<'float64'>(), alphasCumprod: await alphasCumprod.data<'float64'>(), timesteps: [...(await timesteps.data<'int64'>())].map(Number) };
  } finally {
    for (const t of [betas, alphasCumprod, timesteps]) t.dispose();
  }
}

export class PromptGenerator extends NativeModel<NativePromptGeneratorHandle, PromptGeneratorConfig> {
  private constructor(config: PromptGeneratorConfig) {
    super(new (native().NativePromptGenerator)(config), config, KIND);
  }

  static create(config: PromptGeneratorConfigInput): PromptGenerator {
    return new PromptGenerator(parseConfig(promptGeneratorConfigSchema, config, 'prompt generator config'));
  }

  static async load(dir: string, options: { training?: boolean } = {}): Promise<{ model: PromptGenerator; loop?: Record<string, unknown> }> {
    const model = new PromptGenerator(parseConfig(promptGeneratorConfigSchema, storedConfig(dir, KIND), `prompt generator config in ${dir}`));
    try {
      return { model, loop: await model.restore(dir, options.training ?? false) };
    } catch (error) {
      model.dispose();
      throw error;
    }
  }

  protected override async writeCompanionFiles(staging: string, handle: NativePromptGeneratorHandle): Promise<void> {
    await handle.saveEma(path.join(staging, EMA_FILE), weightsMetadata(KIND, this.config));
  }

  protected override async readCompanionFiles(location: string, handle: NativePromptGeneratorHandle): Promise<void> {
    const file = path.join(location, EMA_FILE);
    if (!fs.existsSync(file)) throw new DiffPromptError('ERR_CHECKPOINT', `${location} has no ${EMA_FILE}: a prompt generator folder keeps its EMA weights`);
    await handle.loadEma(file);
  }

  /** Loads weights by name (e.g. the published mask_dit weights, which are an EMA) into the
   * network, and makes them the EMA weights too. */
  override async loadWeights(file: string, options: { strict?: boolean } = {}): Promise<NativeLoadReport> {
    const report = await super.loadWeights(file, options);
    await this.run((handle) => handle.resetEma());
    return report;
  }

  /** The network's output at (x_t, t): B×2C×S×S, ε̂ then the variance interpolation v; with the
   * EMA weights unless useEma is false. */
  async forward(x: Tensor, t: Tensor, image: Tensor, text: Tensor, options: { useEma?: boolean } = {}): Promise<Tensor> {
    return new Tensor(await this.run((handle) => handle.forward(x.handle, t.handle, image.handle, text.handle, options)));
  }

  /** The training losses at given timesteps and noise, without training. */
  async losses(x0: Tensor, t: Tensor, noise: Tensor, image: Tensor, text: Tensor): Promise<DiffusionLossTerms> {
    const result = await this.run((handle) => handle.losses(x0.handle, t.handle, noise.handle, image.handle, text.handle));
    return { mse: new Tensor(result.mse), vb: new Tensor(result.vb), loss: new Tensor(result.loss) };
  }

  /** t ~ U{0..T−1} and ε from the model's generator, MSE + VB, AdamW, EMA update: one native call. */
  trainStep(latents: Tensor, image: Tensor, text: Tensor, options: { lr: number }): Promise<{ loss: number; mse: number; vb: number }> {
    return this.run((handle) => handle.trainStep(latents.handle, image.handle, text.handle, options));
  }

  /** From x_T = noise (B×C×S×S): every step's latent, steps×B×C×S×S, the last the sample. */
  async trajectory(noise: Tensor, image: Tensor, text: Tensor, options: TrajectoryOptions = {}): Promise<Tensor> {
    const { stepNoise, ...rest } = options;
    return new Tensor(await this.run((handle) => handle.trajectory(noise.handle, image.handle, text.handle, { ...rest, stepNoise: stepNoise?.handle })));
  }
}
