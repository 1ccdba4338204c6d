// diff-prompt demo: the end-to-end run on the embedded default, as far as the stages exist. It
// prints the runtime; trains a small model from TypeScript through the addon, saves, reloads and
// checks it answers identically; runs the shipped Mask-VAE (stage 1) on held-out generated masks
// and draws its reconstructions; then scores the shipped grounding model (the frozen foundation)
// on held-out expressions and draws its boxes.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { makeBatch } from '../data/batching';
import { drawSampleGrid } from '../data/drawing/sample-grid';
import { encodePng } from '../data/images/encode-png';
import { worldMaskSet } from '../data/mask-sets';
import type { Box } from '../data/sample';
import { worldSample, worldSource } from '../data/world';
import { evaluateGrounding } from '../eval/evaluate-grounding';
import { GroundingModel } from '../models/grounding-model';
import { evaluateReconstruction } from '../eval/mask-reconstruction';
import { MaskVae } from '../models/mask-vae';
import { Mlp } from '../models/mlp';
import { packageRoot } from '../native';
import { runtimeInfo } from '../runtime';
import { Tensor } from '../tensor';
import { recallLine } from './grounding-command';
import { ProgressBar } from './progress-bar';
import { drawReconstructions } from './vae-command';

interface DemoOptions {
  out: string;
  steps: string;
}

/** A regression problem: y = sin(3·x0)·cos(2·x1) on [-1, 1]², 512 points (seeded). */
function regressionProblem(count: number): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(count * 2);
  const y = new Float32Array(count);
  let state = 12345;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32) * 2 - 1;
  };
  for (let i = 0; i < count; i++) {
    x[2 * i] = uniform();
    x[2 * i + 1] = uniform();
    y[i] = Math.sin(3 * x[2 * i]) * Math.cos(2 * x[2 * i + 1]);
  }
  return { x, y };
}

async function runDemo(options: DemoOptions): Promise<void> {
  const info = runtimeInfo();
  console.log(`diff-prompt on libtorch ${info.torchVersion} (${info.torchOrigin}), ${info.threads} threads, BLAS ${info.blas.kind}`);
  console.log(`CUDA: ${info.cuda.reason}`);

  const count = 512;
  const problem = regressionProblem(count);
  using x = Tensor.from(problem.x, [count, 2]);
  using y = Tensor.from(problem.y, [count, 1]);
  using model = Mlp.create({ inputSize: 2, hiddenSizes: [64, 64], outputSize: 1, seed: 0, lr: 3e-3 });
  console.log(`MLP with ${model.parameterCount()} parameters`);

  const bar = new ProgressBar('training');
  const started = performance.now();
  const losses = await model.fit(x, y, { steps: Number(options.steps), onProgress: (event) => bar.update(event) });
  bar.stop();
  const seconds = (performance.now() - started) / 1000;
  console.log(`loss ${losses[0].toFixed(4)} → ${losses[losses.length - 1].toFixed(4)} in ${losses.length} steps (${seconds.toFixed(2)} s)`);

  const dir = path.resolve(options.out, 'mlp');
  await model.save(dir);
  const { model: reloaded } = await Mlp.load(dir);
  using restored = reloaded;
  using before = await model.predict(x);
  using after = await restored.predict(x);
  const [a, b] = [await before.data<'float32'>(), await after.data<'float32'>()];
  const identical = a.every((value, i) => value === b[i]);
  console.log(`saved to ${dir}; reloaded model answers ${identical ? 'identically' : 'DIFFERENTLY'}`);
  if (!identical) process.exitCode = 1;
  await maskVaeDemo(options.out);
  await groundingDemo(options.out);
}

/** Stage 1: the shipped tiny Mask-VAE on masks it never saw. */
async function maskVaeDemo(out: string): Promise<void> {
  const checkpoint = path.join(packageRoot, 'pretrained', 'mask-vae-tiny');
  if (!fs.existsSync(path.join(checkpoint, 'model.safetensors'))) {
    console.log(`no shipped Mask-VAE at ${checkpoint}: make it with npx diff-prompt vae train`);
    return;
  }
  const { model } = await MaskVae.load(checkpoint);
  using vae = model;
  const heldOut = worldMaskSet({ seed: 7, split: 'val', count: 256, size: vae.config.sampleSize });
  const summary = await evaluateReconstruction(vae, heldOut);
  console.log(
    `Mask-VAE (stage 1, ${vae.parameterCount()} parameters): ${summary.count} held-out generated masks → ${vae.latentShape.join('×')} latents → back: mean IoU ${summary.meanIoU.toFixed(3)} (median ${summary.medianIoU.toFixed(3)})`,
  );
  const picture = path.resolve(out, 'mask-vae-reconstruction.png');
  await drawReconstructions(checkpoint, picture);
  console.log(`wrote ${picture}`);
}

/** The frozen foundation: the shipped tiny grounding model on held-out generated expressions. */
async function groundingDemo(out: string): Promise<void> {
  const checkpoint = path.join(packageRoot, 'pretrained', 'grounding-tiny');
  if (!fs.existsSync(path.join(checkpoint, 'model.safetensors'))) {
    console.log(`no shipped grounding model at ${checkpoint}: make it with npx diff-prompt grounding pretrain`);
    return;
  }
  const { model } = await GroundingModel.load(checkpoint);
  using grounding = model;
  const size = grounding.config.imageSize;
  for (const family of ['source', 'target'] as const) {
    const data = worldSource({ seed: 7, split: 'val', family, count: 300, size });
    const evaluation = await evaluateGrounding(grounding, data);
    const kind = family === 'source' ? 'attribute expressions, as pretrained' : 'relations and ordinals, zero-shot: what stage 3 is for';
    console.log(`grounding model (${grounding.parameterCount()} parameters), val/${family} (${kind}): ${recallLine(evaluation)}`);
  }
  const samples = Array.from({ length: 8 }, (_, i) => worldSample({ seed: 7, split: 'val', family: 'both', count: 8, size }, i));
  const ranked = await grounding.predict(await makeBatch(samples, grounding.batchOptions()), { topK: 1 });
  const predictions = ranked.map((boxes): Box | undefined => boxes[0] && [boxes[0].box[0], boxes[0].box[1], boxes[0].box[2] - boxes[0].box[0], boxes[0].box[3] - boxes[0].box[1]]);
  const picture = path.resolve(out, 'grounding-predictions.png');
  fs.writeFileSync(picture, await encodePng(await drawSampleGrid(samples, { predictions, pictureSize: 160 })));
  console.log(`wrote ${picture} (true box green, top-1 prediction red)`);
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the end-to-end demo on the embedded default')
    .option('--out <dir>', 'where to write the report and checkpoints', 'demo-output')
    .option('--steps <n>', 'training steps', '400')
    .action(runDemo);
}
