// The identity of a weights file: sha256 over its tensors alone (each tensor's name, dtype and
// shape, then their bytes, in name order), not over the file. The header's metadata (the config a
// model was saved with, which gains keys as the library grows) and the order tensors were written
// in do not change it, so a generator's record of the backbone it trained with, or a Diff-Prompt
// folder's record of its parts, stays valid for the same weights.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { DiffPromptError } from '../errors';

interface TensorEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const MAX_HEADER = 100 * 1024 * 1024;

function readExactly(fd: number, length: number, position: number): Buffer {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const read = fs.readSync(fd, buffer, done, length - done, position + done);
    if (read === 0) break;
    done += read;
  }
  if (done < length) throw new Error('the file ends early');
  return buffer;
}

/** sha256 (hex) of a safetensors file's tensors; ERR_CHECKPOINT when it is not a readable safetensors file. */
export async function weightsDigest(file: string): Promise<string> {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const headerLength = Number(readExactly(fd, 8, 0).readBigUInt64LE(0));
    if (headerLength > MAX_HEADER) throw new Error(`a header of ${headerLength} bytes`);
    const header = JSON.parse(readExactly(fd, headerLength, 8).toString('utf8')) as Record<string, TensorEntry | Record<string, string>>;
    const entries = Object.entries(header)
      .filter(([name]) => name !== '__metadata__')
      .map(([name, entry]) => [name, entry as TensorEntry] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const hash = crypto.createHash('sha256');
    hash.update(JSON.stringify(entries.map(([name, entry]) => [name, entry.dtype, entry.shape])));
    const dataStart = 8 + headerLength;
    for (const [name, { data_offsets: [begin, end] }] of entries) {
      if (!(Number.isInteger(begin) && Number.isInteger(end) && begin <= end)) throw new Error(`tensor ${name} has offsets [${begin}, ${end}]`);
      for (let at = begin; at < end; at += 1 << 24) hash.update(readExactly(fd, Math.min(1 << 24, end - at), dataStart + at));
    }
    return hash.digest('hex');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (error as Error).message;
    throw new DiffPromptError('ERR_CHECKPOINT', `cannot read the weights in ${file} (${reason}): point at a model folder's model.safetensors`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
