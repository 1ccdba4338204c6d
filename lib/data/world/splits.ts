// The splits, named as RefCOCO's. As RefCOCO's testA (people) and testB (other objects)
// evaluate two disjoint families of referents, testA refers only to round shapes and testB only
// to angular ones; their distractors and relation anchors may be of any shape. train and val
// refer to both families. Each split draws its scenes from its own stream keys (the split name
// is part of every key, see scene.ts), so two splits never share a scene.
import { ANGULAR_SHAPES, ROUND_SHAPES, SHAPES } from './attributes';
import type { ShapeName } from './attributes';

export const WORLD_SPLITS = ['train', 'val', 'testA', 'testB'] as const;
export type WorldSplit = (typeof WORLD_SPLITS)[number];

export interface SplitRule {
  /** Shapes a sample of the split may refer to. */
  referableShapes: readonly ShapeName[];
  /**
   * Probability that an object's shape is drawn from `referableShapes` rather than from all
   * shapes, so that test scenes hold enough referable objects (testA: ~2/3 of the objects are
   * round, testB: ~5/6 are angular; train and val: uniform over all shapes).
   */
  favour: number;
}

export const SPLIT_RULES: Record<WorldSplit, SplitRule> = {
  train: { referableShapes: SHAPES, favour: 0 },
  val: { referableShapes: SHAPES, favour: 0 },
  testA: { referableShapes: ROUND_SHAPES, favour: 0.5 },
  testB: { referableShapes: ANGULAR_SHAPES, favour: 0.5 },
};

export function isWorldSplit(value: unknown): value is WorldSplit {
  return (WORLD_SPLITS as readonly unknown[]).includes(value);
}
