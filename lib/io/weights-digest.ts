// The identity of a weights file: sha256 over its tensors alone (each tensor's name, dtype and
// shape, then their bytes, in name order), not over the file. The header's metadata (the config a
// model was saved with, which gains keys as the library grows) and the order tensors were written
// in do not change it, so a generator's record of the backbone it trained with, or a Diff-Prompt
// folder's record of its parts, stays valid for the same weights.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { DiffPromptError } from '../errors';

interface TensorEntry {
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

const MAX_HEADER = 100 * 1024 * 1024;
const CHUNK = 1 << 24;

/** One header entry, checked: a string dtype, integer shape and two ordered integer offsets. */
function entryOf(name: string, value: unknown): TensorEntry {
  const entry = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  const offsets = entry?.data_offsets;
  const integers = (list: unknown, length?: number): list is number[] => Array.isArray(list) && (length === undefined || list.length === length) && list.every((n) => Number.isInteger(n) && n >= 0);
  if (typeof entry?.dtype !== 'string' || !integers(entry.shape) || !integers(offsets, 2) || offsets[0]! > offsets[1]!) {
    throw new Error(`its header entry for tensor ${name} lacks a dtype, a shape or two ordered data offsets`);
  }
  return { dtype: entry.dtype, shape: entry.shape, begin: offsets[0]!, end: offsets[1]! };
}

async function readExactly(file: fs.FileHandle, length: number, position: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  if (bytesRead < length) throw new Error('the file ends early');
  return buffer;
}

/** sha256 (hex) of a safetensors file's tensors; ERR_CHECKPOINT when it is not a readable safetensors file. */
export async function weightsDigest(path: string): Promise<string> {
  let file: fs.FileHandle | undefined;
  try {
    file = await fs.open(path, 'r');
    const headerLength = Number((await readExactly(file, 8, 0)).readBigUInt64LE(0));
    if (headerLength > MAX_HEADER) throw new Error(`it announces a header of ${headerLength} bytes`);
    const header = JSON.parse((await readExactly(file, headerLength, 8)).toString('utf8')) as Record<string, unknown>;
    const entries = Object.entries(header)
      .filter(([name]) => name !== '__metadata__')
      .map(([name, value]) => [name, entryOf(name, value)] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const hash = crypto.createHash('sha256');
    hash.update(JSON.stringify(entries.map(([name, entry]) => [name, entry.dtype, entry.shape])));
    const dataStart = 8 + headerLength;
    for (const [, { begin, end }] of entries) {
      for (let at = begin; at < end; at += CHUNK) hash.update(await readExactly(file, Math.min(CHUNK, end - at), dataStart + at));
    }
    return hash.digest('hex');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (error as Error).message;
    throw new DiffPromptError('ERR_CHECKPOINT', `cannot read the weights in ${path} (${reason}): it must be a complete safetensors file, as a model folder's model.safetensors or ema.safetensors`);
  } finally {
    await file?.close();
  }
}

/** sha256 (hex) of the whole file, which records written before weightsDigest hold: a folder
 * that recorded its parts that way still loads when the file is byte for byte the same. */
export async function wholeFileSha256(path: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  const file = await fs.open(path, 'r');
  try {
    for await (const chunk of file.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}

/** Whether `path` holds the weights a record names by sha256 (the tensors' digest, or an older
 * record's whole-file hash). */
export async function matchesRecord(path: string, recorded: string): Promise<{ matches: boolean; digest: string }> {
  const digest = await weightsDigest(path);
  return { matches: digest === recorded || (await wholeFileSha256(path)) === recorded, digest };
}
