// A checkpoint is a folder (../DESIGN.md): config.json, model.safetensors (weights by published
// names; config and format version also in its metadata), and for training state
// optimizer.safetensors and state.json. A new checkpoint is written beside the old one and
// swapped in by renames, so a crash mid-save never loses the last good checkpoint.
import fs from 'node:fs';
import path from 'node:path';
import { DiffPromptError } from '../errors';
import { native } from '../native';

export const CHECKPOINT_FORMAT = 'diff-prompt';
export const CHECKPOINT_FORMAT_VERSION = 1;

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const STATE_FILE = 'state.json';
export const EMA_FILE = 'ema.safetensors';

export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: number;
  kind: string;
  config: unknown;
}

/** The safetensors metadata every model.safetensors carries. */
export function weightsMetadata(kind: string, config: unknown): Record<string, string> {
  return {
    format: CHECKPOINT_FORMAT,
    formatVersion: String(CHECKPOINT_FORMAT_VERSION),
    kind,
    config: JSON.stringify(config),
  };
}

export async function writeJsonAtomically(file: string, value: unknown): Promise<void> {
  await native().writeFileAtomically(file, new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`));
}

/** Writes a checkpoint folder: `fill(staging)` writes the model's files into a staging folder,
 * which then replaces `dir` (the old folder is kept as `dir.previous` until the swap is done). */
export async function writeCheckpointFolder(dir: string, manifest: Omit<CheckpointManifest, 'format' | 'formatVersion'>, fill: (staging: string) => Promise<void>): Promise<void> {
  const target = path.resolve(dir);
  const staging = `${target}.staging`;
  const previous = `${target}.previous`;
  // An earlier save died mid-swap: put its good checkpoint back before anything else.
  if (!fs.existsSync(target) && fs.existsSync(path.join(previous, CONFIG_FILE))) await fs.promises.rename(previous, target);
  refuseForeignFolder(target);
  await fs.promises.rm(staging, { recursive: true, force: true });
  await fs.promises.mkdir(staging, { recursive: true });
  const full: CheckpointManifest = { format: CHECKPOINT_FORMAT, formatVersion: CHECKPOINT_FORMAT_VERSION, ...manifest };
  await writeJsonAtomically(path.join(staging, CONFIG_FILE), full);
  await fill(staging);
  if (fs.existsSync(target)) {
    await fs.promises.rm(previous, { recursive: true, force: true });
    await fs.promises.rename(target, previous);
  }
  await fs.promises.rename(staging, target);
  await fs.promises.rm(previous, { recursive: true, force: true });
}

/** Saving replaces the folder: only an empty one or an earlier checkpoint may be replaced. */
function refuseForeignFolder(target: string): void {
  if (!fs.existsSync(target)) return;
  if (!fs.statSync(target).isDirectory()) {
    throw new DiffPromptError('ERR_CHECKPOINT', `${target} is a file: choose a folder for the checkpoint`);
  }
  const entries = fs.readdirSync(target);
  if (entries.length === 0) return;
  let manifest: Partial<CheckpointManifest> | undefined;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(target, CONFIG_FILE), 'utf8'));
  } catch {
    manifest = undefined;
  }
  if (manifest?.format !== CHECKPOINT_FORMAT) {
    throw new DiffPromptError(
      'ERR_CHECKPOINT',
      `${target} holds other files (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''}), not a checkpoint: saving would replace them; choose an empty or new folder`,
    );
  }
}

/** The folder to read: `dir`, or `dir.previous` when a save was interrupted mid-swap. */
export function checkpointLocation(dir: string): string {
  const target = path.resolve(dir);
  if (fs.existsSync(path.join(target, CONFIG_FILE))) return target;
  const previous = `${target}.previous`;
  if (fs.existsSync(path.join(previous, CONFIG_FILE))) return previous;
  throw new DiffPromptError('ERR_CHECKPOINT', `no checkpoint at ${target} (no ${CONFIG_FILE}): check the path`);
}

/** True when `dir` (or its interrupted-swap twin) holds a checkpoint folder. */
export function hasCheckpoint(dir: string): boolean {
  try {
    checkpointLocation(dir);
    return true;
  } catch {
    return false;
  }
}

/** The kind of model a checkpoint folder holds ('grounding-model', 'diff-prompt', ...). */
export function checkpointKind(dir: string): string {
  const file = path.join(checkpointLocation(dir), CONFIG_FILE);
  try {
    const kind = (JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<CheckpointManifest>).kind;
    if (typeof kind === 'string') return kind;
  } catch {
    // reported below
  }
  throw new DiffPromptError('ERR_CHECKPOINT', `${file} does not say which model it holds (no "kind"): restore it or save again`);
}

export function readCheckpointManifest(dir: string, kind: string): CheckpointManifest {
  const file = path.join(dir, CONFIG_FILE);
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as CheckpointManifest;
  } catch (error) {
    throw new DiffPromptError('ERR_CHECKPOINT', `${file} is not readable JSON (${(error as Error).message}): restore it or save again`);
  }
  if (manifest?.format !== CHECKPOINT_FORMAT || typeof manifest.formatVersion !== 'number') {
    throw new DiffPromptError('ERR_CHECKPOINT', `${file} is not a diff-prompt checkpoint config`);
  }
  if (manifest.formatVersion > CHECKPOINT_FORMAT_VERSION) {
    throw new DiffPromptError('ERR_CHECKPOINT', `${file} has format version ${manifest.formatVersion}; this diff-prompt reads up to ${CHECKPOINT_FORMAT_VERSION}: upgrade diff-prompt`);
  }
  if (manifest.kind !== kind) {
    throw new DiffPromptError('ERR_CHECKPOINT', `${dir} holds a ${manifest.kind} checkpoint, not a ${kind}`);
  }
  return manifest;
}

/** Throws ERR_CHECKPOINT unless the weights file was written for the same config. */
export function checkWeightsMetadata(file: string, metadata: Record<string, string>, manifest: CheckpointManifest): void {
  if (metadata.kind !== manifest.kind || metadata.config !== JSON.stringify(manifest.config)) {
    throw new DiffPromptError('ERR_CHECKPOINT', `${file} was saved for another config or model than ${CONFIG_FILE} describes: the folder mixes two checkpoints`);
  }
}
