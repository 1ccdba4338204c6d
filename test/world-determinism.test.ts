// The generated world is a pure function of its options: the same seed gives the same bytes,
// another seed other scenes, and any sample can be made alone, equal to the one of a full run.
import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { generateWorld, worldSample } from '../lib/data/world';
import type { WorldOptions, WorldSample } from '../lib/data/world';

/** A digest of everything a sample carries: pixels, mask, text, spans, ids and scene graph. */
function fingerprint(samples: readonly WorldSample[]): string {
  const hash = createHash('sha256');
  for (const sample of samples) {
    hash.update(sample.image.image.data);
    hash.update(sample.mask.data);
    const { image: _image, mask: _mask, ...rest } = sample;
    hash.update(JSON.stringify(rest));
  }
  return hash.digest('hex');
}

const Determinism = suite('world: determinism');

Determinism('the same options give the same bytes', () => {
  const options: WorldOptions = { seed: 11, split: 'train', count: 120, family: 'both' };
  assert.is(fingerprint(generateWorld(options)), fingerprint(generateWorld({ ...options })));
});

Determinism('another seed gives other images and expressions', () => {
  const a = generateWorld({ seed: 11, split: 'val', count: 60 });
  const b = generateWorld({ seed: 12, split: 'val', count: 60 });
  assert.is.not(fingerprint(a), fingerprint(b));
  const imagesOf = (samples: WorldSample[]) => new Set(samples.map((sample) => createHash('sha1').update(sample.image.image.data).digest('hex')));
  const shared = [...imagesOf(a)].filter((digest) => imagesOf(b).has(digest));
  assert.is(shared.length, 0, 'no image of seed 11 reappears under seed 12');
  assert.ok(
    a.some((sample, i) => sample.expression !== b[i].expression),
    'expressions differ too',
  );
});

Determinism('sample i made alone equals sample i of a full run', () => {
  for (const family of ['source', 'target', 'both'] as const) {
    const options: WorldOptions = { seed: 5, split: 'testB', count: 40, size: 48, family };
    const run = generateWorld(options);
    for (const index of [39, 0, 17, 3, 22]) {
      const alone = worldSample(options, index);
      assert.equal(alone, run[index], `${family} sample ${index}`);
      assert.is(fingerprint([alone]), fingerprint([run[index]]));
    }
  }
});

Determinism('a sample does not depend on the count, and the families are views of one world', () => {
  const both = generateWorld({ seed: 9, split: 'train', count: 60, family: 'both' });
  const source = generateWorld({ seed: 9, split: 'train', count: 30, family: 'source' });
  const target = generateWorld({ seed: 9, split: 'train', count: 30, family: 'target' });
  assert.equal(generateWorld({ seed: 9, split: 'train', count: 25, family: 'both' }), both.slice(0, 25));
  const byId = new Map(both.map((sample) => [sample.id, sample]));
  for (const sample of [...source, ...target]) assert.equal(sample, byId.get(sample.id), sample.id);
  assert.equal(
    both.filter((sample) => sample.family === 'source'),
    source,
  );
  assert.equal(
    both.filter((sample) => sample.family === 'target'),
    target,
  );
});

Determinism('ids are unique; image and object ids group samples of one scene and one object', () => {
  const samples = generateWorld({ seed: 3, split: 'train', count: 600 });
  assert.is(new Set(samples.map((sample) => sample.id)).size, samples.length);
  const byImage = new Map<string, WorldSample[]>();
  for (const sample of samples) byImage.set(sample.imageId, [...(byImage.get(sample.imageId) ?? []), sample]);
  assert.is(byImage.size, samples.length / 6, 'six samples (3 per family) per scene');
  for (const group of byImage.values()) {
    assert.ok(group.every((sample) => sample.image.image.data === group[0].image.image.data));
    for (const sample of group) {
      assert.ok(sample.objectId.startsWith(`${sample.imageId}-`));
      assert.ok(sample.scene.objects.some((object) => object.id === sample.objectId));
    }
  }
  const perObject = new Map<string, number>();
  for (const sample of samples) perObject.set(sample.objectId, (perObject.get(sample.objectId) ?? 0) + 1);
  const several = [...perObject.values()].filter((n) => n >= 2).length;
  assert.ok(several / perObject.size > 0.5, `most referred objects have several expressions (${several}/${perObject.size})`);
});

Determinism.run();
