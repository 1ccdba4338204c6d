#include "napi/async_job.h"

#include "napi/addon_state.h"

namespace diffprompt::napi {

namespace {

constexpr napi_type_tag kCancelFlagTag = {0x4c2e8a1d7b3f5e90ULL, 0x1a6d9c4e2b7f3a50ULL};

}  // namespace

Napi::Function CancelFlag::define(Napi::Env env) {
  return DefineClass(env, "CancelFlag", {InstanceMethod("cancel", &CancelFlag::Cancel)});
}

CancelFlag::CancelFlag(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CancelFlag>(info) {
  info.This().As<Napi::Object>().TypeTag(&kCancelFlagTag);
}

Napi::Value CancelFlag::Cancel(const Napi::CallbackInfo& info) {
  flag_->store(true);
  return info.Env().Undefined();
}

Napi::Value cancelFlagIn(Napi::Value options) {
  if (options.IsEmpty() || !options.IsObject()) return Napi::Value();
  const Napi::Object object = options.As<Napi::Object>();
  return object.Has("cancel") ? object.Get("cancel") : Napi::Value();
}

std::shared_ptr<std::atomic<bool>> CancelFlag::from(Napi::Value value) {
  if (value.IsEmpty() || value.IsUndefined() || value.IsNull()) return nullptr;
  Napi::Env env = value.Env();
  if (!value.IsObject() || !value.As<Napi::Object>().CheckTypeTag(&kCancelFlagTag)) {
    throwJs(env, ErrorCode::Config, "expected a CancelFlag");
  }
  return Napi::ObjectWrap<CancelFlag>::Unwrap(value.As<Napi::Object>())->flag_;
}

namespace {

void cancelOnTeardown(void* flag) { (*static_cast<std::shared_ptr<std::atomic<bool>>*>(flag))->store(true); }

}  // namespace

NapiJobContext::NapiJobContext(Napi::Env env, Napi::Value cancelFlag, Napi::Value onProgress)
    : env_(env), cancel_(CancelFlag::from(cancelFlag)) {
  if (!cancel_) cancel_ = std::make_shared<std::atomic<bool>>(false);
  teardownHook_ = new std::shared_ptr<std::atomic<bool>>(cancel_);
  if (napi_add_env_cleanup_hook(env, cancelOnTeardown, teardownHook_) != napi_ok) {
    delete teardownHook_;
    teardownHook_ = nullptr;
  }
  if (!onProgress.IsEmpty() && onProgress.IsFunction()) {
    pendingSettle_ = new Settle();
    onProgress_ = Napi::ThreadSafeFunction::New(env, onProgress.As<Napi::Function>(), "diff-prompt:progress", 0, 1,
                                                pendingSettle_, [](Napi::Env env, Settle* settle) {
                                                  std::unique_ptr<Settle> owned(settle);
                                                  if (*owned) (*owned)(env);
                                                });
  }
}

NapiJobContext::~NapiJobContext() {
  // After a teardown the hook has run and the environment is gone: the hook's few bytes stay.
  if (teardownHook_ && napi_remove_env_cleanup_hook(env_, cancelOnTeardown, teardownHook_) == napi_ok) delete teardownHook_;
}

void NapiJobContext::progress(const Progress& progress) {
  if (!onProgress_ || progressClosed_.load()) return;
  auto* event = new Progress(progress);
  const napi_status status = onProgress_->NonBlockingCall(event, [](Napi::Env env, Napi::Function callback, Progress* data) {
    std::unique_ptr<Progress> owned(data);
    if (env == nullptr) return;  // the job is over and the function is being torn down
    Napi::Object event = Napi::Object::New(env);
    event.Set("step", Napi::Number::New(env, static_cast<double>(owned->step)));
    event.Set("total", Napi::Number::New(env, static_cast<double>(owned->total)));
    Napi::Object values = Napi::Object::New(env);
    for (const auto& [key, value] : owned->values) values.Set(key, Napi::Number::New(env, value));
    event.Set("values", values);
    try {
      callback.Call({event});
    } catch (const Napi::Error&) {
      // lib/ wraps every callback and reports its errors itself; nothing may unwind through libuv.
    }
  });
  if (status != napi_ok) {
    delete event;
    if (status == napi_closing) progressClosed_ = true;
  }
}

void settleOnJsThread(Napi::Env env, Napi::Function, void*, SettlingJob* job) {
  if (static_cast<napi_env>(env) == nullptr) return;
  job->settle(env);
  delete job;
}

void NapiJobContext::finish(Napi::Env env, Settle settle) {
  if (!onProgress_) {
    settle(env);
    return;
  }
  // The finalizer runs once the queue of progress calls is drained, then settles.
  *pendingSettle_ = std::move(settle);
  pendingSettle_ = nullptr;
  onProgress_->Release();
  onProgress_.reset();
}

}  // namespace diffprompt::napi
