// One test per error code: each reaches JavaScript as a DiffPromptError with its code and a
// message that says what to do, and none takes the process down.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DiffPromptError, ERROR_CODES } from '../lib/errors';
import { readSafetensors } from '../lib/io/safetensors';
import { Mlp } from '../lib/models/mlp';
import { loadAddon } from '../lib/native';
import { resolveDevice, runtimeInfo } from '../lib/runtime';
import { readRefcocoEval } from '../lib/data/readers/refcoco-eval';
import { Tensor } from '../lib/tensor';
import { expectError } from './support/expect-error';
import { tempDir } from './support/temp-dir';

const test = suite('error codes');

test('ERR_SHAPE: a batch of the wrong width names the argument and both shapes', async () => {
  using model = await Mlp.create({ inputSize: 3, outputSize: 1 });
  using x = Tensor.from(new Float32Array(8), [2, 4]);
  await expectError('ERR_SHAPE', () => model.predict(x), 'x must have shape [*, 3] but has [2, 4]');
});

test('ERR_DTYPE: int32 where float32 is needed, and a non-tensor argument', async () => {
  using model = await Mlp.create({ inputSize: 2, outputSize: 1 });
  using x = Tensor.from(new Int32Array(4), [2, 2]);
  await expectError('ERR_DTYPE', () => model.predict(x), 'x must be float32 but is int32');
  await expectError('ERR_DTYPE', () => (model as unknown as { handle: { predict(v: unknown): unknown } }).handle.predict({}), 'must be a Tensor');
});

test('ERR_DISPOSED: a disposed model refuses every call', async () => {
  const model = await Mlp.create({ inputSize: 2, outputSize: 1 });
  model.dispose();
  model.dispose();
  using x = Tensor.from(new Float32Array(4), [2, 2]);
  await expectError('ERR_DISPOSED', () => model.predict(x), 'disposed');
  await expectError('ERR_DISPOSED', () => model.parameterCount(), 'disposed');
  await expectError('ERR_DISPOSED', () => model.save(tempDir()), 'disposed');
});

test('ERR_CHECKPOINT: a corrupt weights file and a folder that is no checkpoint', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'bad.safetensors');
  fs.writeFileSync(file, Buffer.from('definitely not a safetensors file'));
  await expectError('ERR_CHECKPOINT', () => readSafetensors(file), 'not a valid safetensors file');
  await expectError('ERR_CHECKPOINT', () => Mlp.load(dir), 'no checkpoint at');
});

test('ERR_CONFIG: a bad config names every bad key', async () => {
  const error = await expectError('ERR_CONFIG', () => Mlp.create({ inputSize: 0, outputSize: 1.5, lr: -1 }));
  for (const key of ['inputSize', 'outputSize', 'lr']) assert.ok(error.message.includes(key), error.message);
  await expectError('ERR_CONFIG', () => Mlp.create({ inputSize: 1, outputSize: 1, extra: true } as never), 'extra');
  await expectError('ERR_CONFIG', () => Mlp.create({ inputSize: 1, outputSize: 1, device: 'gpu' }), "'cpu', 'cuda'");
});

test('ERR_DATA: malformed JSON in a data file names the file', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'refcoco_val.json');
  fs.writeFileSync(file, '[{"img_id": ');
  await expectError('ERR_DATA', () => readRefcocoEval(file, { imagesDir: dir }), file);
});

test('ERR_NAN: a diverging loss stops training with ERR_NAN', async () => {
  using model = await Mlp.create({ inputSize: 1, outputSize: 1 });
  using x = Tensor.from(new Float32Array([Number.NaN, 1]), [2, 1]);
  using y = Tensor.from(new Float32Array([0, 1]), [2, 1]);
  await expectError('ERR_NAN', () => model.trainStep(x, y), 'lower the learning rate');
});

test('ERR_ABORTED: an aborted signal', async () => {
  using model = await Mlp.create({ inputSize: 1, outputSize: 1 });
  using x = Tensor.from(new Float32Array([1]), [1, 1]);
  await expectError('ERR_ABORTED', () => model.fit(x, x, { steps: 5, signal: AbortSignal.abort(new Error('user left')) }), 'user left');
});

test('ERR_CUDA_UNAVAILABLE: CUDA asked of a CPU libtorch; auto falls back and says why', async () => {
  if (runtimeInfo().cuda.available) return; // a CUDA machine: covered by the device tests
  await expectError('ERR_CUDA_UNAVAILABLE', () => Mlp.create({ inputSize: 1, outputSize: 1, device: 'cuda' }), 'no CUDA');
  await expectError('ERR_CUDA_UNAVAILABLE', () => resolveDevice('cuda:0'));
  assert.is(resolveDevice('auto'), 'cpu');
  assert.match(runtimeInfo().cuda.reason, "'auto' uses the CPU");
});

test('ERR_NATIVE_LOAD: nothing loadable names each try and the fix', async () => {
  const root = tempDir();
  const prebuilds = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  fs.mkdirSync(prebuilds, { recursive: true });
  fs.writeFileSync(path.join(prebuilds, 'broken.node'), 'not an ELF file');
  const saved = process.env.DIFF_PROMPT_ADDON;
  delete process.env.DIFF_PROMPT_ADDON;
  try {
    const error = await expectError('ERR_NATIVE_LOAD', () => loadAddon(root), 'broken.node');
    assert.match(error.message, /Fix: .*npm run build:addon/);
    const empty = await expectError('ERR_NATIVE_LOAD', () => loadAddon(tempDir()), 'no prebuilt binary');
    assert.match(empty.message, /apt-get install -y libtorch-dev/);
  } finally {
    if (saved !== undefined) process.env.DIFF_PROMPT_ADDON = saved;
  }
});

test('every code is a DiffPromptError with a stable code list', () => {
  assert.equal([...ERROR_CODES].sort(), [
    'ERR_ABORTED',
    'ERR_CHECKPOINT',
    'ERR_CONFIG',
    'ERR_CUDA_UNAVAILABLE',
    'ERR_DATA',
    'ERR_DISPOSED',
    'ERR_DTYPE',
    'ERR_INTERNAL',
    'ERR_LIMIT',
    'ERR_NAN',
    'ERR_NATIVE_LOAD',
    'ERR_SHAPE',
  ]);
  const error = new DiffPromptError('ERR_DATA', 'x');
  assert.instance(error, Error);
  assert.is(error.name, 'DiffPromptError');
});

test.run();
