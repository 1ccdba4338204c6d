// A libtorch tensor held by JavaScript (lib/tensor.ts wraps it). Built from a typed array by
// copy; read back as an ArrayBuffer that owns a private contiguous copy (no second copy on the
// main thread). CPU bytes are reported to V8 as external memory until dispose or finalisation.
#pragma once

#include <napi.h>
#include <torch/torch.h>

#include <string>

namespace diffprompt::napi {

class TensorHandle : public Napi::ObjectWrap<TensorHandle> {
 public:
  static Napi::Function define(Napi::Env env);
  /** A new JS tensor object holding `tensor`. */
  static Napi::Object wrap(Napi::Env env, at::Tensor tensor);
  /** The tensor behind a JS value; ERR_DTYPE if it is not a tensor, ERR_DISPOSED if disposed. */
  static at::Tensor unwrap(Napi::Value value, const std::string& what);

  /** options[key] as a tensor when present (ERR_DTYPE when it is not one), else an undefined tensor. */
  static at::Tensor optional(const Napi::Object& options, const char* key);

  explicit TensorHandle(const Napi::CallbackInfo& info);
  ~TensorHandle() override;

 private:
  void hold(Napi::Env env, at::Tensor tensor);
  void release();
  const at::Tensor& live(Napi::Env env) const;

  Napi::Value Shape(const Napi::CallbackInfo& info);
  Napi::Value Dtype(const Napi::CallbackInfo& info);
  Napi::Value Device(const Napi::CallbackInfo& info);
  Napi::Value ByteLength(const Napi::CallbackInfo& info);
  Napi::Value IsDisposed(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value Data(const Napi::CallbackInfo& info);
  Napi::Value To(const Napi::CallbackInfo& info);
  Napi::Value Matmul(const Napi::CallbackInfo& info);
  Napi::Value Add(const Napi::CallbackInfo& info);

  at::Tensor tensor_;
  int64_t reportedBytes_ = 0;
  napi_env env_ = nullptr;
};

/** "float32" ... → at::ScalarType; unknown names throw ERR_DTYPE. */
at::ScalarType parseDtype(Napi::Env env, const std::string& name);

}  // namespace diffprompt::napi
