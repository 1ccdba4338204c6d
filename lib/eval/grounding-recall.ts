// Recall@k for referring expressions, as the RefExpEvaluator of MDETR and GLIP (the reference's
// evaluator) scores RefCOCO, so numbers compare with published ones:
// - an expression's predictions are ranked as Python's sorted((score, box) tuples, reverse=True):
//   by score, then equal scores by the box [x0, y0, x1, y1] compared element by element, largest first;
// - a hit at k when one of the first k has generalised IoU ≥ 0.5 with the true box; UB when any
//   does (GLIP's k = −1); no prediction, or a box with x1 < x0 or y1 < y0 (the evaluator's
//   assertion, caught as a miss), is a miss;
// - the overlap is computed in float32, operation by operation as DETR's box_ops does, and
//   compared with the threshold in float32.
// `criterion: 'iou'` scores plain IoU instead, with the same ranking and arithmetic.
import type { Box } from '../data/sample';

export type OverlapCriterion = 'iou' | 'giou';

export interface ScoredBox {
  /** [x, y, w, h] pixels, as COCO. */
  box: Box;
  score: number;
}

export interface RecallOptions {
  ks?: readonly number[];
  /** Default 0.5. */
  threshold?: number;
  /** Default 'giou', as the evaluator of record. */
  criterion?: OverlapCriterion;
}

export interface RecallSummary {
  count: number;
  /** k → share of expressions hit within the first k. */
  recall: Record<number, number>;
  /** Share hit by any prediction. */
  upperBound: number;
  /** Expressions that got no prediction at all. */
  noPrediction: number;
}

export const DEFAULT_KS = [1, 5, 10] as const;

const f32 = Math.fround;

/** [x, y, w, h] → [x0, y0, x1, y1] in float32, as the evaluator converts COCO boxes before torch.as_tensor. */
function corners(box: Box): [number, number, number, number] {
  return [f32(box[0]), f32(box[1]), f32(box[0] + box[2]), f32(box[1] + box[3])];
}

/** Overlap of [x0, y0, x1, y1] boxes in float32, each operation rounded as torch does it. */
function cornerOverlap(a: readonly number[], b: readonly number[], criterion: OverlapCriterion): number {
  const [ax0, ay0, ax1, ay1] = a as [number, number, number, number];
  const [bx0, by0, bx1, by1] = b as [number, number, number, number];
  const areaA = f32(f32(ax1 - ax0) * f32(ay1 - ay0));
  const areaB = f32(f32(bx1 - bx0) * f32(by1 - by0));
  const iw = Math.max(f32(Math.min(ax1, bx1) - Math.max(ax0, bx0)), 0);
  const ih = Math.max(f32(Math.min(ay1, by1) - Math.max(ay0, by0)), 0);
  const intersection = f32(iw * ih);
  const union = f32(f32(areaA + areaB) - intersection);
  const iou = f32(intersection / union);
  if (criterion === 'iou') return iou;
  const hw = Math.max(f32(Math.max(ax1, bx1) - Math.min(ax0, bx0)), 0);
  const hh = Math.max(f32(Math.max(ay1, by1) - Math.min(ay0, by0)), 0);
  const hull = f32(hw * hh);
  return f32(iou - f32(f32(hull - union) / hull));
}

/** IoU or GIoU (default) of two [x, y, w, h] boxes, in the evaluator's float32 arithmetic
 * (NaN when both boxes are empty, as there). */
export function boxOverlap(a: Box, b: Box, criterion: OverlapCriterion = 'giou'): number {
  return cornerOverlap(corners(a), corners(b), criterion);
}

/** Predictions in the evaluator's order: score, then box corners, each descending. */
export function rankPredictions(predictions: readonly ScoredBox[]): { corners: number[]; score: number }[] {
  const ranked = predictions.map((p) => ({ corners: corners(p.box), score: p.score }));
  return ranked.sort((x, y) => {
    if (x.score !== y.score) return y.score - x.score;
    for (let i = 0; i < 4; i++) if (x.corners[i] !== y.corners[i]) return y.corners[i]! - x.corners[i]!;
    return 0;
  });
}

/** The rank (1-based) of the first prediction that matches `truth`, or Infinity. */
export function firstHitRank(predictions: readonly ScoredBox[], truth: Box, options: RecallOptions = {}): number {
  const threshold = f32(options.threshold ?? 0.5);
  const ranked = rankPredictions(predictions);
  if (ranked.some(({ corners: [x0, y0, x1, y1] }) => !(x1! >= x0! && y1! >= y0!))) return Infinity;
  const target = corners(truth);
  const rank = ranked.findIndex((p) => cornerOverlap(p.corners, target, options.criterion ?? 'giou') >= threshold);
  return rank < 0 ? Infinity : rank + 1;
}

/** One expression's ranked boxes and its true box (what a comparison keeps to score again). */
export interface ExpressionPredictions {
  id: string;
  truth: Box;
  predictions: ScoredBox[];
}

/** Recall@k and UB over kept predictions. */
export function scorePredictions(expressions: readonly ExpressionPredictions[], options: RecallOptions = {}): RecallSummary {
  const counter = new RecallCounter(options);
  for (const { predictions, truth } of expressions) counter.add(predictions, truth);
  return counter.summary();
}

/** Accumulates expressions one at a time; summary() at any point. */
export class RecallCounter {
  private readonly ks: readonly number[];
  private readonly hits: number[];
  private anyHits = 0;
  private empty = 0;
  private total = 0;

  constructor(private readonly options: RecallOptions = {}) {
    this.ks = options.ks ?? DEFAULT_KS;
    this.hits = this.ks.map(() => 0);
  }

  add(predictions: readonly ScoredBox[], truth: Box): number {
    const rank = firstHitRank(predictions, truth, this.options);
    this.total += 1;
    if (predictions.length === 0) this.empty += 1;
    if (rank !== Infinity) this.anyHits += 1;
    this.ks.forEach((k, i) => {
      if (rank <= k) this.hits[i]! += 1;
    });
    return rank;
  }

  summary(): RecallSummary {
    const share = (n: number) => (this.total ? n / this.total : 0);
    return {
      count: this.total,
      recall: Object.fromEntries(this.ks.map((k, i) => [k, share(this.hits[i]!)])),
      upperBound: share(this.anyHits),
      noPrediction: this.empty,
    };
  }
}
