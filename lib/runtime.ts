// What the addon runs on, and the process-wide knobs: threads, the default seed, the CPU buffer cache.
import { loadedAddonFile, native } from './native';
import type { NativeRuntimeInfo } from './native-api';

export type RuntimeInfo = NativeRuntimeInfo & {
  /** The addon binary in use: a local build, or the package's prebuild. */
  addon: string;
};

const FIX_REFERENCE_BLAS = 'apt-get install -y libopenblas0-openmp';
let warnedAboutBlas = false;

/** Torch version, CUDA (and why it is or is not used), threads, the BLAS in use, bf16 support.
 * Warns once when libtorch runs on reference BLAS (matrix products ~50× slower). */
export function runtimeInfo(): RuntimeInfo {
  const info = { ...native().runtimeInfo(), addon: loadedAddonFile() ?? '' };
  if (info.blas.kind === 'reference' && !warnedAboutBlas) {
    warnedAboutBlas = true;
    process.emitWarning(`libtorch is using the reference BLAS (${info.blas.path}): matrix products run ~50x slower. Fix: ${FIX_REFERENCE_BLAS}`, { code: 'DIFF_PROMPT_SLOW_BLAS' });
  }
  return info;
}

/** Intra-op threads for every later native job (default: the CPU count, or DIFF_PROMPT_THREADS). */
export function setThreads(threads: number): void {
  native().setThreads(threads);
}

/** The seed of every model created afterwards without a seed of its own. */
export function manualSeed(seed: number): void {
  native().manualSeed(seed);
}

/** The device 'cpu' | 'cuda' | 'cuda:N' | 'auto' resolves to here; 'cuda' without CUDA throws
 * ERR_CUDA_UNAVAILABLE, 'auto' falls back to the CPU (runtimeInfo().cuda.reason says why). */
export function resolveDevice(device: string): string {
  return native().resolveDevice(device);
}

/** Bytes of native memory (tensors, weights) this thread reports to V8's garbage collector. */
export function externalMemory(): number {
  return native().externalMemory();
}

/** Returns the freed tensor buffers the addon keeps for reuse to the system: for a service that
 * has finished a large workload. Training steps reuse them (no page faults on fresh memory), so
 * the next step after a release is slower. runtimeInfo().cpuBufferCache says what is kept. */
export function releaseCpuBufferCache(): void {
  native().releaseCpuBufferCache();
}
