// The frozen parts that ship in the package's pretrained/ folder (each made by its own command,
// README), found from the package's own location so they load from any working folder.
import path from 'node:path';
import { packageRoot } from '../native';

export const SHIPPED_PART_NAMES = { backbone: 'grounding-tiny', vae: 'mask-vae-tiny', generator: 'generator-tiny' } as const;

/** The folder of a shipped part, e.g. shippedPart('grounding-tiny'). */
export function shippedPart(name: string): string {
  return path.join(packageRoot, 'pretrained', name);
}

/** The shipped backbone, Mask-VAE and generator: what DiffPrompt.fromFolders and every baseline build on. */
export function shippedParts(): { backbone: string; vae: string; generator: string } {
  return { backbone: shippedPart(SHIPPED_PART_NAMES.backbone), vae: shippedPart(SHIPPED_PART_NAMES.vae), generator: shippedPart(SHIPPED_PART_NAMES.generator) };
}
