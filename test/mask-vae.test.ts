import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MASK_VAE_PRESETS, maskVaePreset } from '../lib/config/mask-vae-config';
import { type MaskSet, worldMaskSet } from '../lib/data/mask-sets';
import { readSafetensors, writeSafetensors } from '../lib/io/safetensors';
import { MaskVae } from '../lib/models/mask-vae';
import { trainMaskVae } from '../lib/stages/train-mask-vae';
import { Tensor } from '../lib/tensor';
import { relativeError } from './support/compare';
import { expectError } from './support/expect-error';
import { parityTest, runParityScript } from './support/python-torch';
import { tempDir } from './support/temp-dir';

const test = suite('Mask-VAE');

/** A small config for fast tests: 32×32 → 4×8×8. */
const small = { blockChannels: [8, 8, 16], layersPerBlock: 1, latentChannels: 4, normGroups: 4, sampleSize: 32, seed: 3 };

function masksOf(set: MaskSet, count: number): Tensor {
  const plane = set.size * set.size;
  const data = new Float32Array(count * plane);
  for (let i = 0; i < count; i++) data.set(set.get(i), i * plane);
  return Tensor.from(data, [count, 1, set.size, set.size]);
}

test('the paper preset has exactly 85,529 parameters with diffusers names and shapes', async () => {
  using vae = await MaskVae.create(maskVaePreset('paper'));
  assert.is(vae.parameterCount(), 85_529);
  const names = new Map(vae.parameters().map((p) => [p.name, p.shape]));
  assert.equal(names.get('encoder.conv_in.weight'), [4, 1, 3, 3]);
  assert.equal(names.get('encoder.down_blocks.1.resnets.0.conv_shortcut.weight'), [8, 4, 1, 1]);
  assert.equal(names.get('encoder.down_blocks.0.downsamplers.0.conv.weight'), [4, 4, 3, 3]);
  assert.equal(names.get('encoder.mid_block.attentions.0.to_q.weight'), [16, 16]);
  assert.equal(names.get('encoder.mid_block.attentions.0.to_out.0.bias'), [16]);
  assert.equal(names.get('quant_conv.weight'), [8, 8, 1, 1]);
  assert.equal(names.get('post_quant_conv.weight'), [4, 4, 1, 1]);
  assert.equal(names.get('decoder.up_blocks.2.resnets.0.conv_shortcut.weight'), [8, 16, 1, 1]);
  assert.equal(names.get('decoder.up_blocks.0.upsamplers.0.conv.weight'), [16, 16, 3, 3]);
  assert.equal(names.get('decoder.conv_out.weight'), [1, 4, 3, 3]);
  assert.not.ok(names.has('encoder.down_blocks.3.downsamplers.0.conv.weight'), 'the last block does not downsample');
});

test('shapes: paper 1×224×224 → 4×28×28, tiny 1×64×64 → 4×8×8, and back', async () => {
  for (const [preset, side, latent] of [
    ['paper', 224, 28],
    ['tiny', 64, 8],
  ] as const) {
    using vae = await MaskVae.create({ ...MASK_VAE_PRESETS[preset], blockChannels: [...MASK_VAE_PRESETS[preset].blockChannels] });
    using masks = Tensor.from(new Float32Array(2 * side * side), [2, 1, side, side]);
    const { mean, logvar, sample } = await vae.encode(masks);
    assert.equal(mean.shape, [2, 4, latent, latent]);
    assert.equal(logvar.shape, [2, 4, latent, latent]);
    assert.equal(sample.shape, [2, 4, latent, latent]);
    using decoded = await vae.decode(sample);
    assert.equal(decoded.shape, [2, 1, side, side]);
    assert.equal(vae.latentShape, [4, latent, latent]);
    for (const t of [mean, logvar, sample]) t.dispose();
  }
});

parityTest(test, 'parity: an independent PyTorch AutoencoderKL on the same weights gives the same outputs', async () => {
  const dir = tempDir();
  using vae = await MaskVae.create({ ...small, layersPerBlock: 2 });
  await vae.save(path.join(dir, 'vae'));
  const world = worldMaskSet({ seed: 1, split: 'val', count: 3, size: 32 });
  using masks = masksOf(world, 3);
  const latentsData = Float32Array.from({ length: 3 * 4 * 8 * 8 }, (_, i) => Math.sin(i * 0.37));
  using latents = Tensor.from(latentsData, [3, 4, 8, 8]);
  await writeSafetensors(path.join(dir, 'input.safetensors'), { masks, latents });
  runParityScript('mask_vae.py', [path.join(dir, 'vae', 'config.json'), path.join(dir, 'vae', 'model.safetensors'), path.join(dir, 'input.safetensors'), path.join(dir, 'output.safetensors')]);
  const expected = (await readSafetensors(path.join(dir, 'output.safetensors'))).tensors;
  const { mean, logvar } = await vae.encode(masks);
  using decoded = await vae.decode(latents);
  for (const [name, actual] of [
    ['mean', mean],
    ['logvar', logvar],
    ['decoded', decoded],
  ] as const) {
    const error = relativeError(await actual.data<'float32'>(), await expected.get(name)!.data<'float32'>());
    assert.ok(error <= 1e-5, `${name}: relative error ${error}`);
  }
  assert.equal([...(await expected.get('parameters')!.data<'int64'>())], [BigInt(vae.parameterCount())]);
});

test('the loss falls on a fixed seed, and the same seed gives the same losses', async () => {
  const data = worldMaskSet({ seed: 2, split: 'train', count: 64, size: 32 });
  const run = async () => {
    const { model, losses } = await trainMaskVae(data, { config: small, epochs: 3, batchSize: 16, seed: 5 });
    model.dispose();
    return losses;
  };
  const first = await run();
  assert.is(first.length, 12);
  const head = first.slice(0, 3).reduce((a, b) => a + b) / 3;
  const tail = first.slice(-3).reduce((a, b) => a + b) / 3;
  assert.ok(tail < head * 0.7, `loss ${head} → ${tail}`);
  assert.equal(await run(), first);
});

test('saved and loaded: bit-exact outputs', async () => {
  const dir = path.join(tempDir(), 'vae');
  using vae = await MaskVae.create(small);
  const data = worldMaskSet({ seed: 2, split: 'train', count: 16, size: 32 });
  using masks = masksOf(data, 16);
  await vae.trainStep(masks, { lr: 5e-3, klWeight: 3.7732e-4 });
  await vae.save(dir);
  const { model } = await MaskVae.load(dir);
  using loaded = model;
  const a = await vae.encode(masks);
  const b = await loaded.encode(masks);
  assert.equal([...(await a.mean.data())], [...(await b.mean.data())]);
  using da = await vae.decode(a.mean);
  using db = await loaded.decode(a.mean);
  assert.equal([...(await da.data())], [...(await db.data())]);
});

test('a resumed run gives bit-identical losses to an uninterrupted one', async () => {
  const data = worldMaskSet({ seed: 4, split: 'train', count: 40, size: 32 });
  const options = { config: small, epochs: 3, batchSize: 16, seed: 9 };
  const full = await trainMaskVae(data, options);
  full.model.dispose();
  const dir = tempDir();
  // Stop mid-way through the second epoch (step 5 of 9), then resume from last/.
  const first = await trainMaskVae(data, { ...options, maxSteps: 5, checkpointDir: dir });
  first.model.dispose();
  const rest = await trainMaskVae(data, { ...options, checkpointDir: dir, resume: true });
  rest.model.dispose();
  assert.equal([...first.losses, ...rest.losses], full.losses);
  assert.equal(
    rest.history.map((r) => r.epoch),
    [0, 1, 2],
    'the history carries over and the resumed run finished epochs 1 and 2',
  );
  await expectError('ERR_CONFIG', () => trainMaskVae(data, { ...options, batchSize: 8, checkpointDir: dir, resume: true }), 'batchSize is 8');
});

test('evaluation each epoch on held-out masks; best and last checkpoints kept', async () => {
  const dir = tempDir();
  const data = worldMaskSet({ seed: 6, split: 'train', count: 32, size: 32 });
  const heldOut = { generated: { set: worldMaskSet({ seed: 6, split: 'val', count: 16, size: 32 }), minArea: 0.01 } };
  const epochs: number[] = [];
  const { model, history } = await trainMaskVae(data, {
    config: small,
    epochs: 2,
    batchSize: 16,
    heldOut,
    checkpointDir: dir,
    onEpoch: (report) => epochs.push(report.epoch),
  });
  model.dispose();
  assert.equal(epochs, [0, 1]);
  const summary = history[1].evaluation.generated;
  assert.is(summary.count, 16);
  assert.ok(summary.meanIoU >= 0 && summary.meanIoU <= 1);
  assert.ok(summary.p10IoU <= summary.medianIoU && summary.medianIoU <= summary.p90IoU);
  assert.ok('generated≥0.01' in history[1].evaluation);
  assert.ok(fs.existsSync(path.join(dir, 'best', 'model.safetensors')));
  assert.ok(fs.existsSync(path.join(dir, 'last', 'optimizer.safetensors')));
});

test('bad input: wrong mask size or dtype, another config, a NaN loss', async () => {
  using vae = await MaskVae.create(small);
  using wrongSize = Tensor.from(new Float32Array(64 * 64), [1, 1, 64, 64]);
  await expectError('ERR_SHAPE', () => vae.encode(wrongSize), 'masks must have shape [*, 1, 32, 32] but has [1, 1, 64, 64]');
  using wrongType = Tensor.from(new Uint8Array(32 * 32), [1, 1, 32, 32]);
  await expectError('ERR_DTYPE', () => vae.trainStep(wrongType, { lr: 1e-3, klWeight: 0 }), 'masks must be float32 but is uint8');
  await expectError('ERR_CONFIG', () => MaskVae.create({ ...small, sampleSize: 30 }), 'must divide by 4');
  await expectError('ERR_CONFIG', () => MaskVae.create({ ...small, normGroups: 3 }), 'must divide by normGroups');

  const dir = tempDir();
  using other = await MaskVae.create({ ...small, blockChannels: [8, 16, 16] });
  await other.save(path.join(dir, 'other'));
  await expectError('ERR_CHECKPOINT', () => vae.loadWeights(path.join(dir, 'other', 'model.safetensors')), 'has shape');

  // A NaN stops training with ERR_NAN and the last good checkpoint stays.
  const data = worldMaskSet({ seed: 2, split: 'train', count: 16, size: 32 });
  const checkpoints = tempDir();
  const { model } = await trainMaskVae(data, { config: small, epochs: 1, batchSize: 16, checkpointDir: checkpoints });
  const good = fs.readFileSync(path.join(checkpoints, 'last', 'model.safetensors'));
  await expectError('ERR_NAN', () => trainMaskVae(data, { model, epochs: 2, batchSize: 16, lr: Number.MAX_VALUE, checkpointDir: checkpoints, resume: false }));
  assert.ok(fs.readFileSync(path.join(checkpoints, 'last', 'model.safetensors')).equals(good), 'the last good checkpoint is kept');
  model.dispose();
});

test.run();
