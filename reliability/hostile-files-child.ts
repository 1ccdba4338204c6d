// The hostile-files part's worker, one reader per process (so a reader that hangs can be
// stopped): mutates a good file of that reader's format COUNT times and reads each mutant,
// touching every sample's mask. Prints one line per mutant: `ok`, `typed CODE` or `UNTYPED message`.
//   tsx reliability/hostile-files-child.ts READER COUNT DIR
import fs from 'node:fs';
import path from 'node:path';
import { DiffPromptError } from '../lib/errors';
import { HOSTILE_READERS } from './hostile-readers';
import { type Random, mutateBytes, mutateJson, seeded } from './mutations';

async function main(): Promise<void> {
  const [name, count, dir] = process.argv.slice(2) as [string, string, string];
  const reader = HOSTILE_READERS[name];
  if (!reader) throw new Error(`no reader ${name}: ${Object.keys(HOSTILE_READERS).join(', ')}`);
  fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
  const file = await reader.seed(dir);
  const original = fs.readFileSync(file);
  await reader.read(file, dir); // the good file reads
  const random: Random = seeded(name.length * 7919 + 20261204);
  for (let i = 0; i < Number(count); i++) {
    const mutant = reader.json && random(2) === 0 ? mutateJson(original, random) : mutateBytes(original, random);
    fs.writeFileSync(file, mutant);
    try {
      await reader.read(file, dir);
      console.log('ok');
    } catch (error) {
      if (error instanceof DiffPromptError) console.log(`typed ${error.code}`);
      else
        console.log(
          `UNTYPED ${(error as Error)?.constructor?.name}: ${String((error as Error)?.message)
            .slice(0, 200)
            .replace(/\n/g, ' ')}`,
        );
    }
  }
  fs.writeFileSync(file, original);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
