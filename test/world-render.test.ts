// The rasteriser and the shape geometry: signed distances agree with independent inside tests,
// coverage is anti-aliased and integrates to the shape's true area, and occlusion removes the
// hidden pixels from the masks of the objects behind.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { PlacedObject } from '../lib/data/world/placement';
import { RandomStream } from '../lib/data/world/random';
import { renderScene } from '../lib/data/world/render';
import { SHAPE_GEOMETRY } from '../lib/data/world/shapes';

type Point = [number, number];

/** Even–odd rule point-in-polygon test. */
function insidePolygon([x, y]: Point, polygon: Point[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i, i += 1) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** n vertices at `radius`, the first at angle `start` (radians, y down, so −π/2 is straight up). */
function regular(n: number, radius: number, start: number): Point[] {
  return Array.from({ length: n }, (_, i) => {
    const angle = start + (2 * Math.PI * i) / n;
    return [radius * Math.cos(angle), radius * Math.sin(angle)] as Point;
  });
}

const starOutline: Point[] = Array.from({ length: 10 }, (_, i) => {
  const radius = i % 2 === 0 ? 1 : 0.45;
  const angle = -Math.PI / 2 + (Math.PI * i) / 5;
  return [radius * Math.cos(angle), radius * Math.sin(angle)] as Point;
});

// Shapes as described in shapes.ts, written as plain inside tests.
const INSIDE: Record<string, (p: Point) => boolean> = {
  circle: ([x, y]) => x * x + y * y < 1,
  ring: ([x, y]) => Math.hypot(x, y) < 1 && Math.hypot(x, y) > 0.52,
  ellipse: ([x, y]) => x * x + (y / 0.55) ** 2 < 1,
  square: ([x, y]) => Math.abs(x) < 0.82 && Math.abs(y) < 0.82,
  diamond: (p) =>
    insidePolygon(p, [
      [0.72, 0],
      [0, 1],
      [-0.72, 0],
      [0, -1],
    ]),
  triangle: (p) => insidePolygon(p, regular(3, 1, -Math.PI / 2)),
  star: (p) => insidePolygon(p, starOutline),
  cross: ([x, y]) => (Math.abs(x) < 1 && Math.abs(y) < 0.32) || (Math.abs(y) < 1 && Math.abs(x) < 0.32),
  hexagon: (p) => insidePolygon(p, regular(6, 1, 0)),
};

const Render = suite('world: shapes and rendering');

Render('every shape: the distance sign is the inside test, and |∇d| ≈ 1 at the outline', () => {
  const stream = new RandomStream('shape test');
  for (const [shape, geometry] of Object.entries(SHAPE_GEOMETRY)) {
    let steep = 0;
    let nearOutline = 0;
    for (let i = 0; i < 20_000; i += 1) {
      const point: Point = [stream.between(-1.3, 1.3), stream.between(-1.3, 1.3)];
      const distance = geometry.distance(...point);
      if (Math.abs(distance) > 1e-9) assert.is(distance < 0, INSIDE[shape](point), `${shape} at ${point}`);
      if (distance < 0) assert.ok(Math.hypot(...point) <= geometry.boundingRadius, `${shape} inside its bounding radius`);
      if (Math.abs(distance) < 0.05) {
        const e = 1e-5;
        const gx = (geometry.distance(point[0] + e, point[1]) - geometry.distance(point[0] - e, point[1])) / (2 * e);
        const gy = (geometry.distance(point[0], point[1] + e) - geometry.distance(point[0], point[1] - e)) / (2 * e);
        nearOutline += 1;
        if (Math.abs(Math.hypot(gx, gy) - 1) > 0.1) steep += 1;
      }
    }
    assert.ok(steep <= 0.02 * nearOutline, `${shape}: ${steep} of ${nearOutline} outline gradients off`);
  }
});

function disc(overrides: Partial<PlacedObject>): PlacedObject {
  return {
    shape: 'circle',
    colour: 'red',
    size: 'large',
    centreX: 32,
    centreY: 32,
    radius: 10,
    rotation: 0,
    fill: [228, 228, 228],
    lightX: 1,
    lightY: 0,
    shading: 0,
    ...overrides,
  };
}

Render('coverage is anti-aliased and integrates to the true area', () => {
  const size = 64;
  const grey = new Float32Array(size * size * 3).fill(128);
  const { image, objects } = renderScene([disc({ centreX: 31.3, centreY: 30.8, radius: 10.4 })], grey, new RandomStream('aa'), size);
  let ink = 0;
  let partial = 0;
  for (let p = 0; p < size * size; p += 1) {
    const value = (image.data[3 * p] + image.data[3 * p + 1] + image.data[3 * p + 2]) / 3;
    ink += (value - 128) / 100;
    if (value > 128 + 15 && value < 228 - 15) partial += 1;
  }
  const area = Math.PI * 10.4 ** 2;
  assert.ok(Math.abs(ink - area) < 0.01 * area, `ink ${ink.toFixed(1)} vs area ${area.toFixed(1)}`);
  assert.ok(partial > 30, `${partial} edge pixels between fill and background`);
  assert.ok(Math.abs(objects[0].visibleArea - area) < 0.03 * area, 'the mask (coverage ≥ 0.5) has the area of the disc');
});

Render('a front object hides pixels of the one behind: masks are the visible pixels', () => {
  const size = 64;
  const grey = new Float32Array(size * size * 3).fill(128);
  const back = disc({ centreX: 28 });
  const front = disc({ centreX: 40, radius: 6 });
  const { objects } = renderScene([back, front], grey, new RandomStream('occlusion'), size);
  const alone = renderScene([back], grey, new RandomStream('occlusion'), size).objects[0];
  let hidden = 0;
  for (let p = 0; p < size * size; p += 1) {
    assert.ok(!(objects[0].mask.data[p] && objects[1].mask.data[p]), 'masks never overlap');
    if (alone.mask.data[p] && !objects[0].mask.data[p]) {
      hidden += 1;
      assert.is(objects[1].mask.data[p], 1, 'a pixel leaves the back mask only where the front covers it');
    }
  }
  assert.ok(hidden > 10);
  assert.is(objects[0].visibleArea, alone.visibleArea - hidden);
  assert.is(objects[0].ownArea, alone.ownArea);
  assert.equal(objects[1].box, [34, 26, 12, 12]);
});

Render.run();
