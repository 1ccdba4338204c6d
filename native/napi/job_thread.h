// The one OS thread that runs every job of the process, one at a time, in the order they arrive.
//
// libuv's pool would hop a model between its threads, and each hop costs: a fresh OpenMP team and
// caches, and glibc's malloc arena of that thread, so memory from every arena stays resident
// (Mask-VAE train step: on the pool 330 ms and 1.6 GB peak RSS; on one thread 285 ms and 0.64 GB).
// One thread per model was better, but each such thread keeps an OpenMP team of its own, and once
// libgomp manages more threads than there are CPUs it stops spinning between parallel regions and
// puts its workers to sleep on a futex instead: every region of a small op then pays a wake-up
// (DDIM-25 tiny at batch 8 with a model thread beside the tensor ops: 1.24x PyTorch's time, a fifth
// of it in the kernel). With one thread there is one team, as in a Python process. Jobs of
// different models no longer overlap, but each already uses every core through its intra-op
// threads.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

namespace diffprompt::napi {

class JobThread {
 public:
  JobThread(const JobThread&) = delete;
  JobThread& operator=(const JobThread&) = delete;

  /** Queues `task` to run on this thread after every task queued before it; returns at once.
   * `task` must not throw. */
  void post(std::function<void()> task);

 private:
  JobThread();  // only computeThread() makes one, and it lives until the process exits
  friend JobThread& computeThread();
  [[noreturn]] void loop();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
};

/** The process's job thread (shared by every addon instance, also those in worker threads). */
JobThread& computeThread();

}  // namespace diffprompt::napi
