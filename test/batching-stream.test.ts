// The batch stream: seeded epochs cut into batches, a saved state that resumes to the very
// same batches, prefetch that really builds ahead of the consumer, and bad samples that stop
// the stream by name or are skipped and listed.
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DiffPromptError, isDiffPromptError } from '../lib/errors';
import type { Batch } from '../lib/data/batching/batch';
import { batchStream, type BatchStreamOptions } from '../lib/data/batching/batch-stream';
import type { DataOrderState } from '../lib/data/batching/data-order';
import { epochOrder } from '../lib/data/batching/epoch-order';
import type { RandomAccessSamples } from '../lib/data/batching/sample-source';
import type { ReferringSample } from '../lib/data/sample';
import { WordLevelTokenizer } from '../lib/data/tokenizers/word-level-tokenizer';
import { generateWorld, worldSample, worldVocabulary, type WorldOptions } from '../lib/data/world/index';

const test = suite('batching: batch stream');
const worldOptions: WorldOptions = { seed: 3, split: 'train', count: 10, size: 32 };
const world = generateWorld(worldOptions);
const words = WordLevelTokenizer.fromWords(worldVocabulary());
const base: BatchStreamOptions = { batchSize: 4, seed: 21, size: 32, tokenizers: { text: words } };

/** The first n batches of a stream (fewer if it ends), with the state after each. */
async function take(stream: AsyncIterableIterator<Batch> & { state(): DataOrderState }, n: number): Promise<{ batches: Batch[]; states: DataOrderState[] }> {
  const batches: Batch[] = [];
  const states: DataOrderState[] = [];
  for await (const batch of stream) {
    batches.push(batch);
    states.push(stream.state());
    if (batches.length === n) break;
  }
  return { batches, states };
}

function errorWith(code: 'ERR_DATA' | 'ERR_CONFIG', pattern: RegExp) {
  return (error: unknown): boolean => isDiffPromptError(error, code) && pattern.test((error as Error).message);
}

test('an epoch visits every sample once, in epochOrder, cut into batches; the state follows the consumer', async () => {
  const stream = batchStream(world, { ...base, epochs: 1 });
  assert.equal(stream.state(), { seed: 21, epoch: 0, position: 0 });
  const { batches, states } = await take(stream, 100);
  assert.equal(
    batches.map((b) => b.count),
    [4, 4, 2],
  );
  const order = [...epochOrder(10, 21, 0)];
  assert.equal(
    batches.flatMap((b) => b.ids),
    order.map((i) => world[i]!.id),
  );
  assert.equal(states, [
    { seed: 21, epoch: 0, position: 4 },
    { seed: 21, epoch: 0, position: 8 },
    { seed: 21, epoch: 1, position: 0 },
  ]);
  assert.is(batches[0]!.tokens.text!.ids.length, 4 * 32);
  assert.equal(await stream.next(), { value: undefined, done: true });
});

test('dropLast leaves out the short batch; shuffle false keeps source order; epochs run on with new orders', async () => {
  const dropped = await take(batchStream(world, { ...base, dropLast: true, epochs: 2 }), 100);
  assert.equal(
    dropped.batches.map((b) => b.count),
    [4, 4, 4, 4],
  );
  assert.equal(dropped.states[1], { seed: 21, epoch: 1, position: 0 });
  const epoch1 = [...epochOrder(10, 21, 1)].slice(0, 8).map((i) => world[i]!.id);
  assert.equal(
    dropped.batches.slice(2).flatMap((b) => b.ids),
    epoch1,
  );
  const inOrder = await take(batchStream(world, { ...base, shuffle: false, epochs: 2 }), 100);
  assert.equal(
    inOrder.batches.flatMap((b) => b.ids),
    [...world, ...world].map((s) => s.id),
  );
});

/** A comparable digest of a batch: its ids, and sums that change if any array's content does. */
function digest(batch: Batch): string {
  const sum = (values: ArrayLike<number>): number => {
    let total = 0;
    for (let i = 0; i < values.length; i++) total += values[i]! * ((i % 97) + 1);
    return total;
  };
  return JSON.stringify([batch.ids, sum(batch.images), sum(batch.masks), sum(batch.boxes), sum(batch.tokens.text!.ids), sum(batch.tokens.text!.positive)]);
}

test('a stream resumed from a saved state yields exactly what the uninterrupted stream yields next', async () => {
  // Random access into the world (worldSample), 3 epochs of 10 in batches of 4: the resume points
  // include mid-epoch and epoch boundaries; prefetch runs ahead of the saved state.
  const source: RandomAccessSamples = { count: 10, get: (i) => worldSample(worldOptions, i) };
  const whole = (await take(batchStream(source, { ...base, epochs: 3 }), 100)).batches.map(digest);
  assert.is(whole.length, 9);
  for (const stopAfter of [1, 2, 3, 5, 7]) {
    const first = batchStream(source, { ...base, epochs: 3, prefetch: 3 });
    const head = await take(first, stopAfter);
    const saved = JSON.parse(JSON.stringify(first.state())) as DataOrderState; // as written to state.json
    const resumed = await take(batchStream(source, { ...base, epochs: 3, startState: saved }), 100);
    assert.equal([...head.batches.map(digest), ...resumed.batches.map(digest)], whole, `resumed after batch ${stopAfter}`);
  }
});

test('prefetch builds the next batch while the consumer awaits its step', async () => {
  // A source whose samples take 30 ms to arrive (as a decode off the main thread would), and a
  // consumer whose step takes 50 ms.
  const requested = new Map<number, number>();
  const slowSource: RandomAccessSamples = {
    count: 24,
    get: async (i) => {
      requested.set(i, performance.now());
      await sleep(30);
      return world[i % 10]!;
    },
  };
  const run = async (prefetch: number): Promise<{ elapsed: number; asked: number[]; ids: number[][]; waits: number[] }> => {
    requested.clear();
    const stream = batchStream(slowSource, { ...base, shuffle: false, epochs: 1, prefetch });
    const asked: number[] = [];
    const waits: number[] = [];
    const start = performance.now();
    for (;;) {
      const askedAt = performance.now();
      const result = await stream.next();
      if (result.done) break;
      asked.push(askedAt);
      waits.push(performance.now() - askedAt);
      await sleep(50); // the native step
    }
    const elapsed = performance.now() - start;
    const ids = asked.map((_, k) => [0, 1, 2, 3].map((j) => 4 * k + j));
    return { elapsed, asked, ids, waits };
  };
  const ahead = await run(2);
  assert.is(ahead.asked.length, 6);
  for (let k = 1; k < 6; k++) {
    for (const index of ahead.ids[k]!) assert.ok(requested.get(index)! < ahead.asked[k]!, `sample ${index} of batch ${k} was requested before the consumer asked for the batch`);
    assert.ok(ahead.waits[k]! < 25, `batch ${k} was ready when asked (waited ${ahead.waits[k]!.toFixed(1)} ms)`);
  }
  const onDemand = await run(0);
  for (let k = 1; k < 6; k++) assert.ok(onDemand.waits[k]! >= 25, `without prefetch batch ${k} is built when asked (waited ${onDemand.waits[k]!.toFixed(1)} ms)`);
  // 6 steps of 50 ms: ~300 ms plus the first build with prefetch, ~6·(50 + 30) without.
  assert.ok(ahead.elapsed < onDemand.elapsed * 0.8, `prefetch ${ahead.elapsed.toFixed(0)} ms vs on demand ${onDemand.elapsed.toFixed(0)} ms`);
});

test("a bad sample stops the stream with ERR_DATA naming it, or under 'skip' is left out and listed", async () => {
  const { mask: _mask, ...maskless } = world[2]!;
  const bad: ReferringSample[] = world.map((sample) => sample);
  bad[2] = { ...maskless, width: 40 }; // the image is 32 wide
  bad[7] = { ...world[7]!, image: { kind: 'file', path: '/nonexistent/scene.png' } };
  const failing = batchStream(bad, { ...base, shuffle: false });
  await failing.next().then(
    () => assert.unreachable('the first batch holds sample 2'),
    (error: unknown) => assert.ok(errorWith('ERR_DATA', new RegExp(`^sample ${world[2]!.id}: its image is 32×32 but the sample says 40×32.*onBadSample: 'skip'`))(error), String(error)),
  );
  assert.equal(await failing.next(), { value: undefined, done: true }, 'the stream ends after its error');

  const skipping = batchStream(bad, { ...base, shuffle: false, onBadSample: 'skip', epochs: 2 });
  const { batches } = await take(skipping, 100);
  assert.equal(
    batches.map((b) => b.count),
    [3, 3, 2, 3, 3, 2],
  );
  assert.not.ok(batches.some((b) => b.ids.includes(world[2]!.id) || b.ids.includes(world[7]!.id)));
  assert.equal(
    skipping.skipped.map(({ id, index, epoch }) => ({ id, index, epoch })),
    [
      { id: world[2]!.id, index: 2, epoch: 0 },
      { id: world[7]!.id, index: 7, epoch: 0 },
      { id: world[2]!.id, index: 2, epoch: 1 },
      { id: world[7]!.id, index: 7, epoch: 1 },
    ],
  );
  assert.match(skipping.skipped[1]!.reason, /image file \/nonexistent\/scene\.png not found/);
});

test('a source that cannot give a sample is named by index; a bug in the source is never skipped; no good sample fails after an epoch', async () => {
  const cutOff: RandomAccessSamples = {
    count: 6,
    get: (i) => (i === 1 ? Promise.reject(new DiffPromptError('ERR_DATA', 'record 1 is cut off')) : world[i]!),
  };
  const strict = batchStream(cutOff, { ...base, batchSize: 6, shuffle: false });
  await strict.next().then(
    () => assert.unreachable('sample 1 cannot be read'),
    (error: unknown) => assert.ok(errorWith('ERR_DATA', /^the sample at index 1 of the source: record 1 is cut off/)(error), String(error)),
  );
  const lenient = batchStream(cutOff, { ...base, batchSize: 6, shuffle: false, onBadSample: 'skip', epochs: 1 });
  const { batches } = await take(lenient, 100);
  assert.equal(
    batches.map((b) => b.count),
    [5],
  );
  assert.equal(lenient.skipped, [{ index: 1, epoch: 0, reason: 'record 1 is cut off' }]);

  const buggy: RandomAccessSamples = {
    count: 6,
    get: (i) => {
      if (i === 4) throw new TypeError('boom');
      return world[i]!;
    },
  };
  await batchStream(buggy, { ...base, batchSize: 6, onBadSample: 'skip' })
    .next()
    .then(
      () => assert.unreachable('a bug must surface'),
      (error: unknown) => assert.ok(error instanceof TypeError && error.message === 'boom'),
    );

  const { mask: _mask, ...maskless } = world[0]!;
  const allBad = Array.from({ length: 5 }, (_, i) => ({ ...maskless, id: `bad-${i}`, box: [0, 0, 0, 0] as [number, number, number, number] }));
  const hopeless = batchStream(allBad, { ...base, batchSize: 2, onBadSample: 'skip' });
  await hopeless.next().then(
    () => assert.unreachable('no batch can be made'),
    (error: unknown) => assert.ok(errorWith('ERR_DATA', /all bad, a whole epoch of them \(first: box \[0, 0, 0, 0\] has no area/)(error), String(error)),
  );
  assert.is(hopeless.skipped.length, 5);
});

test('bad options and a saved state of another run are ERR_CONFIG; an empty source is ERR_DATA', () => {
  const cases: [() => unknown, 'ERR_DATA' | 'ERR_CONFIG', RegExp][] = [
    [() => batchStream([], base), 'ERR_DATA', /source is empty/],
    [() => batchStream(world, { ...base, batchSize: 0 }), 'ERR_CONFIG', /batchSize/],
    [() => batchStream(world, { ...base, batchSize: 11, dropLast: true }), 'ERR_CONFIG', /make no batch of 11/],
    [() => batchStream(world, { ...base, startState: { seed: 5, epoch: 0, position: 0 } }), 'ERR_CONFIG', /seed 5 but the stream's seed is 21/],
    [() => batchStream(world, { ...base, startState: { seed: 21, epoch: 0, position: 11 } }), 'ERR_CONFIG', /not a place in epochs of 10/],
    [() => batchStream(world, { ...base, aspect: 'crop' as never }), 'ERR_CONFIG', /aspect/],
    [() => batchStream({ count: -1, get: () => world[0]! }, base), 'ERR_CONFIG', /sample source/],
  ];
  for (const [make, code, pattern] of cases) assert.throws(make, errorWith(code, pattern));
});

test('breaking out of the loop stops building ahead', async () => {
  let gets = 0;
  const counting: RandomAccessSamples = {
    count: 10,
    get: (i) => {
      gets++;
      return world[i]!;
    },
  };
  const stream = batchStream(counting, { ...base, prefetch: 2 });
  for await (const batch of stream) {
    assert.is(batch.count, 4);
    break;
  }
  await sleep(20);
  const after = gets;
  await sleep(20);
  assert.is(gets, after, 'no sample is requested after the loop ended');
  assert.ok(after <= 12, `at most the batch and its 2 prefetched ones were requested (${after})`);
  assert.equal(await stream.next(), { value: undefined, done: true });
});

test.run();
