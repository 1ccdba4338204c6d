#include "core/cpu_buffer_cache.h"

#include <sys/mman.h>
#include <unistd.h>

#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>
#include <c10/util/Exception.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace diffprompt::runtime {
namespace {

constexpr size_t kSmallestPooled = 256 << 10;  // below this glibc's bins serve without page faults
constexpr size_t kPage = 4096;                 // every pooled block starts on a page (≥ the 64 bytes ATen asks)
constexpr size_t kSharedSegment = 32 << 20;    // requests below this share segments of this size
constexpr size_t kOwnSegmentRounding = 2 << 20;

size_t roundUp(size_t bytes, size_t to) { return (bytes + to - 1) / to * to; }

/** A run of one segment's bytes, in use or free; neighbours in address order, for coalescing. */
struct Block {
  char* data;
  size_t size;
  bool free = true;
  Block* prev = nullptr;  // the block just below in the same segment
  Block* next = nullptr;  // the block just above in the same segment
};

class CpuBufferCache final : public c10::Allocator {
 public:
  CpuBufferCache(size_t limitBytes, std::string limitOrigin) : limitBytes_(limitBytes), limitOrigin_(std::move(limitOrigin)) {}

  c10::DataPtr allocate(size_t bytes) const override {
    void* data = bytes < kSmallestPooled ? c10::alloc_cpu(bytes) : take(bytes);
    if (data != nullptr) live_.fetch_add(1, std::memory_order_relaxed);  // an empty tensor holds none, and is never given back
    return {data, data, &releaseBuffer, c10::Device(c10::DeviceType::CPU)};
  }

  // oneDNN allocates its scratch through raw_allocate/raw_deallocate, which need this deleter.
  c10::DeleterFnPtr raw_deleter() const override { return &releaseBuffer; }

  CpuBufferCacheInfo info() const {
    std::lock_guard<std::mutex> guard(lock_);
    return {true, limitBytes_, limitOrigin_, freeBytes_, reuses_, live_.load(std::memory_order_relaxed)};
  }

  /** Unmaps every segment with nothing in use; blocks in use stay. */
  void releaseAll() const {
    std::lock_guard<std::mutex> guard(lock_);
    releaseFreeSegments(0);
  }

  /** Every buffer this allocator handed out comes back here: a pooled block merges with its free
   * neighbours and waits for the next request it fits; glibc's go back to glibc. */
  void give(void* data) const {
    if (data == nullptr) return;
    live_.fetch_sub(1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> guard(lock_);
      const auto found = inUse_.find(data);
      if (found != inUse_.end()) {
        Block* block = found->second;
        inUse_.erase(found);
        block->free = true;
        freeBytes_ += block->size;
        Block* above = block->next;  // read before merging: the merge below may free `block`
        block = merge(merge(block, block->prev), above);
        free_.emplace(block->size, block);
        if (freeBytes_ > limitBytes_) releaseFreeSegments(limitBytes_);
        return;
      }
    }
    c10::free_cpu(data);
  }

 private:
  static void releaseBuffer(void* data);

  /** The smallest free block that fits, split so that its rest stays free; else a new segment. */
  void* take(size_t bytes) const {
    const size_t size = roundUp(bytes, kPage);
    std::lock_guard<std::mutex> guard(lock_);
    auto fit = free_.lower_bound({size, nullptr});
    if (fit == free_.end()) {
      addSegment(size);
      fit = free_.lower_bound({size, nullptr});
    } else {
      ++reuses_;
    }
    Block* block = fit->second;
    free_.erase(fit);
    if (block->size - size >= kSmallestPooled) {
      auto* rest = new Block{block->data + size, block->size - size};
      rest->prev = block;
      rest->next = block->next;
      if (block->next) block->next->prev = rest;
      block->next = rest;
      block->size = size;
      free_.emplace(rest->size, rest);
    }
    block->free = false;
    freeBytes_ -= block->size;
    inUse_.emplace(block->data, block);
    return block->data;
  }

  /** Maps a segment that holds `size` bytes as one free block (the kernel backs its pages on
   * first touch, so the unused end of a shared segment costs address space only). */
  void addSegment(size_t size) const {
    const size_t bytes = size < kSharedSegment ? kSharedSegment : roundUp(size, kOwnSegmentRounding);
    void* data = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (data == MAP_FAILED) {
      releaseFreeSegments(0);
      data = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    }
    TORCH_CHECK(data != MAP_FAILED, "out of memory: could not map ", bytes, " bytes for tensor buffers");
    auto* block = new Block{static_cast<char*>(data), bytes};
    free_.emplace(bytes, block);
    freeBytes_ += bytes;
  }

  /** Joins the free `neighbour` (if it is free) into `block`; returns the joined block. */
  Block* merge(Block* block, Block* neighbour) const {
    if (neighbour == nullptr || !neighbour->free) return block;
    free_.erase({neighbour->size, neighbour});
    Block* low = neighbour->data < block->data ? neighbour : block;
    Block* high = low == block ? neighbour : block;
    low->size += high->size;
    low->next = high->next;
    if (high->next) high->next->prev = low;
    delete high;
    return low;
  }

  /** Unmaps wholly free segments, largest first, until at most `keepBytes` free bytes remain. */
  void releaseFreeSegments(size_t keepBytes) const {
    for (auto it = free_.rbegin(); it != free_.rend() && freeBytes_ > keepBytes;) {
      Block* block = it->second;
      if (block->prev != nullptr || block->next != nullptr) {
        ++it;
        continue;
      }
      it = std::make_reverse_iterator(free_.erase(std::prev(it.base())));
      freeBytes_ -= block->size;
      munmap(block->data, block->size);
      delete block;
    }
  }

  // Mutable: c10::Allocator::allocate is const.
  const size_t limitBytes_;
  const std::string limitOrigin_;
  mutable std::mutex lock_;
  mutable std::set<std::pair<size_t, Block*>> free_;  // free blocks by size (best fit), then address
  mutable std::unordered_map<void*, Block*> inUse_;
  mutable size_t freeBytes_ = 0;
  mutable uint64_t reuses_ = 0;
  mutable std::atomic<uint64_t> live_{0};
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
