// Stage 2's MaskDiT and Gaussian diffusion: schedule tables, the paper preset's exact size,
// parity of the network, the losses and the samplers with an independent PyTorch version on the
// same weights, training with EMA, checkpoints and bad input.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { promptGeneratorPreset, type PromptGeneratorConfigInput } from '../lib/config/prompt-generator-config';
import { readSafetensors, writeSafetensors } from '../lib/io/safetensors';
import { PromptGenerator, diffusionSchedule } from '../lib/models/prompt-generator';
import { Tensor } from '../lib/tensor';
import { relativeError } from './support/compare';
import { expectError } from './support/expect-error';
import { parityTest, runParityScript } from './support/python-torch';
import { tempDir } from './support/temp-dir';

const test = suite('prompt generator');

/** Latents 4×8×8, hidden 64, two blocks; feature widths 32 and 48, so both projections exist. */
const SMALL: PromptGeneratorConfigInput = {
  inputSize: 8,
  inChannels: 4,
  patchSize: 2,
  hiddenSize: 64,
  depth: 2,
  numHeads: 4,
  imageConditionWidth: 32,
  textConditionWidth: 48,
  seed: 1,
};

/** Deterministic values: sin(phase + 0.37·i)·scale. */
function wave(shape: number[], phase: number, scale = 1): Tensor {
  const count = shape.reduce((a, b) => a * b, 1);
  return Tensor.from(
    Float32Array.from({ length: count }, (_, i) => scale * Math.sin(phase + 0.37 * i)),
    shape,
  );
}

/** Every parameter set to a wave (DiT's zero-initialised adaLN would make every output 0). */
async function randomiseWeights(model: PromptGenerator, dir: string): Promise<void> {
  const tensors: Record<string, Tensor> = {};
  model.parameters().forEach((p, i) => (tensors[p.name] = wave(p.shape, i, 0.2)));
  const file = path.join(dir, 'random.safetensors');
  await writeSafetensors(file, tensors);
  await model.loadWeights(file);
  for (const t of Object.values(tensors)) t.dispose();
}

async function values(tensor: Tensor): Promise<Float32Array> {
  const data = await tensor.data<'float32'>();
  tensor.dispose();
  return data;
}

test('schedules: linear ᾱ_4 = 0.97513, cosine ᾱ_48 = 0.509429 and ᾱ_96 = 0.0021843, ddim25 keeps 0, 4, …, 96', async () => {
  const linear = await diffusionSchedule('linear', 100);
  assert.ok(Math.abs(linear.alphasCumprod[4]! - 0.97513) < 5e-6, `${linear.alphasCumprod[4]}`);
  assert.ok(Math.abs(linear.betas[0]! - 0.001) < 1e-12 && Math.abs(linear.betas[99]! - 0.2) < 1e-12);
  const cosine = await diffusionSchedule('squaredcos_cap_v2', 100);
  assert.ok(Math.abs(cosine.alphasCumprod[48]! - 0.509429) < 5e-7, `${cosine.alphasCumprod[48]}`);
  assert.ok(Math.abs(cosine.alphasCumprod[96]! - 0.0021843) < 5e-8, `${cosine.alphasCumprod[96]}`);
  const respaced = await diffusionSchedule('squaredcos_cap_v2', 100, 'ddim25');
  assert.equal(
    respaced.timesteps,
    Array.from({ length: 25 }, (_, i) => 4 * i),
  );
  // Respacing keeps the cumulative products at the kept steps.
  respaced.timesteps.forEach((t, k) => assert.ok(Math.abs(respaced.alphasCumprod[k]! - cosine.alphasCumprod[t]!) < 1e-12));
  await expectError('ERR_CONFIG', () => diffusionSchedule('linear', 100, 'ddim33'));
  await expectError('ERR_CONFIG', () => diffusionSchedule('cosine' as 'linear', 100));
});

test('the paper preset has exactly 77,158,944 parameters, with DiT names', async () => {
  using model = await PromptGenerator.create(promptGeneratorPreset('paper'));
  assert.is(model.parameterCount(), 77_158_944);
  assert.is(model.parameterCount({ trainableOnly: true }), 77_158_944 - 196 * 512, 'pos_embed is fixed');
  const names = new Set(model.parameters().map((p) => p.name));
  for (const name of [
    'x_embedder.proj.weight',
    'pos_embed',
    't_embedder.mlp.0.weight',
    't_embedder.mlp.2.bias',
    'blocks.11.attn.qkv.weight',
    'blocks.0.mlp.fc2.weight',
    'blocks.3.adaLN_modulation.1.weight',
    'final_layer.linear.weight',
    'final_layer.adaLN_modulation.1.bias',
  ]) {
    assert.ok(names.has(name), name);
  }
  assert.not.ok(names.has('cond_proj_image.weight'), 'CLIP-width features need no projection');
});

parityTest(test, 'parity: network, losses, DDIM (η 0 and 0.5) and schedules match an independent PyTorch version', async () => {
  const dir = tempDir();
  using model = await PromptGenerator.create(SMALL);
  await randomiseWeights(model, dir);
  await model.save(path.join(dir, 'g'));
  const config = path.join(dir, 'g', 'config.json');
  const weights = path.join(dir, 'g', 'model.safetensors');
  const x = wave([3, 4, 8, 8], 0.3);
  const t = Tensor.from(BigInt64Array.from([0n, 17n, 99n]), [3]);
  const noise = wave([3, 4, 8, 8], 1.1);
  const image = wave([3, 32], 2.0);
  const text = wave([3, 48], 3.0);

  await writeSafetensors(path.join(dir, 'in.safetensors'), { x, t, image_features: image, text_features: text });
  runParityScript('mask_dit.py', [config, weights, path.join(dir, 'in.safetensors'), path.join(dir, 'out.safetensors')]);
  const expected = (await readSafetensors(path.join(dir, 'out.safetensors'))).tensors;
  const output = await values(await model.forward(x, t, { image, text }, { useEma: false }));
  assert.ok(relativeError(output, await expected.get('output')!.data<'float32'>()) <= 1e-5, 'network output');
  assert.equal([...(await expected.get('parameters')!.data<'int64'>())], [BigInt(model.parameterCount())]);

  await writeSafetensors(path.join(dir, 'loss-in.safetensors'), { x0: x, t, noise, image_features: image, text_features: text }, { schedule: 'linear', steps: '100' });
  runParityScript('gaussian_diffusion.py', ['loss', config, weights, path.join(dir, 'loss-in.safetensors'), path.join(dir, 'loss-out.safetensors')]);
  const lossExpected = (await readSafetensors(path.join(dir, 'loss-out.safetensors'))).tensors;
  const losses = await model.losses(x, t, noise, { image, text });
  for (const name of ['mse', 'vb', 'loss'] as const) {
    const error = relativeError(await values(losses[name]), await lossExpected.get(name)!.data<'float32'>());
    assert.ok(error <= 1e-5, `${name}: relative error ${error}`);
  }

  for (const eta of [0, 0.5]) {
    const stepNoise = wave([25, 3, 4, 8, 8], 4.0);
    await writeSafetensors(
      path.join(dir, 'ddim-in.safetensors'),
      { noise, image_features: image, text_features: text, step_noise: stepNoise },
      { schedule: 'linear', steps: '100', respacing: 'ddim25', eta: String(eta) },
    );
    runParityScript('gaussian_diffusion.py', ['ddim', config, weights, path.join(dir, 'ddim-in.safetensors'), path.join(dir, 'ddim-out.safetensors')]);
    const ddimExpected = (await readSafetensors(path.join(dir, 'ddim-out.safetensors'))).tensors;
    const trajectory = await model.trajectory(noise, { image, text }, { respacing: 'ddim25', eta, useEma: false, stepNoise });
    assert.equal(trajectory.shape, [25, 3, 4, 8, 8]);
    const error = relativeError(await values(trajectory), await ddimExpected.get('trajectory')!.data<'float32'>());
    assert.ok(error <= 1e-5, `DDIM η=${eta}: relative error ${error}`);
    stepNoise.dispose();
  }

  runParityScript('gaussian_diffusion.py', ['schedule', 'squaredcos_cap_v2', '100', path.join(dir, 'schedule.safetensors')]);
  const tables = (await readSafetensors(path.join(dir, 'schedule.safetensors'))).tensors;
  const ours = await diffusionSchedule('squaredcos_cap_v2', 100);
  assert.ok(relativeError(ours.alphasCumprod, await tables.get('alphas_cumprod')!.data<'float64'>()) <= 1e-12);
  for (const tensor of [x, t, noise, image, text]) tensor.dispose();
});

parityTest(test, 'parity: spatial conditioning (a map pooled or upsampled onto the token grid) matches the PyTorch version', async () => {
  const dir = tempDir();
  using model = await PromptGenerator.create({ ...SMALL, spatialConditionWidth: 16 });
  await randomiseWeights(model, dir);
  await model.save(path.join(dir, 'g'));
  using x = wave([2, 4, 8, 8], 0.3);
  using t = Tensor.from(BigInt64Array.from([5n, 60n]), [2]);
  using image = wave([2, 32], 2.0);
  using text = wave([2, 48], 3.0);
  for (const side of [6, 4, 2]) {
    using imageMap = wave([2, 16, side, side], 1.7);
    const input = path.join(dir, `in-${side}.safetensors`);
    const output = path.join(dir, `out-${side}.safetensors`);
    await writeSafetensors(input, { x, t, image_features: image, text_features: text, image_map: imageMap });
    runParityScript('mask_dit.py', [path.join(dir, 'g', 'config.json'), path.join(dir, 'g', 'model.safetensors'), input, output]);
    const expected = (await readSafetensors(output)).tensors.get('output')!;
    const ours = await values(await model.forward(x, t, { image, text, imageMap }, { useEma: false }));
    const error = relativeError(ours, await expected.data<'float32'>());
    assert.ok(error <= 1e-5, `a ${side}×${side} map on the 4×4 grid: relative error ${error}`);
  }
  await expectError('ERR_SHAPE', () => model.forward(x, t, { image, text }), /imageMap/);
});

test('training lowers the loss on a fixed batch, the EMA trails the weights, and a checkpoint keeps both', async () => {
  const dir = tempDir();
  using model = await PromptGenerator.create({ ...SMALL, emaDecay: 0.9 });
  using latents = wave([16, 4, 8, 8], 0.5);
  using image = wave([16, 32], 1.5);
  using text = wave([16, 48], 2.5);
  const losses: number[] = [];
  for (let step = 0; step < 40; step++) losses.push((await model.trainStep(latents, { image, text }, { lr: 1e-3 })).loss);
  const head = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
  const tail = losses.slice(-5).reduce((a, b) => a + b) / 5;
  assert.ok(tail < head * 0.7, `loss ${head} → ${tail}`);
  using noise = wave([16, 4, 8, 8], 9);
  const withEma = await values(await model.trajectory(noise, { image, text }));
  const withWeights = await values(await model.trajectory(noise, { image, text }, { useEma: false }));
  assert.not.equal(withEma, withWeights);
  await model.save(path.join(dir, 'g'), { training: true });
  assert.ok(fs.existsSync(path.join(dir, 'g', 'ema.safetensors')));
  const { model: loaded } = await PromptGenerator.load(path.join(dir, 'g'), { training: true });
  using again = loaded;
  assert.equal(await values(await again.trajectory(noise, { image, text })), withEma);
  assert.equal(await values(await again.trajectory(noise, { image, text }, { useEma: false })), withWeights);
  fs.rmSync(path.join(dir, 'g', 'ema.safetensors'));
  await expectError('ERR_CHECKPOINT', () => PromptGenerator.load(path.join(dir, 'g')), /ema\.safetensors/);
});

test('the EMA after one step is d·initial + (1 − d)·weights', async () => {
  const dir = tempDir();
  using model = await PromptGenerator.create({ ...SMALL, emaDecay: 0.9 });
  await model.save(path.join(dir, 'before'));
  using latents = wave([4, 4, 8, 8], 0.5);
  using image = wave([4, 32], 1.5);
  using text = wave([4, 48], 2.5);
  await model.trainStep(latents, { image, text }, { lr: 1e-2 });
  await model.save(path.join(dir, 'after'));
  const initial = (await readSafetensors(path.join(dir, 'before', 'model.safetensors'))).tensors;
  const weights = (await readSafetensors(path.join(dir, 'after', 'model.safetensors'))).tensors;
  const ema = (await readSafetensors(path.join(dir, 'after', 'ema.safetensors'))).tensors;
  // adaLN-Zero: at the first step only the final linear layer gets a gradient (everything before it
  // sees the zero weights behind it).
  for (const name of ['final_layer.linear.weight', 'final_layer.linear.bias']) {
    const [i, w, e] = await Promise.all([initial, weights, ema].map((set) => set.get(name)!.data<'float32'>()));
    assert.not.equal(w, i, `${name} trained`);
    const expected = Float32Array.from(i, (v, k) => 0.9 * v + 0.1 * w[k]!);
    assert.ok(relativeError(e, expected) <= 1e-6, name);
  }
});

test('bf16: the shipped generator under autocast predicts and scores as in float32 within bf16 rounding, and keeps float32 weights', async () => {
  const shipped = path.join(__dirname, '..', 'pretrained', 'generator-tiny');
  const { model: fp32 } = await PromptGenerator.load(shipped);
  const { model: bf16 } = await PromptGenerator.load(shipped, { precision: 'bf16' });
  assert.is(bf16.config.precision, 'bf16');
  const c = fp32.config;
  const wave = (shape: number[], phase: number) =>
    Tensor.from(
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(phase + 0.37 * i)),
      shape,
    );
  using x = wave([4, c.inChannels, c.inputSize, c.inputSize], 0.1);
  using t = Tensor.from(BigInt64Array.from([5n, 30n, 60n, 95n]), [4]);
  const condition = { image: wave([4, c.imageConditionWidth], 1.2), text: wave([4, c.textConditionWidth], 2.3), imageMap: wave([4, c.spatialConditionWidth, 8, 8], 0.7) };
  using exact = await fp32.forward(x, t, condition);
  using rounded = await bf16.forward(x, t, condition);
  const [a, b] = [await exact.data<'float32'>(), await rounded.data<'float32'>()];
  assert.is(rounded.dtype, 'float32');
  assert.ok(
    a.some((v, i) => v !== b[i]),
    'bf16 changed nothing: autocast is not on',
  );
  assert.ok(relativeError(b, a) < 3e-2, `relative error ${relativeError(b, a)}`);
  using noise = wave([4, c.inChannels, c.inputSize, c.inputSize], 3.3);
  const [lossExact, lossRounded] = [await fp32.losses(x, t, noise, condition), await bf16.losses(x, t, noise, condition)];
  const [l1, l2] = [await lossExact.loss.data<'float32'>(), await lossRounded.loss.data<'float32'>()];
  l1.forEach((v, i) => assert.ok(Math.abs(v - l2[i]!) <= 3e-2 * Math.abs(v), `sample ${i}: loss ${l2[i]} against ${v}`));
  assert.ok(bf16.parameters().every((p) => p.dtype === 'float32'));
  for (const tensor of [...Object.values(condition), ...Object.values(lossExact), ...Object.values(lossRounded)]) tensor.dispose();
  fp32.dispose();
  bf16.dispose();
});

test('DDPM sampling: deterministic given its noise, and a different path than DDIM', async () => {
  using model = await PromptGenerator.create(SMALL);
  const dir = tempDir();
  await randomiseWeights(model, dir);
  using noise = wave([2, 4, 8, 8], 0.7);
  using image = wave([2, 32], 1.7);
  using text = wave([2, 48], 2.7);
  using stepNoise = wave([100, 2, 4, 8, 8], 5.5);
  const first = await values(await model.trajectory(noise, { image, text }, { ddpm: true, respacing: '', useEma: false, stepNoise }));
  assert.is(first.length, 100 * 2 * 4 * 8 * 8);
  assert.equal(await values(await model.trajectory(noise, { image, text }, { ddpm: true, respacing: '', useEma: false, stepNoise })), first);
  assert.ok(first.every(Number.isFinite));
  const ddim = await values(await model.trajectory(noise, { image, text }, { respacing: '', useEma: false }));
  assert.not.equal(ddim.subarray(ddim.length - 512), first.subarray(first.length - 512));
});

test('an AbortSignal stops sampling between denoising steps with ERR_ABORTED; the model samples again afterwards', async () => {
  using model = await PromptGenerator.create(SMALL);
  using noise = wave([8, 4, 8, 8], 0.7);
  using image = wave([8, 32], 1.7);
  using text = wave([8, 48], 2.7);
  const started = performance.now();
  (await model.trajectory(noise, { image, text }, { ddpm: true, respacing: '' })).dispose();
  const whole = performance.now() - started;
  const controller = new AbortController();
  setTimeout(() => controller.abort(), whole / 3);
  await expectError('ERR_ABORTED', () => model.trajectory(noise, { image, text }, { ddpm: true, respacing: '', signal: controller.signal }), 'sampling');
  await expectError('ERR_ABORTED', () => model.trajectory(noise, { image, text }, { signal: AbortSignal.abort() }));
  using again = await model.trajectory(noise, { image, text }, { respacing: 'ddim10' });
  assert.equal(again.shape, [10, 8, 4, 8, 8]);
});

test('bad input: wrong latent shape or feature width, unknown schedule, bad respacing', async () => {
  using model = await PromptGenerator.create(SMALL);
  using image = wave([2, 32], 0);
  using text = wave([2, 48], 0);
  await expectError('ERR_SHAPE', () => model.trainStep(wave([2, 4, 16, 16], 0), { image, text }, { lr: 1e-4 }), /latents/);
  await expectError('ERR_SHAPE', () => model.trainStep(wave([2, 4, 8, 8], 0), { image: text, text }, { lr: 1e-4 }), /image features/);
  await expectError('ERR_CONFIG', () => model.trajectory(wave([2, 4, 8, 8], 0), { image, text }, { respacing: 'ddim33' }));
  await expectError('ERR_CONFIG', () => model.trajectory(wave([2, 4, 8, 8], 0), { image, text }, { respacing: 'fast' }));
  await expectError('ERR_CONFIG', () => model.trajectory(wave([2, 4, 8, 8], 0), { image, text }, { respacing: 'ddim25x' }));
  await expectError('ERR_DATA', () => model.losses(wave([2, 4, 8, 8], 0), Tensor.from(BigInt64Array.from([0n, 100n]), [2]), wave([2, 4, 8, 8], 1), { image, text }), /timestep/);
  await expectError('ERR_CONFIG', () => PromptGenerator.create({ ...SMALL, diffusionSteps: 10 }));
  await expectError('ERR_CONFIG', () => PromptGenerator.create({ ...SMALL, schedule: 'cosine' as 'linear' }));
  await expectError('ERR_CONFIG', () => PromptGenerator.create({ ...SMALL, numHeads: 3 }));
});

test.run();
