// Process-wide speed set-up and what the user is told about it: threads, malloc tuning, the BLAS
// libtorch calls, CUDA, bf16. State here is per process (libtorch's thread pool and glibc's
// malloc are), so it is shared by every addon instance, including those in worker threads.
#pragma once

#include <torch/torch.h>

#include <string>

#include "core/cpu_buffer_cache.h"

namespace diffprompt::runtime {

struct BlasInfo {
  std::string kind;    // "openblas", "mkl", "blis", "reference" or "unknown"
  std::string path;    // the shared library that libtorch resolved, when one is loaded
  std::string detail;  // e.g. OpenBLAS's own config string
};

struct RuntimeInfo {
  std::string torchVersion;
  std::string torchOrigin;  // where the build found libtorch: Torch_DIR, LIBTORCH, python, debian
  std::string sourceHash;   // sha256 of the native sources this binary was built from
  bool cudaBuilt = false;   // libtorch has CUDA kernels
  bool cudaAvailable = false;
  int cudaDevices = 0;
  std::string cudaReason;   // why CUDA is or is not used
  int threads = 1;
  std::string threadsOrigin;  // "cpu count", "DIFF_PROMPT_THREADS", "option"
  BlasInfo blas;
  bool bf16Supported = false;  // the CPU runs bf16 kernels (AVX-512 BW or better)
  bool bf16Native = false;     // ... with native bf16 instructions (AVX512_BF16 or AMX)
  bool mallocTuned = false;
  CpuBufferCacheInfo cpuBufferCache;
};

/** Once per process: mallopt and the CPU buffer cache against page faults, intra-op threads from the CPU count or
 * DIFF_PROMPT_THREADS. Idempotent. */
void configureProcess();

/** Sets the intra-op thread count for every later job. Throws ERR_CONFIG outside 1..1024. */
void setThreads(int64_t n);

/** On each JavaScript thread, once: that thread runs no OpenMP parallel region (it builds models
 * synchronously; their weight init would otherwise start an OpenMP team of its own there). Beside
 * the compute thread's team, any second team makes libgomp manage more threads than there are
 * CPUs, and then it puts its workers to sleep between regions instead of spinning. */
void keepCallingThreadSerial();

/** Call at the start of every job on the compute thread: applies the current thread count to
 * ATen and this thread's OpenMP settings (which OpenBLAS reads), once per change. The only place
 * that sets it. */
void enterJobThread();

RuntimeInfo runtimeInfo();

/** "cpu", "cuda", "cuda:1" or "auto" → a device; "cuda" without CUDA throws
 * ERR_CUDA_UNAVAILABLE, "auto" falls back to CPU. */
torch::Device resolveDevice(const std::string& requested);

}  // namespace diffprompt::runtime
