// The independent PyTorch versions under test/parity run on Debian's python3-torch (the same
// libtorch 1.13). Without it, parity tests skip with a message; under CI=true they fail.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Test } from 'uvu';

const PYTHON = process.env.DIFF_PROMPT_PYTHON ?? '/usr/bin/python3';

export const hasPythonTorch = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;

/** Runs test/parity/<script> with arguments; throws with its stderr on failure. */
export function runParityScript(script: string, args: string[]): void {
  const result = spawnSync(PYTHON, [path.join(__dirname, '..', 'parity', script), ...args], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  if (result.status !== 0) throw new Error(`${script} failed (${result.status}): ${result.stderr}`);
}

export function parityTest(suite: Test, name: string, fn: () => Promise<void>): void {
  if (hasPythonTorch) {
    suite(name, fn);
  } else if (process.env.CI === 'true') {
    suite(name, () => {
      throw new Error(`PyTorch is missing at ${PYTHON}: apt-get install -y python3-torch`);
    });
  } else {
    console.log(`skipping "${name}": no PyTorch at ${PYTHON} (apt-get install -y python3-torch)`);
    suite.skip(name, () => undefined);
  }
}
