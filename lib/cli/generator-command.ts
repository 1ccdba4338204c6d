// diff-prompt generator: stage 2, the mask-supervised prompt generator.
//   generator train   trains it on the generated world (with no flags: the shipped tiny checkpoint)
//   generator eval    mean mask IoU on a generated split, with the swapped-condition control and
//                     the agreement of 25- and 100-step sampling
//   generator sample  a PNG of the denoising trajectory for a few samples
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { promptGeneratorPreset } from '../config/prompt-generator-config';
import { makeBatch } from '../data/batching';
import { type WorldSplit, WORLD_SPLITS, worldSample, worldSource } from '../data/world';
import { DiffPromptError } from '../errors';
import { type GeneratorEvaluation, evaluateGenerator } from '../eval/evaluate-generator';
import { GroundingModel } from '../models/grounding-model';
import { MaskVae } from '../models/mask-vae';
import { type GeneratorParts, PromptGenerator } from '../models/prompt-generator';
import { drawTrajectoryStrip } from '../pictures/trajectory-strip';
import { trainPromptGenerator } from '../stages/train-prompt-generator';
import { SHIPPED_BACKBONE, SHIPPED_GENERATOR, SHIPPED_VAE, TRAINED_GENERATOR } from './default-folders';
import { integer, positiveNumber } from './parse-flags';
import { ProgressBar } from './progress-bar';
import { shipBest, trainingDir } from './shipped-folder';

/** The preset the shipped generator uses (see the README for both tiny presets' IoUs). */
export const SHIPPED_GENERATOR_PRESET = 'tiny-spatial';

/** "mean IoU 0.712 (swapped condition 0.081, 25 vs 100 steps 0.95) over 500 samples" */
export function generatorLine(evaluation: GeneratorEvaluation): string {
  const agreement = evaluation.stepAgreement ? `, ${evaluation.stepAgreement.steps.join(' vs ')} steps ${evaluation.stepAgreement.meanIou.toFixed(3)}` : '';
  const families = Object.entries(evaluation.byFamily).map(([family, { meanIou }]) => `${family} ${meanIou.toFixed(3)}`);
  const where = `found ${(100 * evaluation.found).toFixed(1)}%, missed ${(100 * evaluation.missed).toFixed(1)}%${families.length ? `, ${families.join(', ')}` : ''}, Mask-VAE ceiling ${evaluation.reconstructionIou.toFixed(3)}`;
  return `mean IoU ${evaluation.meanIou.toFixed(3)} (swapped condition ${evaluation.swappedIou.toFixed(3)}${agreement}; ${where}) over ${evaluation.count} samples`;
}

/** The commands condition on a grounding model (the library also takes CLIP). */
interface CommandParts extends GeneratorParts {
  conditioner: GroundingModel;
}

/** The frozen conditioner (a grounding model folder) and Mask-VAE the generator works with. */
async function loadParts(conditionerDir: string, vaeDir: string): Promise<CommandParts> {
  const { model: conditioner } = await GroundingModel.load(conditionerDir);
  try {
    const { model: vae } = await MaskVae.load(vaeDir);
    return { conditioner, vae };
  } catch (error) {
    conditioner.dispose();
    throw error;
  }
}

/** Runs `work` on a trained generator folder with the parts it was trained with (checked by
 * sha256), and frees all three afterwards. */
export async function withTrainedGenerator<T>(
  dirs: { generator: string; conditioner: string; vae: string; precision?: 'fp32' | 'bf16' },
  work: (generator: PromptGenerator, parts: CommandParts) => Promise<T>,
): Promise<T> {
  const parts = await loadParts(dirs.conditioner, dirs.vae);
  try {
    const { model } = await PromptGenerator.load(dirs.generator, dirs.precision ? { precision: dirs.precision } : {});
    using generator = model;
    await generator.checkParts(parts);
    return await work(generator, parts);
  } finally {
    parts.conditioner.dispose();
    parts.vae.dispose();
  }
}

function splitOf(value: string): WorldSplit {
  if (!(WORLD_SPLITS as readonly string[]).includes(value)) throw new DiffPromptError('ERR_CONFIG', `--split must be one of ${WORLD_SPLITS.join(', ')}`);
  return value as WorldSplit;
}

interface TrainOptions {
  preset: string;
  out: string;
  conditioner: string;
  vae: string;
  count: string;
  steps: string;
  maxSteps?: string;
  batchSize: string;
  lr?: string;
  emaDecay?: string;
  seed: string;
  checkpointEvery: string;
  precision: string;
  resume?: boolean;
}

function precisionOf(value: string): 'fp32' | 'bf16' {
  if (value !== 'fp32' && value !== 'bf16') throw new DiffPromptError('ERR_CONFIG', `--precision must be fp32 or bf16, not '${value}'`);
  return value;
}

async function train(options: TrainOptions): Promise<void> {
  const seed = integer(options.seed, '--seed');
  const parts = await loadParts(options.conditioner, options.vae);
  const size = parts.conditioner.config.imageSize;
  const widths = parts.conditioner.conditionWidths;
  const preset = promptGeneratorPreset(options.preset);
  const config = {
    ...preset,
    imageConditionWidth: widths.image,
    textConditionWidth: widths.text,
    ...(preset.spatialConditionWidth ? { spatialConditionWidth: widths.map } : {}),
    inputSize: parts.vae.config.sampleSize / 2 ** (parts.vae.config.blockChannels.length - 1),
    inChannels: parts.vae.config.latentChannels,
    ...(options.lr === undefined ? {} : { lr: positiveNumber(options.lr, '--lr') }),
    ...(options.emaDecay === undefined ? {} : { emaDecay: positiveNumber(options.emaDecay, '--ema-decay') }),
    precision: precisionOf(options.precision),
    seed,
  };
  const data = worldSource({ seed, split: 'train', count: integer(options.count, '--count', 1), size });
  const heldOut = worldSource({ seed, split: 'val', count: 256, size });
  console.log(`training a ${options.preset} prompt generator on ${data.count} generated expressions (both families) → ${path.resolve(options.out)}`);
  const bar = new ProgressBar('generator');
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort(new Error('interrupted: resume with --resume')));
  const started = performance.now();
  try {
    const { generator, history, steps } = await trainPromptGenerator(data, {
      ...parts,
      config,
      steps: integer(options.steps, '--steps', 1),
      maxSteps: options.maxSteps ? integer(options.maxSteps, '--max-steps', 1) : undefined,
      batchSize: integer(options.batchSize, '--batch-size', 1),
      seed,
      checkpointEvery: integer(options.checkpointEvery, '--checkpoint-every', 1),
      heldOut,
      checkpointDir: trainingDir(options.out),
      resume: options.resume,
      signal: controller.signal,
      onProgress: (event) => bar.update({ step: event.step, total: event.totalSteps, values: { loss: event.loss, mse: event.mse } }),
      onCheckpoint: (report) => {
        const score = report.evaluation ? `, val ${generatorLine(report.evaluation)}` : '';
        process.stderr.write(`\nstep ${report.step}: loss ${report.meanLoss.toFixed(4)}${score}, ${report.seconds.toFixed(0)} s\n`);
      },
    });
    bar.stop();
    const seconds = (performance.now() - started) / 1000;
    const parameters = await shipBest(options.out, generator, (dir) => PromptGenerator.load(dir), { steps, seconds, secondsPerStep: seconds / Math.max(1, steps), history });
    console.log(`saved ${options.out} (${parameters} parameters, ${steps} steps in ${seconds.toFixed(0)} s)`);
  } finally {
    parts.conditioner.dispose();
    parts.vae.dispose();
  }
}

interface EvalOptions {
  checkpoint: string;
  conditioner: string;
  vae: string;
  split: string;
  count: string;
  seed: string;
  steps: string;
  compareSteps: string;
  precision?: string;
  json?: boolean;
}

async function evaluate(options: EvalOptions): Promise<void> {
  const dirs = { generator: options.checkpoint, conditioner: options.conditioner, vae: options.vae, ...(options.precision ? { precision: precisionOf(options.precision) } : {}) };
  await withTrainedGenerator(dirs, async (generator, parts) => {
    const data = worldSource({ seed: integer(options.seed, '--seed'), split: splitOf(options.split), count: integer(options.count, '--count', 1), size: parts.conditioner.config.imageSize });
    const compareSteps = integer(options.compareSteps, '--compare-steps');
    const evaluation = await evaluateGenerator(generator, parts, data, { steps: integer(options.steps, '--steps', 1), ...(compareSteps ? { compareSteps } : {}) });
    console.log(options.json ? JSON.stringify(evaluation) : `${options.split}: ${generatorLine(evaluation)}`);
  });
}

interface SampleOptions {
  checkpoint: string;
  conditioner: string;
  vae: string;
  split: string;
  count: string;
  seed: string;
  steps: string;
  out: string;
}

/** Writes the trajectory PNG for `count` samples of a generated split; returns the file. */
export async function drawGeneratorTrajectories(
  generator: PromptGenerator,
  parts: CommandParts,
  options: { split: WorldSplit; count: number; seed: number; steps: number; out: string },
): Promise<string> {
  const world = { seed: options.seed, split: options.split, count: options.count, size: parts.conditioner.config.imageSize };
  const samples = Array.from({ length: options.count }, (_, i) => worldSample(world, i));
  const batch = await makeBatch(samples, parts.conditioner.batchOptions());
  const generated = await generator.generateBatch(parts, batch, { seeds: samples.map((_, i) => options.seed + i), steps: options.steps, decodeTrajectory: true });
  try {
    const decoded = await generated.decoded!.data<'float32'>();
    const [steps, count, , side] = generated.decoded!.shape as [number, number, number, number];
    const kept = [0, Math.round(steps / 4), Math.round(steps / 2), Math.round((3 * steps) / 4), steps - 1];
    const plane = side * side;
    const frame = batch.size.width;
    const rows = samples.map((sample, i) => ({
      image: sample.image.kind === 'pixels' ? sample.image.image : { width: 1, height: 1, data: new Uint8Array(3) },
      expression: sample.expression,
      steps: kept.map((k) => decoded.subarray((k * count + i) * plane, (k * count + i + 1) * plane)),
      truth: frame === side ? batch.masks.subarray(i * plane, (i + 1) * plane) : undefined,
      side,
    }));
    const picture = await drawTrajectoryStrip(
      rows,
      kept.map((k) => (k === steps - 1 ? 'sample' : `step ${k + 1}/${steps}`)),
    );
    fs.mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
    fs.writeFileSync(options.out, picture.png);
    return options.out;
  } finally {
    for (const tensor of [generated.trajectory, generated.masks, generated.decoded!]) tensor.dispose();
  }
}

async function sample(options: SampleOptions): Promise<void> {
  await withTrainedGenerator({ generator: options.checkpoint, conditioner: options.conditioner, vae: options.vae }, async (generator, parts) => {
    const file = await drawGeneratorTrajectories(generator, parts, {
      split: splitOf(options.split),
      count: integer(options.count, '--count', 1),
      seed: integer(options.seed, '--seed'),
      steps: integer(options.steps, '--steps', 1),
      out: options.out,
    });
    console.log(`wrote ${file}`);
  });
}

export function registerGeneratorCommand(program: Command): void {
  const generator = program.command('generator').description('stage 2: the diffusion prompt generator, supervised by masks');
  const withParts = (command: Command) =>
    command
      .option('--conditioner <dir>', 'the frozen grounding model whose features condition the generator', SHIPPED_BACKBONE)
      .option('--vae <dir>', 'the frozen Mask-VAE whose latents it generates', SHIPPED_VAE);
  withParts(
    generator
      .command('train')
      .description('train on the generated world (with no flags: the shipped tiny checkpoint)')
      .option('--preset <name>', 'tiny, tiny-spatial or paper (widths and latent size follow the conditioner and the Mask-VAE)', SHIPPED_GENERATOR_PRESET)
      .option('--out <dir>', 'checkpoint folder', TRAINED_GENERATOR),
  )
    .option('--count <n>', 'generated training expressions per epoch', '64000')
    .option('--steps <n>', 'training steps', '8000')
    .option('--max-steps <n>', 'stop after this many steps (resume later with --resume)')
    .option('--batch-size <n>', 'batch size', '32')
    .option('--lr <rate>', "AdamW learning rate (constant, as DiT; default: the preset's)")
    .option('--ema-decay <d>', "EMA decay (default: the preset's)")
    .option('--seed <n>', 'seed of weights, data and order', '0')
    .option('--checkpoint-every <n>', 'save, and score on 256 val samples, every n steps', '1000')
    .option('--precision <p>', 'fp32, or bf16 (MaskDiT under autocast: faster on CPUs with AVX512-BF16 or AMX)', 'fp32')
    .option('--resume', 'continue from <out>-training/last')
    .action(train);
  withParts(generator.command('eval').description('mean mask IoU on a generated split').option('--checkpoint <dir>', 'a prompt generator folder', SHIPPED_GENERATOR))
    .option('--split <name>', 'val, testA or testB', 'val')
    .option('--count <n>', 'samples', '500')
    .option('--seed <n>', 'world seed', '0')
    .option('--steps <n>', 'DDIM steps', '25')
    .option('--compare-steps <n>', 'also sample with this many steps and report the agreement (0: no)', '100')
    .option('--precision <p>', 'sample in fp32 or bf16 (default: as the generator was saved)')
    .option('--json', 'one JSON object')
    .action(evaluate);
  withParts(
    generator
      .command('sample')
      .description('a PNG of the denoising trajectory: noisy → clean decoded masks beside the image and expression')
      .option('--checkpoint <dir>', 'a prompt generator folder', SHIPPED_GENERATOR),
  )
    .option('--split <name>', 'val, testA or testB', 'val')
    .option('--count <n>', 'samples (rows)', '6')
    .option('--seed <n>', 'world seed, and the base of the noise seeds', '0')
    .option('--steps <n>', 'DDIM steps', '25')
    .option('--out <file>', 'the PNG', path.join('demo-output', 'generator-trajectory.png'))
    .action(sample);
}
