// CLIP, the generator's conditioner: Hugging Face names, ViT-B/32's exact size, parity with an
// independent PyTorch version on the same random weights, end-of-text pooling, checkpoints,
// batching with the real BPE vocabulary, the prompt generator's composite jobs, and bad input.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import { parseConfig } from '../lib/config/parse-config';
import { promptGeneratorConfigSchema } from '../lib/config/prompt-generator-config';
import * as assert from 'uvu/assert';
import { clipConfigSchema, clipPreset } from '../lib/config/clip-config';
import { MASK_VAE_PRESETS, maskVaeConfigSchema } from '../lib/config/mask-vae-config';
import { makeBatch } from '../lib/data/batching';
import { ClipBpeTokenizer } from '../lib/data/tokenizers/clip-bpe-tokenizer';
import { WordLevelTokenizer } from '../lib/data/tokenizers/word-level-tokenizer';
import { worldVocabulary } from '../lib/data/world';
import { readSafetensors, writeSafetensors } from '../lib/io/safetensors';
import { CLIP_TOKENS, ClipModel, type ClipEncoding } from '../lib/models/clip-model';
import { native } from '../lib/native';
import type { NativeTensorHandle } from '../lib/native-api';
import { Tensor } from '../lib/tensor';
import { relativeError } from './support/compare';
import { expectError } from './support/expect-error';
import { worldSamples } from './support/grounding-fixtures';
import { parityTest, runParityScript } from './support/python-torch';
import { realDataTest } from './support/real-data';
import { tempDir } from './support/temp-dir';

const test = suite('CLIP model');

const SOT = 49406;
const EOT = 49407;
/** The tiny preset: 64×64 images in 8×8 patches (an 8×8 grid), 64-wide embeddings. */
const TINY = { ...clipPreset('tiny'), seed: 5 };

/** Seeded standard normal draws (mulberry32, Box–Muller). */
function normals(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Random weights by Hugging Face name: LayerNorm weights near 1, biases near 0, the rest
 * N(0, 1/fan-in), logit_scale CLIP's; plus the position_ids buffers older transformers save. */
function randomWeights(model: ClipModel, seed: number): Record<string, Tensor> {
  const draw = normals(seed);
  const tensors: Record<string, Tensor> = {};
  for (const { name, shape } of model.parameters()) {
    const count = shape.reduce((a, b) => a * b, 1);
    const fanIn = shape.length > 1 ? count / shape[0]! : count;
    const value = /(layer_norm\d?|layrnorm|layernorm)\.weight$/.test(name)
      ? () => 1 + 0.1 * draw()
      : name.endsWith('.bias')
        ? () => 0.1 * draw()
        : name === 'logit_scale'
          ? () => Math.log(1 / 0.07)
          : () => draw() / Math.sqrt(fanIn);
    tensors[name] = Tensor.from(Float32Array.from({ length: count }, value), shape);
  }
  const grid = model.config.imageSize / model.config.patchSize;
  const positions = (length: number) =>
    Tensor.from(
      BigInt64Array.from({ length }, (_, i) => BigInt(i)),
      [1, length],
    );
  tensors['vision_model.embeddings.position_ids'] = positions(grid * grid + 1);
  tensors['text_model.embeddings.position_ids'] = positions(model.config.contextLength);
  return tensors;
}

/** Token rows framed as the tokenizer frames them: SOT, the given ids, EOT, zero padding. */
function tokenRows(rows: number[][], length: number): { ids: Tensor; mask: Tensor } {
  const ids = new Int32Array(rows.length * length);
  const mask = new Uint8Array(rows.length * length);
  rows.forEach((row, b) => {
    [SOT, ...row, EOT].forEach((id, t) => {
      ids[b * length + t] = id;
      mask[b * length + t] = 1;
    });
  });
  return { ids: Tensor.from(ids, [rows.length, length]), mask: Tensor.from(mask, [rows.length, length]) };
}

function images(count: number, size: number, seed: number): Tensor {
  const draw = normals(seed);
  return Tensor.from(Float32Array.from({ length: count * 3 * size * size }, draw), [count, 3, size, size]);
}

async function values(tensor: Tensor): Promise<Float32Array> {
  const data = await tensor.data<'float32'>();
  tensor.dispose();
  return data;
}

async function encodingValues(encoding: ClipEncoding): Promise<{ image: Float32Array; text: Float32Array; imageMap: Float32Array }> {
  return { image: await values(encoding.image), text: await values(encoding.text), imageMap: await values(encoding.imageMap) };
}

test('the tiny preset names parameters as Hugging Face CLIPModel, keeps no position_ids and is frozen', async () => {
  using model = await ClipModel.create(TINY);
  const parameters = model.parameters();
  const names = new Set(parameters.map((p) => p.name));
  for (const name of [
    'vision_model.embeddings.patch_embedding.weight',
    'vision_model.embeddings.class_embedding',
    'vision_model.embeddings.position_embedding.weight',
    'vision_model.pre_layrnorm.weight',
    'vision_model.encoder.layers.0.self_attn.q_proj.weight',
    'vision_model.encoder.layers.1.self_attn.out_proj.bias',
    'vision_model.encoder.layers.1.layer_norm2.bias',
    'vision_model.encoder.layers.0.mlp.fc1.weight',
    'vision_model.post_layernorm.weight',
    'visual_projection.weight',
    'text_model.embeddings.token_embedding.weight',
    'text_model.embeddings.position_embedding.weight',
    'text_model.encoder.layers.1.self_attn.k_proj.bias',
    'text_model.encoder.layers.0.layer_norm1.weight',
    'text_model.encoder.layers.1.mlp.fc2.weight',
    'text_model.final_layer_norm.bias',
    'text_projection.weight',
    'logit_scale',
  ]) {
    assert.ok(names.has(name), `missing ${name}`);
  }
  const shape = (name: string) => parameters.find((p) => p.name === name)!.shape;
  assert.equal(shape('vision_model.embeddings.patch_embedding.weight'), [64, 3, 8, 8]);
  assert.equal(shape('vision_model.embeddings.position_embedding.weight'), [65, 64]);
  assert.equal(shape('text_model.embeddings.position_embedding.weight'), [77, 64]);
  assert.equal(shape('logit_scale'), []);
  assert.not.ok(names.has('visual_projection.bias') || names.has('text_projection.bias'), 'projections have no bias');
  assert.not.ok([...names].some((name) => name.includes('position_ids')));
  assert.is(model.parameterCount({ trainableOnly: true }), 0);
});

test("the vit-b-32 preset has CLIP ViT-B/32's 151,277,313 parameters (logit_scale included)", async () => {
  using model = await ClipModel.create(clipPreset('vit-b-32'));
  assert.is(model.parameterCount(), 151_277_313);
});

parityTest(test, 'parity: an independent PyTorch CLIP on the same random weights gives the same image, text and map embeddings', async () => {
  const dir = tempDir();
  using model = await ClipModel.create(TINY);
  const weights = randomWeights(model, 11);
  const weightsFile = path.join(dir, 'hf.safetensors');
  await writeSafetensors(weightsFile, weights);
  for (const tensor of Object.values(weights)) tensor.dispose();
  const report = await model.loadWeights(weightsFile);
  assert.equal([report.missing, report.unexpected], [[], []], 'position_ids are dropped, everything else matches');

  const words = (count: number, phase: number) => Array.from({ length: count }, (_, i) => 1 + ((phase + 7919 * i) % 49000));
  const { ids, mask } = tokenRows([words(5, 1), words(20, 2), words(75, 3)], 77);
  using pixels = images(3, 64, 7);
  const inputsFile = path.join(dir, 'input.safetensors');
  await writeSafetensors(inputsFile, { images: pixels, ids, mask });
  const configFile = path.join(dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify(model.config));
  const outputFile = path.join(dir, 'output.safetensors');
  runParityScript('clip.py', [configFile, weightsFile, inputsFile, outputFile]);

  const expected = (await readSafetensors(outputFile)).tensors;
  const actual = await model.encode(pixels, ids, mask);
  assert.equal(actual.image.shape, [3, 64]);
  assert.equal(actual.text.shape, [3, 64]);
  assert.equal(actual.imageMap.shape, [3, 64, 8, 8]);
  const errors: string[] = [];
  for (const [name, tensor] of [
    ['image', actual.image],
    ['text', actual.text],
    ['image_map', actual.imageMap],
  ] as const) {
    const error = relativeError(await values(tensor), await values(expected.get(name)!));
    errors.push(`${name} ${error.toExponential(2)}`);
    assert.ok(error <= 1e-5, `${name}: relative error ${error}`);
  }
  console.log(`CLIP parity, relative errors: ${errors.join(', ')}`);
  ids.dispose();
  mask.dispose();
});

test('the text embedding is read at the highest token id: what follows it does not matter, moving it does', async () => {
  using model = await ClipModel.create(TINY);
  using pixels = images(1, 64, 1);
  const text = async (rowIds: number[], rowMask: number[]) => {
    using ids = Tensor.from(Int32Array.from(rowIds), [1, rowIds.length]);
    using mask = Tensor.from(Uint8Array.from(rowMask), [1, rowMask.length]);
    const encoded = await encodingValues(await model.encode(pixels, ids, mask));
    return encoded.text;
  };
  const padded = await text([SOT, 320, 1125, 539, EOT, 0, 0, 0], [1, 1, 1, 1, 1, 0, 0, 0]);
  const followed = await text([SOT, 320, 1125, 539, EOT, 2368, 4003, 11], [1, 1, 1, 1, 1, 1, 1, 1]);
  assert.ok(relativeError(followed, padded) <= 1e-6, 'tokens after the end-of-text token change nothing');
  const early = await text([SOT, 320, EOT, 539, 1125, 0, 0, 0], [1, 1, 1, 1, 1, 0, 0, 0]);
  const short = await text([SOT, 320, EOT], [1, 1, 1]);
  assert.ok(relativeError(early, short) <= 1e-6, 'the row at the highest id, wherever it is');
  assert.ok(relativeError(early, padded) > 1e-2, 'moving the end-of-text token changes the embedding');
});

test('a checkpoint folder round-trips; published files may carry position_ids but no other stray name', async () => {
  const dir = tempDir();
  using model = await ClipModel.create(TINY);
  const weights = randomWeights(model, 2);
  const { ids, mask } = tokenRows([[320, 1125], [2368]], 8);
  using pixels = images(2, 64, 4);
  await writeSafetensors(path.join(dir, 'hf.safetensors'), weights);
  await model.loadWeights(path.join(dir, 'hf.safetensors'));
  await model.save(path.join(dir, 'clip'));
  const saved = (await readSafetensors(path.join(dir, 'clip', 'model.safetensors'))).tensors;
  assert.not.ok([...saved.keys()].some((name) => name.includes('position_ids')));
  for (const tensor of saved.values()) tensor.dispose();
  using loaded = await ClipModel.load(path.join(dir, 'clip'));
  assert.equal(loaded.config, model.config);
  assert.equal(await encodingValues(await loaded.encode(pixels, ids, mask)), await encodingValues(await model.encode(pixels, ids, mask)));

  const stray = path.join(dir, 'stray.safetensors');
  await writeSafetensors(stray, { ...weights, 'text_model.embeddings.token_ids': Tensor.from(new Float32Array(1), [1]) });
  await expectError('ERR_CHECKPOINT', () => model.loadWeights(stray), 'unexpected 1');
  for (const tensor of Object.values(weights)) tensor.dispose();
  ids.dispose();
  mask.dispose();
});

realDataTest(test, 'batches made with batchOptions carry CLIP-normalised images and BPE tokens to 77', async (dir) => {
  using model = await ClipModel.create(TINY);
  const tokenizer = ClipBpeTokenizer.fromVocabFile(path.join(dir, 'vocab', 'bpe_simple_vocab_16e6.txt.gz'));
  const batch = await makeBatch(worldSamples({ split: 'val', family: 'both', count: 2, size: 64 }), model.batchOptions(tokenizer));
  const tokens = batch.tokens[CLIP_TOKENS]!;
  assert.is(tokens.length, 77);
  assert.is(tokens.ids[0], SOT);
  assert.equal([...tokens.ids.subarray(0, 77)], [...tokenizer.encode(batch.expressions[0]!).ids]);
  const encoded = await model.encodeBatch(batch);
  assert.equal(
    [encoded.image.shape, encoded.text.shape, encoded.imageMap.shape],
    [
      [2, 64],
      [2, 64],
      [2, 64, 8, 8],
    ],
  );
  for (const tensor of Object.values(encoded)) tensor.dispose();
  await expectError('ERR_CONFIG', () => model.batchOptions(WordLevelTokenizer.fromWords(worldVocabulary())), 'ClipBpeTokenizer');
});

/** The generator handle's composite jobs, as native/napi/prompt_generator_handle.cc defines them. */
interface GeneratorJobs {
  trainOnBatch(conditioner: object, vae: object, batch: Record<string, NativeTensorHandle>, options: { lr: number }): Promise<{ loss: number }>;
  generate(conditioner: object, vae: object, batch: Record<string, NativeTensorHandle>, options: object): Promise<{ trajectory: NativeTensorHandle; masks: NativeTensorHandle }>;
  trajectory(noise: NativeTensorHandle, condition: Record<string, NativeTensorHandle>, options: object): Promise<NativeTensorHandle>;
  dispose(): void;
}

test('the prompt generator conditions on a CLIP handle in one job, with exactly the features encode gives', async () => {
  const addon = native();
  // Complete configs, as lib/config resolves them: the native side reads every key and adds none.
  const clip = new addon.NativeClipModel(parseConfig(clipConfigSchema, TINY, 'CLIP config'));
  const vae = new addon.NativeMaskVae(parseConfig(maskVaeConfigSchema, { ...MASK_VAE_PRESETS.tiny, seed: 1 }, 'Mask-VAE config'));
  const generatorConfig = parseConfig(
    promptGeneratorConfigSchema,
    {
      inputSize: 8,
      inChannels: 4,
      patchSize: 1,
      hiddenSize: 32,
      depth: 1,
      numHeads: 2,
      imageConditionWidth: 64,
      textConditionWidth: 64,
      spatialConditionWidth: 64,
      diffusionSteps: 20,
      seed: 1,
    },
    'prompt generator config',
  );
  const generator = new addon.NativePromptGenerator(generatorConfig) as unknown as GeneratorJobs;
  await Promise.all([clip.built(), vae.built(), (generator as unknown as { built(): Promise<void> }).built()]);
  const { ids, mask } = tokenRows(
    [
      [320, 1125],
      [2368, 539, 320],
    ],
    77,
  );
  using pixels = images(2, 64, 9);
  using masks = Tensor.from(
    Float32Array.from({ length: 2 * 64 * 64 }, (_, i) => (i % 64 > 20 && i % 64 < 40 ? 1 : 0)),
    [2, 1, 64, 64],
  );
  using noise = Tensor.from(Float32Array.from({ length: 2 * 4 * 8 * 8 }, normals(12)), [2, 4, 8, 8]);
  const batch = { images: pixels.handle, ids: ids.handle, attentionMask: mask.handle };
  const losses = await generator.trainOnBatch(clip, vae, { ...batch, masks: masks.handle }, { lr: 1e-4 });
  assert.ok(Number.isFinite(losses.loss), `loss ${losses.loss}`);

  const options = { respacing: 'ddim5', useEma: false };
  const generated = await generator.generate(clip, vae, batch, { ...options, noise: noise.handle });
  const features = await clip.encode(pixels.handle, ids.handle, mask.handle);
  const direct = new Tensor(await generator.trajectory(noise.handle, features, options));
  assert.equal(await values(new Tensor(generated.trajectory)), await values(direct));
  new Tensor(generated.masks).dispose();
  for (const handle of [features.image, features.text, features.imageMap]) handle.dispose();

  await expectError('ERR_CONFIG', () => generator.trainOnBatch(vae, vae, { ...batch, masks: masks.handle }, { lr: 1e-4 }), "a grounding model's or a CLIP model's handle");
  for (const handle of [clip, vae, generator]) handle.dispose();
  ids.dispose();
  mask.dispose();
});

test('bad input is a typed error, and a disposed model says so', async () => {
  const model = await ClipModel.create(TINY);
  const { ids, mask } = tokenRows([[320]], 77);
  using small = images(1, 32, 1);
  using pixels = images(1, 64, 1);
  await expectError('ERR_SHAPE', () => model.encode(small, ids, mask), 'images');
  const twoRows = tokenRows([[320], [1125]], 77);
  await expectError('ERR_SHAPE', () => model.encode(pixels, twoRows.ids, mask), 'token ids');
  await expectError('ERR_SHAPE', () => model.encode(pixels, ids, twoRows.mask), 'attention mask');
  using long = Tensor.from(new Int32Array(78), [1, 78]);
  using longMask = Tensor.from(new Uint8Array(78).fill(1), [1, 78]);
  await expectError('ERR_SHAPE', () => model.encode(pixels, long, longMask), 'tokenize with maxLength 77');
  using outside = Tensor.from(
    Int32Array.from({ length: 77 }, () => 49408),
    [1, 77],
  );
  await expectError('ERR_DATA', () => model.encode(pixels, outside, mask), 'vocabulary');
  await expectError('ERR_CONFIG', () => ClipModel.create({ ...TINY, visionHeads: 3 }), 'visionHeads');
  model.dispose();
  assert.ok(model.disposed);
  await expectError('ERR_DISPOSED', () => model.encode(pixels, ids, mask));
  for (const tensor of [ids, mask, twoRows.ids, twoRows.mask]) tensor.dispose();
});

test.run();
