// The grounding loss's pieces on hand-made cases: focal loss, IoU/GIoU, NMS, ATSS assignment.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { atssAssign, boxOverlap, decodeBoxes, nonMaximumSuppression, sigmoidFocalLoss } from '../lib/ops/grounding-ops';
import { Tensor } from '../lib/tensor';

const test = suite('grounding ops');

const close = (actual: ArrayLike<number>, expected: number[], tolerance = 1e-5) => {
  assert.is(actual.length, expected.length);
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i]! - e) <= tolerance, `[${i}] ${actual[i]} ≠ ${e}`));
};
const boxes = (...rows: number[][]) => Tensor.from(Float32Array.from(rows.flat()), [rows.length, 4]);

test('sigmoid focal loss: α·(1−p)^γ·(−log p) for targets 1, (1−α)·p^γ·(−log(1−p)) for targets 0', async () => {
  const logits = [0, 2, -1, 3];
  const targets = [1, 1, 0, 0];
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
  const expected = logits.map((x, i) => {
    const p = sigmoid(x);
    return targets[i] ? 0.25 * (1 - p) ** 2 * -Math.log(p) : 0.75 * p ** 2 * -Math.log(1 - p);
  });
  using loss = await sigmoidFocalLoss(Tensor.from(Float32Array.from(logits), [4]), Tensor.from(Float32Array.from(targets), [4]));
  close(await loss.data<'float32'>(), expected);
  using plain = await sigmoidFocalLoss(Tensor.from(Float32Array.from(logits), [4]), Tensor.from(Float32Array.from(targets), [4]), { alpha: 0.5, gamma: 0 });
  close(
    await plain.data<'float32'>(),
    logits.map((x, i) => 0.5 * (targets[i] ? -Math.log(sigmoid(x)) : -Math.log(1 - sigmoid(x)))),
  );
});

test('IoU and GIoU: identical, disjoint, nested and degenerate boxes', async () => {
  const a = boxes([0, 0, 2, 2], [0, 0, 1, 1], [0, 0, 4, 4], [1, 1, 1, 3]);
  const b = boxes([0, 0, 2, 2], [2, 0, 3, 1], [1, 1, 3, 3], [0, 0, 2, 2]);
  using iou = await boxOverlap(a, b, 'iou');
  close(await iou.data<'float32'>(), [1, 0, 4 / 16, 0]);
  using giou = await boxOverlap(a, b, 'giou');
  // Disjoint unit boxes 1 apart: hull 3, union 2 → 0 − 1/3. Nested: hull = outer → IoU.
  // Zero-width [1,1,1,3] against [0,0,2,2]: no area of its own, hull 2×3 = 6, union 4 → 0 − 2/6.
  close(await giou.data<'float32'>(), [1, -1 / 3, 4 / 16, -1 / 3]);
});

test('ATSS on a hand-made grid: a box no candidate reaches by mean + std gets its best inside candidate', async () => {
  // 16×16 frame, strides 4 and 8, anchors 2·stride, one candidate per level. Box [2, 2, 10, 10]:
  // stride 4's nearest centre (6, 6) has anchor [2, 2, 10, 10], IoU 1; stride 8's (4, 4) has
  // [−4, −4, 12, 12], IoU 64/256 = 0.25. mean 0.625 + std 0.530 > 1: no candidate passes, so the
  // inside candidate of highest IoU, (6, 6), is the one positive; its centerness is 1.
  const { positive, centernessTarget, centers } = await atssAssign({ imageSize: 16, pyramidStrides: [4, 8], anchorScale: 2, atssTopK: 1 }, boxes([2, 2, 10, 10]));
  const [flags, targets, points] = [await positive.data<'bool'>(), await centernessTarget.data<'float32'>(), await centers.data<'float32'>()];
  const chosen = [...flags.keys()].filter((a) => flags[a]);
  assert.equal(chosen.length, 1);
  assert.equal([points[2 * chosen[0]!], points[2 * chosen[0]! + 1]], [6, 6]);
  close([targets[chosen[0]!]!], [1]);
  for (const t of [positive, centernessTarget, centers]) t.dispose();
});

test('NMS keeps the best box of each overlapping group, in score order', async () => {
  using kept = await nonMaximumSuppression(boxes([0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30], [0, 1, 10, 11], [21, 20, 31, 30]), 0.6);
  assert.equal([...(await kept.data<'int64'>())].map(Number), [0, 2]);
  using loose = await nonMaximumSuppression(boxes([0, 0, 10, 10], [1, 0, 11, 10]), 0.9);
  assert.equal([...(await loose.data<'int64'>())].map(Number), [0, 1]);
});

test('ATSS: every box gets positives, all with centres inside it, and centerness targets in (0, 1]', async () => {
  const grid = { imageSize: 64, pyramidStrides: [4, 8], anchorScale: 3 };
  const truth = [
    [10, 10, 16, 16], // 6 px: the smallest world objects
    [20, 30, 36, 46],
    [0, 0, 64, 64],
    [50.5, 2.5, 57.5, 9.5],
  ];
  const { positive, centernessTarget, centers } = await atssAssign(grid, boxes(...truth));
  const [flags, targets, points] = [await positive.data<'bool'>(), await centernessTarget.data<'float32'>(), await centers.data<'float32'>()];
  const locations = 16 * 16 + 8 * 8;
  assert.equal(positive.shape, [4, locations]);
  truth.forEach(([x0, y0, x1, y1], b) => {
    let count = 0;
    for (let a = 0; a < locations; a++) {
      if (!flags[b * locations + a]) {
        assert.is(targets[b * locations + a], 0);
        continue;
      }
      count++;
      const [x, y] = [points[2 * a]!, points[2 * a + 1]!];
      assert.ok(x > x0! && x < x1! && y > y0! && y < y1!, `box ${b}: positive at (${x}, ${y}) outside`);
      const c = targets[b * locations + a]!;
      assert.ok(c > 0 && c <= 1, `centerness ${c}`);
    }
    assert.ok(count >= 1 && count <= 18, `box ${b}: ${count} positives`);
  });
  for (const t of [positive, centernessTarget, centers]) t.dispose();
});

test('decoding: threshold on the phrase-token mean p̄, score √(p̄ · sigmoid(centerness)), NMS, topK, clipping', async () => {
  const logit = (p: number) => Math.log(p / (1 - p));
  // One sample, four locations, three tokens ([CLS], a phrase token, [SEP]); the phrase is token 1.
  const probabilities = [
    [0.9, 0.8, 0.9], // a: phrase 0.8
    [0.1, 0.6, 0.1], // b: phrase 0.6, overlaps a
    [0.1, 0.5, 0.1], // c: phrase 0.5, apart
    [0.1, 0.01, 0.1], // d: phrase 0.01, at most the 0.05 threshold: dropped before centerness counts
  ];
  const centerness = [0.5, 0.9, 0.5, 0.5];
  const head = {
    boxes: Tensor.from(Float32Array.from([-4, 0, 10, 10, 1, 0, 11, 10, 30, 30, 40, 70, 50, 50, 60, 60]), [1, 4, 4]),
    centerness: Tensor.from(Float32Array.from(centerness.map(logit)), [1, 4]),
    tokenLogits: Tensor.from(Float32Array.from(probabilities.flat().map(logit)), [1, 4, 3]),
  };
  const mask = Tensor.from(Uint8Array.from([1, 1, 1]), [1, 3]);
  const [ranked] = await decodeBoxes(head, Tensor.from(Uint8Array.from([0, 1, 0]), [1, 3]), mask, { imageSize: 64 });
  // Scores: a √(0.8·0.5)=0.632, b √(0.6·0.9)=0.735, c √(0.5·0.5)=0.5 (d is out: p̄ ≤ 0.05, as GLIP).
  // b is best; a overlaps b (IoU 9/11 > 0.6) and goes; c stays, its box clipped to the frame.
  close(await ranked!.scores.data<'float32'>(), [Math.sqrt(0.54), 0.5]);
  close(await ranked!.boxes.data<'float32'>(), [1, 0, 11, 10, 30, 30, 40, 64], 1e-4);
  // Per level, only the preNmsTopK… here: two levels of two locations each keep all of theirs.
  const [levelled] = await decodeBoxes(head, Tensor.from(Uint8Array.from([0, 1, 0]), [1, 3]), mask, { imageSize: 64, levelSizes: [2, 2] });
  close(await levelled!.scores.data<'float32'>(), [Math.sqrt(0.54), 0.5]);
  const [top] = await decodeBoxes(head, Tensor.from(Uint8Array.from([0, 1, 0]), [1, 3]), mask, { imageSize: 64, topK: 1, scoreThreshold: 0.1 });
  assert.is(top!.scores.shape[0], 1);
  // No phrase marked: every real token stands for it (a: mean 0.867, b: 0.267, ...).
  const [whole] = await decodeBoxes(head, Tensor.from(Uint8Array.from([0, 0, 0]), [1, 3]), mask, { imageSize: 64, topK: 1 });
  close(await whole!.scores.data<'float32'>(), [Math.sqrt(((0.9 + 0.8 + 0.9) / 3) * 0.5)]);
  close(await whole!.boxes.data<'float32'>(), [0, 0, 10, 10], 1e-4);
});

test.run();
