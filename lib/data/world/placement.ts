// Object attributes and placement for one scene. Objects are painted in list order, later ones
// in front (render.ts); placement bounds their overlap so that occlusion stays small, and
// render.ts then checks that every object keeps most of its pixels.
import { COLOUR_NAMES, COLOURS, SHAPES, SIZE_RADIUS, SIZES } from './attributes';
import type { ColourName, ShapeName, SizeName } from './attributes';
import type { RandomStream } from './random';
import { SHAPE_GEOMETRY } from './shapes';

export interface ObjectAttributes {
  shape: ShapeName;
  colour: ColourName;
  size: SizeName;
}

export interface PlacedObject extends ObjectAttributes {
  /** Centre in continuous pixel coordinates (pixel (i, j) covers [i, i+1) × [j, j+1)). */
  centreX: number;
  centreY: number;
  /** The shape's unit radius in pixels. */
  radius: number;
  /** Clockwise rotation of the shape's frame, radians. */
  rotation: number;
  /** The object's fill: its colour's RGB, varied per object (drawFill). */
  fill: [number, number, number];
  /** Lighting: brightness changes by `shading` per radius along (lightX, lightY), a unit vector of the shape frame. */
  lightX: number;
  lightY: number;
  shading: number;
}

const MIN_OBJECTS = 2;
const MAX_OBJECTS = 8;

/**
 * Placement bound: the conservative boxes (centre ± bounding radius) of two objects may share at
 * most this fraction of the smaller box's area. It implies box IoU ≤ 0.1.
 */
const MAX_SHARED_BOX_FRACTION = 0.1;
const PLACEMENT_TRIES_PER_OBJECT = 40;

/** Fills vary around the named colour: up to 25% towards its grey level, then ±12 per channel. */
const MAX_DULLING = 0.25;
const FILL_JITTER = 12;

function drawFill(stream: RandomStream, colour: ColourName): [number, number, number] {
  const vivid = COLOURS[colour];
  const grey = 0.299 * vivid[0] + 0.587 * vivid[1] + 0.114 * vivid[2];
  const dulling = stream.between(0, MAX_DULLING);
  const channel = (value: number): number => value + (grey - value) * dulling + stream.between(-FILL_JITTER, FILL_JITTER);
  return [channel(vivid[0]), channel(vivid[1]), channel(vivid[2])];
}

/**
 * Draws 2..8 objects' attributes. Each object's shape comes from `favouredShapes` with
 * probability `favour`, otherwise from all shapes (see splits.ts); colour and size are uniform.
 */
export function drawObjectAttributes(stream: RandomStream, favouredShapes: readonly ShapeName[], favour: number): ObjectAttributes[] {
  const count = MIN_OBJECTS + stream.below(MAX_OBJECTS - MIN_OBJECTS + 1);
  const objects: ObjectAttributes[] = [];
  for (let i = 0; i < count; i += 1) {
    const shape = stream.chance(favour) ? stream.pick(favouredShapes) : stream.pick(SHAPES);
    objects.push({ shape, colour: stream.pick(COLOUR_NAMES), size: stream.pick(SIZES) });
  }
  return objects;
}

type Square = { left: number; top: number; side: number };

function sharedArea(a: Square, b: Square): number {
  const width = Math.min(a.left + a.side, b.left + b.side) - Math.max(a.left, b.left);
  const height = Math.min(a.top + a.side, b.top + b.side) - Math.max(a.top, b.top);
  return width > 0 && height > 0 ? width * height : 0;
}

/**
 * Places the objects uniformly at random inside a size×size image (a 1-pixel border kept free),
 * retrying each object up to PLACEMENT_TRIES_PER_OBJECT times; null when one does not fit
 * (the caller then draws a new scene).
 */
export function placeObjects(stream: RandomStream, attributes: readonly ObjectAttributes[], size: number): PlacedObject[] | null {
  const placed: PlacedObject[] = [];
  const squares: Square[] = [];
  for (const object of attributes) {
    const geometry = SHAPE_GEOMETRY[object.shape];
    const [low, high] = SIZE_RADIUS[object.size];
    const radius = stream.between(low, high) * size;
    const rotation = stream.between(-geometry.rotationJitter, geometry.rotationJitter);
    const reach = geometry.boundingRadius * radius;
    let square: Square | null = null;
    for (let attempt = 0; attempt < PLACEMENT_TRIES_PER_OBJECT && square === null; attempt += 1) {
      const centreX = stream.between(1 + reach, size - 1 - reach);
      const centreY = stream.between(1 + reach, size - 1 - reach);
      const candidate = { left: centreX - reach, top: centreY - reach, side: 2 * reach };
      const fits = squares.every((other) => {
        const smaller = Math.min(candidate.side, other.side);
        return sharedArea(candidate, other) <= MAX_SHARED_BOX_FRACTION * smaller * smaller;
      });
      if (fits) square = candidate;
    }
    if (square === null) return null;
    squares.push(square);
    const lightAngle = stream.between(0, 2 * Math.PI);
    placed.push({
      ...object,
      centreX: square.left + reach,
      centreY: square.top + reach,
      radius,
      rotation,
      fill: drawFill(stream, object.colour),
      lightX: Math.cos(lightAngle),
      lightY: Math.sin(lightAngle),
      shading: stream.between(0.05, 0.15),
    });
  }
  return placed;
}
