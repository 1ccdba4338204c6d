// One benchmark row on the addon's side, in a process of its own (so its peak RSS is its own):
//   tsx bench/addon-side.ts WORKLOAD_INDEX DIR RUNS
// Writes the model folder and DIR/input.safetensors (inputs, generator state) and prints JSON
// { times: ms[], loss: the first call's loss (or the sample's mean for sampling), maxRssKb }.
import fs from 'node:fs';
import path from 'node:path';
import { writeSafetensors } from '../lib/io/safetensors';
import { makeBatch } from '../lib/data/batching';
import { worldSample } from '../lib/data/world';
import { DiffPrompt } from '../lib/models/diff-prompt';
import { GroundingModel } from '../lib/models/grounding-model';
import { MaskVae } from '../lib/models/mask-vae';
import { PromptGenerator } from '../lib/models/prompt-generator';
import { worldMaskSet, stackMasks } from '../lib/data/mask-sets';
import { Tensor } from '../lib/tensor';
import { WORKLOADS, type Workload } from './workloads';

const KL_WEIGHT = 3.7732e-4;
const VAE_LR = 5e-3;
const DIT_LR = 1e-4;
const GROUNDING_LR = 1e-4;
const STAGE3_LR = 1e-3;
const PRETRAINED = path.join(__dirname, '..', 'pretrained');
const WARM_UP = 2;

/** Times `call` WARM_UP + runs times; the first result is the row's check value. Await it before the
 * caller's `using` tensors go out of scope. */
async function timeCalls(runs: number, call: () => Promise<number>): Promise<{ times: number[]; loss: number }> {
  const times: number[] = [];
  let loss = Number.NaN;
  for (let i = 0; i < WARM_UP + runs; i++) {
    const started = performance.now();
    const value = await call();
    if (i === 0) loss = value;
    if (i >= WARM_UP) times.push(performance.now() - started);
  }
  return { times, loss };
}

async function rngTensor(model: { rngState(): Promise<Uint8Array> }): Promise<Tensor> {
  const state = await model.rngState();
  return Tensor.from(state, [state.length], 'uint8');
}

async function maskVaeRow(workload: Workload, dir: string, runs: number) {
  using vae = await MaskVae.create(workload.config as never);
  const side = vae.config.sampleSize;
  const set = worldMaskSet({ seed: 0, split: 'train', count: workload.batch, size: side });
  using masks = Tensor.from(
    stackMasks(
      set,
      Array.from({ length: workload.batch }, (_, i) => i),
    ),
    [workload.batch, 1, side, side],
  );
  await vae.save(path.join(dir, 'model'));
  // The PyTorch side continues from the same generator state, so both draw the same noise.
  using rng = await rngTensor(vae);
  await writeSafetensors(path.join(dir, 'input.safetensors'), { masks, rng });
  return await timeCalls(runs, async () => (await vae.trainStep(masks, { lr: VAE_LR, klWeight: KL_WEIGHT })).loss);
}

function wave(shape: number[], phase: number): Tensor {
  const count = shape.reduce((a, b) => a * b, 1);
  return Tensor.from(
    Float32Array.from({ length: count }, (_, i) => Math.sin(phase + 0.37 * i)),
    shape,
  );
}

async function maskDitRow(workload: Workload, dir: string, runs: number) {
  using generator = await PromptGenerator.create(workload.config as never);
  const c = generator.config;
  using latents = wave([workload.batch, c.inChannels, c.inputSize, c.inputSize], 0.1);
  using image = wave([workload.batch, c.imageConditionWidth], 1.2);
  using text = wave([workload.batch, c.textConditionWidth], 2.3);
  await generator.save(path.join(dir, 'model'));
  using rng = await rngTensor(generator);
  await writeSafetensors(path.join(dir, 'input.safetensors'), { latents, image_features: image, text_features: text, rng });
  if (workload.kind === 'mask-dit-train-step') {
    return await timeCalls(runs, async () => (await generator.trainStep(latents, { image, text }, { lr: DIT_LR })).loss);
  }
  return await timeCalls(runs, async () => {
    using trajectory = await generator.trajectory(latents, { image, text }, { respacing: 'ddim25', useEma: true });
    const values = await trajectory.data<'float32'>();
    return values.subarray(values.length - latents.shape.reduce((a, b) => a * b, 1)).reduce((sum, v) => sum + Math.abs(v), 0);
  });
}

/** A batch of generated samples for a grounding model, and its tensors for the PyTorch side. */
async function groundingInputs(model: { batchOptions: GroundingModel['batchOptions'] }, size: number, count: number) {
  const world = { seed: 0, split: 'train' as const, family: 'target' as const, count, size };
  const batch = await makeBatch(
    Array.from({ length: count }, (_, i) => worldSample(world, i)),
    model.batchOptions(),
  );
  const tokens = batch.tokens.text!;
  const tensors = {
    images: Tensor.from(batch.images, [count, 3, size, size]),
    ids: Tensor.from(tokens.ids, [count, tokens.length]),
    mask: Tensor.from(tokens.attentionMask, [count, tokens.length]),
    positive: Tensor.from(tokens.positive, [count, tokens.length]),
    boxes: Tensor.from(batch.boxes, [count, 4]),
  };
  return { batch, tensors };
}

async function groundingRow(workload: Workload, dir: string, runs: number) {
  using model = await GroundingModel.create(workload.config as never);
  const { batch, tensors } = await groundingInputs(model, model.config.imageSize, workload.batch);
  await model.save(path.join(dir, 'model'));
  await writeSafetensors(path.join(dir, 'input.safetensors'), tensors);
  for (const tensor of Object.values(tensors)) tensor.dispose();
  return await timeCalls(runs, async () => (await model.trainStep(batch, { lr: GROUNDING_LR })).loss);
}

async function diffPromptRow(workload: Workload, dir: string, runs: number) {
  const parts = { backbone: path.join(PRETRAINED, 'grounding-tiny'), vae: path.join(PRETRAINED, 'mask-vae-tiny'), generator: path.join(PRETRAINED, 'generator-tiny') };
  using model = await DiffPrompt.fromFolders(parts, workload.config as never);
  const { batch, tensors } = await groundingInputs(model, model.parts.backbone.config.imageSize, workload.batch);
  await model.save(path.join(dir, 'model'));
  fs.writeFileSync(path.join(dir, 'parts.json'), JSON.stringify({ model: path.join(dir, 'model'), ...parts }));
  // The PyTorch side draws x_T from the same generator state.
  using rng = await rngTensor(model);
  await writeSafetensors(path.join(dir, 'input.safetensors'), { ...tensors, rng });
  for (const tensor of Object.values(tensors)) tensor.dispose();
  return await timeCalls(runs, async () => (await model.trainStep(batch, { lr: STAGE3_LR })).loss);
}

const ROWS: Record<Workload['kind'], (workload: Workload, dir: string, runs: number) => Promise<{ times: number[]; loss: number }>> = {
  'mask-vae-train-step': maskVaeRow,
  'mask-dit-train-step': maskDitRow,
  'ddim-trajectory': maskDitRow,
  'grounding-train-step': groundingRow,
  'diff-prompt-train-step': diffPromptRow,
};

async function main(): Promise<void> {
  const [index, dir, defaultRuns] = [Number(process.argv[2]), process.argv[3]!, Number(process.argv[4] ?? 10)];
  const workload = WORKLOADS[index]!;
  const runs = workload.runs ?? defaultRuns;
  const { times, loss } = await ROWS[workload.kind](workload, dir, runs);
  console.log(JSON.stringify({ times, loss, maxRssKb: process.resourceUsage().maxRSS }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
