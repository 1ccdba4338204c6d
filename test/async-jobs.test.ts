import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { promptGeneratorPreset } from '../lib/config/prompt-generator-config';
import { Mlp } from '../lib/models/mlp';
import { PromptGenerator } from '../lib/models/prompt-generator';
import { Tensor } from '../lib/tensor';
import { expectError } from './support/expect-error';

const test = suite('async jobs');

function batch(count: number, width: number, seed: number): Float32Array {
  const values = new Float32Array(count * width);
  let state = seed >>> 0;
  for (let i = 0; i < values.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 2 ** 32 - 0.5;
  }
  return values;
}

test('100 calls fired at once on one model run in call order, none lost', async () => {
  using x = Tensor.from(batch(16, 4, 1), [16, 4]);
  using y = Tensor.from(batch(16, 2, 2), [16, 2]);
  using concurrent = await Mlp.create({ inputSize: 4, hiddenSizes: [8], outputSize: 2, seed: 3 });
  using sequential = await Mlp.create({ inputSize: 4, hiddenSizes: [8], outputSize: 2, seed: 3 });
  const fired = await Promise.all(Array.from({ length: 100 }, () => concurrent.trainStep(x, y)));
  const expected: number[] = [];
  for (let i = 0; i < 100; i++) expected.push(await sequential.trainStep(x, y));
  assert.equal(fired, expected);
  assert.ok(fired[99] < fired[0], 'the loss fell');
});

test('different models train in parallel and each matches its own sequential run', async () => {
  using x = Tensor.from(batch(32, 4, 5), [32, 4]);
  using y = Tensor.from(batch(32, 1, 6), [32, 1]);
  const models = await Promise.all([7, 8, 9].map((seed) => Mlp.create({ inputSize: 4, hiddenSizes: [16], outputSize: 1, seed })));
  const parallel = await Promise.all(models.map((model) => model.fit(x, y, { steps: 30 })));
  for (const [i, seed] of [7, 8, 9].entries()) {
    using alone = await Mlp.create({ inputSize: 4, hiddenSizes: [16], outputSize: 1, seed });
    assert.equal([...(await alone.fit(x, y, { steps: 30 }))], [...parallel[i]], `seed ${seed}`);
    models[i].dispose();
  }
});

test('the event loop keeps running during a 2-second native job', async () => {
  using x = Tensor.from(batch(256, 256, 11), [256, 256]);
  using y = Tensor.from(batch(256, 256, 12), [256, 256]);
  using model = await Mlp.create({ inputSize: 256, hiddenSizes: [1024, 1024], outputSize: 256, seed: 0 });
  // Calibrate steps to about 2.5 s on this machine (after warm-up steps).
  await model.fit(x, y, { steps: 3 });
  const probeStart = performance.now();
  await model.fit(x, y, { steps: 20 });
  const perStep = (performance.now() - probeStart) / 20;
  const steps = Math.max(20, Math.round(2500 / perStep));
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const started = performance.now();
  await model.fit(x, y, { steps });
  const elapsed = performance.now() - started;
  clearInterval(timer);
  const expected = elapsed / 10;
  assert.ok(elapsed > 1000, `the job took ${elapsed.toFixed(0)} ms`);
  assert.ok(ticks >= expected / 2, `${ticks} ticks of ${expected.toFixed(0)} expected in ${elapsed.toFixed(0)} ms`);
});

test("creating a model draws its weights off the event loop: the paper generator's 77M parameters while timers keep firing", async () => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const started = performance.now();
  const created = PromptGenerator.create(promptGeneratorPreset('paper'));
  const synchronous = performance.now() - started;
  using model = await created;
  const elapsed = performance.now() - started;
  clearInterval(timer);
  assert.is(model.parameterCount(), 77_158_944);
  assert.ok(synchronous < 100, `create() returned after ${synchronous.toFixed(0)} ms`);
  assert.ok(elapsed > 300, `building took ${elapsed.toFixed(0)} ms`);
  assert.ok(ticks >= elapsed / 10 / 2, `${ticks} ticks in ${elapsed.toFixed(0)} ms`);
});

test('a config the native side refuses rejects create() with its code, and the handle is let go', async () => {
  await expectError('ERR_CONFIG', () => PromptGenerator.create({ ...promptGeneratorPreset('tiny'), numHeads: 3 }));
});

test('progress arrives for every step and never after the Promise settles', async () => {
  using x = Tensor.from(batch(8, 2, 1), [8, 2]);
  using y = Tensor.from(batch(8, 1, 2), [8, 1]);
  using model = await Mlp.create({ inputSize: 2, outputSize: 1, seed: 0 });
  const events: number[] = [];
  let settled = false;
  let lateEvents = 0;
  const losses = await model.fit(x, y, {
    steps: 50,
    onProgress: (event) => {
      if (settled) lateEvents++;
      events.push(event.step);
      assert.is(event.total, 50);
      assert.type(event.values.loss, 'number');
    },
  });
  settled = true;
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.is(lateEvents, 0);
  assert.equal(
    events,
    Array.from({ length: 50 }, (_, i) => i + 1),
    'every step, in order, before settling',
  );
  assert.is(losses.length, 50);
});

test('an AbortSignal cancels a long job between steps with ERR_ABORTED', async () => {
  using x = Tensor.from(batch(64, 64, 1), [64, 64]);
  using y = Tensor.from(batch(64, 64, 2), [64, 64]);
  using model = await Mlp.create({ inputSize: 64, hiddenSizes: [256], outputSize: 64, seed: 0 });
  const controller = new AbortController();
  let seen = 0;
  const started = performance.now();
  await expectError(
    'ERR_ABORTED',
    () =>
      model.fit(x, y, {
        steps: 1_000_000,
        signal: controller.signal,
        onProgress: (event) => {
          seen = event.step;
          if (event.step === 5) controller.abort();
        },
      }),
    'cancelled',
  );
  assert.ok(seen >= 5 && seen < 1000, `stopped after ${seen} steps`);
  assert.ok(performance.now() - started < 10_000);
  // The model is still usable after a cancelled job.
  assert.type(await model.trainStep(x, y), 'number');
});

test('an already-aborted signal rejects at once; a throwing onProgress stops the job with its error', async () => {
  using x = Tensor.from(batch(8, 2, 1), [8, 2]);
  using y = Tensor.from(batch(8, 1, 2), [8, 1]);
  using model = await Mlp.create({ inputSize: 2, outputSize: 1 });
  await expectError('ERR_ABORTED', () => model.fit(x, y, { steps: 10, signal: AbortSignal.abort() }));
  let caught: unknown;
  try {
    await model.fit(x, y, {
      steps: 100_000,
      onProgress: () => {
        throw new Error('callback failed');
      },
    });
  } catch (error) {
    caught = error;
  }
  assert.instance(caught, Error);
  assert.is((caught as Error).message, 'callback failed');
});

test('the addon loads and works in worker threads too', async () => {
  const script = `
    require('tsx/cjs');
    const { parentPort } = require('node:worker_threads');
    const { Tensor } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'tensor.ts'))});
    (async () => {
      const a = Tensor.from(new Float32Array([1, 2, 3, 4]), [2, 2]);
      const product = await a.matmul(a);
      parentPort.postMessage([...(await product.data())]);
    })().catch((error) => parentPort.postMessage(String(error)));
  `;
  const results = await Promise.all(
    [0, 1].map(
      () =>
        new Promise((resolve, reject) => {
          const worker = new Worker(script, { eval: true });
          worker.once('message', (message) => {
            resolve(message);
            void worker.terminate();
          });
          worker.once('error', reject);
        }),
    ),
  );
  assert.equal(results, [
    [7, 10, 15, 22],
    [7, 10, 15, 22],
  ]);
});

test.run();
