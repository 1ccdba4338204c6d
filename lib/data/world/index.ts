// The generated referring-expression world: the package's default dataset, made on the fly
// with no downloads. Sample i of (seed, split, size, family) is a pure function of those
// values: it can be made alone (worldSample), so an epoch can be shuffled or resumed anywhere.
// Randomness is integer-only (random.ts); pixels also use Math.sin/cos/sqrt, which V8 computes
// identically on every platform, so the bytes are the same on every machine.
//
// Layout of a dataset: scene s gives EXPRESSIONS_PER_SCENE (3) samples per family. With
// family 'source' or 'target', samples 3s..3s+2 come from scene s; with 'both', samples
// 6s..6s+5 alternate source, target, source, ... over the same scene. The scenes, and each
// family's samples of a scene, do not depend on the family option, so the 'source' and
// 'target' datasets are the two halves of the 'both' one, and a sample keeps its id in all
// three. Samples of one scene share one image buffer, and samples of one object one mask
// buffer: treat them as read-only.
//
// Ids: image `world-<seed>-<split>-<scene>`, object `<image id>-o<k>` (k in paint order), sample
// `<image id>-<family>-<slot>`. They are unique within one world (seed, size); the same seed at
// another image size draws the same scene keys but may settle on other scenes.
import type { BinaryMask, CharSpan, ExpressionFamily, ReferringSample, RgbImage } from '../sample';
import type { RandomAccessSamples } from '../batching/sample-source';
import { DiffPromptError } from '../../errors';
import type { ShapeName } from './attributes';
import { phraseReferral } from './expressions';
import { resolveWorldOptions } from './options';
import type { ResolvedWorldOptions, WorldFamily, WorldOptions } from './options';
import { EXPRESSIONS_PER_SCENE, generateScene } from './scene';
import type { SceneGraph, WorldScene } from './scene';
import type { WorldSplit } from './splits';

export { ANGULAR_SHAPES, COLOUR_NAMES, ROUND_SHAPES, SHAPES, SIZES } from './attributes';
export type { ColourName, ShapeName, SizeName } from './attributes';
export { worldVocabulary } from './expressions';
export { DEFAULT_WORLD_SIZE, MAX_WORLD_SIZE, MIN_WORLD_SIZE, WORLD_FAMILIES } from './options';
export type { WorldFamily, WorldOptions } from './options';
export type { SceneGraph, SceneObject } from './scene';
export { WORLD_SPLITS } from './splits';
export type { WorldSplit } from './splits';

/** A sample of the generated world: every optional field is present, plus its scene graph. */
export interface WorldSample extends ReferringSample {
  image: { kind: 'pixels'; image: RgbImage };
  mask: BinaryMask;
  tokensPositive: CharSpan[];
  family: ExpressionFamily;
  split: WorldSplit;
  objectId: string;
  category: ShapeName;
  /** The objects of the image with their attributes and boxes, for resolving expressions. */
  scene: SceneGraph;
}

interface SamplePlace {
  sceneIndex: number;
  family: ExpressionFamily;
  /** Which of the scene's expressions of that family. */
  slot: number;
}

function placeOf(family: WorldFamily, index: number): SamplePlace {
  if (family !== 'both') {
    return { sceneIndex: Math.floor(index / EXPRESSIONS_PER_SCENE), family, slot: index % EXPRESSIONS_PER_SCENE };
  }
  const perScene = 2 * EXPRESSIONS_PER_SCENE;
  const within = index % perScene;
  return {
    sceneIndex: Math.floor(index / perScene),
    family: within % 2 === 0 ? 'source' : 'target',
    slot: Math.floor(within / 2),
  };
}

function sampleOf(scene: WorldScene, options: ResolvedWorldOptions, place: SamplePlace): WorldSample {
  const { referral, objectIndex } = scene.referrals[place.family][place.slot];
  const object = scene.graph.objects[objectIndex];
  const { expression, headSpan } = phraseReferral(referral);
  return {
    id: `${scene.graph.imageId}-${place.family}-${place.slot}`,
    imageId: scene.graph.imageId,
    image: { kind: 'pixels', image: scene.image },
    width: options.size,
    height: options.size,
    expression,
    box: [...object.box],
    mask: scene.masks[objectIndex],
    tokensPositive: [headSpan],
    family: place.family,
    split: options.split,
    objectId: object.id,
    category: object.shape,
    scene: scene.graph,
  };
}

function sceneOf(options: ResolvedWorldOptions, sceneIndex: number): WorldScene {
  return generateScene({ seed: options.seed, split: options.split, sceneIndex, size: options.size });
}

/** The samples of the dataset in order, each scene generated once. */
export function* iterateWorld(options: WorldOptions): Generator<WorldSample> {
  const resolved = resolveWorldOptions(options);
  let current: { index: number; scene: WorldScene } | null = null;
  for (let index = 0; index < resolved.count; index += 1) {
    const place = placeOf(resolved.family, index);
    if (current === null || current.index !== place.sceneIndex) {
      current = { index: place.sceneIndex, scene: sceneOf(resolved, place.sceneIndex) };
    }
    yield sampleOf(current.scene, resolved, place);
  }
}

/** All `count` samples of the dataset. */
export function generateWorld(options: WorldOptions): WorldSample[] {
  return [...iterateWorld(options)];
}

/** Sample `index` (0 ≤ index < count) alone: equal, byte for byte, to generateWorld(options)[index]. */
export function worldSample(options: WorldOptions, index: number): WorldSample {
  const resolved = resolveWorldOptions(options);
  if (!Number.isSafeInteger(index) || index < 0 || index >= resolved.count) {
    throw new DiffPromptError('ERR_CONFIG', `world sample index must be an integer from 0 to count − 1 = ${resolved.count - 1} (got ${index})`);
  }
  const place = placeOf(resolved.family, index);
  return sampleOf(sceneOf(resolved, place.sceneIndex), resolved, place);
}

/** The samples of one world dataset made on demand, one at a time (a batch stream's source). */
export function worldSource(options: WorldOptions): RandomAccessSamples {
  const resolved = resolveWorldOptions(options);
  return { count: resolved.count, get: (index) => worldSample(resolved, index) };
}
