// Recall@k and UB on hand-computed cases: ranks, ties, no prediction, degenerate boxes, and the
// reference's GIoU criterion.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RecallCounter, boxOverlap, firstHitRank } from '../lib/eval/grounding-recall';
import type { Box } from '../lib/data/sample';

const test = suite('grounding recall');
const truth: Box = [10, 10, 10, 10];
const hit: Box = [11, 10, 10, 10]; // IoU 90/110
const miss: Box = [50, 50, 10, 10];

test('boxOverlap: IoU and GIoU of [x, y, w, h] boxes', () => {
  assert.ok(Math.abs(boxOverlap(truth, hit) - 90 / 110) < 1e-12);
  assert.is(boxOverlap(truth, miss), 0);
  // Hull 50×50 = 2500, union 200: GIoU = 0 − 2300/2500.
  assert.ok(Math.abs(boxOverlap(truth, miss, 'giou') - -2300 / 2500) < 1e-12);
  assert.is(boxOverlap(truth, [15, 15, 0, 5]), 0, 'a zero-width box overlaps nothing');
  assert.is(boxOverlap([0, 0, 0, 0], [0, 0, 0, 0]), 0, 'two empty boxes: no union, no overlap');
});

test('first hit rank: by score, ties in the order given, Infinity without a hit', () => {
  assert.is(firstHitRank([{ box: miss, score: 0.9 }, { box: hit, score: 0.8 }], truth), 2);
  assert.is(firstHitRank([{ box: hit, score: 0.2 }, { box: miss, score: 0.9 }], truth), 2, 'sorted by score first');
  assert.is(firstHitRank([{ box: miss, score: 0.5 }, { box: hit, score: 0.5 }], truth), 2, 'a tie keeps the given order');
  assert.is(firstHitRank([{ box: hit, score: 0.5 }, { box: miss, score: 0.5 }], truth), 1);
  assert.is(firstHitRank([], truth), Infinity);
  assert.is(firstHitRank([{ box: miss, score: 1 }], truth), Infinity);
});

test('a diagonal shift with IoU 0.505 is a hit under iou but a miss under the reference giou', () => {
  // Both 10×10, shifted by d on both axes: intersection (10 − d)², union 200 − (10 − d)², hull (10 + d)².
  const d = 10 - Math.sqrt(101 / 1.505);
  const shifted: Box = [10 + d, 10 + d, 10, 10];
  assert.ok(Math.abs(boxOverlap(truth, shifted) - 0.505) < 1e-9);
  const union = 200 - (10 - d) ** 2;
  const hull = (10 + d) ** 2;
  assert.ok(Math.abs(boxOverlap(truth, shifted, 'giou') - (0.505 - (hull - union) / hull)) < 1e-9);
  assert.is(firstHitRank([{ box: shifted, score: 1 }], truth, { criterion: 'iou' }), 1);
  assert.is(firstHitRank([{ box: shifted, score: 1 }], truth, { criterion: 'giou' }), Infinity);
});

test('RecallCounter: R@1, R@5, R@10, UB and no-prediction counts over expressions', () => {
  const counter = new RecallCounter();
  const filler = (n: number) => Array.from({ length: n }, (_, i) => ({ box: miss, score: 1 - i / 100 }));
  counter.add([{ box: hit, score: 1 }, ...filler(3)], truth); // rank 1
  counter.add([...filler(3), { box: hit, score: 0 }], truth); // rank 4
  counter.add([...filler(7), { box: hit, score: 0 }], truth); // rank 8
  counter.add([...filler(11), { box: hit, score: 0 }], truth); // rank 12: UB only
  counter.add([], truth); // nothing predicted
  const summary = counter.summary();
  assert.is(summary.count, 5);
  assert.equal(summary.recall, { 1: 1 / 5, 5: 2 / 5, 10: 3 / 5 });
  assert.is(summary.upperBound, 4 / 5);
  assert.is(summary.noPrediction, 1);
  assert.equal(new RecallCounter({ ks: [1] }).summary(), { count: 0, recall: { 1: 0 }, upperBound: 0, noPrediction: 0 });
});

test.run();
