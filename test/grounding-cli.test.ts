// The grounding commands end to end: pretrain a few steps, evaluate on generated splits, and
// evaluate on the real RefCOCO files and COCO images (boxes back in the photographs' pixels).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readRefcocoEval } from '../lib/data/readers/refcoco-eval';
import { evaluateGrounding } from '../lib/eval/evaluate-grounding';
import { GroundingModel } from '../lib/models/grounding-model';
import { realDataTest } from './support/real-data';
import { tempDir } from './support/temp-dir';

const test = suite('grounding command');
const main = path.join(__dirname, '..', 'lib', 'cli', 'main.ts');
const work = tempDir();
const checkpoint = path.join(work, 'grounding');

function cli(...args: string[]): string {
  return execFileSync(process.execPath, ['--import', 'tsx', main, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

test('grounding pretrain writes a checkpoint folder with its vocabulary and history', () => {
  const output = cli('grounding', 'pretrain', '--out', checkpoint, '--count', '48', '--epochs', '1', '--batch-size', '16', '--seed', '1');
  assert.match(output, /saved .* \(\d+ parameters, 3 steps in/);
  for (const file of ['config.json', 'model.safetensors', 'vocab.txt', 'history.json']) assert.ok(fs.existsSync(path.join(checkpoint, file)), file);
  assert.ok(fs.existsSync(path.join(`${checkpoint}-training`, 'last', 'optimizer.safetensors')));
  const { history } = JSON.parse(fs.readFileSync(path.join(checkpoint, 'history.json'), 'utf8'));
  assert.is(history[0].evaluation['val/source'].count, 600);
});

test('grounding eval --json: R@1, R@5, R@10 and UB per split and family', () => {
  const result = JSON.parse(cli('grounding', 'eval', '--checkpoint', checkpoint, '--split', 'testA', '--count', '30', '--json'));
  assert.equal(Object.keys(result).sort(), ['testA/source', 'testA/target']);
  for (const summary of Object.values(result) as { count: number; recall: Record<string, number>; upperBound: number }[]) {
    assert.is(summary.count, 30);
    assert.equal(Object.keys(summary.recall), ['1', '5', '10']);
    assert.ok(summary.recall['1']! <= summary.recall['5']! && summary.recall['5']! <= summary.recall['10']! && summary.recall['10']! <= summary.upperBound);
  }
});

realDataTest(test, 'eval --refcoco on the real RefCOCO testB file and COCO images: counts expressions without an image, boxes in photo pixels', async (dir) => {
  const file = path.join(dir, 'refcoco-eval', 'refcoco_testB.json');
  const images = path.join(dir, 'coco-images');
  const report = JSON.parse(cli('eval', '--refcoco', file, '--images', images, '--checkpoint', checkpoint, '--json'));
  assert.is(report.format, 'refcoco-eval');
  assert.ok(report.expressions > 0, 'some testB expressions have their image here');
  assert.is(report.expressions + report.missingImages, 5095, 'every expression is either evaluated or counted as missing its image');
  assert.ok(report.recall['1'] >= 0 && report.recall['1'] <= report.upperBound);

  // The same through the library: predictions come back in each photograph's own pixels.
  const { samples } = readRefcocoEval(file, { imagesDir: images, onMissingImage: 'skip' });
  const { model } = await GroundingModel.load(checkpoint);
  using grounding = model;
  const sizes = new Map(samples.map((s) => [s.id, { width: s.width, height: s.height }]));
  let largest = 0;
  const evaluation = await evaluateGrounding(grounding, samples, {
    scoreThreshold: 0,
    onPrediction: (id, boxes, truth) => {
      const { width, height } = sizes.get(id)!;
      assert.ok(truth[2] > 0 && truth[0] + truth[2] <= width + 1e-6 && truth[1] + truth[3] <= height + 1e-6, 'truth in the photo');
      for (const { box } of boxes) {
        assert.ok(box[0] >= -1e-3 && box[1] >= -1e-3 && box[0] + box[2] <= width + 1e-3 && box[1] + box[3] <= height + 1e-3, `box ${box} outside ${width}×${height}`);
        largest = Math.max(largest, box[2], box[3]);
      }
    },
  });
  assert.is(evaluation.count, report.expressions);
  assert.is(evaluation.recall[1], report.recall['1']);
  assert.ok(largest > 64, 'boxes are in photograph pixels, not the 64-pixel model frame');
});

test.run();
