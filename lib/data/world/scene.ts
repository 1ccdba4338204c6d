// One scene of the generated world, from its key (seed, split, scene index, image size) alone:
// objects, placement, pixels, masks, scene graph and the expressions chosen for each family.
// A draw that cannot serve (too few referable expressions, an object that does not fit, or an
// object hidden too much) is replaced by the next attempt, whose streams are keyed by the
// attempt number: the outcome is still a function of the key.
import { DiffPromptError } from '../../errors';
import type { BinaryMask, Box, ExpressionFamily, RgbImage } from '../sample';
import type { ColourName, ShapeName, SizeName } from './attributes';
import { paintBackground } from './background';
import { drawObjectAttributes, placeObjects } from './placement';
import { RandomStream } from './random';
import { minimalDescriptions, sourceCandidates, targetCandidates } from './referrals';
import type { Candidate } from './referrals';
import { renderScene } from './render';
import { chooseReferrals } from './selection';
import { SPLIT_RULES } from './splits';
import type { WorldSplit } from './splits';

/** An object of the scene graph: what a resolver may read. */
export interface SceneObject {
  id: string;
  shape: ShapeName;
  colour: ColourName;
  size: SizeName;
  /** Tight box [x, y, w, h] of the object's visible mask. */
  box: Box;
  /** Visible pixels. */
  area: number;
}

export interface SceneGraph {
  imageId: string;
  width: number;
  height: number;
  /** In paint order: later objects are in front and may hide parts of earlier ones. */
  objects: SceneObject[];
}

export interface WorldScene {
  graph: SceneGraph;
  image: RgbImage;
  /** Visible mask of each object, in graph order. */
  masks: BinaryMask[];
  /** EXPRESSIONS_PER_SCENE chosen expressions per family. */
  referrals: Record<ExpressionFamily, Candidate[]>;
}

export interface SceneKey {
  seed: number;
  split: WorldSplit;
  sceneIndex: number;
  size: number;
}

/** Samples each scene gives to each family. */
export const EXPRESSIONS_PER_SCENE = 3;

/** Every object keeps at least this fraction of its own pixels visible, and at least MIN_VISIBLE_PIXELS. */
const MIN_VISIBLE_FRACTION = 0.8;
const MIN_VISIBLE_PIXELS = 4;
const MAX_ATTEMPTS = 1000;

function sceneImageId(seed: number, split: WorldSplit, sceneIndex: number): string {
  return `world-${seed}-${split}-${sceneIndex}`;
}

export function generateScene(key: SceneKey): WorldScene {
  const { seed, split, sceneIndex, size } = key;
  const rule = SPLIT_RULES[split];
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const stream = (purpose: string): RandomStream => new RandomStream('world', seed, split, sceneIndex, attempt, purpose);
    const layout = stream('layout');
    const attributes = drawObjectAttributes(layout, rule.referableShapes, rule.favour);
    const isReferable = (index: number): boolean => rule.referableShapes.includes(attributes[index].shape);
    const descriptions = minimalDescriptions(attributes);
    const source = chooseReferrals(sourceCandidates(descriptions), isReferable, stream('source'), EXPRESSIONS_PER_SCENE);
    if (source === null) continue;

    const placed = placeObjects(layout, attributes, size);
    if (placed === null) continue;
    const pixels = stream('pixels');
    const rendered = renderScene(placed, paintBackground(pixels, size), pixels, size);
    const hidden = rendered.objects.some((object) => object.visibleArea < MIN_VISIBLE_PIXELS || object.visibleArea < MIN_VISIBLE_FRACTION * object.ownArea);
    if (hidden) continue;

    const located = attributes.map((object, index) => ({ ...object, box: rendered.objects[index].box }));
    const target = chooseReferrals(targetCandidates(located, descriptions, size), isReferable, stream('target'), EXPRESSIONS_PER_SCENE);
    if (target === null) continue;

    const imageId = sceneImageId(seed, split, sceneIndex);
    const objects = attributes.map(
      (object, index): SceneObject => ({
        id: `${imageId}-o${index}`,
        shape: object.shape,
        colour: object.colour,
        size: object.size,
        box: rendered.objects[index].box,
        area: rendered.objects[index].visibleArea,
      }),
    );
    return {
      graph: { imageId, width: size, height: size, objects },
      image: rendered.image,
      masks: rendered.objects.map((object) => object.mask),
      referrals: { source, target },
    };
  }
  throw new DiffPromptError('ERR_INTERNAL', `the generated world found no valid scene for ${sceneImageId(seed, split, sceneIndex)} at size ${size} in ${MAX_ATTEMPTS} attempts`);
}
