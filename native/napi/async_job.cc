#include "napi/async_job.h"

#include "napi/addon_state.h"

namespace diffprompt::napi {

Napi::Function CancelFlag::define(Napi::Env env) {
  return DefineClass(env, "CancelFlag", {InstanceMethod("cancel", &CancelFlag::Cancel)});
}

CancelFlag::CancelFlag(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CancelFlag>(info) {}

Napi::Value CancelFlag::Cancel(const Napi::CallbackInfo& info) {
  flag_->store(true);
  return info.Env().Undefined();
}

std::shared_ptr<std::atomic<bool>> CancelFlag::from(Napi::Value value) {
  if (value.IsEmpty() || value.IsUndefined() || value.IsNull()) return nullptr;
  Napi::Env env = value.Env();
  if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(addonState(env).cancelFlagClass.Value())) {
    throwJs(env, ErrorCode::Config, "expected a CancelFlag");
  }
  return Napi::ObjectWrap<CancelFlag>::Unwrap(value.As<Napi::Object>())->flag_;
}

NapiJobContext::NapiJobContext(Napi::Env env, Napi::Value cancelFlag, Napi::Value onProgress)
    : cancel_(CancelFlag::from(cancelFlag)) {
  if (!onProgress.IsEmpty() && onProgress.IsFunction()) {
    pendingSettle_ = new Settle();
    onProgress_ = Napi::ThreadSafeFunction::New(env, onProgress.As<Napi::Function>(), "diff-prompt:progress", 0, 1,
                                                pendingSettle_, [](Napi::Env env, Settle* settle) {
                                                  std::unique_ptr<Settle> owned(settle);
                                                  if (*owned) (*owned)(env);
                                                });
  }
}

void NapiJobContext::progress(const Progress& progress) {
  if (!onProgress_) return;
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
  if (status != napi_ok) delete event;
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
