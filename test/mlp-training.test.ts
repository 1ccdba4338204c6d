import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readSafetensors } from '../lib/io/safetensors';
import { Mlp } from '../lib/models/mlp';
import { manualSeed } from '../lib/runtime';
import { Tensor } from '../lib/tensor';
import { tempDir } from './support/temp-dir';

const test = suite('a first model through the whole path');

/** y = sin(3·x0)·cos(2·x1) on a fixed grid. */
function problem(): { x: Tensor; y: Tensor } {
  const side = 16;
  const x = new Float32Array(side * side * 2);
  const y = new Float32Array(side * side);
  for (let i = 0; i < side * side; i++) {
    x[2 * i] = ((i % side) / (side - 1)) * 2 - 1;
    x[2 * i + 1] = (Math.floor(i / side) / (side - 1)) * 2 - 1;
    y[i] = Math.sin(3 * x[2 * i]) * Math.cos(2 * x[2 * i + 1]);
  }
  return { x: Tensor.from(x, [side * side, 2]), y: Tensor.from(y, [side * side, 1]) };
}

async function weightsOf(model: Mlp): Promise<number[]> {
  const dir = path.join(tempDir(), 'weights');
  await model.save(dir);
  const file = await readSafetensors(path.join(dir, 'model.safetensors'));
  const values: number[] = [];
  for (const tensor of file.tensors.values()) values.push(...((await tensor.data<'float32'>()) as Float32Array));
  return values;
}

test('300 steps from TypeScript: the loss falls by more than 10×', async () => {
  const { x, y } = problem();
  using model = await Mlp.create({ inputSize: 2, hiddenSizes: [32, 32], outputSize: 1, seed: 0, lr: 3e-3 });
  const losses = await model.fit(x, y, { steps: 300 });
  assert.ok(losses[299] < losses[0] / 10, `loss ${losses[0]} → ${losses[299]}`);
  x.dispose();
  y.dispose();
});

test('saved, loaded: identical outputs, bit for bit', async () => {
  const { x, y } = problem();
  using model = await Mlp.create({ inputSize: 2, hiddenSizes: [16], outputSize: 1, seed: 1 });
  await model.fit(x, y, { steps: 50 });
  const dir = path.join(tempDir(), 'mlp');
  await model.save(dir);
  const { model: loaded } = await Mlp.load(dir);
  using reloaded = loaded;
  const [a, b] = await Promise.all([model.predict(x), reloaded.predict(x)]);
  assert.equal([...(await a.data())], [...(await b.data())]);
});

test('a resumed run gives bit-identical losses to an uninterrupted one', async () => {
  const { x, y } = problem();
  using uninterrupted = await Mlp.create({ inputSize: 2, hiddenSizes: [16], outputSize: 1, seed: 2 });
  const full = [...(await uninterrupted.fit(x, y, { steps: 40 }))];

  using first = await Mlp.create({ inputSize: 2, hiddenSizes: [16], outputSize: 1, seed: 2 });
  const head = [...(await first.fit(x, y, { steps: 20 }))];
  const dir = path.join(tempDir(), 'resume');
  await first.save(dir, { training: true, loop: { step: 20 } });
  const { model: resumed, loop } = await Mlp.load(dir, { training: true });
  using second = resumed;
  assert.equal(loop, { step: 20 });
  const tail = [...(await second.fit(x, y, { steps: 20 }))];
  assert.equal([...head, ...tail], full);
});

test('same seed, same weights; another seed, other weights; manualSeed sets the default', async () => {
  using a = await Mlp.create({ inputSize: 4, hiddenSizes: [8], outputSize: 2, seed: 42 });
  using b = await Mlp.create({ inputSize: 4, hiddenSizes: [8], outputSize: 2, seed: 42 });
  using c = await Mlp.create({ inputSize: 4, hiddenSizes: [8], outputSize: 2, seed: 43 });
  const [wa, wb, wc] = await Promise.all([weightsOf(a), weightsOf(b), weightsOf(c)]);
  assert.equal(wa, wb);
  assert.not.equal(wa, wc);
  manualSeed(42);
  using d = await Mlp.create({ inputSize: 4, hiddenSizes: [8], outputSize: 2 });
  assert.equal(await weightsOf(d), wa);
  manualSeed(0);
});

test('two models built and trained at the same time match their solo runs', async () => {
  const { x, y } = problem();
  const [p, q] = await Promise.all(
    [5, 5].map(async (seed) => {
      using model = await Mlp.create({ inputSize: 2, hiddenSizes: [64], outputSize: 1, seed });
      return [...(await model.fit(x, y, { steps: 25 }))];
    }),
  );
  assert.equal(p, q);
});

test.run();
