// The meaning of the spatial words, defined on the boxes of the scene graph (each object's tight
// box of its visible mask, [x, y, w, h], spanning [x, x+w) × [y, y+h) in continuous pixel
// coordinates; y grows downwards). This file is the definition the grammar obeys; the test
// resolver (test/support/scene-resolver.ts) implements the same text independently:
//
//   centre(A)                 = (A.x + A.w/2, A.y + A.h/2)
//   "A left of B"   holds iff centreX(A) < B.x            (A's centre is left of B's left edge)
//   "A right of B"  holds iff centreX(A) > B.x + B.w      (A's centre is right of B's right edge)
//   "A above B"     holds iff centreY(A) < B.y            (A's centre is above B's top edge)
//   "A below B"     holds iff centreY(A) > B.y + B.h      (A's centre is below B's bottom edge)
//   "the k-th X from the left/right/top/bottom": the objects matching X sorted by centreX
//                   ascending / centreX descending / centreY ascending / centreY descending;
//                   the k-th (1-based); defined only when its key differs from both neighbours'
//   "the leftmost / rightmost / topmost / bottommost X" = the first X from the left / right /
//                   top / bottom; defined only when that key is strictly the extreme
//   "the largest / smallest X": the X with the strictly largest / smallest box area w·h
//
// An object is never in a relation to itself (its centre lies inside its own box).
//
// On top of these exact meanings, the generator only says what a viewer sees at a glance: each
// ordering or relation it uses holds, and each that it relies on failing fails, by at least
// clearMargin(size) pixels; the largest / smallest object's area differs from every other
// candidate's by a factor of at least SIZE_RATIO_MARGIN.
import type { Box } from '../sample';

export const RELATIONS = ['left of', 'right of', 'above', 'below'] as const;
export type Relation = (typeof RELATIONS)[number];

export const ORDER_DIRECTIONS = ['left', 'right', 'top', 'bottom'] as const;
export type OrderDirection = (typeof ORDER_DIRECTIONS)[number];

export const POSITION_SUPERLATIVES = ['leftmost', 'rightmost', 'topmost', 'bottommost'] as const;
export const SIZE_SUPERLATIVES = ['largest', 'smallest'] as const;
type PositionSuperlative = (typeof POSITION_SUPERLATIVES)[number];
type SizeSuperlative = (typeof SIZE_SUPERLATIVES)[number];
export type Superlative = PositionSuperlative | SizeSuperlative;

/** "leftmost" = first from the left, and so on. */
export const SUPERLATIVE_DIRECTION: Record<PositionSuperlative, OrderDirection> = {
  leftmost: 'left',
  rightmost: 'right',
  topmost: 'top',
  bottommost: 'bottom',
};

/** Ordinals the grammar uses, "first" = 1. */
export const ORDINALS = ['first', 'second', 'third', 'fourth'] as const;

export const SIZE_RATIO_MARGIN = 1.5;

/** Pixels by which a relation or ordering must hold (or fail) to be used: 3% of the image side, ≥ 1. */
export function clearMargin(size: number): number {
  return Math.max(1, 0.03 * size);
}

function centreX(box: Box): number {
  return box[0] + box[2] / 2;
}

function centreY(box: Box): number {
  return box[1] + box[3] / 2;
}

export function boxArea(box: Box): number {
  return box[2] * box[3];
}

/**
 * How far "a <relation> b" holds, in pixels: > 0 when it holds (by that much), ≤ 0 when it does
 * not (short by that much).
 */
export function relationSlack(relation: Relation, a: Box, b: Box): number {
  switch (relation) {
    case 'left of':
      return b[0] - centreX(a);
    case 'right of':
      return centreX(a) - (b[0] + b[2]);
    case 'above':
      return b[1] - centreY(a);
    case 'below':
      return centreY(a) - (b[1] + b[3]);
  }
}

/** The sort key of an ordering: "k-th from `direction`" is the k-th smallest key. */
export function orderKey(direction: OrderDirection, box: Box): number {
  switch (direction) {
    case 'left':
      return centreX(box);
    case 'right':
      return -centreX(box);
    case 'top':
      return centreY(box);
    case 'bottom':
      return -centreY(box);
  }
}
