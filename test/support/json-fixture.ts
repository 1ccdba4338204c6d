// Data files written by tests into a temporary folder, and the ERR_DATA assertion the reader
// tests share.
import fs from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { isDiffPromptError } from '../../lib/errors';

/** Writes `value` (JSON, or a string as-is, for malformed files) to `dir/name`. */
export function writeJson(dir: string, name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

/** `fn` throws DiffPromptError ERR_DATA with a message matching `pattern`. */
export function throwsData(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => isDiffPromptError(error, 'ERR_DATA') && pattern.test((error as Error).message));
}
