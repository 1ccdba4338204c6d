// Every expression a scene supports, per object, for the two families:
//
// source  the minimal attribute descriptions: the descriptions with the fewest attributes (of
//         size, colour, shape) that match the object alone. Objects with no unique description
//         (two identical objects) have none.
// target  relations, ordinals and superlatives whose head description matches at least two
//         objects (so the spatial words do the work), which single out the object under the
//         meanings of spatial.ts with the clear margins stated there, and whose head names no
//         attribute that could be dropped (the same relation to the same anchor, the same
//         ordinal from the same side, or the same superlative with fewer attributes would still
//         pick the object). Relation anchors are named by one of their minimal descriptions.
import type { Box } from '../sample';
import type { ObjectAttributes } from './placement';
import type { Description, Referral } from './expressions';
import { boxArea, clearMargin, orderKey, ORDER_DIRECTIONS, ORDINALS, POSITION_SUPERLATIVES, RELATIONS, relationSlack, SIZE_RATIO_MARGIN, SIZE_SUPERLATIVES, SUPERLATIVE_DIRECTION } from './spatial';

export interface LocatedObject extends ObjectAttributes {
  box: Box;
}

/** One expression the scene supports, and the index of the object it refers to. */
export interface Candidate {
  objectIndex: number;
  referral: Referral;
}

// An attribute subset is a bit set over (size, colour, shape); listed by number of attributes.
const SIZE_BIT = 1;
const COLOUR_BIT = 2;
const SHAPE_BIT = 4;
const SUBSETS_BY_COUNT = [0, 1, 2, 4, 3, 5, 6, 7];

function attributeCount(subset: number): number {
  return (subset & 1) + ((subset >> 1) & 1) + ((subset >> 2) & 1);
}

function descriptionOf(object: ObjectAttributes, subset: number): Description {
  const description: Description = {};
  if (subset & SIZE_BIT) description.size = object.size;
  if (subset & COLOUR_BIT) description.colour = object.colour;
  if (subset & SHAPE_BIT) description.shape = object.shape;
  return description;
}

/** Indices of the objects that share `objects[referent]`'s values on the subset's attributes. */
function matchingIndices(objects: readonly ObjectAttributes[], referent: number, subset: number): number[] {
  const target = objects[referent];
  const indices: number[] = [];
  objects.forEach((object, index) => {
    if (subset & SIZE_BIT && object.size !== target.size) return;
    if (subset & COLOUR_BIT && object.colour !== target.colour) return;
    if (subset & SHAPE_BIT && object.shape !== target.shape) return;
    indices.push(index);
  });
  return indices;
}

/** Per object, its minimal unique descriptions (possibly none). */
export function minimalDescriptions(objects: readonly ObjectAttributes[]): Description[][] {
  return objects.map((object, index) => {
    let fewest = Infinity;
    const found: Description[] = [];
    for (const subset of SUBSETS_BY_COUNT) {
      if (subset === 0 || attributeCount(subset) > fewest) continue;
      if (matchingIndices(objects, index, subset).length === 1) {
        fewest = attributeCount(subset);
        found.push(descriptionOf(object, subset));
      }
    }
    return found;
  });
}

export function sourceCandidates(descriptions: readonly Description[][]): Candidate[] {
  return descriptions.flatMap((heads, objectIndex) => heads.map((head): Candidate => ({ objectIndex, referral: { kind: 'attributes', head } })));
}

/** Whether `referent` has the smallest key, ahead of every other key by at least `margin`. */
function clearlyFirst(keys: ReadonlyMap<number, number>, referent: number, margin: number): boolean {
  const own = keys.get(referent)!;
  for (const [index, key] of keys) if (index !== referent && key - own < margin) return false;
  return true;
}

function targetCandidatesOf(objects: readonly LocatedObject[], anchors: readonly Description[][], referent: number, margin: number): Candidate[] {
  const candidates: Candidate[] = [];
  // Per question ("leftmost", "ordinal:left:2", "relation:above:3"), the subsets that answered it.
  const answered = new Map<string, number[]>();
  const own = objects[referent];
  for (const subset of SUBSETS_BY_COUNT) {
    const matches = matchingIndices(objects, referent, subset);
    if (matches.length < 2) continue;
    const head = descriptionOf(own, subset);
    const offer = (question: string, referrals: Referral[]): void => {
      const earlier = answered.get(question) ?? [];
      if (earlier.some((smaller) => (smaller & subset) === smaller)) return; // a dropped attribute would do
      answered.set(question, [...earlier, subset]);
      for (const referral of referrals) candidates.push({ objectIndex: referent, referral });
    };

    for (const superlative of POSITION_SUPERLATIVES) {
      const direction = SUPERLATIVE_DIRECTION[superlative];
      const keys = new Map(matches.map((index) => [index, orderKey(direction, objects[index].box)]));
      if (clearlyFirst(keys, referent, margin)) offer(superlative, [{ kind: 'superlative', head, superlative }]);
    }
    if (!(subset & SIZE_BIT)) {
      const ownArea = boxArea(own.box);
      const others = matches.filter((index) => index !== referent).map((index) => boxArea(objects[index].box));
      for (const superlative of SIZE_SUPERLATIVES) {
        const clear = superlative === 'largest' ? others.every((area) => ownArea >= SIZE_RATIO_MARGIN * area) : others.every((area) => ownArea * SIZE_RATIO_MARGIN <= area);
        if (clear) offer(superlative, [{ kind: 'superlative', head, superlative }]);
      }
    }

    for (const from of ORDER_DIRECTIONS) {
      const sorted = matches.map((index) => ({ index, key: orderKey(from, objects[index].box) })).sort((a, b) => a.key - b.key);
      const rank = sorted.findIndex((entry) => entry.index === referent);
      if (rank >= ORDINALS.length) continue;
      const before = rank > 0 ? sorted[rank].key - sorted[rank - 1].key : Infinity;
      const after = rank < sorted.length - 1 ? sorted[rank + 1].key - sorted[rank].key : Infinity;
      if (before >= margin && after >= margin) {
        offer(`ordinal:${from}:${rank + 1}`, [{ kind: 'ordinal', head, position: rank + 1, from }]);
      }
    }

    objects.forEach((anchor, anchorIndex) => {
      if (anchorIndex === referent || anchors[anchorIndex].length === 0) return;
      for (const relation of RELATIONS) {
        if (relationSlack(relation, own.box, anchor.box) < margin) continue;
        const othersClearlyFail = matches.every((index) => index === referent || index === anchorIndex || relationSlack(relation, objects[index].box, anchor.box) <= -margin);
        if (!othersClearlyFail) continue;
        offer(
          `relation:${relation}:${anchorIndex}`,
          anchors[anchorIndex].map((anchorHead): Referral => ({ kind: 'relation', head, relation, anchor: anchorHead })),
        );
      }
    });
  }
  return candidates;
}

/** All target-family expressions of a scene whose objects have their boxes; `size` is the image side. */
export function targetCandidates(objects: readonly LocatedObject[], anchors: readonly Description[][], size: number): Candidate[] {
  const margin = clearMargin(size);
  return objects.flatMap((_, referent) => targetCandidatesOf(objects, anchors, referent, margin));
}
