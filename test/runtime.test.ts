import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runtimeInfo, setThreads } from '../lib/runtime';

const test = suite('runtime');

function infoInChild(env: Record<string, string>): { threads: number; threadsOrigin: string } {
  const script = `require('tsx/cjs'); const { runtimeInfo } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'runtime.ts'))}); console.log(JSON.stringify(runtimeInfo()));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' }));
}

test('reports torch, CUDA with a reason, BLAS, bf16, malloc tuning and the source hash', () => {
  const info = runtimeInfo();
  assert.match(info.torchVersion, /^\d+\.\d+/);
  assert.ok(['Torch_DIR', 'LIBTORCH', 'python', 'debian'].includes(info.torchOrigin), info.torchOrigin);
  assert.match(info.sourceHash, /^[0-9a-f]{64}$/);
  assert.type(info.cuda.available, 'boolean');
  assert.ok(info.cuda.reason.length > 20, info.cuda.reason);
  assert.ok(['openblas', 'mkl', 'blis', 'reference', 'unknown'].includes(info.blas.kind), info.blas.kind);
  assert.type(info.bf16.supported, 'boolean');
  assert.ok(!info.bf16.native || info.bf16.supported, 'native bf16 implies support');
  assert.ok(info.mallocTuned, 'mallopt applied at load');
});

test('the project installs OpenBLAS: libtorch does not run on reference BLAS', () => {
  const info = runtimeInfo();
  if (info.torchOrigin !== 'debian') return; // other libtorch builds bring their own BLAS
  assert.is(info.blas.kind, 'openblas', `${info.blas.kind} at ${info.blas.path}: apt-get install -y libopenblas0-openmp`);
});

test('threads default to the CPU count, and DIFF_PROMPT_THREADS overrides it', () => {
  const defaults = infoInChild({ DIFF_PROMPT_THREADS: '' });
  assert.is(defaults.threads, os.availableParallelism());
  assert.is(defaults.threadsOrigin, 'cpu count');
  const overridden = infoInChild({ DIFF_PROMPT_THREADS: '3' });
  assert.is(overridden.threads, 3);
  assert.is(overridden.threadsOrigin, 'DIFF_PROMPT_THREADS');
});

test('setThreads changes the count for later jobs and refuses nonsense', () => {
  const before = runtimeInfo().threads;
  setThreads(1);
  assert.is(runtimeInfo().threads, 1);
  assert.is(runtimeInfo().threadsOrigin, 'option');
  setThreads(before);
  assert.throws(() => setThreads(0), (error: { code?: string }) => error.code === 'ERR_CONFIG');
  assert.throws(() => setThreads(1e9), (error: { code?: string }) => error.code === 'ERR_CONFIG');
});

test.run();
