// The SeqTR instances.json reader (the reference's training file), on a file built from real
// RefCOCOg/COCO records and on broken variants.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import { tempDir } from './support/temp-dir';
import * as assert from 'uvu/assert';
import { maskArea } from '../lib/data/masks/mask-geometry';
import { readSeqtrInstances } from '../lib/data/readers/seqtr-instances';
import { throwsData, writeJson } from './support/json-fixture';
import { realDataTest } from './support/real-data';

const test = suite('readers: SeqTR instances.json');
const temporary = tempDir('diff-prompt-seqtr-');
const imagesDir = path.join(temporary, 'images');
fs.mkdirSync(imagesDir);
fs.writeFileSync(path.join(imagesDir, 'COCO_train2014_000000000154.jpg'), 'placeholder');

const square = [[10, 20, 110, 20, 110, 70, 10, 70]];
const object = { image_id: 154, bbox: [10, 20, 100, 50], expressions: ['left zebra', 'zebra on the left'], mask: square, height: 480, width: 640, category_id: 24 };

realDataTest(test, 'objects from the real files: one sample per expression, masks from polygons', (dir) => {
  const coco = JSON.parse(fs.readFileSync(path.join(dir, 'coco-instances', 'train.json'), 'utf8'));
  const wing = coco.annotations.find((a: { id: number }) => a.id === 2049011);
  const file = writeJson(temporary, 'instances.json', {
    train: [{ image_id: 457745, bbox: wing.bbox, expressions: ['the wing of an airplane over a bus', "top of a plane ' s wing"], mask: wing.segmentation, height: 612, width: 612, category_id: 5 }],
    val: [object],
  });
  const result = readSeqtrInstances(file, { imagesDir: path.join(dir, 'coco-images'), splits: ['train'], categoryNames: new Map([[5, 'airplane']]) });
  assert.equal(
    result.samples.map((s) => s.id),
    ['train/0/0', 'train/0/1'],
  );
  assert.equal(
    result.samples.map((s) => s.objectId),
    ['train/0', 'train/0'],
  );
  const sample = result.samples[0]!;
  assert.is(sample.category, 'airplane');
  assert.is(sample.split, 'train');
  assert.is(maskArea(sample.mask!), 14961);
  assert.ok(Object.keys(sample).includes('mask'), 'the mask is an enumerable field');
});

test('every split by default, or the ones asked for; an unknown split is ERR_DATA listing the real ones', () => {
  const file = writeJson(temporary, 'instances.json', { train: [object], val: [object, object], testA: [], testB: [] });
  assert.is(readSeqtrInstances(file, { imagesDir }).samples.length, 6);
  const val = readSeqtrInstances(file, { imagesDir, splits: ['val'] });
  assert.equal(
    val.samples.map((s) => s.id),
    ['val/0/0', 'val/0/1', 'val/1/0', 'val/1/1'],
  );
  assert.is(val.samples[0]!.category, '24');
  assert.is(maskArea(val.samples[0]!.mask!), 5000);
  throwsData(() => readSeqtrInstances(file, { imagesDir, splits: ['test'] }), /instances\.json: has no split "test"; it has train, val, testA, testB/);
  throwsData(() => readSeqtrInstances(writeJson(temporary, 'list.json', [object]), { imagesDir }), /expected an object of splits/);
});

const broken = {
  train: [
    object,
    { ...object, expressions: [] },
    { ...object, expressions: ['fine', ''] }, // only the empty one is bad
    { ...object, bbox: [-30, 20, 100, 50] },
    { ...object, mask: [[1, 2, 3]] },
    { ...object, image_id: 999999 },
  ],
};

test('bad records are ERR_DATA naming file, split, record and problem', () => {
  const file = writeJson(temporary, 'broken.json', broken);
  throwsData(() => readSeqtrInstances(file, { imagesDir }), /broken\.json record 1 \(train\[1\] image 154\): the object has no expression/);
  const polygon = writeJson(temporary, 'polygon.json', { train: [broken.train[4]] });
  throwsData(() => readSeqtrInstances(polygon, { imagesDir }), /polygon 0 has 3 numbers/);
  const missing = writeJson(temporary, 'missing.json', { train: [broken.train[5]] });
  throwsData(() => readSeqtrInstances(missing, { imagesDir }), /image 999999 is not in/);
});

test("onBadRecord 'skip' counts each bad record or expression, with reasons", () => {
  const result = readSeqtrInstances(writeJson(temporary, 'broken.json', broken), { imagesDir, onBadRecord: 'skip' });
  assert.equal(
    result.samples.map((s) => s.id),
    ['train/0/0', 'train/0/1', 'train/2/0'],
  );
  // Image 999999 is missing for both its expressions: each is counted.
  assert.equal(
    result.skippedRecords.map((r) => r.index),
    [1, 2, 3, 4, 5, 5],
  );
  assert.match(result.skippedRecords[1]!.reason, /the expression is empty/);
  assert.match(result.skippedRecords[2]!.reason, /outside/);
  assert.is(result.skipped, 6);
  assert.is(result.missingImages, 2);
});

test.after(() => fs.rmSync(temporary, { recursive: true, force: true }));

test.run();
