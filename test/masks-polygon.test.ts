// Polygon rasterisation with pycocotools semantics (frPyObjects + merge + decode).
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { segmentationProblem, segmentationToMask } from '../lib/data/masks/coco-segmentation';
import { maskArea, maskTightBox } from '../lib/data/masks/mask-geometry';
import { polygonToRleCounts, rasterisePolygons } from '../lib/data/masks/polygon-rasterise';
import { realDataTest } from './support/real-data';

const test = suite('masks: polygon rasteriser');
const size = { width: 30, height: 30 };

test('an axis-aligned square covers exactly the pixels inside its edges', () => {
  // pycocotools: the square with corners (10,10)..(20,20) sets pixels 10..19 on each axis.
  const mask = rasterisePolygons([[10, 10, 20, 10, 20, 20, 10, 20]], size);
  assert.is(maskArea(mask), 100);
  assert.equal(maskTightBox(mask), [10, 10, 10, 10]);
  assert.is(mask.data[10 * 30 + 10], 1);
  assert.is(mask.data[19 * 30 + 19], 1);
  assert.is(mask.data[20 * 30 + 20], 0);
  assert.is(mask.data[9 * 30 + 15], 0);
});

test('counts are column-major RLE starting with a 0-run, as pycocotools writes them', () => {
  // 30×30 frame, square 10..19: 10 empty columns (300 px) + 10 px, then 10 on / 20 off per column.
  const counts = polygonToRleCounts([10, 10, 20, 10, 20, 20, 10, 20], size);
  assert.is(counts[0], 310);
  assert.is(counts[1], 10);
  assert.is(counts[2], 20);
  assert.is(
    counts.reduce((a, b) => a + b, 0),
    900,
  );
});

test('several polygons are unioned, and one inside another makes no hole', () => {
  const overlapping = rasterisePolygons(
    [
      [0, 0, 10, 0, 10, 10, 0, 10],
      [5, 5, 15, 5, 15, 15, 5, 15],
    ],
    size,
  );
  assert.is(maskArea(overlapping), 100 + 100 - 25);
  const nested = rasterisePolygons(
    [
      [0, 0, 20, 0, 20, 20, 0, 20],
      [5, 5, 15, 5, 15, 15, 5, 15],
    ],
    size,
  );
  assert.is(maskArea(nested), 400);
});

test('a polygon reaching outside the image is clipped to it', () => {
  const mask = rasterisePolygons([[-5, -5, 5, -5, 5, 5, -5, 5]], size);
  assert.is(maskArea(mask), 25);
  assert.equal(maskTightBox(mask), [0, 0, 5, 5]);
});

test('a vertex far outside its image, or an image too large for a mask, is a problem named before any rasterising', () => {
  const size = { width: 48, height: 48 };
  assert.match(segmentationProblem([[2 ** 53, 4, 20, 4, 20, 20]], size)!, /far outside its 48×48 image/);
  assert.throws(
    () => segmentationToMask([[4, 4, 20, -1e9, 20, 20]], size),
    (error: { code?: string }) => error.code === 'ERR_DATA',
  );
  assert.match(segmentationProblem([[4, 4, 20, 4, 20, 20]], { width: 100_000, height: 100_000 })!, /past the \d+ pixels a mask may have/);
  assert.is(segmentationProblem([[-0.5, 4, 48.5, 4, 20, 20]], size), undefined); // COCO's own overshoot stays valid
});

test('a triangle gives the area pycocotools gives (18 px for (2,2) (8,2) (5,8))', () => {
  // Expected values here and below were computed with pycocotools' maskApi.c rleFrPoly + rleMerge.
  assert.is(maskArea(rasterisePolygons([[2, 2, 8, 2, 5, 8]], size)), 18);
});

realDataTest(test, 'real COCO polygons: areas as pycocotools, and close to the annotation area', (dir) => {
  const coco = JSON.parse(fs.readFileSync(path.join(dir, 'coco-instances', 'train.json'), 'utf8'));
  const images = new Map<number, { width: number; height: number }>(coco.images.map((image: { id: number; width: number; height: number }) => [image.id, image]));
  const rasterised = new Map<number, number>();
  let withinAll = 0;
  let countAll = 0;
  let withinLarge = 0;
  let countLarge = 0;
  for (const annotation of coco.annotations) {
    if (annotation.iscrowd) continue;
    const area = maskArea(rasterisePolygons(annotation.segmentation, images.get(annotation.image_id)!));
    rasterised.set(annotation.id, area);
    const within = Math.abs(area - annotation.area) <= 0.02 * annotation.area;
    countAll++;
    if (within) withinAll++;
    // COCO "medium" and "large" objects (area ≥ 32²): edge pixels no longer dominate.
    if (annotation.area >= 32 * 32) {
      countLarge++;
      if (within) withinLarge++;
    }
  }
  const percent = (n: number, of: number): string => `${((100 * n) / of).toFixed(1)}%`;
  console.log(`  polygon area agreement: ${percent(withinLarge, countLarge)} of ${countLarge} instances ≥ 32² within 2%; ${percent(withinAll, countAll)} of all ${countAll} non-crowd instances`);
  assert.is(countAll, 273);
  assert.ok(withinLarge / countLarge >= 0.95, `${withinLarge}/${countLarge} medium/large instances within 2%`);
  // Small objects differ by their edge pixels (COCO's area is the polygon's own area), but not overall.
  const totalRasterised = [...rasterised.values()].reduce((a, b) => a + b, 0);
  const totalAnnotated = coco.annotations.filter((a: { iscrowd: number }) => !a.iscrowd).reduce((sum: number, a: { area: number }) => sum + a.area, 0);
  assert.ok(Math.abs(totalRasterised - totalAnnotated) / totalAnnotated < 0.001, `total ${totalRasterised} vs ${totalAnnotated}`);
  // Pixel counts from pycocotools itself for a large, a medium and two tiny instances.
  assert.is(rasterised.get(2049011), 14961);
  assert.is(rasterised.get(161532), 13376);
  assert.is(rasterised.get(1721853), 11);
  assert.is(rasterised.get(2031747), 17);
});

test.run();
