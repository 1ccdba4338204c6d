// The split a file holds, from the name the public releases give it: refcoco_val.json,
// finetune_refcoco_testA.json, refcocog_test.json → val, testA, test.
import path from 'node:path';
import type { Split } from '../sample';

export function splitFromFileName(file: string): Split | undefined {
  const match = /_(train|val|testA|testB|test)\.json$/i.exec(path.basename(file));
  if (!match) return undefined;
  const name = match[1]!;
  return name.startsWith('test') && name.length === 5 ? `test${name[4]!.toUpperCase()}` : name.toLowerCase();
}
