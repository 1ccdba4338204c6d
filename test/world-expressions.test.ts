// Every expression of the generated world refers to exactly its referent, as judged by an
// independent resolver over the scene graph (test/support/scene-resolver.ts), and its head
// phrase span covers the head noun.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { generateWorld, worldVocabulary } from '../lib/data/world';
import type { WorldSample } from '../lib/data/world';
import { resolveExpression } from './support/scene-resolver';

const SHAPE_NOUNS = ['circle', 'ring', 'ellipse', 'square', 'diamond', 'triangle', 'star', 'cross', 'hexagon', 'shape'];

// 2,001 samples of each family from train, plus both families of the test splits.
const train = generateWorld({ seed: 2024, split: 'train', count: 4002, family: 'both' });
const tests = [...generateWorld({ seed: 2024, split: 'testA', count: 600 }), ...generateWorld({ seed: 2024, split: 'testB', count: 600 })];
const everything = [...train, ...tests];
const ofFamily = (family: string) => train.filter((sample) => sample.family === family);

function headPhrase(sample: WorldSample): string {
  const [[start, end]] = sample.tokensPositive;
  return sample.expression.slice(start, end);
}

const Expressions = suite('world: expressions');

Expressions('the resolver is strict: ambiguous and empty expressions do not resolve to one object', () => {
  const scene = train[0].scene.objects;
  assert.is(resolveExpression('the shape', scene).length, scene.length);
  const [a] = scene;
  const box = (x: number, y: number): [number, number, number, number] => [x, y, 10, 10];
  const made = [
    { ...a, id: 'p', shape: 'star', colour: 'red', size: 'small', box: box(0, 0) },
    { ...a, id: 'q', shape: 'star', colour: 'blue', size: 'small', box: box(20, 0) },
    { ...a, id: 'r', shape: 'ring', colour: 'red', size: 'large', box: box(40, 30) },
  ];
  assert.equal(resolveExpression('the star left of the ring', made), ['p', 'q']);
  assert.equal(resolveExpression('the red star', made), ['p']);
  assert.equal(resolveExpression('the second star from the right', made), ['p']);
  assert.equal(resolveExpression('the star above the ring', made), ['p', 'q']);
  assert.equal(resolveExpression('the shape below the star', made), [], 'the anchor "star" is not one object');
  assert.equal(resolveExpression('the bottommost shape', made), ['r']);
  assert.equal(resolveExpression('the largest red shape', made), ['p', 'r'], 'equal boxes tie');
  assert.throws(() => resolveExpression('the big star', made));
});

for (const family of ['source', 'target'] as const) {
  Expressions(`every ${family} expression resolves to exactly its referent (≥ 2,000 samples)`, () => {
    const samples = ofFamily(family);
    assert.ok(samples.length >= 2000, `${samples.length} samples`);
    const wrong = samples
      .map((sample) => ({ sample, referents: resolveExpression(sample.expression, sample.scene.objects) }))
      .filter(({ sample, referents }) => referents.length !== 1 || referents[0] !== sample.objectId);
    assert.equal(
      wrong.slice(0, 3).map(({ sample, referents }) => `${sample.id} "${sample.expression}" → ${referents.join(', ')}`),
      [],
    );
  });
}

Expressions('expressions of the test splits resolve to their referents too', () => {
  for (const sample of tests) {
    assert.equal(resolveExpression(sample.expression, sample.scene.objects), [sample.objectId], sample.id);
  }
});

Expressions('source expressions name only attributes, with no attribute to spare', () => {
  for (const sample of ofFamily('source')) {
    assert.match(sample.expression, /^the ((small|large) )?(\w+ )?\w+$/);
    const words = sample.expression.split(' ').slice(1);
    // Dropping any one attribute word (keeping the noun, or "shape" for a dropped shape) makes it ambiguous.
    for (let i = 0; i < words.length; i += 1) {
      const isNoun = i === words.length - 1;
      if (isNoun && words[i] === 'shape') continue;
      const rest = isNoun ? [...words.slice(0, i), 'shape'] : words.filter((_, j) => j !== i);
      const shorter = ['the', ...rest].join(' ');
      assert.ok(resolveExpression(shorter, sample.scene.objects).length > 1, `"${shorter}" from "${sample.expression}"`);
    }
  }
});

Expressions('target expressions need their spatial words: the head phrase alone matches several objects', () => {
  const kinds = { relation: 0, ordinal: 0, superlative: 0 };
  for (const sample of ofFamily('target')) {
    const description = sample.expression
      .split(' from the ')[0]
      .split(/ (?:left of|right of|above|below) /)[0]
      .replace(/^the (first|second|third|fourth|leftmost|rightmost|topmost|bottommost|largest|smallest) /, 'the ');
    assert.ok(resolveExpression(description, sample.scene.objects).length >= 2, `"${description}" of "${sample.expression}"`);
    if (/ from the /.test(sample.expression)) kinds.ordinal += 1;
    else if (/ (left of|right of|above|below) /.test(sample.expression)) kinds.relation += 1;
    else kinds.superlative += 1;
  }
  for (const [kind, count] of Object.entries(kinds)) assert.ok(count > 300, `${kind}: ${count} of 2001`);
});

Expressions('tokensPositive is one span inside the expression from "the" to the head noun', () => {
  for (const sample of everything) {
    assert.is(sample.tokensPositive.length, 1);
    const [[start, end]] = sample.tokensPositive;
    assert.ok(start === 0 && end > start && end <= sample.expression.length, `${sample.id} span ${start}..${end}`);
    const head = headPhrase(sample);
    const noun = head.split(' ').pop()!;
    assert.ok(SHAPE_NOUNS.includes(noun), `head phrase "${head}" of "${sample.expression}" ends in a noun`);
    assert.ok(noun === 'shape' || noun === sample.category, `the head noun "${noun}" is the referent's shape`);
    assert.ok(end === sample.expression.length || sample.expression[end] === ' ', 'the span ends at a word boundary');
  }
  const relation = everything.find((sample) => / left of the /.test(sample.expression))!;
  assert.is(headPhrase(relation), relation.expression.split(' left of ')[0]);
  const ordinal = everything.find((sample) => / from the /.test(sample.expression))!;
  assert.is(headPhrase(ordinal), ordinal.expression.split(' from the ')[0]);
});

Expressions('the vocabulary holds every word the grammar produced, and words only', () => {
  const vocabulary = worldVocabulary();
  assert.equal(vocabulary, [...new Set(vocabulary)].sort());
  assert.ok(vocabulary.every((word) => /^[a-z]+$/.test(word)));
  const used = new Set(everything.flatMap((sample) => sample.expression.split(' ')));
  assert.equal(
    [...used].filter((word) => !vocabulary.includes(word)),
    [],
  );
  assert.ok(used.size >= 0.9 * vocabulary.length, `${used.size} of ${vocabulary.length} words used`);
});

Expressions.run();
