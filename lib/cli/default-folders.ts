// Where commands read and write by default: the shipped parts are read from the package itself
// (so a command works from any folder); what a command trains goes under runs/ in the working
// folder, never into the installed package.
import path from 'node:path';
import { SHIPPED_PART_NAMES, shippedPart } from '../io/shipped-parts';

export const SHIPPED_BACKBONE = shippedPart(SHIPPED_PART_NAMES.backbone);
export const SHIPPED_VAE = shippedPart(SHIPPED_PART_NAMES.vae);
export const SHIPPED_GENERATOR = shippedPart(SHIPPED_PART_NAMES.generator);

export const TRAINED_BACKBONE = path.join('runs', SHIPPED_PART_NAMES.backbone);
export const TRAINED_VAE = path.join('runs', SHIPPED_PART_NAMES.vae);
export const TRAINED_GENERATOR = path.join('runs', SHIPPED_PART_NAMES.generator);
