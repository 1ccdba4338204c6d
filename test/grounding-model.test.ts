// The grounding model: names, parity of its encoders with an independent PyTorch version,
// prompt slots (order-free, zero-length = none), training, checkpoints and bad input.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { groundingPreset } from '../lib/config/grounding-config';
import { makeBatch } from '../lib/data/batching';
import { writeSafetensors, readSafetensors } from '../lib/io/safetensors';
import { GroundingModel } from '../lib/models/grounding-model';
import { pretrainGrounding } from '../lib/stages/pretrain-grounding';
import { Tensor } from '../lib/tensor';
import { relativeError } from './support/compare';
import { expectError } from './support/expect-error';
import { SMALL_GROUNDING, groundingBatch, worldSamples } from './support/grounding-fixtures';
import { parityTest, runParityScript } from './support/python-torch';
import { realDataTest } from './support/real-data';
import { tempDir } from './support/temp-dir';

const test = suite('grounding model');

/** Deterministic prompt values: layers × B × L × D. */
function promptTensors(layers: number, batch: number, length: number, width: number, phase: number): Tensor[] {
  return Array.from({ length: layers }, (_, layer) =>
    Tensor.from(
      Float32Array.from({ length: batch * length * width }, (_, i) => 0.5 * Math.sin(phase + 0.7 * layer + 0.13 * i)),
      [batch, length, width],
    ),
  );
}

/** The same prompts with the tokens of each layer in reverse order. */
async function reversedTokens(prompts: Tensor[]): Promise<Tensor[]> {
  return Promise.all(
    prompts.map(async (prompt) => {
      const [b, l, d] = prompt.shape as [number, number, number];
      const values = await prompt.data<'float32'>();
      const out = new Float32Array(values.length);
      for (let i = 0; i < b; i++) for (let t = 0; t < l; t++) out.set(values.subarray((i * l + t) * d, (i * l + t + 1) * d), (i * l + (l - 1 - t)) * d);
      return Tensor.from(out, [b, l, d]);
    }),
  );
}

async function values(tensor: Tensor): Promise<Float32Array> {
  const data = await tensor.data<'float32'>();
  tensor.dispose();
  return data;
}

test('the tiny preset takes its vocabulary from the world and names parameters as BERT and timm ViT do', async () => {
  using model = await GroundingModel.create({ ...groundingPreset('tiny'), seed: 1 });
  assert.is(model.config.vocabSize, model.tokenizer.vocabSize);
  const names = new Set(model.parameters().map((p) => p.name));
  for (const name of [
    'vision.patch_embed.proj.weight',
    'vision.pos_embed',
    'vision.blocks.0.attn.qkv.weight',
    'vision.blocks.3.mlp.fc2.bias',
    'text.embeddings.word_embeddings.weight',
    'text.encoder.layer.1.attention.self.query.weight',
    'text.encoder.layer.1.attention.output.LayerNorm.weight',
    'text.pooler.dense.weight',
    'fusion.layers.0.image_from_text.q_proj.weight',
    'head.dot_product_projection_text.weight',
    'head.log_scale',
    'head.bias0',
  ]) {
    assert.ok(names.has(name), `missing ${name}`);
  }
});

parityTest(test, 'parity: independent PyTorch encoders on the same weights give the same tokens, with and without prompts', async () => {
  const dir = tempDir();
  using model = await GroundingModel.create(SMALL_GROUNDING);
  await model.save(path.join(dir, 'model'));
  const batch = await groundingBatch(model, { split: 'val', family: 'both', count: 3 });
  const tokens = batch.tokens.text!;
  for (const prompted of [false, true]) {
    const visual = prompted ? promptTensors(2, 3, 3, 32, 0) : undefined;
    const textual = prompted ? promptTensors(1, 3, 2, 32, 1) : undefined;
    const inputs: Record<string, Tensor> = {
      images: Tensor.from(batch.images, [3, 3, 32, 32]),
      ids: Tensor.from(tokens.ids, [3, tokens.length]),
      mask: Tensor.from(tokens.attentionMask, [3, tokens.length]),
    };
    const stack = async (layers: Tensor[]) => {
      const parts = await Promise.all(layers.map((t) => t.data<'float32'>()));
      const joined = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      let offset = 0;
      for (const part of parts) {
        joined.set(part, offset);
        offset += part.length;
      }
      return Tensor.from(joined, [layers.length, ...layers[0]!.shape]);
    };
    if (visual) inputs.visual_prompts = await stack(visual);
    if (textual) inputs.text_prompts = await stack(textual);
    await writeSafetensors(path.join(dir, 'input.safetensors'), inputs);
    runParityScript('grounding_encoders.py', [
      path.join(dir, 'model', 'config.json'),
      path.join(dir, 'model', 'model.safetensors'),
      path.join(dir, 'input.safetensors'),
      path.join(dir, 'output.safetensors'),
    ]);
    const expected = (await readSafetensors(path.join(dir, 'output.safetensors'))).tensors;
    const actual = await model.encode(batch, { prompts: { visual, textual } });
    for (const [name, tensor] of [
      ['image_tokens', actual.imageTokens],
      ['text_hidden', actual.textHidden],
      ['text_pooled', actual.textPooled],
    ] as const) {
      const error = relativeError(await values(tensor), await expected.get(name)!.data<'float32'>());
      assert.ok(error <= 1e-5, `${prompted ? 'prompted' : 'plain'} ${name}: relative error ${error}`);
    }
    for (const t of [...Object.values(inputs), ...(visual ?? []), ...(textual ?? [])]) t.dispose();
  }
});

parityTest(test, "parity: an independent PyTorch grounding model gives the same loss terms, bare and with each baseline's prompts and adapters", async () => {
  const dir = tempDir();
  const variants = {
    bare: {},
    'learned prompts + pyramid adapter': { visualPromptDepth: 2, visualPromptLength: 3, textPromptDepth: 1, textPromptLength: 2, pyramidAdapterReduction: 4 },
    'coupled visual from generated textual': {
      visualPromptDepth: 2,
      visualPromptLength: 3,
      textPromptDepth: 2,
      textPromptLength: 3,
      coupledVisualPrompts: true,
      expressionTextPrompts: true,
      expressionPromptHeads: 2,
    },
  };
  for (const [name, slots] of Object.entries(variants)) {
    using model = await GroundingModel.create({ ...SMALL_GROUNDING, ...slots });
    await model.save(path.join(dir, name));
    const batch = await groundingBatch(model, { split: 'train', family: 'both', count: 4 });
    const tokens = batch.tokens.text!;
    const inputs = {
      images: Tensor.from(batch.images, [4, 3, 32, 32]),
      ids: Tensor.from(tokens.ids, [4, tokens.length]),
      mask: Tensor.from(tokens.attentionMask, [4, tokens.length]),
      positive: Tensor.from(tokens.positive, [4, tokens.length]),
      boxes: Tensor.from(batch.boxes, [4, 4]),
    };
    await writeSafetensors(path.join(dir, `${name}.input.safetensors`), inputs);
    runParityScript('grounding_model.py', [
      path.join(dir, name, 'config.json'),
      path.join(dir, name, 'model.safetensors'),
      path.join(dir, `${name}.input.safetensors`),
      path.join(dir, `${name}.output.safetensors`),
    ]);
    const expected = await (await readSafetensors(path.join(dir, `${name}.output.safetensors`))).tensors.get('loss')!.data<'float32'>();
    const actual = await model.evaluateLoss(batch);
    assert.ok(actual.positives > 0, `${name}: no positive locations`);
    [actual.loss, actual.token, actual.box, actual.centerness].forEach((value, i) => {
      assert.ok(Math.abs(value - expected[i]!) <= 1e-5 * Math.max(1, Math.abs(value)), `${name} term ${i}: ${value} against ${expected[i]}`);
    });
    for (const tensor of Object.values(inputs)) tensor.dispose();
  }
});

test('prompt slots: reordering prompt tokens changes nothing, and zero-length prompts equal none', async () => {
  using model = await GroundingModel.create(SMALL_GROUNDING);
  const batch = await groundingBatch(model, { split: 'val', family: 'both', count: 4 });
  const visual = promptTensors(2, 4, 3, 32, 0);
  const textual = promptTensors(2, 4, 2, 32, 1);
  const base = await model.predict(batch, { prompts: { visual, textual }, scoreThreshold: 0 });
  const reordered = await model.predict(batch, { prompts: { visual: await reversedTokens(visual), textual: await reversedTokens(textual) }, scoreThreshold: 0 });
  for (let i = 0; i < 4; i++) {
    assert.is(reordered[i]!.length, base[i]!.length);
    for (let k = 0; k < base[i]!.length; k++) {
      assert.ok(Math.abs(reordered[i]![k]!.score - base[i]![k]!.score) < 1e-5, `sample ${i} rank ${k} score`);
      base[i]![k]!.box.forEach((v, j) => assert.ok(Math.abs(v - reordered[i]![k]!.box[j]!) < 1e-3));
    }
  }
  assert.not.equal(base, await model.predict(batch, { scoreThreshold: 0 }), 'prompts change the output');
  const none = await model.encode(batch);
  const empty = await model.encode(batch, { prompts: { visual: promptTensors(2, 4, 0, 32, 0), textual: promptTensors(2, 4, 0, 32, 0) } });
  assert.equal(await values(empty.imageTokens), await values(none.imageTokens));
  assert.equal(await values(empty.textHidden), await values(none.textHidden));
  for (const t of [...visual, ...textual, none.textPooled, empty.textPooled]) t.dispose();
});

test("features are the encoders' pooled outputs, and evaluateLoss is the loss a train step reports", async () => {
  using model = await GroundingModel.create(SMALL_GROUNDING);
  const batch = await groundingBatch(model, { split: 'train', family: 'source', count: 6 });
  const encoded = await model.encode(batch);
  const features = await model.features(batch);
  assert.equal(features.image.shape, [6, 32]);
  const tokens = await values(encoded.imageTokens);
  const mean = new Float32Array(6 * 32);
  const n = tokens.length / (6 * 32);
  for (let b = 0; b < 6; b++) for (let i = 0; i < n; i++) for (let d = 0; d < 32; d++) mean[b * 32 + d]! += tokens[(b * n + i) * 32 + d]! / n;
  assert.ok(relativeError(await values(features.image), mean) <= 1e-5, 'image feature = mean of the vision tokens');
  assert.equal(await values(features.text), await values(encoded.textPooled));
  encoded.textHidden.dispose();
  const evaluated = await model.evaluateLoss(batch);
  const trained = await model.trainStep(batch, { lr: 1e-3 });
  assert.ok(Math.abs(evaluated.loss - trained.loss) <= 1e-5 * Math.abs(trained.loss), `${evaluated.loss} vs ${trained.loss}`);
  assert.is(evaluated.positives, trained.positives);
  assert.ok((await model.evaluateLoss(batch)).loss !== evaluated.loss, 'the step changed the weights');
});

test('training lowers the loss, and the same seed gives the same losses', async () => {
  const data = worldSamples({ split: 'train', family: 'source', count: 48 });
  const run = async () => {
    const { model, losses } = await pretrainGrounding(data, { config: SMALL_GROUNDING, epochs: 4, batchSize: 16, warmupSteps: 2, lr: 2e-3, seed: 2 });
    model.dispose();
    return losses;
  };
  const first = await run();
  assert.is(first.length, 12);
  const head = (first[0]! + first[1]!) / 2;
  const tail = (first[10]! + first[11]!) / 2;
  assert.ok(tail < head * 0.8, `loss ${head} → ${tail}`);
  assert.equal(await run(), first);
});

test('an interrupted pretraining resumed from last/ gives the losses of an uninterrupted run', async () => {
  const data = worldSamples({ split: 'train', family: 'source', count: 40 });
  const options = { config: SMALL_GROUNDING, epochs: 2, batchSize: 16, warmupSteps: 2, seed: 4 };
  const whole = await pretrainGrounding(data, options);
  whole.model.dispose();
  const dir = tempDir();
  const first = await pretrainGrounding(data, { ...options, checkpointDir: dir, maxSteps: 4 });
  first.model.dispose();
  const second = await pretrainGrounding(data, { ...options, checkpointDir: dir, resume: true });
  second.model.dispose();
  assert.equal([...first.losses, ...second.losses], whole.losses);
  await expectError('ERR_CONFIG', () => pretrainGrounding(data, { ...options, seed: 5, checkpointDir: dir, resume: true }), /seed/);
});

test('pretraining stops with ERR_ABORTED between steps when its signal fires', async () => {
  const data = worldSamples({ split: 'train', family: 'source', count: 64 });
  const controller = new AbortController();
  const steps: number[] = [];
  await expectError('ERR_ABORTED', () =>
    pretrainGrounding(data, {
      config: SMALL_GROUNDING,
      epochs: 2,
      batchSize: 8,
      signal: controller.signal,
      onProgress: (event) => {
        steps.push(event.step);
        if (event.step === 2) controller.abort();
      },
    }),
  );
  assert.equal(steps, [1, 2]);
});

test('saved and loaded: the same predictions, the vocabulary beside the weights', async () => {
  const dir = tempDir();
  using model = await GroundingModel.create(SMALL_GROUNDING);
  const batch = await groundingBatch(model, { split: 'val', family: 'source', count: 3 });
  await model.save(path.join(dir, 'g'));
  assert.ok(fs.existsSync(path.join(dir, 'g', 'vocab.txt')));
  const { model: loaded } = await GroundingModel.load(path.join(dir, 'g'));
  using again = loaded;
  const predictions = await model.predict(batch, { scoreThreshold: 0 });
  assert.ok(predictions.every((boxes) => boxes.length > 0));
  assert.equal(await again.predict(batch, { scoreThreshold: 0 }), predictions);
  fs.rmSync(path.join(dir, 'g', 'vocab.txt'));
  await expectError('ERR_CHECKPOINT', () => GroundingModel.load(path.join(dir, 'g')), /vocab\.txt/);
});

test('learned prompts: only prompts.* train, the rest stays as loaded', async () => {
  const dir = tempDir();
  using base = await GroundingModel.create(SMALL_GROUNDING);
  await base.save(path.join(dir, 'g'));
  using prompted = await GroundingModel.loadWithPrompts(path.join(dir, 'g'), { visualPromptDepth: 2, visualPromptLength: 4, textPromptDepth: 1, textPromptLength: 2 });
  await prompted.setTrainable('prompts');
  assert.is(prompted.parameterCount({ trainableOnly: true }), 2 * 4 * 32 + 1 * 2 * 32);
  const batch = await groundingBatch(prompted, { split: 'train', family: 'target', count: 8 });
  const before = await prompted.predict(batch, { scoreThreshold: 0 });
  await prompted.trainStep(batch, { lr: 1e-2 });
  assert.not.equal(await prompted.predict(batch, { scoreThreshold: 0 }), before);
  await prompted.save(path.join(dir, 'p'));
  const frozen = (await readSafetensors(path.join(dir, 'g', 'model.safetensors'))).tensors;
  const after = (await readSafetensors(path.join(dir, 'p', 'model.safetensors'))).tensors;
  for (const [name, tensor] of frozen) assert.equal(await after.get(name)!.data(), await tensor.data(), `${name} changed`);
  assert.ok(after.has('prompts.visual') && after.has('prompts.textual'));
});

test('bad input: wrong frame, wrong prompt width, too many prompt layers, bad config, disposed', async () => {
  using model = await GroundingModel.create(SMALL_GROUNDING);
  const wrongFrame = await groundingBatch(model, { split: 'val', family: 'source', count: 2 });
  wrongFrame.size = { width: 64, height: 64 };
  await expectError('ERR_SHAPE', () => model.predict(wrongFrame), /32×32/);
  const batch = await groundingBatch(model, { split: 'val', family: 'source', count: 2 });
  await expectError('ERR_SHAPE', () => model.predict(batch, { prompts: { visual: promptTensors(1, 2, 3, 16, 0) } }), /visual prompts/);
  await expectError('ERR_SHAPE', () => model.predict(batch, { prompts: { textual: promptTensors(3, 2, 3, 32, 0) } }), /3 layers of prompts for 2/);
  await expectError('ERR_CONFIG', () => GroundingModel.create({ ...SMALL_GROUNDING, visionHeads: 3 }));
  await expectError('ERR_CONFIG', () => GroundingModel.create({ ...SMALL_GROUNDING, pyramidStrides: [12] }));
  model.dispose();
  await expectError('ERR_DISPOSED', () => model.predict(batch));
});

realDataTest(test, 'the paper preset: bert-base-uncased vocabulary and widths, 136,033,610 parameters, boxes on 224×224', async (dir) => {
  const vocabFile = path.join(dir, 'vocab', 'bert-base-uncased-vocab.txt');
  using model = await GroundingModel.create({ ...groundingPreset('paper'), seed: 0 }, { vocabFile });
  assert.is(model.parameterCount(), 136_033_610);
  assert.is(model.tokenizer.vocabSize, 30522);
  const samples = worldSamples({ split: 'val', family: 'source', count: 1, size: 224 });
  const [boxes] = await model.predict(await makeBatch(samples, model.batchOptions()), { scoreThreshold: 0, topK: 5 });
  assert.is(boxes!.length, 5);
  await expectError('ERR_CONFIG', () => GroundingModel.create(groundingPreset('paper')), 'vocabFile');
});

test.run();
