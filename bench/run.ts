// npm run bench: each workload in the addon and in PyTorch eager (Debian's python3-torch, the
// same libtorch), side by side: same threads, shapes, dtype, initial weights and noise; both
// must compute the same first loss (relative 1e-4). Prints one Markdown table.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runtimeInfo } from '../lib/runtime';
import { Tensor } from '../lib/tensor';
import { WORKLOADS, type Workload } from './workloads';

const PYTHON = process.env.DIFF_PROMPT_PYTHON ?? '/usr/bin/python3';
const RUNS = Number(process.env.BENCH_RUNS ?? 10);

interface SideResult {
  times: number[];
  loss: number;
  maxRssKb: number;
}

function ensurePythonTorch(): void {
  if (spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) return;
  if (process.getuid?.() === 0) {
    console.log('installing python3-torch (Debian, the same libtorch 1.13) ...');
    execFileSync('apt-get', ['install', '-y', '-qq', 'python3-torch'], { stdio: 'inherit' });
    return;
  }
  throw new Error(`PyTorch is missing at ${PYTHON}: run as root, or apt-get install -y python3-torch`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Spread as the interquartile range relative to the median. */
function spread(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))];
  return (at(0.75) - at(0.25)) / median(values);
}

async function addonGemm(): Promise<number> {
  const data = Float32Array.from({ length: 2048 * 2048 }, (_, i) => Math.sin(i));
  using a = Tensor.from(data, [2048, 2048]);
  let best = Infinity;
  for (let i = 0; i < 7; i++) {
    const started = performance.now();
    (await a.matmul(a)).dispose();
    if (i >= 2) best = Math.min(best, performance.now() - started);
  }
  return (2 * 2048 ** 3) / (best / 1000) / 1e9;
}

function runSide(command: string, args: string[]): SideResult {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!);
}

/** What a row measured, kept so a bf16 row can be set against its float32 row. */
interface Measured {
  addonMs: number;
  addonLoss: number;
}

function row(workload: Workload, index: number, threads: number, gemm: number, measured: Map<string, Measured>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-prompt-bench-'));
  try {
    const addon = runSide(process.execPath, ['--import', 'tsx', path.join(__dirname, 'addon-side.ts'), String(index), dir, String(RUNS)]);
    const torch = runSide(PYTHON, [path.join(__dirname, 'pytorch_side.py'), workload.kind, dir, String(workload.runs ?? RUNS), String(threads)]);
    const lossError = Math.abs(addon.loss - torch.loss) / Math.abs(torch.loss);
    const [a, t] = [median(addon.times), median(torch.times)];
    measured.set(workload.name, { addonMs: a, addonLoss: addon.loss });
    const ratio = a / t;
    const gflops = workload.flops / (a / 1000) / 1e9;
    const goal = workload.tiny ? 0.85 : 1.0;
    const verdicts = [
      ratio <= goal ? `time ✓ (≤ ${goal}x)` : `time ✗ (goal ≤ ${goal}x)`,
      addon.maxRssKb <= torch.maxRssKb ? 'RSS ✓' : 'RSS ✗',
      lossError <= 1e-4 ? 'same loss ✓' : `LOSS DIFFERS (${lossError.toExponential(1)})`,
    ];
    if (workload.fp32Name) {
      // bf16 against the addon's own float32 row: the goal is ≥ 1.4× faster with the loss within 2%.
      const fp32 = measured.get(workload.fp32Name);
      if (!fp32) verdicts.push('fp32 row not run');
      else {
        const speedup = fp32.addonMs / a;
        const drift = Math.abs(addon.loss - fp32.addonLoss) / Math.abs(fp32.addonLoss);
        verdicts.push(`${speedup.toFixed(2)}x faster than fp32 ${speedup >= 1.4 ? '✓' : '✗ (goal ≥ 1.4x)'}`, `loss ${drift <= 2e-2 ? '✓' : '✗'} within 2% of fp32`);
      }
    }
    return `| ${workload.name} | ${a.toFixed(1)} ms ±${(100 * spread(addon.times)).toFixed(0)}% | ${t.toFixed(1)} ms ±${(100 * spread(torch.times)).toFixed(0)}% | **${ratio.toFixed(2)}x** | ${gflops.toFixed(1)} (${((100 * gflops) / gemm).toFixed(0)}% of GEMM) | ${(addon.maxRssKb / 1024).toFixed(0)} / ${(torch.maxRssKb / 1024).toFixed(0)} MB | ${verdicts.join(', ')} |`;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  ensurePythonTorch();
  const info = runtimeInfo();
  const threads = info.threads;
  const gemm = await addonGemm();
  const torchGemm = Number(execFileSync(PYTHON, [path.join(__dirname, 'gemm.py'), String(threads)], { encoding: 'utf8' }).trim());
  console.log(`# diff-prompt benchmarks`);
  console.log(
    `${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0]?.model ?? 'CPU'} × ${os.availableParallelism()}, ${threads} threads, libtorch ${info.torchVersion} (${info.torchOrigin}), BLAS ${info.blas.kind} (${info.blas.detail})`,
  );
  console.log(`fp32 GEMM 2048³: addon ${gemm.toFixed(0)} GFLOP/s, PyTorch ${torchGemm.toFixed(0)} GFLOP/s; ${RUNS} timed runs per side after 2 warm-up runs; median ± interquartile range\n`);
  console.log('| workload | addon | PyTorch | addon / PyTorch | addon GFLOP/s | peak RSS addon / PyTorch | verdict |');
  console.log('|---|---|---|---|---|---|---|');
  // BENCH_ONLY=regex runs the matching rows only (e.g. BENCH_ONLY=DDIM).
  const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : undefined;
  const measured = new Map<string, Measured>();
  for (const [index, workload] of WORKLOADS.entries()) if (!only || only.test(workload.name)) console.log(row(workload, index, threads, gemm, measured));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
