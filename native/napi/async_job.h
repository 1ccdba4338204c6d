// Tensor work never runs on the event loop: a job is queued on libuv's thread pool, which hands
// it to the process's one compute thread (job_thread.h) and settles a Promise. Jobs run one at a
// time (lib/ also queues each model's in call order). A job may be cancelled between steps
// (CancelFlag, fed by an AbortSignal) and may report progress (onProgress).
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

template <typename Result>
class PromiseJob final : public Napi::AsyncWorker {
 public:
  using Work = std::function<Result(JobContext&)>;
  using ToJs = std::function<Napi::Value(Napi::Env, Result&)>;

  /** Queues `work` for the compute thread. */
  static Napi::Promise start(Napi::Env env, Work work, ToJs toJs, Napi::Value cancelFlag = Napi::Value(), Napi::Value onProgress = Napi::Value()) {
    auto* job = new PromiseJob(env, std::move(work), std::move(toJs), cancelFlag, onProgress);
    Napi::Promise promise = job->deferred_.Promise();
    job->Queue();
    return promise;
  }

 private:
  PromiseJob(Napi::Env env, Work work, ToJs toJs, Napi::Value cancelFlag, Napi::Value onProgress)
      : Napi::AsyncWorker(env, "diff-prompt:job"),
        deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)),
        toJs_(std::move(toJs)),
        context_(env, cancelFlag, onProgress) {}

  void Execute() override {
    computeThread().run([this] {
      try {
        runtime::enterJobThread();
        result_.emplace(work_(context_));
      } catch (...) {
        error_ = captureCurrentException();
      }
    });
  }

  void OnOK() override {
    // The worker object is deleted after OnOK: the settling closure owns what it needs.
    auto outcome = std::make_shared<std::pair<std::optional<Result>, std::optional<CapturedError>>>(std::move(result_), std::move(error_));
    context_.finish(Env(), [deferred = deferred_, toJs = std::move(toJs_), outcome](Napi::Env env) {
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

  Napi::Promise::Deferred deferred_;
  Work work_;
  ToJs toJs_;
  NapiJobContext context_;
  std::optional<Result> result_;
  std::optional<CapturedError> error_;
};

}  // namespace diffprompt::napi
