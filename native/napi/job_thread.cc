#include "napi/job_thread.h"

#include <thread>

namespace diffprompt::napi {

JobThread::JobThread() { std::thread([this] { loop(); }).detach(); }

void JobThread::run(const std::function<void()>& task) {
  std::mutex doneMutex;
  std::condition_variable doneWake;
  bool done = false;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    queue_.emplace_back([&] {
      task();
      std::lock_guard<std::mutex> doneGuard(doneMutex);
      done = true;
      doneWake.notify_all();
    });
  }
  wake_.notify_one();
  std::unique_lock<std::mutex> wait(doneMutex);
  doneWake.wait(wait, [&] { return done; });
}

void JobThread::loop() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> guard(mutex_);
      wake_.wait(guard, [this] { return !queue_.empty(); });
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

JobThread& computeThread() {
  // Never destroyed: a job may still be queued while the process exits.
  static JobThread* thread = new JobThread();
  return *thread;
}

}  // namespace diffprompt::napi
