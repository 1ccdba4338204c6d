// The UNC/UMD RefCOCO evaluation JSON reader, on the real files and on broken copies.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import { tempDir } from './support/temp-dir';
import * as assert from 'uvu/assert';
import { maskTightBox } from '../lib/data/masks/mask-geometry';
import { readCocoInstances } from '../lib/data/readers/coco-instances';
import { readRefcocoEval } from '../lib/data/readers/refcoco-eval';
import { throwsData, writeJson } from './support/json-fixture';
import { realDataTest } from './support/real-data';

const test = suite('readers: RefCOCO eval JSON');
const temporary = tempDir('diff-prompt-refcoco-');
const imagesDir = path.join(temporary, 'images');
fs.mkdirSync(imagesDir);
// The reader only looks for the names; a 2014-style name must be found too.
fs.writeFileSync(path.join(imagesDir, '000000000154.jpg'), 'placeholder');
fs.writeFileSync(path.join(imagesDir, 'COCO_train2014_000000000605.jpg'), 'placeholder');

const good = { img_id: 'COCO_train2014_000000000154_2', sents: 'zebra on the left', bbox: [10, 20, 100, 50], height: 480, width: 640 };

realDataTest(test, 'the real splits load every expression (README counts), images counted as missing', (dir) => {
  const folder = path.join(dir, 'coco-images');
  const read = (name: string) => readRefcocoEval(path.join(dir, 'refcoco-eval', `${name}.json`), { imagesDir: folder, onMissingImage: 'keep' });
  const val = read('refcoco_val');
  assert.is(val.samples.length, 10834);
  assert.is(val.missingImages, 10834);
  assert.is(val.skipped, 0);
  assert.is(new Set(val.samples.map((s) => s.id)).size, 10834, 'sample ids are unique');
  const first = val.samples[0]!;
  assert.is(first.expression, 'bowl behind the others can only see part');
  assert.equal(first.box, [468.3, 0.91, 171.7, 116.12]);
  assert.is(first.imageId, '580957');
  assert.is(first.split, 'val');
  assert.equal([first.width, first.height], [640, 428]);
  assert.equal(first.image, { kind: 'file', path: path.join(path.resolve(folder), '000000580957.jpg') });
  assert.is(read('refcoco+_val').samples.length, 10758);
  const testB = read('refcoco_testB');
  assert.is(testB.samples.length, 5095);
  assert.is(testB.missingImages, 5095 - 14); // images 154 and 605 carry 14 testB expressions
  const refcocog = read('refcocog_val');
  assert.is(refcocog.samples.length, 4896);
  assert.is(refcocog.missingImages, 4890);
});

realDataTest(test, 'RefCOCOg image 457745: the referred object is COCO annotation 2049011, with a matching polygon mask', (dir) => {
  const refcocog = readRefcocoEval(path.join(dir, 'refcoco-eval', 'refcocog_val.json'), { imagesDir: path.join(dir, 'coco-images'), onMissingImage: 'skip' });
  assert.is(refcocog.samples.length, 6); // the expressions whose image is in coco-images
  assert.is(refcocog.skipped, 4890);
  assert.match(refcocog.skippedRecords[0]!.reason, /image \d+ is not in/);
  const wing = refcocog.samples.filter((s) => s.objectId === '457745_2049011');
  assert.equal(
    wing.map((s) => s.expression),
    ['the wing of an airplane over a bus', "top of a plane ' s wing"],
  );
  assert.ok(fs.existsSync((wing[0]!.image as { path: string }).path));

  const coco = readCocoInstances(path.join(dir, 'coco-instances', 'train.json'));
  const annotation = coco.instances.find((instance) => instance.id === 2049011)!;
  assert.ok(annotation, 'annotation 2049011 is in coco-instances/train.json');
  assert.is(annotation.imageId, 457745);
  assert.is(annotation.category, 'airplane');
  wing[0]!.box.forEach((value, i) => assert.ok(Math.abs(value - annotation.box[i]!) < 0.01, `RefCOCOg box ${wing[0]!.box} vs COCO ${annotation.box}`));
  const tight = maskTightBox(annotation.mask)!;
  const [x, y, w, h] = wing[0]!.box;
  const edges = [x, y, x + w, y + h];
  const maskEdges = [tight[0], tight[1], tight[0] + tight[2], tight[1] + tight[3]];
  edges.forEach((edge, i) => assert.ok(Math.abs(edge - maskEdges[i]!) <= 1.5, `box edges ${edges} vs mask edges ${maskEdges}`));
});

realDataTest(test, 'by default a missing image is ERR_DATA naming the file, the record and the way out', (dir) => {
  throwsData(
    () => readRefcocoEval(path.join(dir, 'refcoco-eval', 'refcocog_val.json'), { imagesDir: path.join(dir, 'coco-images') }),
    /refcocog_val\.json.*record 0 \(COCO_train2014_000000533220_1954731\).*not in.*onMissingImage/,
  );
});

test('sents may be a list; each expression is a sample; 12-digit and 2014 file names are both found', () => {
  const file = writeJson(temporary, 'two_val.json', [
    { ...good, sents: ['zebra on the left', 'left zebra'] },
    { ...good, img_id: 'COCO_train2014_000000000605_0', sents: 'car' },
  ]);
  const result = readRefcocoEval(file, { imagesDir });
  assert.equal(
    result.samples.map((s) => s.id),
    ['COCO_train2014_000000000154_2#0', 'COCO_train2014_000000000154_2#1', 'COCO_train2014_000000000605_0#0'],
  );
  assert.is(path.basename((result.samples[2]!.image as { path: string }).path), 'COCO_train2014_000000000605.jpg');
  assert.is(result.samples[0]!.split, 'val');
  assert.is(result.missingImages, 0);
});

test('malformed JSON is ERR_DATA naming the file, even when skipping bad records', () => {
  const file = writeJson(temporary, 'broken_val.json', '[{"img_id": "COCO_train2014_000000000154_2", "sents": ');
  throwsData(() => readRefcocoEval(file, { imagesDir, onBadRecord: 'skip' }), /broken_val\.json is not valid JSON/);
  throwsData(() => readRefcocoEval(path.join(temporary, 'absent_val.json'), { imagesDir }), /absent_val\.json not found/);
  throwsData(() => readRefcocoEval(writeJson(temporary, 'object_val.json', { a: 1 }), { imagesDir }), /expected a JSON array/);
  throwsData(() => readRefcocoEval(file.replace('broken', 'x'), { imagesDir: path.join(temporary, 'no-folder') }), /not found|cannot be listed/);
});

const badRecords = [
  good,
  { ...good, bbox: [600, 20, 100, 50] }, // reaches x = 700 in a 640-wide image
  { ...good, sents: '   ' },
  { ...good, img_id: 'image_154' },
  { ...good, height: undefined },
  { ...good, img_id: 'COCO_train2014_000000999999_1' }, // no such image
];

test('bad records are ERR_DATA naming file, record and problem', () => {
  const file = writeJson(temporary, 'bad_val.json', badRecords);
  throwsData(() => readRefcocoEval(file, { imagesDir }), /bad_val\.json record 1 \(COCO_train2014_000000000154_2\): box \[600, 20, 100, 50\] lies outside its 640×480 image.*onBadRecord: 'skip'/);
  throwsData(() => readRefcocoEval(writeJson(temporary, 'empty_val.json', [badRecords[2]]), { imagesDir }), /record 0.*the expression is empty/);
  throwsData(() => readRefcocoEval(writeJson(temporary, 'id_val.json', [badRecords[3]]), { imagesDir }), /record 0.*img_id "image_154"/);
  throwsData(() => readRefcocoEval(writeJson(temporary, 'field_val.json', [badRecords[4]]), { imagesDir }), /record 0: height/);
});

test("onBadRecord 'skip' keeps the good records and lists every skipped one with its reason", () => {
  const result = readRefcocoEval(writeJson(temporary, 'bad_val.json', badRecords), { imagesDir, onBadRecord: 'skip' });
  assert.is(result.samples.length, 1);
  assert.is(result.skipped, 5);
  assert.equal(
    result.skippedRecords.map((r) => r.index),
    [1, 2, 3, 4, 5],
  );
  const reasons = result.skippedRecords.map((r) => r.reason);
  assert.match(reasons[0]!, /outside/);
  assert.match(reasons[1]!, /empty/);
  assert.match(reasons[2]!, /img_id/);
  assert.match(reasons[3]!, /height/);
  assert.match(reasons[4]!, /image 999999 is not in/);
  assert.is(result.missingImages, 1);
});

test.after(() => fs.rmSync(temporary, { recursive: true, force: true }));

test.run();
