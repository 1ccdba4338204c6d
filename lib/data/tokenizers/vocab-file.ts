// vocab.txt: one token per line, the line number (from 0) is the id (BERT's format, and the one
// the word-level tokenizer ships with its model).
import { constants } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import { DiffPromptError } from '../../errors';

export function readVocabFile(file: string): string[] {
  let text: string;
  try {
    const { size } = fs.statSync(file);
    if (size > constants.MAX_STRING_LENGTH) throw new DiffPromptError('ERR_DATA', `vocabulary file ${file} is ${size} bytes, past the longest text this process can hold: it is not a vocabulary`);
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof DiffPromptError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new DiffPromptError('ERR_DATA', `vocabulary file ${file} ${code === 'ENOENT' ? 'not found' : `cannot be read (${code ?? String(error)})`}: check the path`, { cause: error });
  }
  const lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  if (lines[lines.length - 1] === '') lines.pop(); // the newline that ends the last line
  if (lines.length === 0) throw new DiffPromptError('ERR_DATA', `vocabulary file ${file} is empty`);
  return lines;
}

/** Writes through a temporary file, fsync and rename, so a half-written vocabulary never replaces a good one. */
export function writeVocabFile(file: string, tokens: readonly string[]): void {
  const bad = tokens.findIndex((token) => token === '' || /[\r\n]/.test(token));
  if (bad >= 0) throw new DiffPromptError('ERR_DATA', `token ${bad} (${JSON.stringify(tokens[bad])}) cannot be a vocab.txt line: it is empty or holds a line break`);
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const descriptor = fs.openSync(temporary, 'w');
  try {
    fs.writeFileSync(descriptor, `${tokens.join('\n')}\n`);
    fs.fsyncSync(descriptor);
  } finally {
    fs.closeSync(descriptor);
  }
  fs.renameSync(temporary, file);
}
