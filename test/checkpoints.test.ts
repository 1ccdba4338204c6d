import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readSafetensors, writeSafetensors } from '../lib/io/safetensors';
import { Mlp } from '../lib/models/mlp';
import { Tensor } from '../lib/tensor';
import { expectError } from './support/expect-error';
import { tempDir } from './support/temp-dir';

const test = suite('checkpoints');

const config = { inputSize: 3, hiddenSizes: [5], outputSize: 2, seed: 4 };

test('a checkpoint folder holds config.json and model.safetensors with names, config and format', async () => {
  using model = await Mlp.create(config);
  const dir = path.join(tempDir(), 'mlp');
  await model.save(dir);
  assert.equal(fs.readdirSync(dir).sort(), ['config.json', 'model.safetensors']);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  assert.is(manifest.kind, 'mlp');
  assert.is(manifest.formatVersion, 1);
  assert.equal(manifest.config, { ...config, device: 'cpu', lr: 1e-3 });
  const weights = await readSafetensors(path.join(dir, 'model.safetensors'));
  assert.equal([...weights.tensors.keys()], ['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias']);
  assert.equal(weights.tensors.get('layers.0.weight')!.shape, [5, 3]);
  assert.is(weights.metadata.kind, 'mlp');
  assert.equal(JSON.parse(weights.metadata.config), manifest.config);
});

test('parameter names, shapes and counts', async () => {
  using model = await Mlp.create(config);
  assert.equal(
    model.parameters().map((p) => [p.name, p.shape]),
    [
      ['layers.0.weight', [5, 3]],
      ['layers.0.bias', [5]],
      ['layers.1.weight', [2, 5]],
      ['layers.1.bias', [2]],
    ],
  );
  assert.is(model.parameterCount(), 3 * 5 + 5 + 5 * 2 + 2);
  assert.is(model.parameterCount({ trainableOnly: true }), 32);
});

test('loading by name reports missing and unexpected names; strict refuses them', async () => {
  using source = await Mlp.create({ ...config, seed: 9 });
  const dir = tempDir();
  await source.save(path.join(dir, 'source'));
  const full = await readSafetensors(path.join(dir, 'source', 'model.safetensors'));
  const partial = path.join(dir, 'partial.safetensors');
  await writeSafetensors(partial, {
    'layers.0.weight': full.tensors.get('layers.0.weight')!,
    'layers.0.bias': full.tensors.get('layers.0.bias')!,
    'head.extra': Tensor.from(new Float32Array(2), [2]),
  });
  using target = await Mlp.create(config);
  await expectError('ERR_CHECKPOINT', () => target.loadWeights(partial), 'missing 2');
  const report = await target.loadWeights(partial, { strict: false });
  assert.equal(report.missing.sort(), ['layers.1.bias', 'layers.1.weight']);
  assert.equal(report.unexpected, ['head.extra']);
  const saved = path.join(dir, 'target');
  await target.save(saved);
  const loaded = await readSafetensors(path.join(saved, 'model.safetensors'));
  assert.equal([...(await loaded.tensors.get('layers.0.weight')!.data())], [...(await full.tensors.get('layers.0.weight')!.data())]);
});

test('a shape mismatch is ERR_CHECKPOINT and leaves the model unchanged', async () => {
  using model = await Mlp.create(config);
  const dir = tempDir();
  await model.save(path.join(dir, 'before'));
  const wrong = path.join(dir, 'wrong.safetensors');
  await writeSafetensors(wrong, {
    'layers.0.bias': Tensor.from(new Float32Array(5).fill(9), [5]),
    'layers.1.weight': Tensor.from(new Float32Array(12), [3, 4]),
  });
  await expectError('ERR_CHECKPOINT', () => model.loadWeights(wrong, { strict: false }), 'has shape [3, 4] but the model expects [2, 5]');
  await model.save(path.join(dir, 'after'));
  const before = fs.readFileSync(path.join(dir, 'before', 'model.safetensors'));
  assert.ok(before.equals(fs.readFileSync(path.join(dir, 'after', 'model.safetensors'))), 'no tensor was half-loaded');
});

test('a checkpoint of another config or kind is refused', async () => {
  const dir = tempDir();
  using small = await Mlp.create(config);
  await small.save(path.join(dir, 'small'));
  // Swap in weights saved for another config: the folder now mixes two checkpoints.
  using wide = await Mlp.create({ ...config, hiddenSizes: [5], seed: 1, lr: 0.5 });
  await wide.save(path.join(dir, 'wide'));
  fs.copyFileSync(path.join(dir, 'wide', 'model.safetensors'), path.join(dir, 'small', 'model.safetensors'));
  await expectError('ERR_CHECKPOINT', () => Mlp.load(path.join(dir, 'small')), 'another config');
  const manifestFile = path.join(dir, 'wide', 'config.json');
  fs.writeFileSync(manifestFile, fs.readFileSync(manifestFile, 'utf8').replace('"mlp"', '"mask-vae"'));
  await expectError('ERR_CHECKPOINT', () => Mlp.load(path.join(dir, 'wide')), 'holds a mask-vae checkpoint');
  fs.writeFileSync(manifestFile, '{ broken');
  await expectError('ERR_CHECKPOINT', () => Mlp.load(path.join(dir, 'wide')), 'not readable JSON');
});

test('saving over a checkpoint keeps the old one until the new one is whole', async () => {
  const dir = path.join(tempDir(), 'ckpt');
  using model = await Mlp.create(config);
  await model.save(dir);
  // A save that dies after the old folder moved aside but before the new one moved in:
  fs.renameSync(dir, `${dir}.previous`);
  const { model: recovered } = await Mlp.load(dir);
  using _recovered = recovered;
  assert.is(recovered.parameterCount(), model.parameterCount());
  // The next save completes the swap and cleans up.
  await model.save(dir);
  assert.ok(fs.existsSync(path.join(dir, 'config.json')));
  assert.not.ok(fs.existsSync(`${dir}.previous`));
  assert.not.ok(fs.existsSync(`${dir}.staging`));
});

test('saving never replaces a folder of other files, and a save after a crash mid-swap keeps the good checkpoint', async () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
  using model = await Mlp.create(config);
  await expectError('ERR_CHECKPOINT', () => model.save(dir), 'holds other files (notes.txt)');
  assert.ok(fs.existsSync(path.join(dir, 'notes.txt')));
  await expectError('ERR_CHECKPOINT', () => model.save(path.join(dir, 'notes.txt')), 'is a file');

  const ckpt = path.join(dir, 'ckpt');
  await model.save(ckpt);
  const good = fs.readFileSync(path.join(ckpt, 'model.safetensors'));
  fs.renameSync(ckpt, `${ckpt}.previous`); // the crash left only the previous checkpoint
  fs.mkdirSync(`${ckpt}.staging`); // and a half-written staging folder
  using changed = await Mlp.create({ ...config, seed: 99 });
  await changed.save(ckpt);
  assert.not.ok(fs.readFileSync(path.join(ckpt, 'model.safetensors')).equals(good), 'the new checkpoint is in place');
  assert.not.ok(fs.existsSync(`${ckpt}.previous`));
});

test('a model output can feed a later training step (no inference-only tensors leak out)', async () => {
  using model = await Mlp.create({ inputSize: 2, outputSize: 2, seed: 1 });
  using x = Tensor.from(new Float32Array([1, 2, 3, 4]), [2, 2]);
  using y = await model.predict(x);
  assert.type(await model.trainStep(y, x), 'number');
});

test('an object dressed as a tensor is refused, not dereferenced', async () => {
  using model = await Mlp.create({ inputSize: 2, outputSize: 1 });
  using real = Tensor.from(new Float32Array(4), [2, 2]);
  const fake = Object.create(Object.getPrototypeOf(real.handle));
  await expectError('ERR_DTYPE', () => (model as unknown as { handle: { predict(v: unknown): unknown } }).handle.predict(fake), 'must be a Tensor');
});

test.run();
