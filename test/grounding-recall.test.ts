// Recall@k and UB as the evaluator of record (MDETR/GLIP's RefExpEvaluator): hand-computed ranks,
// ties broken by the box, GIoU by default and IoU as an option, float32 arithmetic at the
// threshold, no prediction and degenerate boxes; then thousands of random cases against an
// independent PyTorch version of that evaluator.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RecallCounter, boxOverlap, firstHitRank, type ScoredBox } from '../lib/eval/grounding-recall';
import type { Box } from '../lib/data/sample';
import { parityTest, runParityScript } from './support/python-torch';
import { tempDir } from './support/temp-dir';

const test = suite('grounding recall');
const truth: Box = [10, 10, 10, 10];
const hit: Box = [11, 10, 10, 10]; // IoU 90/110
const miss: Box = [50, 50, 10, 10];

test('boxOverlap: GIoU by default, IoU as an option, in float32', () => {
  assert.is(boxOverlap(truth, hit, 'iou'), Math.fround(90 / 110));
  // The hull is 11×10 = 110, the union 110: GIoU equals IoU.
  assert.is(boxOverlap(truth, hit), Math.fround(90 / 110));
  assert.is(boxOverlap(truth, miss, 'iou'), 0);
  // Hull 50×50 = 2500, union 200: GIoU = 0 − 2300/2500.
  assert.is(boxOverlap(truth, miss), Math.fround(-2300 / 2500));
  assert.is(boxOverlap(truth, [15, 15, 0, 5], 'iou'), 0, 'a zero-width box overlaps nothing');
  assert.ok(Number.isNaN(boxOverlap([0, 0, 0, 0], [0, 0, 0, 0])), 'two empty boxes: 0/0, as torch');
});

test('ranking: by score, equal scores by the box corners in descending order', () => {
  assert.is(
    firstHitRank(
      [
        { box: miss, score: 0.9 },
        { box: hit, score: 0.8 },
      ],
      truth,
    ),
    2,
  );
  assert.is(
    firstHitRank(
      [
        { box: hit, score: 0.2 },
        { box: miss, score: 0.9 },
      ],
      truth,
    ),
    2,
    'sorted by score first',
  );
  // A tie: the box with the larger x0 ranks first whatever the input order.
  assert.is(
    firstHitRank(
      [
        { box: miss, score: 0.5 },
        { box: hit, score: 0.5 },
      ],
      truth,
    ),
    2,
  );
  assert.is(
    firstHitRank(
      [
        { box: hit, score: 0.5 },
        { box: miss, score: 0.5 },
      ],
      truth,
    ),
    2,
  );
  const smallerX: Box = [5, 10, 10, 10];
  assert.is(
    firstHitRank(
      [
        { box: smallerX, score: 0.5 },
        { box: hit, score: 0.5 },
      ],
      truth,
    ),
    1,
    'x0 11 before x0 5',
  );
  assert.is(firstHitRank([], truth), Infinity);
  assert.is(firstHitRank([{ box: miss, score: 1 }], truth), Infinity);
  assert.is(
    firstHitRank(
      [
        { box: hit, score: 1 },
        { box: [0, 0, -1, 4], score: 0 },
      ],
      truth,
    ),
    Infinity,
    'a box with x1 < x0 fails the evaluator: a miss',
  );
});

test('a diagonal shift with IoU 0.505 is a hit under iou but a miss under the default giou', () => {
  // Both 10×10, shifted by d on both axes: intersection (10 − d)², union 200 − (10 − d)², hull (10 + d)².
  const d = 10 - Math.sqrt(101 / 1.505);
  const shifted: Box = [10 + d, 10 + d, 10, 10];
  assert.ok(Math.abs(boxOverlap(truth, shifted, 'iou') - 0.505) < 1e-6);
  assert.is(firstHitRank([{ box: shifted, score: 1 }], truth, { criterion: 'iou' }), 1);
  assert.is(firstHitRank([{ box: shifted, score: 1 }], truth), Infinity);
});

test('the threshold is met in float32: GIoU 0.5 exactly, and one float32 step below it', () => {
  // Same height, widths 10 and 5 inside: IoU = GIoU = 0.5 exactly.
  assert.is(firstHitRank([{ box: [10, 10, 5, 10], score: 1 }], truth), 1);
  // x1 one float32 step short of 15: the overlap rounds below 0.5 in float32.
  const short = Math.fround(15 - 2 ** -20);
  assert.ok(boxOverlap(truth, [10, 10, short - 10, 10]) < 0.5);
  assert.is(firstHitRank([{ box: [10, 10, short - 10, 10], score: 1 }], truth), Infinity);
});

test('RecallCounter: R@1, R@5, R@10, UB and no-prediction counts over expressions', () => {
  const counter = new RecallCounter();
  const filler = (n: number) => Array.from({ length: n }, (_, i) => ({ box: miss, score: 1 - i / 100 }));
  counter.add([{ box: hit, score: 2 }, ...filler(3)], truth); // rank 1
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

/** Random expressions: boxes near the truth (overlaps around the threshold), tied scores, empty lists. */
function randomCases(count: number): { predictions: ScoredBox[]; truth: Box }[] {
  let state = 12345;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return Array.from({ length: count }, () => {
    const truthBox: Box = [random() * 200, random() * 200, 5 + random() * 100, 5 + random() * 100];
    const n = Math.floor(random() * 14);
    const predictions = Array.from({ length: n }, () => {
      const jitter = (v: number, scale: number) => v + (random() - 0.5) * scale;
      const box: Box = [jitter(truthBox[0], truthBox[2]), jitter(truthBox[1], truthBox[3]), truthBox[2] * (0.5 + random()), truthBox[3] * (0.5 + random())];
      // Scores from a few float32 values, so ties are common.
      return { box: box.map(Math.fround) as Box, score: Math.fround([0.9, 0.5, 0.25, random()][Math.floor(random() * 4)]!) };
    });
    return { predictions, truth: truthBox };
  });
}

for (const criterion of ['giou', 'iou'] as const) {
  parityTest(test, `parity: ${criterion} R@1, R@5, R@10 and UB equal an independent PyTorch RefExpEvaluator on 3,000 random expressions`, async () => {
    const cases = randomCases(3000);
    const dir = tempDir();
    const input = path.join(dir, 'cases.json');
    // The evaluator's predictions are [x0, y0, x1, y1].
    fs.writeFileSync(
      input,
      JSON.stringify(
        cases.map(({ predictions, truth }) => ({ truth, predictions: predictions.map(({ box: [x, y, w, h], score }) => ({ box: [x, y, Math.fround(x + w), Math.fround(y + h)], score })) })),
      ),
    );
    runParityScript('refexp_evaluator.py', [input, path.join(dir, 'hits.json'), criterion]);
    const expected = JSON.parse(fs.readFileSync(path.join(dir, 'hits.json'), 'utf8')) as number[][];
    let disagreements = 0;
    let hitsAtOne = 0;
    cases.forEach(({ predictions, truth }, i) => {
      // The corners the evaluator saw, as [x, y, w, h] again.
      const asSeen = predictions.map(({ box: [x, y, w, h], score }) => ({ box: [x, y, Math.fround(x + w) - x, Math.fround(y + h) - y] as Box, score }));
      const rank = firstHitRank(asSeen, truth, { criterion });
      const ours = [rank <= 1, rank <= 5, rank <= 10, rank !== Infinity].map(Number);
      if (ours.join() !== expected[i]!.join()) disagreements += 1;
      hitsAtOne += ours[0]!;
    });
    assert.is(disagreements, 0);
    assert.ok(hitsAtOne > 300 && hitsAtOne < 2700, `the cases sit around the threshold (${hitsAtOne} hits at 1)`);
  });
}

test.run();
