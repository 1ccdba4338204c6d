// libtorch's CPU allocator, replaced by a pool that keeps freed big buffers for reuse.
//
// A training step frees its activations at the end and allocates the same sizes again in the next
// step. glibc hands big buffers from the per-thread arena of the compute thread, and such an
// arena unmaps a whole 64 MiB heap as soon as it empties (M_TRIM_THRESHOLD does not apply there),
// so every step faulted its activations in afresh: the paper Mask-VAE step took 1.3 million page
// faults and spent 40% of its time in the kernel. Buffers of 256 KiB and more come instead from
// segments this pool maps itself (32 MiB shared by smaller requests, one rounded to 2 MiB for each
// larger one): the smallest free block that fits is split, and a freed block merges with its free
// neighbours, as a malloc does, so the footprint stays near the step's peak of live tensors. (Keeping
// whole buffers and reusing one for any request up to half its size, the Diff-Prompt step kept
// 333 MB free beside a 168 MB peak of live buffers.) Free bytes past the limit, and on release,
// go back to the system a wholly free segment at a time; smaller buffers go to glibc as before.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace diffprompt::runtime {

struct CpuBufferCacheInfo {
  bool installed = false;   // false when DIFF_PROMPT_CPU_CACHE_MB=0
  size_t limitBytes = 0;    // the most free bytes kept
  std::string limitOrigin;  // "DIFF_PROMPT_CPU_CACHE_MB", or "physical memory / 4" (with why the variable was not read)
  size_t cachedBytes = 0;   // free bytes kept now
  uint64_t reuses = 0;      // allocations served from kept buffers since load
  uint64_t liveBuffers = 0; // tensor buffers handed out and not yet freed, of every size (a leak shows here)
};

/** Once per process (from configureProcess): installs the cache as libtorch's CPU allocator with
 * its limit from DIFF_PROMPT_CPU_CACHE_MB (whole MiB), or a quarter of physical memory. */
void installCpuBufferCache();

CpuBufferCacheInfo cpuBufferCacheInfo();

/** Returns every kept buffer to the system (for a service between workloads); buffers in use stay. */
void releaseCpuBufferCache();

}  // namespace diffprompt::runtime
