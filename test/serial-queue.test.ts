// A model's call queue: calls run one at a time in call order, and past its cap a call is
// refused with ERR_LIMIT instead of queued without end.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SerialQueue } from '../lib/serial-queue';
import { expectError } from './support/expect-error';

const test = suite('serial queue');

test('calls run one at a time, in call order', async () => {
  const queue = new SerialQueue();
  const order: number[] = [];
  let running = 0;
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      queue.run(async () => {
        running++;
        assert.is(running, 1);
        await new Promise((resolve) => setTimeout(resolve, i % 3));
        order.push(i);
        running--;
      }),
    ),
  );
  assert.equal(
    order,
    Array.from({ length: 20 }, (_, i) => i),
  );
});

test('past its cap a call is refused with ERR_LIMIT, and taken again once calls settle', async () => {
  const queue = new SerialQueue(2);
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const first = queue.run(() => held);
  const second = queue.run(async () => 'second');
  await expectError('ERR_LIMIT', () => queue.run(async () => 'third'), 'calls already wait');
  release();
  await first;
  assert.is(await second, 'second');
  assert.is(await queue.run(async () => 'again'), 'again');
});

test.run();
