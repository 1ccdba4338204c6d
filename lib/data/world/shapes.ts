// Shape geometry as signed distance functions (after Inigo Quilez's 2D distance functions).
// A shape lives in its own frame: centred at the origin, x right, y DOWN (image convention),
// with radius 1 meaning "the object's radius" (see SIZE_RADIUS). A distance is < 0 inside and
// > 0 outside, in those units; scaled by the radius in pixels it gives the analytic coverage
// used for anti-aliasing (render.ts), and its sign gives the exact binary mask.
import type { ShapeName } from './attributes';

export interface ShapeGeometry {
  /** Signed distance from the shape's outline at (x, y) of the shape's frame. */
  distance(x: number, y: number): number;
  /** The largest |p| of any point inside the shape, over every allowed rotation. */
  boundingRadius: number;
  /** Rotations are drawn uniformly in [-rotationJitter, rotationJitter] radians. */
  rotationJitter: number;
}

const SQRT3 = Math.sqrt(3);

function circleDistance(x: number, y: number): number {
  return Math.sqrt(x * x + y * y) - 1;
}

/** Annulus: outer radius 1, inner radius 0.52, so the band is 0.48 wide. */
function ringDistance(x: number, y: number): number {
  return Math.abs(Math.sqrt(x * x + y * y) - 0.76) - 0.24;
}

/**
 * Ellipse with semi-axes 1 (x) and 0.55 (y). Not an exact distance (that needs a cubic) but the
 * first-order estimate k0·(k0 − 1)/k1, exact on the outline and ≈ Euclidean within a pixel of it,
 * which is all the coverage ramp reads.
 */
function ellipseDistance(x: number, y: number): number {
  const ay = y / 0.55;
  const k0 = Math.sqrt(x * x + ay * ay);
  const by = ay / 0.55;
  const k1 = Math.sqrt(x * x + by * by);
  return k1 === 0 ? -0.55 : (k0 * (k0 - 1)) / k1;
}

/** Axis-aligned box with half extents (hx, hy). */
function boxDistance(x: number, y: number, hx: number, hy: number): number {
  const dx = Math.abs(x) - hx;
  const dy = Math.abs(y) - hy;
  const ox = Math.max(dx, 0);
  const oy = Math.max(dy, 0);
  const outside = Math.sqrt(ox * ox + oy * oy);
  return outside + Math.min(Math.max(dx, dy), 0);
}

/** Square of side 1.64: its area (2.7) is close to the circle's (π). */
function squareDistance(x: number, y: number): number {
  return boxDistance(x, y, 0.82, 0.82);
}

/** Rhombus with half diagonals 0.72 (x) and 1 (y): taller than wide, so never a turned square. */
function diamondDistance(x: number, y: number): number {
  const bx = 0.72;
  const by = 1;
  const px = Math.abs(x);
  const py = Math.abs(y);
  const h = Math.min(Math.max(((bx - 2 * px) * bx - (by - 2 * py) * by) / (bx * bx + by * by), -1), 1);
  const qx = px - 0.5 * bx * (1 - h);
  const qy = py - 0.5 * by * (1 + h);
  return Math.sqrt(qx * qx + qy * qy) * Math.sign(px * by + py * bx - bx * by);
}

/** Equilateral triangle pointing up, centroid at the origin, circumradius 1 (half side √3/2). */
function triangleDistance(x: number, y: number): number {
  const r = SQRT3 / 2;
  let px = Math.abs(x) - r;
  let py = -y + r / SQRT3; // flip to y up: the apex is at the top of the image
  if (px + SQRT3 * py > 0) {
    const nx = (px - SQRT3 * py) / 2;
    const ny = (-SQRT3 * px - py) / 2;
    px = nx;
    py = ny;
  }
  px -= Math.min(Math.max(px, -2 * r), 0);
  return -Math.sqrt(px * px + py * py) * Math.sign(py);
}

/** Five-pointed star, one point up, outer radius 1, inner radius 0.45. */
function starDistance(x: number, y: number): number {
  const k1x = 0.809016994375;
  const k1y = -0.587785252292;
  const k2x = -k1x;
  const k2y = k1y;
  let px = Math.abs(x);
  let py = -y; // y up: one point at the top of the image
  const d1 = 2 * Math.max(k1x * px + k1y * py, 0);
  px -= d1 * k1x;
  py -= d1 * k1y;
  const d2 = 2 * Math.max(k2x * px + k2y * py, 0);
  px -= d2 * k2x;
  py -= d2 * k2y;
  px = Math.abs(px);
  py -= 1;
  const innerRatio = 0.45;
  const bax = innerRatio * -k1y;
  const bay = innerRatio * k1x - 1;
  const h = Math.min(Math.max((px * bax + py * bay) / (bax * bax + bay * bay), 0), 1);
  const qx = px - bax * h;
  const qy = py - bay * h;
  return Math.sqrt(qx * qx + qy * qy) * Math.sign(py * bax - px * bay);
}

/** Plus sign: two bars of half length 1 and half width 0.32. */
function crossDistance(x: number, y: number): number {
  let px = Math.abs(x);
  let py = Math.abs(y);
  if (py > px) {
    const swap = px;
    px = py;
    py = swap;
  }
  const qx = px - 1;
  const qy = py - 0.32;
  const k = Math.max(qx, qy);
  const wx = k > 0 ? qx : 0.32 - px;
  const wy = k > 0 ? qy : -k;
  const ox = Math.max(wx, 0);
  const oy = Math.max(wy, 0);
  return Math.sign(k) * Math.sqrt(ox * ox + oy * oy);
}

/** Regular hexagon with flat top and bottom, circumradius 1 (apothem √3/2). */
function hexagonDistance(x: number, y: number): number {
  const kx = -0.866025404;
  const ky = 0.5;
  const kz = 0.577350269;
  const r = SQRT3 / 2;
  let px = Math.abs(x);
  let py = Math.abs(y);
  const fold = 2 * Math.min(kx * px + ky * py, 0);
  px -= fold * kx;
  py -= fold * ky;
  px -= Math.min(Math.max(px, -kz * r), kz * r);
  py -= r;
  return Math.sqrt(px * px + py * py) * Math.sign(py);
}

const DEGREE = Math.PI / 180;

export const SHAPE_GEOMETRY: Record<ShapeName, ShapeGeometry> = {
  circle: { distance: circleDistance, boundingRadius: 1, rotationJitter: 0 },
  ring: { distance: ringDistance, boundingRadius: 1, rotationJitter: 0 },
  ellipse: { distance: ellipseDistance, boundingRadius: 1, rotationJitter: 90 * DEGREE },
  square: { distance: squareDistance, boundingRadius: 0.82 * Math.SQRT2, rotationJitter: 15 * DEGREE },
  diamond: { distance: diamondDistance, boundingRadius: 1, rotationJitter: 10 * DEGREE },
  triangle: { distance: triangleDistance, boundingRadius: 1, rotationJitter: 12 * DEGREE },
  star: { distance: starDistance, boundingRadius: 1, rotationJitter: 15 * DEGREE },
  cross: { distance: crossDistance, boundingRadius: Math.sqrt(1 + 0.32 * 0.32), rotationJitter: 15 * DEGREE },
  hexagon: { distance: hexagonDistance, boundingRadius: 1, rotationJitter: 12 * DEGREE },
};
