// Stage 2 on images: the generator's composite jobs (the frozen conditioner and Mask-VAE read
// inside the generator's own step), trainPromptGenerator's exact resume and its record of the
// frozen parts, and generate() with per-sample seeds.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { PromptGeneratorConfigInput } from '../lib/config/prompt-generator-config';
import { makeBatch } from '../lib/data/batching';
import { worldSource } from '../lib/data/world';
import { evaluateGenerator } from '../lib/eval/evaluate-generator';
import { GroundingModel } from '../lib/models/grounding-model';
import { MaskVae } from '../lib/models/mask-vae';
import { PromptGenerator, TRAINED_WITH_FILE } from '../lib/models/prompt-generator';
import { trainPromptGenerator } from '../lib/stages/train-prompt-generator';
import { Tensor } from '../lib/tensor';
import { expectError } from './support/expect-error';
import { SMALL_STAGE2_GENERATOR, SMALL_STAGE2_VAE } from './support/generator-fixtures';
import { SMALL_GROUNDING, worldSamples } from './support/grounding-fixtures';
import { tempDir } from './support/temp-dir';

const test = suite('generator training');

const SMALL_VAE = SMALL_STAGE2_VAE;
const SMALL_GENERATOR: PromptGeneratorConfigInput = { ...SMALL_STAGE2_GENERATOR, emaDecay: 0.9 };

async function parts() {
  return { conditioner: await GroundingModel.create(SMALL_GROUNDING), vae: await MaskVae.create(SMALL_VAE) };
}

const data = worldSource({ seed: 0, split: 'train', count: 40, size: 32 });

async function weightBytes(generator: PromptGenerator, dir: string): Promise<Buffer[]> {
  await generator.save(dir);
  return ['model.safetensors', 'ema.safetensors'].map((file) => fs.readFileSync(path.join(dir, file)));
}

test('one job reads the conditioner and the Mask-VAE and takes a step; the loss falls', async () => {
  const { conditioner, vae } = await parts();
  using generator = await PromptGenerator.create({ ...SMALL_GENERATOR, lr: 2e-3 });
  const batch = await makeBatch(worldSamples({ split: 'train', family: 'both', count: 16 }), conditioner.batchOptions());
  const losses: number[] = [];
  for (let step = 0; step < 60; step++) losses.push((await generator.trainOnBatch({ conditioner, vae }, batch, { lr: 2e-3 })).loss);
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  assert.ok(losses.every(Number.isFinite));
  assert.ok(mean(losses.slice(-10)) < 0.7 * mean(losses.slice(0, 10)), `${mean(losses.slice(0, 10))} → ${mean(losses.slice(-10))}`);
  conditioner.dispose();
  vae.dispose();
});

test('a resumed run repeats the uninterrupted one bit for bit, and keeps the frozen parts it trained with', async () => {
  const { conditioner, vae } = await parts();
  const dir = tempDir();
  const settings = { conditioner, vae, steps: 6, batchSize: 8, checkpointEvery: 2, seed: 3 };
  const straight = await trainPromptGenerator(data, { ...settings, config: SMALL_GENERATOR, checkpointDir: path.join(dir, 'straight') });
  const first = await trainPromptGenerator(data, { ...settings, config: SMALL_GENERATOR, maxSteps: 3, checkpointDir: path.join(dir, 'split') });
  first.generator.dispose();
  const resumed = await trainPromptGenerator(data, { ...settings, resume: true, checkpointDir: path.join(dir, 'split') });
  assert.is(resumed.steps, 6);
  assert.equal([...first.losses, ...resumed.losses], straight.losses);
  assert.equal(await weightBytes(resumed.generator, path.join(dir, 'a')), await weightBytes(straight.generator, path.join(dir, 'b')), 'weights and EMA');

  const record = JSON.parse(fs.readFileSync(path.join(dir, 'a', TRAINED_WITH_FILE), 'utf8'));
  assert.is(record.conditioner.kind, 'grounding-model');
  assert.is(record.conditioner.sha256, await conditioner.weightsSha256());
  const { model: loaded } = await PromptGenerator.load(path.join(dir, 'a'));
  await loaded.checkParts({ conditioner, vae });
  using other = await GroundingModel.create({ ...SMALL_GROUNDING, seed: 9 });
  await expectError('ERR_CHECKPOINT', () => loaded.checkParts({ conditioner: other, vae }), /trained with the grounding-model/);
  await expectError('ERR_CONFIG', () => trainPromptGenerator(data, { ...settings, conditioner: other, steps: 8, resume: true, checkpointDir: path.join(dir, 'split') }));
  for (const model of [straight.generator, resumed.generator, loaded, conditioner, vae]) model.dispose();
});

test('generate: masks in the Mask-VAE frame, the trajectory, and noise seeded per sample whatever the batch', async () => {
  const { conditioner, vae } = await parts();
  using generator = await PromptGenerator.create(SMALL_GENERATOR);
  const samples = worldSamples({ split: 'val', family: 'both', count: 3 });
  const batch = await makeBatch(samples, conditioner.batchOptions());
  const all = await generator.generateBatch({ conditioner, vae }, batch, { seeds: [11, 12, 13], steps: 5, decodeTrajectory: true });
  assert.equal(all.trajectory.shape, [5, 3, 4, 4, 4]);
  assert.equal(all.masks.shape, [3, 1, 32, 32]);
  assert.equal(all.decoded!.shape, [5, 3, 1, 32, 32]);
  const masks = await all.masks.data<'float32'>();
  assert.ok(masks.every((v) => v >= 0 && v <= 1));
  const alone = await generator.generateBatch({ conditioner, vae }, await makeBatch(samples.slice(1, 2), conditioner.batchOptions()), { seeds: [12], steps: 5 });
  const aloneMasks = await alone.masks.data<'float32'>();
  const own = masks.slice(32 * 32, 2 * 32 * 32);
  assert.ok(
    aloneMasks.every((v, i) => Math.abs(v - own[i]!) < 1e-5),
    "sample 1 alone equals sample 1 in the batch (up to the batch size's rounding)",
  );
  const images = samples.map((s) => (s.image.kind === 'pixels' ? { width: s.width, height: s.height, data: rgba(s.image.image.data) } : ''));
  const generated = await generator.generate(
    { conditioner, vae },
    images,
    samples.map((s) => s.expression),
    { steps: 5, seed: 11 },
  );
  const fromImages = await generated.masks.data<'float32'>();
  const largest = fromImages.reduce((worst, v, i) => Math.max(worst, Math.abs(v - masks[i]!)), 0);
  assert.ok(largest < 1e-5, `generate(images, expressions) batches and seeds as generateBatch (largest difference ${largest})`);
  const evaluation = await evaluateGenerator(generator, { conditioner, vae }, worldSource({ seed: 0, split: 'val', count: 6, size: 32 }), { steps: 5, compareSteps: 10, batchSize: 4 });
  assert.is(evaluation.count, 6);
  assert.ok(evaluation.meanIou >= 0 && evaluation.meanIou <= 1 && evaluation.stepAgreement!.meanIou >= 0);
  assert.ok(evaluation.found + evaluation.missed <= 1 && evaluation.reconstructionIou > 0 && evaluation.reconstructionIou <= 1);
  const families = Object.values(evaluation.byFamily);
  assert.is(
    families.reduce((n, f) => n + f.count, 0),
    6,
  );
  assert.ok(Math.abs(families.reduce((sum, f) => sum + f.count * f.meanIou, 0) / 6 - evaluation.meanIou) < 1e-9, 'the families average to the mean');
  for (const tensor of [all.trajectory, all.masks, all.decoded!, alone.trajectory, alone.masks, generated.trajectory, generated.masks]) tensor.dispose();
  conditioner.dispose();
  vae.dispose();
});

test('bad input: wrong parts, a disposed Mask-VAE, a missing image map, masks missing', async () => {
  const { conditioner, vae } = await parts();
  using generator = await PromptGenerator.create(SMALL_GENERATOR);
  const batch = await makeBatch(worldSamples({ split: 'train', family: 'both', count: 2 }), conditioner.batchOptions());
  using notConditioner = Object.assign(await MaskVae.create(SMALL_VAE), { conditionerTokens: 'text' });
  await expectError('ERR_CONFIG', () => generator.trainOnBatch({ conditioner: notConditioner as unknown as GroundingModel, vae }, batch, { lr: 1e-3 }), /conditioner must be/);
  await expectError('ERR_CONFIG', () => generator.generateBatch({ conditioner, vae }, batch, { steps: 5 }), /exactly one of noise/);
  await expectError('ERR_CONFIG', () => generator.generateBatch({ conditioner, vae }, batch, { seeds: [1, 2], steps: 101 }), /sampling steps/);
  using wide = await PromptGenerator.create({ ...SMALL_GENERATOR, imageConditionWidth: 48 });
  await expectError('ERR_CONFIG', () => wide.trainOnBatch({ conditioner, vae }, batch, { lr: 1e-3 }), /use the conditioner it was configured with/);
  await expectError('ERR_DATA', () => generator.trainOnBatch({ conditioner, vae }, { ...batch, hasMask: new Uint8Array([1, 0]) }, { lr: 1e-3 }), /mask/);
  using latents = zeros([2, 4, 4, 4]);
  using image = zeros([2, 32]);
  using text = zeros([2, 32]);
  await expectError('ERR_SHAPE', () => generator.trainStep(latents, { image, text }, { lr: 1e-3 }), /imageMap/);
  vae.dispose();
  await expectError('ERR_DISPOSED', () => generator.trainOnBatch({ conditioner, vae }, batch, { lr: 1e-3 }));
  conditioner.dispose();
});

function zeros(shape: number[]): Tensor {
  return Tensor.from(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
}

function rgba(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array((rgb.length / 3) * 4);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) out.set([rgb[i]!, rgb[i + 1]!, rgb[i + 2]!, 255], j);
  return out;
}

test.run();
