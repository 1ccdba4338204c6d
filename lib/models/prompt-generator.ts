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
import { assembleBatch, type Batch, prepareSample, resolveBatchOptions } from '../data/batching';
import { type ImageInput, decodeImageInput } from '../data/images/image-input';
import { runLongJob } from '../long-job';
import { native } from '../native';
import type { NativeGeneratorBatch, NativeGeneratorCondition, NativeLoadReport, NativeModelHandle, NativePromptGeneratorHandle } from '../native-api';
import { Tensor } from '../tensor';
import type { GeneratorConditioner } from './generator-conditioner';
import type { MaskVae } from './mask-vae';
import { withSeedTensor } from './seed-tensor';
import { NativeModel, storedConfig } from './native-model';

const KIND = 'prompt-generator';
/** Which frozen models a generator was trained with, beside its weights. */
export const TRAINED_WITH_FILE = 'trained-with.json';

/** The frozen parts a generator was trained with, by kind and weights sha256 (weightsSha256()). */
export interface TrainedWith {
  conditioner: { kind: string; sha256: string };
  maskVae: { sha256: string };
}

export interface DiffusionLossTerms {
  /** Per sample: mean (ε − ε̂)², the variational bound term in bits, and their sum. */
  mse: Tensor;
  vb: Tensor;
  loss: Tensor;
}

/** What the network is conditioned on: the conditioner's features, B×Di and B×Dt, and with
 * spatial conditioning its image map B×Ds×h×w. */
export interface GeneratorCondition {
  image: Tensor;
  text: Tensor;
  imageMap?: Tensor;
}

/** The frozen models around the generator: its conditioner and the Mask-VAE whose latents it makes. */
export interface GeneratorParts {
  conditioner: GeneratorConditioner;
  vae: MaskVae;
}

export interface GeneratorStepLosses {
  loss: number;
  mse: number;
  vb: number;
}

/** DDIM steps when not told otherwise: the reference's ddim25. */
export const DEFAULT_SAMPLING_STEPS = 25;

export interface GenerateOptions {
  /** DDIM steps (default 25); the whole schedule's length samples every step. */
  steps?: number;
  eta?: number;
  ddpm?: boolean;
  useEma?: boolean;
  /** Sample i starts from noise seeded by seed + i (default 0). */
  seed?: number;
  /** Also decode every step's latent (for pictures of the trajectory). */
  decodeTrajectory?: boolean;
  /** Cancels sampling between denoising steps: ERR_ABORTED. */
  signal?: AbortSignal;
}

export interface GenerateBatchOptions extends Omit<GenerateOptions, 'seed'> {
  /** One seed per sample for its x_T; or `noise` (B×C×S×S) itself. */
  seeds?: readonly number[];
  noise?: Tensor;
}

export interface GeneratedMasks {
  /** steps×B×C×S×S latents; the last is the sample. */
  trajectory: Tensor;
  /** B×1×H×W: the sample decoded by the Mask-VAE, in [0, 1]. */
  masks: Tensor;
  /** steps×B×1×H×W: every step decoded (with decodeTrajectory). */
  decoded?: Tensor;
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
  /** Cancels sampling between denoising steps: ERR_ABORTED. */
  signal?: AbortSignal;
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

  static create(config: PromptGeneratorConfigInput): Promise<PromptGenerator> {
    return new PromptGenerator(parseConfig(promptGeneratorConfigSchema, config, 'prompt generator config')).built();
  }

  /** `precision` overrides the saved one (train in fp32, sample in bf16, or the other way). */
  static async load(dir: string, options: { training?: boolean; precision?: PromptGeneratorConfig['precision'] } = {}): Promise<{ model: PromptGenerator; loop?: Record<string, unknown> }> {
    const stored = storedConfig(dir, KIND) as Record<string, unknown>;
    const config = parseConfig(promptGeneratorConfigSchema, options.precision ? { ...stored, precision: options.precision } : stored, `prompt generator config in ${dir}`);
    const model = await new PromptGenerator(config).built();
    return { model, loop: await model.restore(dir, options.training ?? false) };
  }

  /** The conditioner and Mask-VAE this generator was trained with (set by trainPromptGenerator,
   * saved as trained-with.json); undefined for a generator that has not trained on images. */
  trainedWith: TrainedWith | undefined;

  protected override async writeCompanionFiles(staging: string, handle: NativePromptGeneratorHandle): Promise<void> {
    await handle.saveEma(path.join(staging, EMA_FILE), weightsMetadata(KIND, this.config));
    if (this.trainedWith) fs.writeFileSync(path.join(staging, TRAINED_WITH_FILE), `${JSON.stringify(this.trainedWith, null, 2)}\n`);
  }

  protected override async readCompanionFiles(location: string, handle: NativePromptGeneratorHandle): Promise<void> {
    const file = path.join(location, EMA_FILE);
    if (!fs.existsSync(file)) throw new DiffPromptError('ERR_CHECKPOINT', `${location} has no ${EMA_FILE}: a prompt generator folder keeps its EMA weights`);
    await handle.loadEma(file);
    const record = path.join(location, TRAINED_WITH_FILE);
    this.trainedWith = fs.existsSync(record) ? readTrainedWith(record) : undefined;
  }

  /** ERR_CHECKPOINT unless `parts` are the models this generator was trained with (same weights). */
  async checkParts(parts: GeneratorParts): Promise<void> {
    if (!this.trainedWith) return;
    const [conditioner, maskVae] = [await parts.conditioner.weightsSha256(), await parts.vae.weightsSha256()];
    const expected = this.trainedWith;
    if (parts.conditioner.kind !== expected.conditioner.kind || conditioner !== expected.conditioner.sha256) {
      throw new DiffPromptError(
        'ERR_CHECKPOINT',
        `this generator was trained with the ${expected.conditioner.kind} of sha256 ${expected.conditioner.sha256}, not this ${parts.conditioner.kind} (${conditioner}): load the conditioner it was trained with`,
      );
    }
    if (maskVae !== expected.maskVae.sha256) {
      throw new DiffPromptError(
        'ERR_CHECKPOINT',
        `this generator was trained with the Mask-VAE of sha256 ${expected.maskVae.sha256}, not this one (${maskVae}): load the Mask-VAE it was trained with`,
      );
    }
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
  async forward(x: Tensor, t: Tensor, condition: GeneratorCondition, options: { useEma?: boolean } = {}): Promise<Tensor> {
    return new Tensor(await this.run((handle) => handle.forward(x.handle, t.handle, nativeCondition(condition), options)));
  }

  /** The training losses at given timesteps and noise, without training. */
  async losses(x0: Tensor, t: Tensor, noise: Tensor, condition: GeneratorCondition): Promise<DiffusionLossTerms> {
    const result = await this.run((handle) => handle.losses(x0.handle, t.handle, noise.handle, nativeCondition(condition)));
    return { mse: new Tensor(result.mse), vb: new Tensor(result.vb), loss: new Tensor(result.loss) };
  }

  /** t ~ U{0..T−1} and ε (per sample from `seeds`, stepSeeds; else from the model's generator),
   * MSE + VB, AdamW, EMA update: one native call. */
  trainStep(latents: Tensor, condition: GeneratorCondition, options: { lr: number; seeds?: readonly number[] }): Promise<GeneratorStepLosses> {
    const { seeds, lr } = options;
    return withSeedTensor(seeds, (seedTensor) => this.run((handle) => handle.trainStep(latents.handle, nativeCondition(condition), { lr, seeds: seedTensor?.handle })));
  }

  /** From x_T = noise (B×C×S×S): every step's latent, steps×B×C×S×S, the last the sample. */
  async trajectory(noise: Tensor, condition: GeneratorCondition, options: TrajectoryOptions = {}): Promise<Tensor> {
    const { stepNoise, signal, ...rest } = options;
    return new Tensor(
      await this.run((handle) => runLongJob('sampling', { signal }, (cancel) => handle.trajectory(noise.handle, nativeCondition(condition), { ...rest, stepNoise: stepNoise?.handle, cancel }))),
    );
  }

  /** One training step from a batch made with the conditioner's batchOptions(): the conditioner's
   * features and the Mask-VAE latent of each referred mask (x0 = μ + σ·ε), then trainStep; one
   * native call that holds all three models. With `seeds` (stepSeeds) each sample's ε, timestep and
   * noise come from its own stream, else from this model's generator. */
  trainOnBatch(parts: GeneratorParts, batch: Batch, options: { lr: number; seeds?: readonly number[] }): Promise<GeneratorStepLosses> {
    if (batch.hasMask.some((has) => has === 0)) throw new DiffPromptError('ERR_DATA', "every sample the generator trains on needs the referred object's mask");
    const { seeds, lr } = options;
    return withSeedTensor(seeds, (seedTensor) =>
      this.withParts(parts, batch, true, ([self, conditioner, vae], native) => (self as NativePromptGeneratorHandle).trainOnBatch(conditioner!, vae!, native, { lr, seeds: seedTensor?.handle })),
    );
  }

  /** Masks for a batch made with the conditioner's batchOptions(): DDIM (or DDPM) from x_T drawn per
   * sample from `seeds` (or the given `noise`), every step's latent, and the sample decoded by
   * the Mask-VAE (and every step, with decodeTrajectory). */
  async generateBatch(parts: GeneratorParts, batch: Batch, options: GenerateBatchOptions): Promise<GeneratedMasks> {
    const { noise, seeds, steps, signal, ...rest } = options;
    return withSeedTensor(seeds, async (ownSeeds) => {
      const result = await this.withParts(parts, batch, false, ([self, conditioner, vae], native) =>
        runLongJob('sampling', { signal }, (cancel) =>
          (self as NativePromptGeneratorHandle).generate(conditioner!, vae!, native, {
            ...rest,
            respacing: this.respacingFor(steps ?? DEFAULT_SAMPLING_STEPS),
            noise: noise?.handle,
            seeds: ownSeeds?.handle,
            cancel,
          }),
        ),
      );
      const trajectory = new Tensor(result.trajectory);
      return { trajectory, masks: new Tensor(result.masks), ...(result.decoded ? { decoded: new Tensor(result.decoded) } : {}) };
    });
  }

  /** Masks for images and expressions: each image and expression is batched in the conditioner's
   * frame, sampled with `steps` DDIM steps (default 25) from noise seeded by `seed` + its index,
   * and decoded by the Mask-VAE. Returns the sample latents, the whole trajectory and the masks
   * (B×1×H×W in [0, 1], in the Mask-VAE's frame). */
  async generate(parts: GeneratorParts, images: readonly ImageInput[], expressions: readonly string[], options: GenerateOptions = {}): Promise<GeneratedMasks> {
    if (images.length !== expressions.length || images.length === 0) {
      throw new DiffPromptError('ERR_DATA', `generate needs one expression per image (got ${images.length} images and ${expressions.length} expressions)`);
    }
    const batchOptions = resolveBatchOptions(parts.conditioner.batchOptions());
    const prepared = await Promise.all(
      images.map(async (image, i) => {
        const expression = expressions[i]!;
        if (typeof expression !== 'string' || expression.trim() === '') throw new DiffPromptError('ERR_DATA', `expression ${i} must be a non-empty string`);
        const rgb = await decodeImageInput(image);
        const id = `input-${i}`;
        return prepareSample({ id, imageId: id, image: { kind: 'pixels', image: rgb }, width: rgb.width, height: rgb.height, expression, box: [0, 0, rgb.width, rgb.height] }, batchOptions);
      }),
    );
    const batch = assembleBatch(prepared, batchOptions);
    const seed = options.seed ?? 0;
    return this.generateBatch(parts, batch, { ...options, seeds: prepared.map((_, i) => seed + i) });
  }

  /** The respacing that samples in `steps` steps ("" when steps is the whole schedule). */
  respacingFor(steps: number): string {
    if (!(Number.isSafeInteger(steps) && steps >= 1 && steps <= this.config.diffusionSteps)) {
      throw new DiffPromptError('ERR_CONFIG', `sampling steps must be an integer from 1 to ${this.config.diffusionSteps}; got ${steps}`);
    }
    return steps === this.config.diffusionSteps ? '' : `ddim${steps}`;
  }

  /** Runs one composite native call holding this generator, the conditioner and the Mask-VAE,
   * with the batch's images, the conditioner's tokens (and masks) as native tensors. */
  private async withParts<T>(parts: GeneratorParts, batch: Batch, withMasks: boolean, call: (handles: NativeModelHandle[], native: NativeGeneratorBatch) => Promise<T>): Promise<T> {
    const { conditioner, vae } = parts;
    const tokens = batch.tokens[conditioner.conditionerTokens];
    if (!tokens) throw new DiffPromptError('ERR_CONFIG', `the batch has no "${conditioner.conditionerTokens}" tokens: make it with the conditioner's batchOptions()`);
    const { count, size } = batch;
    const owned = [
      Tensor.from(batch.images, [count, 3, size.height, size.width]),
      Tensor.from(tokens.ids, [count, tokens.length]),
      Tensor.from(tokens.attentionMask, [count, tokens.length]),
      ...(withMasks ? [Tensor.from(batch.masks, [count, 1, size.height, size.width])] : []),
    ];
    try {
      const [images, ids, attentionMask, masks] = owned;
      const native: NativeGeneratorBatch = { images: images!.handle, ids: ids!.handle, attentionMask: attentionMask!.handle, ...(masks ? { masks: masks.handle } : {}) };
      return await NativeModel.together([this, conditioner, vae], (handles) => call(handles, native));
    } finally {
      for (const tensor of owned) tensor.dispose();
    }
  }
}

function readTrainedWith(file: string): TrainedWith {
  try {
    const record = JSON.parse(fs.readFileSync(file, 'utf8')) as TrainedWith;
    if (typeof record?.conditioner?.sha256 === 'string' && typeof record.conditioner.kind === 'string' && typeof record.maskVae?.sha256 === 'string') return record;
  } catch {
    // reported below
  }
  throw new DiffPromptError('ERR_CHECKPOINT', `${file} is not a valid record of the generator's conditioner and Mask-VAE ({ conditioner: { kind, sha256 }, maskVae: { sha256 } })`);
}

function nativeCondition(condition: GeneratorCondition): NativeGeneratorCondition {
  return { image: condition.image.handle, text: condition.text.handle, ...(condition.imageMap ? { imageMap: condition.imageMap.handle } : {}) };
}
