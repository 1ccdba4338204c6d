// The MDETR COCO-style reader, on a file built from the real RefCOCOg record of image 457745
// (its expression, box and COCO polygon) and on broken variants.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import { tempDir } from './support/temp-dir';
import * as assert from 'uvu/assert';
import { maskArea, maskTightBox } from '../lib/data/masks/mask-geometry';
import { readMdetrCoco } from '../lib/data/readers/mdetr-coco';
import { throwsData, writeJson } from './support/json-fixture';
import { realDataTest } from './support/real-data';

const test = suite('readers: MDETR COCO-style');
const temporary = tempDir('diff-prompt-mdetr-');
const imagesDir = path.join(temporary, 'images');
fs.mkdirSync(imagesDir);
fs.writeFileSync(path.join(imagesDir, 'COCO_train2014_000000000154.jpg'), 'placeholder');

const caption = 'the zebra on the left next to a tree';
const image = { id: 7, file_name: 'COCO_train2014_000000000154.jpg', height: 480, width: 640, caption, original_id: 154, dataset_name: 'refcoco', tokens_negative: [] };
const annotation = { id: 70, image_id: 7, bbox: [10, 20, 100, 50], tokens_positive: [[4, 9]], category_id: 24, original_id: 590410, area: 5000, iscrowd: 0, segmentation: [] };
const categories = [{ id: 24, name: 'zebra', supercategory: 'animal' }];

realDataTest(test, 'a RefCOCOg expression with its real box, phrase span and polygon mask', (dir) => {
  const coco = JSON.parse(fs.readFileSync(path.join(dir, 'coco-instances', 'train.json'), 'utf8'));
  const wing = coco.annotations.find((a: { id: number }) => a.id === 2049011);
  const file = writeJson(temporary, 'finetune_refcocog_val.json', {
    images: [
      {
        id: 0,
        file_name: 'COCO_train2014_000000457745.jpg',
        height: 612,
        width: 612,
        caption: 'the wing of an airplane over a bus',
        original_id: 457745,
        dataset_name: 'refcocog',
        tokens_negative: [[24, 34]],
        tokens_positive_eval: [[[4, 8]]],
      },
    ],
    annotations: [
      { id: 0, image_id: 0, bbox: [189.16, 54.05, 422.84, 200.29], tokens_positive: [[4, 8]], category_id: 5, original_id: 2049011, area: wing.area, iscrowd: 0, segmentation: wing.segmentation },
    ],
    categories: [{ id: 5, name: 'airplane', supercategory: 'vehicle' }],
  });
  const result = readMdetrCoco(file, { imagesDir: path.join(dir, 'coco-images') });
  assert.is(result.samples.length, 1);
  const sample = result.samples[0]!;
  assert.is(sample.expression.slice(...sample.tokensPositive![0]!), 'wing');
  assert.is(sample.imageId, '457745');
  assert.is(sample.objectId, '2049011');
  assert.is(sample.category, 'airplane');
  assert.is(sample.split, 'val');
  assert.is(path.basename((sample.image as { path: string }).path), '000000457745.jpg');
  assert.is(maskArea(sample.mask!), 14961); // pycocotools' pixel count for this polygon
  const tight = maskTightBox(sample.mask!)!;
  assert.ok(Math.abs(tight[0] - sample.box[0]) <= 1 && Math.abs(tight[1] - sample.box[1]) <= 1);
});

test('one sample per annotation: a caption with two grounded phrases gives two samples', () => {
  const second = { ...annotation, id: 71, bbox: [300, 100, 50, 50], tokens_positive: [[caption.indexOf('tree'), caption.length]], segmentation: [[300, 100, 350, 100, 350, 150, 300, 150]] };
  const result = readMdetrCoco(writeJson(temporary, 'flickr_like.json', { images: [image], annotations: [annotation, second], categories }), { imagesDir });
  assert.equal(
    result.samples.map((s) => s.id),
    ['7:70', '7:71'],
  );
  assert.equal(
    result.samples.map((s) => caption.slice(...s.tokensPositive![0]!)),
    ['zebra', 'tree'],
  );
  assert.is(result.samples[0]!.mask, undefined, 'an empty segmentation gives no mask');
  assert.is(maskArea(result.samples[1]!.mask!), 2500);
  assert.is(result.samples[0]!.split, undefined);
});

test('a file that is not COCO-style, or not JSON, is ERR_DATA', () => {
  throwsData(() => readMdetrCoco(writeJson(temporary, 'list.json', []), { imagesDir }), /list\.json: not an MDETR COCO-style file/);
  const broken = path.join(temporary, 'broken.json');
  fs.writeFileSync(broken, '{"images": [');
  throwsData(() => readMdetrCoco(broken, { imagesDir, onBadRecord: 'skip' }), /broken\.json is not valid JSON/);
});

const broken = {
  images: [image, { ...image, id: 8, caption: '' }, { ...image, id: 9 }, { ...image, id: 10, original_id: 424242, file_name: 'COCO_train2014_000000424242.jpg' }],
  annotations: [
    annotation,
    { ...annotation, id: 80, image_id: 8 }, // its image has an empty caption
    { ...annotation, id: 81, image_id: 7, tokens_positive: [[30, 99]] },
    { ...annotation, id: 82, image_id: 7, bbox: [10, 20, 100, 500] },
    { ...annotation, id: 83, image_id: 99 },
    { ...annotation, id: 84, image_id: 10 }, // image file missing
    // image 9 has no annotation
  ],
  categories,
};

test('bad records are ERR_DATA naming file, record and problem', () => {
  const file = writeJson(temporary, 'broken_refcoco.json', broken);
  throwsData(() => readMdetrCoco(file, { imagesDir }), /broken_refcoco\.json record 1 \(image 8\): the expression is empty/);
  const spans = writeJson(temporary, 'spans.json', { ...broken, images: [image], annotations: [broken.annotations[2]] });
  throwsData(() => readMdetrCoco(spans, { imagesDir }), /record 0 \(annotation 81\): tokens_positive span \[30, 99\] is not inside the 36-character expression/);
  const outside = writeJson(temporary, 'outside.json', { ...broken, images: [image], annotations: [broken.annotations[3]] });
  throwsData(() => readMdetrCoco(outside, { imagesDir }), /annotation 82.*lies outside/);
  const missing = writeJson(temporary, 'missing.json', { ...broken, images: [broken.images[3]], annotations: [broken.annotations[5]] });
  throwsData(() => readMdetrCoco(missing, { imagesDir }), /annotation 84.*image 424242 is not in/);
});

test("onBadRecord 'skip' keeps the good sample and lists the rest", () => {
  const result = readMdetrCoco(writeJson(temporary, 'broken_refcoco.json', broken), { imagesDir, onBadRecord: 'skip' });
  assert.equal(
    result.samples.map((s) => s.id),
    ['7:70'],
  );
  const reasons = result.skippedRecords.map((r) => `${r.id}: ${r.reason}`);
  assert.is(result.skipped, 6);
  assert.ok(reasons.some((r) => /image 8: the expression is empty/.test(r)));
  assert.ok(reasons.some((r) => /annotation 81: tokens_positive/.test(r)));
  assert.ok(reasons.some((r) => /annotation 82: box/.test(r)));
  assert.ok(reasons.some((r) => /annotation 83: its image_id 99/.test(r)));
  assert.ok(reasons.some((r) => /annotation 84: image 424242 is not in/.test(r)));
  assert.ok(reasons.some((r) => /image 9: its expression has no annotation/.test(r)));
  assert.is(result.missingImages, 1);
});

test.after(() => fs.rmSync(temporary, { recursive: true, force: true }));

test.run();
