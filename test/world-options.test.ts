// Bad options of the generated world fail with ERR_CONFIG and say what is allowed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isDiffPromptError } from '../lib/errors';
import { generateWorld, iterateWorld, worldSample } from '../lib/data/world';
import type { WorldOptions } from '../lib/data/world';

function configError(make: () => unknown, allowed: RegExp): void {
  try {
    make();
  } catch (error) {
    assert.ok(isDiffPromptError(error, 'ERR_CONFIG'), `ERR_CONFIG expected, got ${String(error)}`);
    assert.match(error.message, allowed);
    return;
  }
  assert.unreachable('no error thrown');
}

const good: WorldOptions = { seed: 1, split: 'train', count: 6 };
/** Options as a caller without types might pass them. */
const loose = (overrides: Record<string, unknown>) => ({ ...good, ...overrides }) as WorldOptions;

const Options = suite('world: options');

Options('bad options name what is allowed', () => {
  configError(() => generateWorld(loose({ count: -1 })), /`count` must be an integer ≥ 0 \(got -1\)/);
  configError(() => generateWorld(loose({ count: 2.5 })), /`count` must be an integer ≥ 0/);
  configError(() => generateWorld(loose({ size: 15 })), /`size` must be an integer from 16 to 1024/);
  configError(() => generateWorld(loose({ size: 64.5 })), /`size` must be an integer from 16/);
  configError(() => generateWorld(loose({ split: 'test' })), /`split` must be one of train, val, testA, testB \(got "test"\)/);
  configError(() => generateWorld(loose({ family: 'all' })), /`family` must be one of source, target, both/);
  configError(() => generateWorld(loose({ seed: -3 })), /`seed` must be a non-negative integer/);
  configError(() => generateWorld(loose({ seed: '7' })), /`seed` must be a non-negative integer \(got "7"\)/);
  configError(() => generateWorld(null as unknown as WorldOptions), /world options must be an object/);
});

Options('the iterator checks its options before yielding anything', () => {
  configError(() => iterateWorld(loose({ split: 'testC' })).next(), /`split` must be one of/);
});

Options('a sample index must lie in [0, count)', () => {
  configError(() => worldSample(good, 6), /index must be an integer from 0 to count − 1 = 5 \(got 6\)/);
  configError(() => worldSample(good, -1), /got -1/);
  configError(() => worldSample(good, 0.5), /got 0.5/);
  assert.is(worldSample(good, 5).id, generateWorld(good)[5].id);
});

Options('defaults: 64×64 images, both families; count 0 gives no samples', () => {
  const [first, second] = generateWorld(good);
  assert.is(first.width, 64);
  assert.equal([first.family, second.family], ['source', 'target']);
  assert.equal(generateWorld({ ...good, count: 0 }), []);
});

Options.run();
