// Pixels, masks, boxes and scene contents of the generated world: masks and boxes agree, scenes
// hold 2–8 objects, sizes and colours are what their names say, the test splits refer to their
// shape families, splits share no scene, 224×224 works, and no grey threshold finds the objects.
import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { generateWorld, WORLD_SPLITS } from '../lib/data/world';
import { generateScene } from '../lib/data/world/scene';
import type { WorldSample } from '../lib/data/world';
import { resolveExpression } from './support/scene-resolver';

const ROUND = ['circle', 'ring', 'ellipse'];
const ANGULAR = ['square', 'diamond', 'triangle', 'star', 'cross', 'hexagon'];
const NOMINAL_RGB: Record<string, [number, number, number]> = {
  red: [215, 40, 45],
  orange: [245, 135, 25],
  yellow: [240, 215, 35],
  green: [45, 170, 65],
  cyan: [35, 195, 215],
  blue: [40, 80, 215],
  purple: [140, 60, 185],
  pink: [240, 90, 180],
};

const train = generateWorld({ seed: 31, split: 'train', count: 1800, family: 'both' });

/** The tight box [x, y, w, h] of a mask's ones, or null for an empty mask. */
function tightBox(mask: WorldSample['mask']): [number, number, number, number] | null {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < mask.height; y += 1) {
    for (let x = 0; x < mask.width; x += 1) {
      if (mask.data[y * mask.width + x] !== 1) continue;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
  }
  return maxX < 0 ? null : [minX, minY, maxX - minX + 1, maxY - minY + 1];
}

function referent(sample: WorldSample) {
  return sample.scene.objects.find((object) => object.id === sample.objectId)!;
}

const Scenes = suite('world: scenes');

Scenes('masks are binary, non-empty and in the image frame; boxes are their tight boxes', () => {
  for (const sample of train) {
    const { image } = sample.image;
    assert.is(image.width, 64);
    assert.is(image.height, 64);
    assert.is(image.data.length, 64 * 64 * 3);
    assert.equal([sample.width, sample.height, sample.mask.width, sample.mask.height], [64, 64, 64, 64]);
    assert.ok(
      sample.mask.data.every((value) => value === 0 || value === 1),
      'binary mask',
    );
    const area = sample.mask.data.reduce((sum, value) => sum + value, 0);
    assert.ok(area > 0, `${sample.id} has an empty mask`);
    assert.equal(sample.box, tightBox(sample.mask), sample.id);
    assert.equal(referent(sample).box, sample.box);
    assert.is(referent(sample).area, area);
    assert.is(sample.category, referent(sample).shape);
  }
});

Scenes('scenes hold 2 to 8 objects, every count occurring', () => {
  const counts = new Set(train.map((sample) => sample.scene.objects.length));
  assert.equal([...counts].sort(), [2, 3, 4, 5, 6, 7, 8]);
});

Scenes('objects in one scene overlap little: box IoU ≤ 0.1', () => {
  const scenes = new Map(train.map((sample) => [sample.imageId, sample.scene]));
  for (const scene of scenes.values()) {
    scene.objects.forEach((a, i) =>
      scene.objects.slice(i + 1).forEach((b) => {
        const w = Math.min(a.box[0] + a.box[2], b.box[0] + b.box[2]) - Math.max(a.box[0], b.box[0]);
        const h = Math.min(a.box[1] + a.box[3], b.box[1] + b.box[3]) - Math.max(a.box[1], b.box[1]);
        const shared = w > 0 && h > 0 ? w * h : 0;
        const iou = shared / (a.box[2] * a.box[3] + b.box[2] * b.box[3] - shared);
        assert.ok(iou <= 0.1, `${a.id} and ${b.id}: IoU ${iou.toFixed(3)}`);
      }),
    );
  }
});

Scenes('large objects are clearly larger than small ones of the same shape', () => {
  const extents = new Map<string, { small: number[]; large: number[] }>();
  for (const sample of new Map(train.map((s) => [s.imageId, s])).values()) {
    for (const object of sample.scene.objects) {
      const entry = extents.get(object.shape) ?? { small: [], large: [] };
      extents.set(object.shape, entry);
      entry[object.size as 'small' | 'large'].push(Math.max(object.box[2], object.box[3]));
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  for (const [shape, { small, large }] of extents) {
    assert.ok(Math.min(...large) > Math.max(...small), `${shape}: every large extent beats every small one`);
    assert.ok(median(large) >= 1.5 * median(small), `${shape}: median large ${median(large)} vs small ${median(small)}`);
  }
});

Scenes('a mask is the colour its name says, and a ring has a hole where a circle has none', () => {
  for (const sample of train) {
    const { data } = sample.image.image;
    const mean = [0, 0, 0];
    let area = 0;
    sample.mask.data.forEach((value, p) => {
      if (!value) return;
      for (let c = 0; c < 3; c += 1) mean[c] += data[3 * p + c];
      area += 1;
    });
    const distance = (rgb: number[]) => Math.hypot(...rgb.map((value, c) => mean[c] / area - value));
    const nearest = Object.keys(NOMINAL_RGB).sort((a, b) => distance(NOMINAL_RGB[a]) - distance(NOMINAL_RGB[b]))[0];
    assert.is(nearest, referent(sample).colour, `${sample.id}: mean colour ${mean.map((v) => Math.round(v / area))}`);

    const object = referent(sample);
    const [x, y, w, h] = sample.box;
    const centre = sample.mask.data[Math.floor(y + h / 2) * 64 + Math.floor(x + w / 2)];
    if (object.shape === 'ring' && object.size === 'large') assert.is(centre, 0, `${sample.id}: ring centre`);
    if (object.shape === 'circle' || object.shape === 'hexagon') assert.is(centre, 1, `${sample.id}: ${object.shape} centre`);
  }
});

Scenes('testA refers only to round shapes, testB only to angular ones; train refers to both', () => {
  const testA = generateWorld({ seed: 31, split: 'testA', count: 900 });
  const testB = generateWorld({ seed: 31, split: 'testB', count: 900 });
  assert.ok(testA.every((sample) => ROUND.includes(sample.category)));
  assert.ok(testB.every((sample) => ANGULAR.includes(sample.category)));
  assert.ok(
    testA.some((sample) => sample.scene.objects.some((object) => ANGULAR.includes(object.shape))),
    'testA has angular distractors',
  );
  for (const shape of [...ROUND, ...ANGULAR]) {
    assert.ok(
      train.some((sample) => sample.category === shape),
      `train refers to a ${shape}`,
    );
  }
  const round = train.filter((sample) => ROUND.includes(sample.category)).length / train.length;
  assert.ok(round > 0.2 && round < 0.5, `train: ${(100 * round).toFixed(0)}% round referents`);
});

Scenes('splits never share a scene', () => {
  const digests = WORLD_SPLITS.map((split) => new Set(generateWorld({ seed: 31, split, count: 600 }).map((sample) => createHash('sha1').update(sample.image.image.data).digest('hex'))));
  digests.forEach((mine, i) => {
    assert.is(mine.size, 100, 'one image per scene of six samples');
    digests.slice(i + 1).forEach((theirs) => assert.ok([...mine].every((digest) => !theirs.has(digest))));
  });
});

Scenes('224×224 and 16×16 render, objects scaled with the image', () => {
  const large = generateWorld({ seed: 31, split: 'val', count: 60, size: 224 });
  for (const sample of large) {
    assert.is(sample.image.image.data.length, 224 * 224 * 3);
    assert.is(sample.mask.data.length, 224 * 224);
    assert.equal(sample.box, tightBox(sample.mask));
    assert.equal(resolveExpression(sample.expression, sample.scene.objects), [sample.objectId]);
    const extent = Math.max(sample.box[2], sample.box[3]) / 224;
    assert.ok(extent > 0.08 && extent < 0.26, `${sample.id}: extent ${extent.toFixed(3)} of the side`);
  }
  for (const sample of generateWorld({ seed: 31, split: 'testA', count: 30, size: 16 })) {
    assert.is(sample.image.image.data.length, 16 * 16 * 3);
    assert.equal(sample.box, tightBox(sample.mask));
    assert.equal(resolveExpression(sample.expression, sample.scene.objects), [sample.objectId]);
  }
});

Scenes('no global grey threshold separates the objects from the background', () => {
  // Per scene: the best IoU, over every grey level t and both polarities, between "grey ≤ t"
  // (or "grey > t") and the union of all object masks. On a plain background a scene of one
  // object colour would reach IoU ≈ 1 (a plain background gives a mean of ≈ 0.65; this one ≈ 0.36).
  const ious: number[] = [];
  for (let sceneIndex = 0; sceneIndex < 200; sceneIndex += 1) {
    const scene = generateScene({ seed: 31, split: 'train', sceneIndex, size: 64 });
    const objects = new Float64Array(256);
    const background = new Float64Array(256);
    let objectTotal = 0;
    for (let p = 0; p < 64 * 64; p += 1) {
      const [r, g, b] = scene.image.data.subarray(3 * p, 3 * p + 3);
      const grey = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
      if (scene.masks.some((mask) => mask.data[p] === 1)) {
        objects[grey] += 1;
        objectTotal += 1;
      } else {
        background[grey] += 1;
      }
    }
    const iou = (hit: number, predicted: number) => hit / (objectTotal + predicted - hit);
    let best = 0;
    let objectsBelow = 0;
    let predictedBelow = 0;
    for (let t = 0; t < 256; t += 1) {
      objectsBelow += objects[t];
      predictedBelow += objects[t] + background[t];
      best = Math.max(best, iou(objectsBelow, predictedBelow), iou(objectTotal - objectsBelow, 64 * 64 - predictedBelow));
    }
    ious.push(best);
  }
  const mean = ious.reduce((sum, iou) => sum + iou, 0) / ious.length;
  const easy = ious.filter((iou) => iou > 0.9).length;
  assert.ok(mean < 0.5, `mean best-threshold IoU ${mean.toFixed(3)}`);
  assert.ok(easy < 0.05 * ious.length, `${easy} of ${ious.length} scenes separable by grey level`);
});

Scenes.run();
