// diff-prompt vae: stage 1.
//   vae train        trains a Mask-VAE on generated masks (plus COCO polygons with --coco)
//   vae eval         mean IoU of reconstructions on COCO instances or generated masks
//   vae reconstruct  a PNG of masks beside their reconstructions and latent channels
import path from 'node:path';
import fs from 'node:fs';
import type { Command } from 'commander';
import { maskVaePreset } from '../config/mask-vae-config';
import { COCO_HELD_OUT_IMAGE_IDS } from '../data/coco-held-out';
import { type MaskSet, cocoMaskSet, concatMaskSets, flippedMaskSet, stackMasks, worldMaskSet } from '../data/mask-sets';
import { readCocoInstances } from '../data/readers/coco-instances';
import { DiffPromptError } from '../errors';
import { latentStatistics } from '../eval/latent-statistics';
import { evaluateReconstruction } from '../eval/mask-reconstruction';
import { MaskVae } from '../models/mask-vae';
import { drawReconstructionGrid } from '../pictures/reconstruction-grid';
import { type HeldOutMasks, trainMaskVae } from '../stages/train-mask-vae';
import { Tensor } from '../tensor';
import { SHIPPED_VAE, TRAINED_VAE } from './default-folders';
import { integer, positiveNumber } from './parse-flags';
import { ProgressBar } from './progress-bar';
import { shipBest, trainingDir } from './shipped-folder';

/** COCO instances split by the fixed held-out image list. */
function cocoSets(file: string, imagesDir: string | undefined, size: number): { train: MaskSet; heldOut: MaskSet } {
  const { instances } = readCocoInstances(file, { imagesDir, onMissingImage: 'keep' });
  return {
    train: cocoMaskSet(
      instances.filter((i) => !COCO_HELD_OUT_IMAGE_IDS.has(i.imageId)),
      size,
    ),
    heldOut: cocoMaskSet(
      instances.filter((i) => COCO_HELD_OUT_IMAGE_IDS.has(i.imageId)),
      size,
    ),
  };
}

interface TrainOptions {
  preset: string;
  out: string;
  coco?: string;
  images?: string;
  count: string;
  epochs: string;
  steps?: string;
  batchSize: string;
  seed: string;
  lr?: string;
  lrDecay?: string;
  cocoRepeats: string;
  resume?: boolean;
}

async function train(options: TrainOptions): Promise<void> {
  const config = {
    ...maskVaePreset(options.preset),
    seed: integer(options.seed, '--seed'),
    ...(options.lr === undefined ? {} : { lr: positiveNumber(options.lr, '--lr') }),
  };
  const size = config.sampleSize;
  const seed = integer(options.seed, '--seed');
  const generated = worldMaskSet({ seed, split: 'train', count: integer(options.count, '--count', 1), size });
  const heldOut: Record<string, HeldOutMasks> = { generated: { set: worldMaskSet({ seed, split: 'val', count: 1000, size }) } };
  let data = generated;
  if (options.coco) {
    const coco = cocoSets(options.coco, options.images, size);
    data = concatMaskSets([generated, flippedMaskSet(coco.train, integer(options.cocoRepeats, '--coco-repeats', 1))]);
    heldOut.coco = { set: coco.heldOut, minArea: 0.01 };
    console.log(`COCO: ${coco.train.count} training masks, ${coco.heldOut.count} held out (images ${[...COCO_HELD_OUT_IMAGE_IDS].join(', ')})`);
  }
  console.log(`training a ${options.preset} Mask-VAE on ${data.count} masks of ${size}×${size} → ${path.resolve(options.out)}`);
  const bar = new ProgressBar('Mask-VAE');
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort(new Error('interrupted: resume with --resume')));
  const { model, history } = await trainMaskVae(data, {
    config,
    epochs: integer(options.epochs, '--epochs', 1),
    maxSteps: options.steps ? integer(options.steps, '--steps', 1) : undefined,
    batchSize: integer(options.batchSize, '--batch-size', 1),
    ...(options.lrDecay === undefined ? {} : { lrDecay: positiveNumber(options.lrDecay, '--lr-decay') }),
    seed,
    heldOut,
    checkpointDir: trainingDir(options.out),
    resume: options.resume,
    signal: controller.signal,
    onProgress: (event) => bar.update({ step: event.step, total: event.totalSteps, values: { loss: event.loss, lr: event.lr } }),
    onEpoch: (report) => {
      const scores = Object.entries(report.evaluation)
        .map(([name, s]) => `${name} IoU ${s.meanIoU.toFixed(4)}`)
        .join(', ');
      process.stderr.write(`\nepoch ${report.epoch}: loss ${report.meanLoss.toFixed(5)}, ${scores}, ${report.seconds.toFixed(0)} s\n`);
    },
  });
  bar.stop();
  // The shipped folder is the best epoch's weights (by held-out generated IoU).
  const parameters = await shipBest(options.out, model, (dir) => MaskVae.load(dir), history);
  console.log(`saved ${options.out} (${parameters} parameters)`);
}

interface EvalOptions {
  checkpoint: string;
  coco?: string;
  images?: string;
  generated?: string;
  seed: string;
  heldOutOnly?: boolean;
  minArea: string;
  json?: boolean;
}

async function evaluate(options: EvalOptions): Promise<void> {
  const { model } = await MaskVae.load(options.checkpoint);
  using vae = model;
  const size = vae.config.sampleSize;
  let set: MaskSet;
  if (options.coco) {
    const coco = cocoSets(options.coco, options.images, size);
    set = options.heldOutOnly ? coco.heldOut : concatMaskSets([coco.train, coco.heldOut]);
  } else if (options.generated) {
    set = worldMaskSet({ seed: integer(options.seed, '--seed'), split: 'val', count: integer(options.generated, '--generated', 1), size });
  } else {
    throw new DiffPromptError('ERR_CONFIG', 'vae eval needs --coco FILE or --generated N');
  }
  const minArea = Number(options.minArea);
  const all = await evaluateReconstruction(vae, set);
  const large = await evaluateReconstruction(vae, set, { minArea });
  const latents = await latentStatistics(vae, set);
  if (options.json) {
    console.log(JSON.stringify({ meanIoU: large.meanIoU, count: large.count, minArea, filtered: large, all, latents }));
    return;
  }
  const line = (label: string, s: typeof all) =>
    `${label.padEnd(22)} ${String(s.count).padStart(5)} masks  mean IoU ${s.meanIoU.toFixed(4)} ± ${s.stdIoU.toFixed(4)}  p10 ${s.p10IoU.toFixed(3)}  median ${s.medianIoU.toFixed(3)}  p90 ${s.p90IoU.toFixed(3)}  MSE ${s.mse.toExponential(2)}`;
  console.log(line('all objects', all));
  console.log(line(`objects ≥ ${minArea * 100}% of image`, large));
  console.log(
    `latents: posterior means spread ${latents.meanSpread.toFixed(3)} (std), posterior σ ${latents.posteriorSigma.toFixed(3)} on average; unit variance at latentScale ${latents.unitScale.toFixed(2)}`,
  );
}

interface ReconstructOptions {
  checkpoint: string;
  out: string;
  n: string;
  coco?: string;
  images?: string;
}

async function reconstruct(options: ReconstructOptions): Promise<void> {
  const written = await drawReconstructions(options.checkpoint, options.out, integer(options.n, '--n', 1), options.coco, options.images);
  console.log(`wrote ${options.out}: ${written.count} masks, reconstructions and ${written.channels} latent channels`);
}

/** Draws `count` masks (generated, or held-out COCO) beside their reconstructions and latents. */
export async function drawReconstructions(checkpoint: string, out: string, count = 8, coco?: string, images?: string): Promise<{ count: number; channels: number }> {
  const { model } = await MaskVae.load(checkpoint);
  using vae = model;
  const size = vae.config.sampleSize;
  const set = coco ? cocoSets(coco, images, size).heldOut : worldMaskSet({ seed: 0, split: 'val', count: 64, size });
  const n = Math.min(count, set.count);
  const indices = Array.from({ length: n }, (_, i) => i);
  using masks = Tensor.from(stackMasks(set, indices), [n, 1, size, size]);
  const { mean, logvar, sample } = await vae.encode(masks);
  using decoded = await vae.decode(mean);
  const [latent, output] = [await mean.data<'float32'>(), await decoded.data<'float32'>()];
  for (const t of [mean, logvar, sample]) t.dispose();
  const [channels, side] = [vae.latentShape[0], vae.latentShape[1]];
  const plane = size * size;
  const latentPlane = side * side;
  const rows = indices.map((i) => ({
    mask: set.get(i),
    reconstruction: output.subarray(i * plane, (i + 1) * plane),
    latents: Array.from({ length: channels }, (_, c) => latent.subarray((i * channels + c) * latentPlane, (i * channels + c + 1) * latentPlane)),
  }));
  fs.writeFileSync(out, (await drawReconstructionGrid(rows, size, side)).png);
  return { count: n, channels };
}

export function registerVaeCommand(program: Command): void {
  const vae = program.command('vae').description('stage 1: the Mask-VAE');
  vae
    .command('train')
    .description('train a Mask-VAE; with no data flags, on the generated world (the shipped tiny checkpoint)')
    .option('--preset <name>', 'tiny or paper', 'tiny')
    .option('--out <dir>', 'checkpoint folder', TRAINED_VAE)
    .option('--coco <file>', 'also train on COCO instance polygons (held-out images excluded)')
    .option('--images <dir>', 'the COCO images folder (optional: masks need only the JSON)')
    .option('--count <n>', 'generated training masks', '16000')
    .option('--epochs <n>', 'epochs', '12')
    .option('--steps <n>', 'stop after this many steps')
    .option('--batch-size <n>', 'batch size', '32')
    .option('--seed <n>', 'seed of weights, data and order', '0')
    .option('--lr <rate>', "Adam's learning rate (default: the preset's)")
    .option('--lr-decay <factor>', "learning-rate factor per epoch (default: the preset's)")
    .option('--coco-repeats <n>', 'each COCO mask seen n times per epoch, flipped', '20')
    .option('--resume', 'continue from <out>-training/last')
    .action(train);
  vae
    .command('eval')
    .description('mean IoU (threshold 0.5) of reconstructed masks')
    .option('--checkpoint <dir>', 'a Mask-VAE checkpoint folder', SHIPPED_VAE)
    .option('--coco <file>', 'COCO instances JSON (polygons or RLE)')
    .option('--images <dir>', 'the COCO images folder')
    .option('--held-out-only', "only the images held out of the shipped model's training")
    .option('--generated <n>', 'n generated validation masks')
    .option('--seed <n>', 'world seed of the generated masks (training selects its best epoch on seed 0)', '0')
    .option('--min-area <fraction>', 'also report objects covering at least this share of the image', '0.01')
    .option('--json', 'one JSON object with meanIoU and count (of the --min-area objects)')
    .action(evaluate);
  vae
    .command('reconstruct')
    .description('PNG grid: masks, their reconstructions and the latent channels')
    .option('--checkpoint <dir>', 'a Mask-VAE checkpoint folder', SHIPPED_VAE)
    .option('--out <file>', 'PNG file', 'reconstruction.png')
    .option('--n <count>', 'masks', '8')
    .option('--coco <file>', 'held-out COCO masks instead of generated ones')
    .option('--images <dir>', 'the COCO images folder')
    .action(reconstruct);
}
