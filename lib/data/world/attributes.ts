// The attributes an object of the generated world has, by name: shape, colour and size. These
// names are the words of the grammar; their pixels are defined in shapes.ts and render.ts.

/** Round shapes are the referents of testA, angular shapes those of testB (see splits.ts). */
export const ROUND_SHAPES = ['circle', 'ring', 'ellipse'] as const;
export const ANGULAR_SHAPES = ['square', 'diamond', 'triangle', 'star', 'cross', 'hexagon'] as const;
export const SHAPES = [...ROUND_SHAPES, ...ANGULAR_SHAPES] as const;
export type ShapeName = (typeof SHAPES)[number];

/**
 * Saturated object colours (HSV saturation ≥ 0.6; ≥ 0.5 after the per-object variation of
 * placement.ts), spread over the hue circle and over grey levels 80..205, so that a grey
 * threshold cannot tell objects from the muted background (saturation ≤ 0.4, see
 * background.ts) while a colour name is never in doubt.
 */
export const COLOURS = {
  red: [215, 40, 45],
  orange: [245, 135, 25],
  yellow: [240, 215, 35],
  green: [45, 170, 65],
  cyan: [35, 195, 215],
  blue: [40, 80, 215],
  purple: [140, 60, 185],
  pink: [240, 90, 180],
} as const satisfies Record<string, readonly [number, number, number]>;
export type ColourName = keyof typeof COLOURS;
export const COLOUR_NAMES = Object.keys(COLOURS) as ColourName[];

export const SIZES = ['small', 'large'] as const;
export type SizeName = (typeof SIZES)[number];

/**
 * An object's radius (its unit extent, see shapes.ts) as a fraction of the image side, drawn
 * uniformly in [low, high). The smallest large radius is 1.5× the largest small one, so the two
 * sizes never look alike; at 64×64 a small object is ~8 px across and a large one ~14 px.
 */
export const SIZE_RADIUS: Record<SizeName, readonly [number, number]> = {
  small: [0.06, 0.07],
  large: [0.105, 0.12],
};
