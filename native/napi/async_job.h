// Tensor work never runs on the event loop: a job is posted straight to the process's one
// compute thread (job_thread.h), which runs it and hands the outcome back to the JavaScript
// thread through a thread-safe function of the job's own, where its Promise settles; no thread
// of libuv's pool waits for it. Jobs run one at a time, in the order they were started (lib/
// also queues each model's in call order). A job may be cancelled between steps (CancelFlag, fed
// by an AbortSignal) and may report progress (onProgress).
#pragma once

#include <napi.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "core/job_context.h"
#include "core/runtime.h"
#include "napi/error_mapping.h"
#include "napi/job_thread.h"

namespace diffprompt::napi {

/** A cancellation flag JavaScript sets and a job reads: `new CancelFlag()`, `flag.cancel()`. */
class CancelFlag : public Napi::ObjectWrap<CancelFlag> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit CancelFlag(const Napi::CallbackInfo& info);
  /** The flag behind a JS value, or null for undefined. Throws ERR_CONFIG for other values. */
  static std::shared_ptr<std::atomic<bool>> from(Napi::Value value);

 private:
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  std::shared_ptr<std::atomic<bool>> flag_ = std::make_shared<std::atomic<bool>>(false);
};

/** options.cancel (a CancelFlag) of an options object, or undefined: what a job's cancelFlag takes. */
Napi::Value cancelFlagIn(Napi::Value options);

/** Cancel flag and progress callback of one job, readable from its worker thread. */
class NapiJobContext final : public JobContext {
 public:
  using Settle = std::function<void(Napi::Env)>;

  NapiJobContext(Napi::Env env, Napi::Value cancelFlag, Napi::Value onProgress);
  ~NapiJobContext() override;
  bool cancelled() const override { return cancel_->load(); }
  void progress(const Progress& progress) override;
  /** On the main thread, once the job is over: runs `settle` after every progress event
   * already queued has been delivered, so none arrives after the Promise settles. */
  void finish(Napi::Env env, Settle settle);

 private:
  napi_env env_;
  std::shared_ptr<std::atomic<bool>> cancel_;  // the caller's flag, or a private one
  // Set by an environment clean-up hook: a worker thread ending mid-job cancels the job.
  std::shared_ptr<std::atomic<bool>>* teardownHook_ = nullptr;
  std::optional<Napi::ThreadSafeFunction> onProgress_;
  std::atomic<bool> progressClosed_{false};
  Settle* pendingSettle_ = nullptr;  // owned by the thread-safe function's finalizer
};

/** A finished job, settled on the JavaScript thread. */
class SettlingJob {
 public:
  virtual ~SettlingJob() = default;
  virtual void settle(Napi::Env env) = 0;
};

/** On the JavaScript thread: settles the job, then frees it. Called without an environment when
 * that environment was torn down while the job ran: the job then stays allocated, since its
 * Promise and hooks belong to the environment that is gone. */
void settleOnJsThread(Napi::Env env, Napi::Function, void*, SettlingJob* job);
using SettleChannel = Napi::TypedThreadSafeFunction<void, SettlingJob, settleOnJsThread>;

template <typename Result>
class PromiseJob final : public SettlingJob {
 public:
  using Work = std::function<Result(JobContext&)>;
  using ToJs = std::function<Napi::Value(Napi::Env, Result&)>;

  /** Posts `work` to the compute thread; the Promise settles once it is done. */
  static Napi::Promise start(Napi::Env env, Work work, ToJs toJs, Napi::Value cancelFlag = Napi::Value(), Napi::Value onProgress = Napi::Value()) {
    auto* job = new PromiseJob(env, std::move(work), std::move(toJs), cancelFlag, onProgress);
    Napi::Promise promise = job->deferred_.Promise();
    // Referenced until released: a pending job keeps the event loop alive, as a pending I/O does.
    SettleChannel channel = SettleChannel::New(env, "diff-prompt:job", 0, 1);
    computeThread().post([job, channel]() mutable {
      job->execute();
      channel.NonBlockingCall(job);  // fails only once the environment is gone (see settleOnJsThread)
      channel.Release();
    });
    return promise;
  }

  void settle(Napi::Env env) override {
    // The job is freed once settle returns: the settling closure owns what it needs.
    auto outcome = std::make_shared<std::pair<std::optional<Result>, std::optional<CapturedError>>>(std::move(result_), std::move(error_));
    context_.finish(env, [deferred = deferred_, toJs = std::move(toJs_), outcome](Napi::Env env) {
      // Runs from a finalizer too: nothing may leave it (an environment being torn down can
      // refuse to settle promises; then there is nobody left to tell).
      try {
        Napi::HandleScope scope(env);
        if (outcome->second) {
          deferred.Reject(toJsError(env, *outcome->second).Value());
          return;
        }
        try {
          deferred.Resolve(toJs(env, *outcome->first));
        } catch (const Napi::Error& error) {
          deferred.Reject(error.Value());
        } catch (...) {
          deferred.Reject(toJsError(env, captureCurrentException()).Value());
        }
      } catch (...) {
      }
    });
  }

 private:
  PromiseJob(Napi::Env env, Work work, ToJs toJs, Napi::Value cancelFlag, Napi::Value onProgress)
      : deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)), toJs_(std::move(toJs)), context_(env, cancelFlag, onProgress) {}

  /** On the compute thread. */
  void execute() {
    try {
      context_.throwIfCancelled("the job");  // cancelled while it waited for the thread: not run at all
      runtime::enterJobThread();
      result_.emplace(work_(context_));
    } catch (...) {
      error_ = captureCurrentException();
    }
    work_ = nullptr;  // what the work captured (models, tensors) is let go here, not on the JavaScript thread
  }

  Napi::Promise::Deferred deferred_;
  Work work_;
  ToJs toJs_;
  NapiJobContext context_;
  std::optional<Result> result_;
  std::optional<CapturedError> error_;
};

}  // namespace diffprompt::napi
