// Recall@k for referring expressions, as RefExpEvaluator (MDETR/GLIP) scores RefCOCO: per
// expression, its predicted boxes best first; a hit at k when one of the first k overlaps the
// true box by at least the threshold; UB (upper bound) when any prediction does; no prediction
// is a miss. The overlap is IoU by default; the reference code uses generalised IoU (`giou`).
// Equal scores keep the order the predictions came in (the ranking is stable).
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

/** IoU or GIoU of two [x, y, w, h] boxes; a degenerate box (w or h ≤ 0) overlaps nothing: 0 (GIoU: its hull term still counts). */
export function boxOverlap(a: Box, b: Box, criterion: OverlapCriterion = 'iou'): number {
  const [ax0, ay0, ax1, ay1] = [a[0], a[1], a[0] + Math.max(a[2], 0), a[1] + Math.max(a[3], 0)];
  const [bx0, by0, bx1, by1] = [b[0], b[1], b[0] + Math.max(b[2], 0), b[1] + Math.max(b[3], 0)];
  const intersection = Math.max(0, Math.min(ax1, bx1) - Math.max(ax0, bx0)) * Math.max(0, Math.min(ay1, by1) - Math.max(ay0, by0));
  const union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - intersection;
  const iou = union > 0 ? intersection / union : 0;
  if (criterion === 'iou') return iou;
  const hull = (Math.max(ax1, bx1) - Math.min(ax0, bx0)) * (Math.max(ay1, by1) - Math.min(ay0, by0));
  return hull > 0 ? iou - (hull - union) / hull : iou;
}

/** The rank (1-based) of the first prediction that matches `truth`, or Infinity. */
export function firstHitRank(predictions: readonly ScoredBox[], truth: Box, options: RecallOptions = {}): number {
  const threshold = options.threshold ?? 0.5;
  const ranked = predictions.map((p, i) => ({ p, i })).sort((x, y) => y.p.score - x.p.score || x.i - y.i);
  const rank = ranked.findIndex(({ p }) => boxOverlap(p.box, truth, options.criterion) >= threshold);
  return rank < 0 ? Infinity : rank + 1;
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
