#include "core/runtime.h"

#include <dlfcn.h>
#include <link.h>
#include <malloc.h>
#include <omp.h>
#include <sched.h>

#include <atomic>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

#include <torch/cuda.h>

#include "core/cpu_buffer_cache.h"
#include "core/error.h"
#include "source_hash.h"

#define DIFF_PROMPT_STRINGIFY_(x) #x
#define DIFF_PROMPT_STRINGIFY(x) DIFF_PROMPT_STRINGIFY_(x)

namespace diffprompt::runtime {
namespace {

constexpr int kMaxThreads = 1024;  // beyond this OpenMP cannot start its team: the process would exit

std::once_flag configured;
std::atomic<int> threadCount{1};
std::atomic<int> threadEpoch{0};
std::mutex originLock;
std::string threadsOrigin = "cpu count";  // guarded by originLock
bool mallocTuned = false;

int cpusAvailable() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

bool cpuFlag(const std::string& flag) {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line);
    std::string word;
    while (words >> word) {
      if (word == flag) return true;
    }
    return false;
  }
  return false;
}

/** The loaded shared library whose file name contains `needle`, resolved through symlinks
 * (Debian's libblas.so.3 is an alternatives link to the real implementation). */
std::string loadedLibrary(const char* needle) {
  struct Search {
    const char* needle;
    std::string found;
  } search{needle, {}};
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        auto* s = static_cast<Search*>(data);
        if (info->dlpi_name && std::string(info->dlpi_name).find(s->needle) != std::string::npos) {
          s->found = info->dlpi_name;
          return 1;
        }
        return 0;
      },
      &search);
  if (search.found.empty()) return {};
  char resolved[PATH_MAX];
  return realpath(search.found.c_str(), resolved) ? std::string(resolved) : search.found;
}

BlasInfo detectBlas() {
  BlasInfo info;
  using ConfigFn = char* (*)();
  if (auto config = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
    info.kind = "openblas";
    info.detail = config();
    if (auto core = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_corename"))) {
      info.detail += std::string(" (core ") + core() + ")";
    }
  }
  info.path = loadedLibrary("libblas.so");
  if (info.path.empty()) info.path = loadedLibrary("openblas");
  if (info.kind.empty()) {
    if (info.path.find("openblas") != std::string::npos) info.kind = "openblas";
    else if (info.path.find("blis") != std::string::npos) info.kind = "blis";
    else if (info.path.find("mkl") != std::string::npos) info.kind = "mkl";
    else if (info.path.find("/blas/") != std::string::npos) info.kind = "reference";
  }
  if (info.kind.empty()) {
    // No BLAS library loaded: libtorch may carry MKL statically (the official builds do).
    const std::string config = at::show_config();
    info.kind = config.find("BLAS_INFO=mkl") != std::string::npos ? "mkl" : "unknown";
  }
  return info;
}

}  // namespace

void configureProcess() {
  std::call_once(configured, [] {
    // Big tensor buffers are the cache's (cpu_buffer_cache.h); those below its 256 KiB that glibc
    // serves stay in the heap rather than being mapped and unmapped per step.
    installCpuBufferCache();
    mallocTuned = mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 && mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1;
    int threads = cpusAvailable();
    if (const char* env = std::getenv("DIFF_PROMPT_THREADS")) {
      const long requested = std::strtol(env, nullptr, 10);
      if (requested > 0 && requested <= kMaxThreads) {
        threads = static_cast<int>(requested);
        std::lock_guard<std::mutex> guard(originLock);
        threadsOrigin = "DIFF_PROMPT_THREADS";
      }
    }
    threadCount = threads;
    threadEpoch++;  // the compute thread applies it before its first job
  });
}

void setThreads(int64_t n) {
  if (n < 1 || n > kMaxThreads) fail(ErrorCode::Config, "threads must be an integer from 1 to " + std::to_string(kMaxThreads) + ", got " + std::to_string(n));
  configureProcess();
  threadCount = static_cast<int>(n);
  {
    std::lock_guard<std::mutex> guard(originLock);
    threadsOrigin = "option";
  }
  threadEpoch++;  // the compute thread applies it before its next job; this thread stays serial
}

void keepCallingThreadSerial() {
  at::get_num_threads();  // ATen's lazy per-thread set-up first: on a first parallel op it would reset the count below
  omp_set_num_threads(1);
}

void enterJobThread() {
  thread_local int seenEpoch = -1;
  const int epoch = threadEpoch.load();
  if (seenEpoch == epoch) return;
  at::set_num_threads(threadCount.load());
  seenEpoch = epoch;
}

RuntimeInfo runtimeInfo() {
  configureProcess();
  RuntimeInfo info;
  info.torchVersion = TORCH_VERSION;
  info.torchOrigin = DIFF_PROMPT_STRINGIFY(DIFF_PROMPT_TORCH_ORIGIN);
  info.sourceHash = DIFF_PROMPT_SOURCE_HASH;
#ifdef DIFF_PROMPT_WITH_CUDA
  info.cudaBuilt = true;
#endif
  info.cudaAvailable = torch::cuda::is_available();
  info.cudaDevices = info.cudaAvailable ? static_cast<int>(torch::cuda::device_count()) : 0;
  if (!info.cudaBuilt) {
    info.cudaReason = "this libtorch (" + info.torchOrigin +
                      ") has no CUDA: 'auto' uses the CPU; build against a CUDA libtorch "
                      "(LIBTORCH=/path/to/libtorch npm run build:addon) to use a GPU";
  } else if (!info.cudaAvailable) {
    info.cudaReason = "libtorch has CUDA but no GPU is visible (check the driver and CUDA_VISIBLE_DEVICES): "
                      "'auto' uses the CPU";
  } else {
    info.cudaReason = std::to_string(info.cudaDevices) + " CUDA device(s): 'auto' uses cuda:0";
  }
  info.threads = threadCount.load();
  {
    std::lock_guard<std::mutex> guard(originLock);
    info.threadsOrigin = threadsOrigin;
  }
  info.blas = detectBlas();
  info.bf16Native = cpuFlag("avx512_bf16") || cpuFlag("amx_bf16");
  info.bf16Supported = info.bf16Native || cpuFlag("avx512bw");
  info.mallocTuned = mallocTuned;
  info.cpuBufferCache = cpuBufferCacheInfo();
  return info;
}

torch::Device resolveDevice(const std::string& requested) {
  if (requested == "cpu") return torch::kCPU;
  if (requested == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::kCPU;
  if (requested.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available()) fail(ErrorCode::CudaUnavailable, runtimeInfo().cudaReason);
    int index = 0;
    if (requested.size() > 5 && requested[4] == ':') index = std::atoi(requested.c_str() + 5);
    else if (requested != "cuda") fail(ErrorCode::Config, "device must be 'cpu', 'cuda', 'cuda:N' or 'auto', got '" + requested + "'");
    if (index < 0 || index >= static_cast<int>(torch::cuda::device_count())) {
      fail(ErrorCode::CudaUnavailable, "no CUDA device " + std::to_string(index) + " (there are " +
                                           std::to_string(torch::cuda::device_count()) + ")");
    }
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  fail(ErrorCode::Config, "device must be 'cpu', 'cuda', 'cuda:N' or 'auto', got '" + requested + "'");
}

}  // namespace diffprompt::runtime
