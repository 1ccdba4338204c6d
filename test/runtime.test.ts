import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runtimeInfo, setThreads } from '../lib/runtime';
import { Tensor } from '../lib/tensor';

const test = suite('runtime');

const LIB = path.join(__dirname, '..', 'lib');

/** Runs `body` (CommonJS, with runtimeInfo and Tensor in scope, awaits allowed) in a fresh
 * process with `env`; returns what it prints as JSON. */
function inChild<T>(env: Record<string, string>, body: string): T {
  const script = `require('tsx/cjs'); const { runtimeInfo } = require(${JSON.stringify(path.join(LIB, 'runtime.ts'))}); const { Tensor } = require(${JSON.stringify(path.join(LIB, 'tensor.ts'))}); (async () => { ${body} })();`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' }));
}

function infoInChild(env: Record<string, string>): ReturnType<typeof runtimeInfo> {
  return inChild<ReturnType<typeof runtimeInfo>>(env, 'console.log(JSON.stringify(runtimeInfo()));');
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
  assert.throws(
    () => setThreads(0),
    (error: { code?: string }) => error.code === 'ERR_CONFIG',
  );
  assert.throws(
    () => setThreads(1e9),
    (error: { code?: string }) => error.code === 'ERR_CONFIG',
  );
});

test('freed big tensor buffers are kept and handed out again, and a release returns them', () => {
  // In a process of its own: tensors of other tests, freed only when collected, would hold segments.
  const steps = inChild<{ kept: number; reused: boolean; whileInUse: number; released: number }>(
    {},
    `const { releaseCpuBufferCache } = require(${JSON.stringify(path.join(LIB, 'runtime.ts'))});
     const a = Tensor.from(new Float32Array(512 * 512).fill(1), [512, 512]);
     (await a.matmul(a)).dispose(); // a 1 MiB product, freed into the pool
     const before = runtimeInfo().cpuBufferCache;
     const product = await a.matmul(a); // the same size again: served from the pool
     const reused = runtimeInfo().cpuBufferCache.reuses > before.reuses;
     releaseCpuBufferCache();
     const whileInUse = runtimeInfo().cpuBufferCache.cachedBytes;
     product.dispose();
     a.dispose();
     releaseCpuBufferCache();
     console.log(JSON.stringify({ kept: before.cachedBytes, reused, whileInUse, released: runtimeInfo().cpuBufferCache.cachedBytes }));`,
  );
  assert.ok(steps.kept >= 512 * 512 * 4, `kept ${steps.kept} bytes`);
  assert.ok(steps.reused, 'the second product reuses the pool');
  assert.ok(steps.whileInUse > 0, 'a segment with buffers in use stays');
  assert.is(steps.released, 0);
});

test('buffers split from one freed block do not overlap: each tensor keeps what it computed', async () => {
  using a = Tensor.from(new Float32Array(512 * 512).fill(1), [512, 512]);
  (await a.matmul(a)).dispose(); // a 1 MiB block, free again
  using b = Tensor.from(new Float32Array(512 * 512).fill(2), [512, 512]);
  // Two live products of 0.5 MiB each are carved from free memory side by side.
  using left = await a.matmul(Tensor.from(new Float32Array(512 * 256).fill(1), [512, 256]));
  using right = await b.matmul(Tensor.from(new Float32Array(512 * 256).fill(1), [512, 256]));
  const [l, r] = [await left.data(), await right.data()];
  assert.ok(
    l.every((v) => v === 512),
    'the first product is intact',
  );
  assert.ok(
    r.every((v) => v === 1024),
    'the second product is intact',
  );
});

test('DIFF_PROMPT_CPU_CACHE_MB sets the limit, and 0 leaves the allocator of libtorch', () => {
  const limited = infoInChild({ DIFF_PROMPT_CPU_CACHE_MB: '64' }).cpuBufferCache;
  assert.equal([limited.installed, limited.limitBytes], [true, 64 * 2 ** 20]);
  assert.is(infoInChild({ DIFF_PROMPT_CPU_CACHE_MB: '0' }).cpuBufferCache.installed, false);
});

test('a DIFF_PROMPT_CPU_CACHE_MB that is not a whole number of MiB is reported, not silently replaced', () => {
  const cache = infoInChild({ DIFF_PROMPT_CPU_CACHE_MB: '2G' }).cpuBufferCache;
  assert.ok(cache.installed);
  assert.match(cache.limitOrigin, /DIFF_PROMPT_CPU_CACHE_MB='2G' is not a whole number of MiB/);
  assert.is(infoInChild({ DIFF_PROMPT_CPU_CACHE_MB: '64' }).cpuBufferCache.limitOrigin, 'DIFF_PROMPT_CPU_CACHE_MB');
});

test('past the limit, segments with nothing in use go back to the system', () => {
  // Products of 768 KiB and 800 KiB share one 32 MiB segment: under a 1 MiB limit it is unmapped
  // once both are freed; under the default limit it stays for the next step.
  const script = `const a = Tensor.from(new Float32Array(512 * 512), [512, 512]);
     const b = Tensor.from(new Float32Array(512 * 384), [512, 384]);
     const c = Tensor.from(new Float32Array(512 * 400), [512, 400]);
     const p = await a.matmul(b);
     const q = await a.matmul(c);
     for (const t of [a, b, c, p, q]) t.dispose();
     console.log(JSON.stringify(runtimeInfo().cpuBufferCache));`;
  type CacheInfo = ReturnType<typeof runtimeInfo>['cpuBufferCache'];
  assert.is(inChild<CacheInfo>({ DIFF_PROMPT_CPU_CACHE_MB: '1' }, script).cachedBytes, 0);
  assert.ok(inChild<CacheInfo>({}, script).cachedBytes >= 32 * 2 ** 20);
});

test.run();
