// Crash safety: a training run that checkpoints every step is killed with SIGKILL at random
// moments (starting up, mid-step, mid-save) and resumed each time. After every kill the last
// good checkpoint must load; at the end the resumed run's weights, EMA and optimizer state must
// be byte for byte those of the same run left alone.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PromptGenerator } from '../lib/models/prompt-generator';
import type { Part, PartResult } from './part';

const CHILD = path.join(__dirname, 'crash-child.ts');
const COMPARED = ['model.safetensors', 'ema.safetensors', 'optimizer.safetensors'];

/** Runs the training child; kills it after `killAfterMs` unless it ends first. Resolves whether it was killed. */
function runChild(dir: string, steps: number, killAfterMs?: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(steps)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(true);
      else if (code === 0) resolve(false);
      else reject(new Error(`the training run failed (exit ${code}): ${stderr.slice(-500)}`));
    });
  });
}

function digests(dir: string): string[] {
  return COMPARED.map((name) =>
    crypto
      .createHash('sha256')
      .update(fs.readFileSync(path.join(dir, 'last', name)))
      .digest('hex'),
  );
}

export const crashSafety: Part = {
  name: 'crash safety',
  async run(form): Promise<PartResult> {
    const kills = form === 'long' ? 50 : 5;
    const steps = form === 'long' ? 60 : 10;
    const failures: string[] = [];
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-prompt-crash-'));
    try {
      const reference = path.join(root, 'reference');
      const started = performance.now();
      await runChild(reference, steps);
      // Kills land uniformly over a whole run's life: starting up, stepping, saving.
      const runMs = performance.now() - started;
      const crashed = path.join(root, 'crashed');
      let state = 20261204;
      const random = () => {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        return state / 2 ** 32;
      };
      let killed = 0;
      let loads = 0;
      let finishedEarly = 0;
      while (killed < kills) {
        const wasKilled = await runChild(crashed, steps, random() * runMs);
        if (!wasKilled) {
          // The run reached its end between kills: start it over, so every kill lands in a live run.
          finishedEarly++;
          if (digests(crashed).join() !== digests(reference).join()) failures.push('a run resumed after kills ended with other weights than the run left alone');
          fs.rmSync(crashed, { recursive: true, force: true });
          continue;
        }
        killed++;
        const last = path.join(crashed, 'last');
        if (fs.existsSync(path.join(crashed))) {
          try {
            if (fs.existsSync(last)) {
              const { model } = await PromptGenerator.load(last, { training: true });
              model.dispose();
              loads++;
            }
          } catch (error) {
            failures.push(`after kill ${killed} the last checkpoint does not load: ${(error as Error).message}`);
          }
        }
      }
      await runChild(crashed, steps);
      const same = digests(crashed).join() === digests(reference).join();
      if (!same) failures.push(`after ${killed} kills the resumed run's weights, EMA or optimizer state differ from the uninterrupted run's`);
      return {
        failures,
        figures: {
          [`kill -9 during ${steps}-step runs`]: `${killed} kills, the last checkpoint loaded after each (${loads} existed; the others came before the first save)`,
          'resumed runs, byte for byte': `${same ? 'identical' : 'DIFFERENT'} weights, EMA and optimizer state (${finishedEarly + 1} runs completed through kills)`,
        },
      };
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  },
};
