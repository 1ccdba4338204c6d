// Hostile files: for every reader (RefCOCO, MDETR, SeqTR and COCO JSON, vocabularies, model
// configs, images, safetensors), 1,000 mutants of a good file, each read in a process of the
// reader's own: every one must be read or refused with a typed error (DiffPromptError), none may
// crash the process or hang (no answer for 30 s).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HOSTILE_READERS } from './hostile-readers';
import type { Part, PartResult } from './part';

const SILENCE_MS = 30_000;

interface ReaderOutcome {
  lines: string[];
  exit: string;
}

function readMutants(reader: string, count: number): Promise<ReaderOutcome> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-prompt-hostile-'));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'hostile-files-child.ts'), reader, String(count), dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    let stderr = '';
    const lines: string[] = [];
    let watchdog = setTimeout(() => child.kill('SIGKILL'), SILENCE_MS * 4); // the first read includes start-up
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk;
      const complete = buffered.split('\n');
      buffered = complete.pop()!;
      lines.push(...complete);
      clearTimeout(watchdog);
      watchdog = setTimeout(() => child.kill('SIGKILL'), SILENCE_MS);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      fs.rmSync(dir, { recursive: true, force: true });
      const exit = signal === 'SIGKILL' ? `hung after mutant ${lines.length}` : code === 0 ? 'ok' : `crashed (exit ${code} ${signal ?? ''}) after mutant ${lines.length}: ${stderr.slice(-300)}`;
      resolve({ lines, exit });
    });
  });
}

export const hostileFiles: Part = {
  name: 'hostile files',
  async run(form): Promise<PartResult> {
    const count = form === 'long' ? 2000 : 1000;
    const failures: string[] = [];
    const figures: Record<string, string> = {};
    for (const reader of Object.keys(HOSTILE_READERS)) {
      const { lines, exit } = await readMutants(reader, count);
      if (exit !== 'ok') failures.push(`${reader}: ${exit}`);
      const untyped = lines.filter((line) => line.startsWith('UNTYPED'));
      for (const line of untyped.slice(0, 3)) failures.push(`${reader}: ${line}`);
      if (untyped.length > 3) failures.push(`${reader}: ${untyped.length - 3} more untyped errors`);
      if (lines.length !== count && exit === 'ok') failures.push(`${reader}: ${lines.length} of ${count} mutants reported`);
      const tally = new Map<string, number>();
      for (const line of lines) tally.set(line, (tally.get(line) ?? 0) + 1);
      figures[reader] = [...tally.entries()]
        .sort(([, a], [, b]) => b - a)
        .map(([outcome, n]) => `${n} ${outcome.replace('typed ', '')}`)
        .join(', ');
    }
    return { failures, figures };
  },
};
