#include "napi/job_thread.h"

#include <thread>

namespace diffprompt::napi {

JobThread::JobThread() { std::thread([this] { loop(); }).detach(); }

void JobThread::post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    queue_.push_back(std::move(task));
  }
  wake_.notify_one();
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
