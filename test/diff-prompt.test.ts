// Stage 3: Diff-Prompt's adapters and flags, the trajectory-to-layer map, that tuning changes
// only the adapters, that the alignment term's gradient reaches them, deterministic evaluation,
// and a saved folder that refers to its frozen parts by path and sha256.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { DiffPromptConfigInput } from '../lib/config/diff-prompt-config';
import { makeBatch } from '../lib/data/batching';
import { encodePng } from '../lib/data/images/encode-png';
import { sampleSeed } from '../lib/data/sample-seed';
import { DiffPrompt, PARTS_FILE } from '../lib/models/diff-prompt';
import { GroundingModel } from '../lib/models/grounding-model';
import { MaskVae } from '../lib/models/mask-vae';
import { PromptGenerator } from '../lib/models/prompt-generator';
import { GroundingPipeline } from '../lib/serving/grounding-pipeline';
import { expectError } from './support/expect-error';
import { SMALL_GROUNDING, worldSamples } from './support/grounding-fixtures';
import { tempDir } from './support/temp-dir';

const test = suite('Diff-Prompt');

const SMALL_VAE = { blockChannels: [4, 8, 8, 8], layersPerBlock: 1, latentChannels: 4, normGroups: 4, sampleSize: 32, seed: 2 };
const SMALL_GENERATOR = { inputSize: 4, inChannels: 4, patchSize: 1, hiddenSize: 32, depth: 2, numHeads: 2, imageConditionWidth: 32, textConditionWidth: 32, seed: 5 };
/** Both encoders of the small backbone have two layers; 10 DDIM steps. */
const SMALL_DIFF_PROMPT: DiffPromptConfigInput = { visualDepth: 2, textualDepth: 2, length: 4, samplingSteps: 10, stride: 2, alignWidth: 16, seed: 4 };

async function parts() {
  return { backbone: await GroundingModel.create(SMALL_GROUNDING), vae: await MaskVae.create(SMALL_VAE), generator: await PromptGenerator.create(SMALL_GENERATOR) };
}

function disposeAll(...models: { dispose(): void }[]): void {
  for (const model of models) model.dispose();
}

async function batchOf(model: DiffPrompt, count: number, split: 'train' | 'val' = 'train') {
  return makeBatch(worldSamples({ split, family: 'both', count }), model.batchOptions());
}

test('adapters: per-modality trunks, L/2 specific + L/2 global tokens per layer, and the ablation flags', async () => {
  const { backbone, vae, generator } = await parts();
  using full = await DiffPrompt.create({ backbone, vae, generator }, SMALL_DIFF_PROMPT);
  const names = full.parameters().map((p) => p.name);
  for (const name of [
    'visual_adapter.trunk.0.weight',
    'visual_adapter.trunk.1.weight',
    'visual_adapter.head.weight',
    'visual_adapter.global_prompts.1',
    'textual_adapter.head.weight',
    'align.visual_prompts.weight',
    'align.image_features.weight',
  ]) {
    assert.ok(names.includes(name), name);
  }
  assert.ok(names.includes('visual_adapter.trunk.2.weight') && !names.includes('visual_adapter.trunk.3.weight'), '32×32 masks: three stride-2 convolutions, down to 4×4 (the first map ≤ 7)');
  const shapeOf = (model: DiffPrompt, name: string) => model.parameters().find((p) => p.name === name)!.shape;
  assert.equal(shapeOf(full, 'visual_adapter.global_prompts.0'), [2, 32], 'L/2 global tokens of the vision width');
  assert.equal(shapeOf(full, 'textual_adapter.head.weight')[0], 2 * 32, 'L/2 specific tokens of the text width');
  using noGlobal = await DiffPrompt.create({ backbone, vae, generator }, { ...SMALL_DIFF_PROMPT, global: false });
  assert.not.ok(noGlobal.parameters().some((p) => p.name.includes('global_prompts')));
  using noSpecific = await DiffPrompt.create({ backbone, vae, generator }, { ...SMALL_DIFF_PROMPT, specific: false });
  assert.ok(
    noSpecific.parameters().every((p) => p.name.includes('global_prompts')),
    'without the specific part only global tokens train (and nothing to align)',
  );
  using visualOnly = await DiffPrompt.create({ backbone, vae, generator }, { ...SMALL_DIFF_PROMPT, textualDepth: 0 });
  assert.not.ok(visualOnly.parameters().some((p) => p.name.startsWith('textual_adapter')));
  assert.ok(full.parameterCount({ trainableOnly: true }) === full.parameterCount());
  await full.layerMasks(await batchOf(full, 1));
  assert.is(backbone.parameterCount({ trainableOnly: true }), 0, 'the first job froze the backbone');
  await expectError('ERR_CONFIG', () => DiffPrompt.create({ backbone, vae, generator }, { ...SMALL_DIFF_PROMPT, stride: 10 }), /stride/);
  disposeAll(backbone, vae, generator);
});

test('layer j reads the trajectory 2j steps before its end, decoded by the Mask-VAE, seeded per sample', async () => {
  const { backbone, vae, generator } = await parts();
  using model = await DiffPrompt.create({ backbone, vae, generator }, SMALL_DIFF_PROMPT);
  const batch = await batchOf(model, 3, 'val');
  using masks = await model.layerMasks(batch);
  assert.equal(masks.shape, [2, 3, 1, 32, 32]);
  const generated = await generator.generateBatch({ conditioner: backbone, vae }, batch, { seeds: batch.ids.map((id) => sampleSeed(id, 4)), steps: 10, decodeTrajectory: true });
  const decoded = await generated.decoded!.data<'float32'>();
  const layers = await masks.data<'float32'>();
  const plane = 3 * 32 * 32;
  for (const j of [0, 1]) {
    const step = 9 - 2 * j;
    const expected = decoded.subarray(step * plane, (step + 1) * plane);
    const got = layers.subarray(j * plane, (j + 1) * plane);
    // generate() clamps the decoded masks to [0, 1] for pictures; the adapters read them raw.
    assert.ok(
      got.every((v, i) => Math.abs(Math.min(1, Math.max(0, v)) - expected[i]!) < 1e-5),
      `layer ${j} is step ${step}`,
    );
  }
  disposeAll(generated.trajectory, generated.masks, generated.decoded!, backbone, vae, generator);
});

test('tuning changes only the adapters; the alignment gradient reaches them; evaluation is deterministic', async () => {
  const { backbone, vae, generator } = await parts();
  const before = await Promise.all([backbone, vae, generator].map((model) => model.weightsSha256()));
  const dir = tempDir();
  const weightsAfterOneStep = async (alignmentWeight: number) => {
    using model = await DiffPrompt.create({ backbone, vae, generator }, SMALL_DIFF_PROMPT);
    const batch = await batchOf(model, 4);
    const losses = await model.trainStep(batch, { lr: 1e-2, alignmentWeight });
    await model.save(path.join(dir, `w${alignmentWeight}`));
    return { losses, bytes: fs.readFileSync(path.join(dir, `w${alignmentWeight}`, 'model.safetensors')) };
  };
  const without = await weightsAfterOneStep(0);
  const withAlignment = await weightsAfterOneStep(1);
  assert.ok(without.losses.alignment > 0 && Number.isFinite(without.losses.grounding), 'both terms are reported');
  assert.ok(Math.abs(without.losses.loss - without.losses.grounding) < 1e-6, 'weight 0: the loss is the grounding loss');
  assert.ok(Math.abs(withAlignment.losses.loss - (withAlignment.losses.grounding + withAlignment.losses.alignment)) < 1e-5);
  assert.not.equal(without.bytes, withAlignment.bytes, 'the alignment term moves the adapters');
  assert.equal(await Promise.all([backbone, vae, generator].map((model) => model.weightsSha256())), before, 'the frozen parts stay as they were');

  using model = await DiffPrompt.create({ backbone, vae, generator }, SMALL_DIFF_PROMPT);
  const batch = await batchOf(model, 4, 'val');
  for (let step = 0; step < 3; step++) await model.trainStep(await batchOf(model, 4), { lr: 1e-2 });
  const first = await model.predict(batch, { topK: 3 });
  assert.equal(await model.predict(batch, { topK: 3 }), first, 'the same boxes twice');
  const [alone] = await model.predict(await makeBatch(worldSamples({ split: 'val', family: 'both', count: 4 }).slice(2, 3), model.batchOptions()), { topK: 3 });
  assert.equal(
    alone!.map((b) => b.box.map((v) => Math.round(v * 100))),
    first[2]!.map((b) => b.box.map((v) => Math.round(v * 100))),
    'a sample alone gets the boxes it gets in a batch',
  );
  disposeAll(backbone, vae, generator);
});

test('a saved folder refers to its parts by path and sha256, and refuses a changed part', async () => {
  const dir = tempDir();
  const { backbone, vae, generator } = await parts();
  const dirs = { backbone: path.join(dir, 'backbone'), vae: path.join(dir, 'vae'), generator: path.join(dir, 'generator') };
  await backbone.save(dirs.backbone);
  await vae.save(dirs.vae);
  await generator.save(dirs.generator);
  disposeAll(backbone, vae, generator);
  const tuned = await DiffPrompt.fromFolders(dirs, SMALL_DIFF_PROMPT);
  const batch = await batchOf(tuned, 4);
  await tuned.trainStep(batch, { lr: 1e-2 });
  const saved = path.join(dir, 'tuned');
  await tuned.save(saved);
  const expected = await tuned.predict(batch, { topK: 2 });
  tuned.dispose();
  const record = JSON.parse(fs.readFileSync(path.join(saved, PARTS_FILE), 'utf8'));
  assert.is(record.backbone.path, '../backbone');
  const loaded = await DiffPrompt.load(saved);
  assert.equal(await loaded.predict(batch, { topK: 2 }), expected);
  loaded.dispose();
  await using pipeline = await GroundingPipeline.load(saved);
  const sample = worldSamples({ split: 'val', family: 'target', count: 1 })[0]!;
  const rgb = sample.image.kind === 'pixels' ? sample.image.image : undefined;
  const served = await pipeline.predict(Buffer.from(await encodePng(rgb!)), sample.expression, { topK: 3 });
  assert.ok(served.length <= 3 && served.every((b) => b.box.length === 4), 'GroundingPipeline serves a tuned Diff-Prompt folder');
  assert.equal(await pipeline.predict(Buffer.from(await encodePng(rgb!)), sample.expression, { topK: 3 }), served, 'deterministically');
  using other = await MaskVae.create({ ...SMALL_VAE, seed: 7 });
  await other.save(dirs.vae);
  await expectError('ERR_CHECKPOINT', () => DiffPrompt.load(saved), /vae .* is not the one/);
});

test.run();
