// Peak bytes of live tensor storage in any process on libtorch's CPU allocator, for comparing the
// addon's working set with PyTorch's: counts every 64-byte-aligned posix_memalign (what
// c10::alloc_cpu asks) until its free, and prints the peak at exit. Run with the addon's own pool
// off, so that every buffer comes from glibc:
//   gcc -O2 -shared -fPIC -o /tmp/live.so bench/live-tensor-bytes.c -ldl -lpthread
//   DIFF_PROMPT_CPU_CACHE_MB=0 LD_PRELOAD=/tmp/live.so node --import tsx bench/addon-side.ts 9 DIR 2
//   LD_PRELOAD=/tmp/live.so python3 bench/pytorch_side.py diff-prompt-train-step DIR 2 2
#define _GNU_SOURCE
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

// Open addressing: pointer → size of every live aligned allocation.
#define CAPACITY (1 << 22)
static void* keys[CAPACITY];
static size_t sizes[CAPACITY];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static size_t live, peak;
static int (*real_posix_memalign)(void**, size_t, size_t);
static void (*real_free)(void*);

static size_t slot_of(void* p) {
  uintptr_t x = (uintptr_t)p;
  x ^= x >> 17;
  x *= 0x9E3779B97F4A7C15ull;
  return (x >> 20) & (CAPACITY - 1);
}

static void report(void) {
  char line[128];
  int n = snprintf(line, sizeof line, "[live-tensor-bytes] peak %zu MB, %zu MB live at exit\n", peak >> 20, live >> 20);
  write(2, line, n);
}

__attribute__((constructor)) static void init(void) {
  real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
  real_free = dlsym(RTLD_NEXT, "free");
  atexit(report);
}

int posix_memalign(void** out, size_t alignment, size_t size) {
  if (!real_posix_memalign) real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
  int result = real_posix_memalign(out, alignment, size);
  if (result == 0 && alignment == 64) {
    pthread_mutex_lock(&lock);
    size_t i = slot_of(*out);
    while (keys[i]) i = (i + 1) & (CAPACITY - 1);
    keys[i] = *out;
    sizes[i] = size;
    live += size;
    if (live > peak) peak = live;
    pthread_mutex_unlock(&lock);
  }
  return result;
}

void free(void* p) {
  if (!real_free) real_free = dlsym(RTLD_NEXT, "free");
  if (p) {
    pthread_mutex_lock(&lock);
    size_t i = slot_of(p);
    while (keys[i] && keys[i] != p) i = (i + 1) & (CAPACITY - 1);
    if (keys[i] == p) {
      live -= sizes[i];
      // Backward-shift deletion keeps every other key reachable from its home slot.
      for (size_t j = (i + 1) & (CAPACITY - 1); keys[j]; j = (j + 1) & (CAPACITY - 1)) {
        size_t home = slot_of(keys[j]);
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
          keys[i] = keys[j];
          sizes[i] = sizes[j];
          i = j;
        }
      }
      keys[i] = 0;
    }
    pthread_mutex_unlock(&lock);
  }
  real_free(p);
}
