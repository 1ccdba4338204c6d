// The seeded per-epoch order: a permutation, the same for the same (seed, epoch), another for
// another epoch or seed, and unbiased enough that every sample is equally likely to come first.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isDiffPromptError } from '../lib/errors';
import { epochOrder } from '../lib/data/batching/epoch-order';

const test = suite('batching: epoch order');

test('an order is a permutation of 0..count−1', () => {
  for (const count of [0, 1, 2, 7, 1000]) {
    const order = epochOrder(count, 5, 3);
    assert.is(order.length, count);
    assert.equal(
      [...order].sort((a, b) => a - b),
      Array.from({ length: count }, (_, i) => i),
    );
  }
});

test('same arguments, same order; another epoch or seed, another order', () => {
  assert.equal([...epochOrder(100, 42, 0)], [...epochOrder(100, 42, 0)]);
  assert.not.equal([...epochOrder(100, 42, 0)], [...epochOrder(100, 42, 1)]);
  assert.not.equal([...epochOrder(100, 42, 0)], [...epochOrder(100, 43, 0)]);
  // Large seeds keep their high bits: 2^40 and 2^40 + 2^33 differ only above bit 32.
  assert.not.equal([...epochOrder(100, 2 ** 40, 0)], [...epochOrder(100, 2 ** 40 + 2 ** 33, 0)]);
});

test('the order of a fixed (seed, epoch) is pinned, so saved runs resume the same way after an upgrade', () => {
  assert.equal([...epochOrder(10, 1, 0)], [6, 2, 0, 8, 1, 4, 5, 7, 9, 3]);
});

test('every sample is about equally likely to come first (4000 epochs of 5)', () => {
  const firsts = new Array<number>(5).fill(0);
  for (let epoch = 0; epoch < 4000; epoch++) firsts[epochOrder(5, 9, epoch)[0]!]! += 1;
  // Expected 800 each; a binomial standard deviation is ~25, so ±120 is far outside chance.
  for (const count of firsts) assert.ok(Math.abs(count - 800) < 120, `first-place counts ${firsts.join(', ')}`);
});

test('counts, seeds and epochs that are not non-negative integers are ERR_CONFIG', () => {
  for (const [count, seed, epoch] of [
    [-1, 0, 0],
    [3, 1.5, 0],
    [3, 0, -2],
  ]) {
    assert.throws(
      () => epochOrder(count!, seed!, epoch!),
      (error: unknown) => isDiffPromptError(error, 'ERR_CONFIG'),
    );
  }
});

test.run();
