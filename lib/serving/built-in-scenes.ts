// A few scenes of the generated world for the page's "try one" buttons, each with an expression
// that refers to one of its objects. Drawn once per server, at a size a page shows well.
import { worldSample } from '../data/world';
import { rgbImageUri } from '../pictures/png-data-uri';

export interface BuiltInScene {
  name: string;
  expression: string;
  /** A PNG data: URI. */
  image: string;
  width: number;
  height: number;
}

const SCENE_SIZE = 256;
const SCENES = [0, 4, 9, 15];

export async function builtInScenes(): Promise<BuiltInScene[]> {
  const world = { seed: 0, split: 'val' as const, family: 'source' as const, count: 48, size: SCENE_SIZE };
  return Promise.all(
    SCENES.map(async (index, k) => {
      const sample = worldSample(world, index);
      return { name: `scene ${k + 1}`, expression: sample.expression, image: await rgbImageUri(sample.image.image), width: SCENE_SIZE, height: SCENE_SIZE };
    }),
  );
}
