#include "core/cpu_buffer_cache.h"

#include <unistd.h>

#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>

#include <cctype>
#include <cstdlib>
#include <string>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace diffprompt::runtime {
namespace {

constexpr size_t kSmallestKept = 256 << 10;  // below this glibc's bins serve without page faults

class CpuBufferCache final : public c10::Allocator {
 public:
  CpuBufferCache(size_t limitBytes, std::string limitOrigin) : limitBytes_(limitBytes), limitOrigin_(std::move(limitOrigin)) {}

  c10::DataPtr allocate(size_t bytes) const override {
    void* data = bytes < kSmallestKept ? c10::alloc_cpu(bytes) : takeBig(bytes);
    return {data, data, &releaseBuffer, c10::Device(c10::DeviceType::CPU)};
  }

  // oneDNN allocates its scratch through raw_allocate/raw_deallocate, which need this deleter.
  c10::DeleterFnPtr raw_deleter() const override { return &releaseBuffer; }

  CpuBufferCacheInfo info() {
    std::lock_guard<std::mutex> guard(lock_);
    return {true, limitBytes_, limitOrigin_, cachedBytes_, reuses_};
  }

  void releaseAll() const {
    std::vector<void*> released;
    {
      std::lock_guard<std::mutex> guard(lock_);
      for (const auto& [size, data] : free_) {
        capacity_.erase(data);
        released.push_back(data);
      }
      free_.clear();
      cachedBytes_ = 0;
    }
    for (void* data : released) c10::free_cpu(data);
  }

  /** Every buffer this allocator handed out comes back here: a kept size goes to the free list
   * (the largest free buffers leave first when the limit would be passed), the rest to glibc. */
  void give(void* data) {
    if (data == nullptr) return;
    bool kept = false;
    std::vector<void*> evicted;  // allocates only when the limit is reached
    {
      std::lock_guard<std::mutex> guard(lock_);
      const auto found = capacity_.find(data);
      if (found != capacity_.end() && found->second <= limitBytes_) {
        const size_t size = found->second;
        while (cachedBytes_ + size > limitBytes_) {
          const auto largest = std::prev(free_.end());
          cachedBytes_ -= largest->first;
          capacity_.erase(largest->second);
          evicted.push_back(largest->second);
          free_.erase(largest);
        }
        free_.emplace(size, data);
        cachedBytes_ += size;
        kept = true;
      } else if (found != capacity_.end()) {
        capacity_.erase(found);  // bigger than the whole limit
      }
    }
    if (!kept) c10::free_cpu(data);
    for (void* buffer : evicted) c10::free_cpu(buffer);
  }

 private:
  static void releaseBuffer(void* data);

  /** The smallest kept buffer of `bytes` to 2·bytes, else a new one (after releasing every
   * kept buffer, if the system has no memory left). */
  void* takeBig(size_t bytes) const {
    {
      std::lock_guard<std::mutex> guard(lock_);
      const auto fit = free_.lower_bound(bytes);
      if (fit != free_.end() && fit->first <= 2 * bytes) {
        void* data = fit->second;
        cachedBytes_ -= fit->first;
        free_.erase(fit);
        ++reuses_;
        return data;
      }
    }
    void* data = nullptr;
    try {
      data = c10::alloc_cpu(bytes);
    } catch (const c10::Error&) {
      releaseAll();
      data = c10::alloc_cpu(bytes);
    }
    std::lock_guard<std::mutex> guard(lock_);
    capacity_.emplace(data, bytes);
    return data;
  }

  // Mutable: c10::Allocator::allocate is const.
  const size_t limitBytes_;
  const std::string limitOrigin_;
  mutable std::mutex lock_;
  mutable std::unordered_map<void*, size_t> capacity_;  // every big buffer out or kept → its size
  mutable std::multimap<size_t, void*> free_;           // kept buffers by size
  mutable size_t cachedBytes_ = 0;
  mutable uint64_t reuses_ = 0;
};

// Never destroyed: tensors may be freed during static destruction at exit.
CpuBufferCache* installed = nullptr;

void CpuBufferCache::releaseBuffer(void* data) { installed->give(data); }

struct Limit {
  size_t bytes;
  std::string origin;
};

Limit limitFromEnvironment() {
  std::string origin = "physical memory / 4";
  if (const char* env = std::getenv("DIFF_PROMPT_CPU_CACHE_MB"); env && *env) {
    char* end = nullptr;
    const unsigned long long megabytes = std::strtoull(env, &end, 10);
    if (std::isdigit(static_cast<unsigned char>(*env)) && *end == '\0') return {static_cast<size_t>(megabytes) << 20, "DIFF_PROMPT_CPU_CACHE_MB"};
    origin += " (DIFF_PROMPT_CPU_CACHE_MB='" + std::string(env) + "' is not a whole number of MiB)";
  }
  return {static_cast<size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<size_t>(sysconf(_SC_PAGESIZE)) / 4, origin};
}

}  // namespace

void installCpuBufferCache() {
  Limit limit = limitFromEnvironment();
  if (limit.bytes == 0) return;
  installed = new CpuBufferCache(limit.bytes, std::move(limit.origin));
  // Priority 1: above the default allocator libtorch registers at load (priority 0).
  c10::SetCPUAllocator(installed, /*priority=*/1);
}

CpuBufferCacheInfo cpuBufferCacheInfo() { return installed ? installed->info() : CpuBufferCacheInfo{}; }

void releaseCpuBufferCache() {
  if (installed) installed->releaseAll();
}

}  // namespace diffprompt::runtime
