// The COCO instances reader (masks for the Mask-VAE): the real polygons and crowd RLEs, the
// compressed RLE form, and broken records.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import { tempDir } from './support/temp-dir';
import * as assert from 'uvu/assert';
import { compressRle, encodeRle } from '../lib/data/masks/coco-rle';
import { maskArea, maskTightBox } from '../lib/data/masks/mask-geometry';
import { readCocoInstances } from '../lib/data/readers/coco-instances';
import { throwsData, writeJson } from './support/json-fixture';
import { realDataTest } from './support/real-data';

const test = suite('readers: COCO instances');
const temporary = tempDir('diff-prompt-coco-');

realDataTest(test, 'the real file: 276 instances with masks, 3 of them crowd RLEs, images all present', (dir) => {
  const file = path.join(dir, 'coco-instances', 'train.json');
  const result = readCocoInstances(file, { imagesDir: path.join(dir, 'coco-images') });
  assert.is(result.instances.length, 276);
  assert.is(result.skipped, 0);
  assert.is(result.missingImages, 0);
  assert.equal([...result.categories.values()], ['person', 'car', 'airplane']);
  const crowds = result.instances.filter((instance) => instance.iscrowd);
  assert.is(crowds.length, 3);
  for (const instance of result.instances.slice(0, 40)) {
    const mask = instance.mask;
    assert.equal([mask.width, mask.height], [instance.width, instance.height]);
    const tight = maskTightBox(mask)!;
    // The mask lies in its box (within a pixel of rounding on each side).
    assert.ok(tight[0] >= instance.box[0] - 1 && tight[0] + tight[2] <= instance.box[0] + instance.box[2] + 1, `instance ${instance.id}`);
  }
  const airplane = result.instances.find((instance) => instance.id === 161532)!;
  assert.is(airplane.fileName, '000000334868.jpg');
  assert.is(airplane.imagePath, path.join(path.resolve(dir, 'coco-images'), '000000334868.jpg'));
  assert.is(maskArea(airplane.mask), 13376);
});

realDataTest(test, 'a crowd RLE written compressed decodes to the same mask', (dir) => {
  const coco = JSON.parse(fs.readFileSync(path.join(dir, 'coco-instances', 'train.json'), 'utf8'));
  const crowd = coco.annotations.find((a: { iscrowd: number }) => a.iscrowd);
  const image = coco.images.find((i: { id: number }) => i.id === crowd.image_id);
  const compressed = compressRle(crowd.segmentation);
  assert.type(compressed.counts, 'string');
  const file = writeJson(temporary, 'compressed.json', { images: [image], annotations: [crowd, { ...crowd, id: 1, segmentation: compressed }], categories: coco.categories });
  const [plain, fromString] = readCocoInstances(file).instances;
  assert.equal(fromString!.mask.data, plain!.mask.data);
  assert.equal(encodeRle(fromString!.mask).counts, crowd.segmentation.counts);
});

const image = { id: 1, file_name: '000000000001.jpg', width: 40, height: 30 };
const polygon = { id: 10, image_id: 1, bbox: [5, 5, 10, 10], segmentation: [[5, 5, 15, 5, 15, 15, 5, 15]], area: 100, iscrowd: 0, category_id: 1 };
const broken = {
  images: [image],
  annotations: [
    polygon,
    { ...polygon, id: 11, category_id: 9 },
    { ...polygon, id: 12, segmentation: { size: [40, 30], counts: [1200] } }, // size is height×width: 30×40
    { ...polygon, id: 13, segmentation: { size: [30, 40], counts: [100, 5] } },
    { ...polygon, id: 14, bbox: [35, 5, 10, 10] },
    { ...polygon, id: 15, image_id: 2 },
  ],
  categories: [{ id: 1, name: 'person' }],
};

test('bad records are ERR_DATA naming file, annotation and problem', () => {
  const file = writeJson(temporary, 'broken.json', broken);
  throwsData(() => readCocoInstances(file), /broken\.json record 1 \(annotation 11\): its category_id 9/);
  throwsData(() => readCocoInstances(writeJson(temporary, 'size.json', { ...broken, annotations: [broken.annotations[2]] })), /annotation 12.*RLE size is 40×30 but its image is 30×40/);
  throwsData(() => readCocoInstances(writeJson(temporary, 'counts.json', { ...broken, annotations: [broken.annotations[3]] })), /annotation 13.*add up to 105 pixels/);
  throwsData(() => readCocoInstances(writeJson(temporary, 'list.json', [])), /not a COCO instances file/);
  throwsData(() => readCocoInstances(file, { imagesDir: temporary }), /annotation 10.*image 1 is not in/);
});

test("onBadRecord 'skip' keeps the good instance and lists the rest", () => {
  const result = readCocoInstances(writeJson(temporary, 'broken.json', broken), { onBadRecord: 'skip' });
  assert.equal(
    result.instances.map((instance) => instance.id),
    [10],
  );
  assert.is(maskArea(result.instances[0]!.mask), 100);
  assert.equal(
    result.skippedRecords.map((r) => r.id),
    ['annotation 11', 'annotation 12', 'annotation 13', 'annotation 14', 'annotation 15'],
  );
  assert.match(result.skippedRecords[3]!.reason, /outside its 40×30 image/);
  assert.match(result.skippedRecords[4]!.reason, /image_id 2/);
});

test.after(() => fs.rmSync(temporary, { recursive: true, force: true }));

test.run();
