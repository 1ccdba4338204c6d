// Reading a whole annotation file as JSON, with ERR_DATA messages that name the file and say
// what to do (a missing file, a directory, or JSON that does not parse).
import { constants } from 'node:buffer';
import fs from 'node:fs';
import { DiffPromptError } from '../../errors';

export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    // A file past the longest string V8 can hold cannot be parsed whole: say so before reading it.
    const { size } = fs.statSync(file);
    if (size > constants.MAX_STRING_LENGTH) {
      throw new DiffPromptError('ERR_DATA', `annotation file ${file} is ${size} bytes, past the ${constants.MAX_STRING_LENGTH} one JSON text can hold here: split it into smaller files`);
    }
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof DiffPromptError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'not found' : code === 'EISDIR' ? 'is a directory, not a JSON file' : `cannot be read (${code ?? String(error)})`;
    throw new DiffPromptError('ERR_DATA', `annotation file ${file} ${reason}: check the path`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DiffPromptError('ERR_DATA', `annotation file ${file} is not valid JSON (${reason}): the file may be cut off; download it again`, { cause: error });
  }
}
