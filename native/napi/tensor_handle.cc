#include "napi/tensor_handle.h"

#include <cstring>

#include "core/runtime.h"
#include "core/tensor_checks.h"
#include "napi/addon_state.h"
#include "napi/async_job.h"
#include "napi/error_mapping.h"
#include "napi/js_convert.h"

namespace diffprompt::napi {
namespace {

// Marks objects made by this class: instanceof can be fooled (setPrototypeOf), a type tag can't.
constexpr napi_type_tag kTensorTag = {0x9d1f6b3e2a4c4d10ULL, 0x8e7a5c3b1f2d4e60ULL};

int64_t cpuBytes(const at::Tensor& tensor) {
  return tensor.defined() && tensor.device().is_cpu() ? static_cast<int64_t>(tensor.nbytes()) : 0;
}

}  // namespace

at::ScalarType parseDtype(Napi::Env env, const std::string& name) {
  if (const auto type = diffprompt::dtypeFromName(name)) return *type;
  throwJs(env, ErrorCode::Dtype, "unknown dtype '" + name + "': use float32, float64, int64, int32, uint8, bool, float16 or bfloat16");
}

Napi::Function TensorHandle::define(Napi::Env env) {
  return DefineClass(env, "NativeTensor",
                     {
                         InstanceMethod("shape", &TensorHandle::Shape),
                         InstanceMethod("dtype", &TensorHandle::Dtype),
                         InstanceMethod("device", &TensorHandle::Device),
                         InstanceMethod("byteLength", &TensorHandle::ByteLength),
                         InstanceMethod("isDisposed", &TensorHandle::IsDisposed),
                         InstanceMethod("dispose", &TensorHandle::Dispose),
                         InstanceMethod("data", &TensorHandle::Data),
                         InstanceMethod("to", &TensorHandle::To),
                         InstanceMethod("matmul", &TensorHandle::Matmul),
                         InstanceMethod("add", &TensorHandle::Add),
                     });
}

// new NativeTensor(bytes: ArrayBufferView, shape: number[], dtype: string): copies the bytes.
// new NativeTensor(): an empty holder that wrap() fills.
TensorHandle::TensorHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TensorHandle>(info) {
  Napi::Env env = info.Env();
  env_ = env;
  info.This().As<Napi::Object>().TypeTag(&kTensorTag);
  if (info.Length() == 0) return;
  guarded(env, [&] {
    if (!info[0].IsTypedArray()) throwJs(env, ErrorCode::Dtype, "tensor data must be a typed array");
    if (info.Length() < 3 || !info[1].IsArray() || !info[2].IsString()) {
      throwJs(env, ErrorCode::Config, "new NativeTensor(data, shape, dtype): shape must be an array and dtype a string");
    }
    const at::ScalarType dtype = parseDtype(env, info[2].As<Napi::String>().Utf8Value());
    Napi::Object holder = Napi::Object::New(env);
    holder.Set("shape", info[1]);
    const std::vector<int64_t> shape = integerListOption(holder, "shape", 0);
    int64_t numel = 1;
    for (const int64_t size : shape) {
      if (size != 0 && numel > (int64_t(1) << 50) / size) throwJs(env, ErrorCode::Shape, "shape " + shapeString(shape) + " is too large");
      numel *= size;
    }
    const Napi::TypedArray view = info[0].As<Napi::TypedArray>();
    const size_t byteLength = view.ByteLength();
    const size_t expected = static_cast<size_t>(numel) * c10::elementSize(dtype);
    if (byteLength != expected) {
      throwJs(env, ErrorCode::Shape, "shape " + shapeString(shape) + " of " + dtypeName(dtype) + " needs " +
                                         std::to_string(expected) + " bytes but the data has " + std::to_string(byteLength));
    }
    at::Tensor tensor = at::empty(shape, at::TensorOptions().dtype(dtype));
    if (byteLength > 0) {
      const auto* source = static_cast<const uint8_t*>(view.ArrayBuffer().Data()) + view.ByteOffset();
      std::memcpy(tensor.data_ptr(), source, byteLength);
    }
    hold(env, std::move(tensor));
  });
}

TensorHandle::~TensorHandle() { release(); }

void TensorHandle::hold(Napi::Env env, at::Tensor tensor) {
  tensor_ = std::move(tensor);
  reportedBytes_ = cpuBytes(tensor_);
  if (reportedBytes_) Napi::MemoryManagement::AdjustExternalMemory(env, reportedBytes_);
}

void TensorHandle::release() {
  if (reportedBytes_ && env_) Napi::MemoryManagement::AdjustExternalMemory(Napi::Env(env_), -reportedBytes_);
  reportedBytes_ = 0;
  tensor_ = at::Tensor();
}

Napi::Object TensorHandle::wrap(Napi::Env env, at::Tensor tensor) {
  Napi::Object object = addonState(env).tensorClass.New({});
  Unwrap(object)->hold(env, std::move(tensor));
  return object;
}

at::Tensor TensorHandle::optional(const Napi::Object& options, const char* key) {
  if (!options.Has(key) || options.Get(key).IsUndefined()) return at::Tensor();
  return unwrap(options.Get(key), std::string("options.") + key);
}

at::Tensor TensorHandle::unwrap(Napi::Value value, const std::string& what) {
  Napi::Env env = value.Env();
  if (!value.IsObject() || !value.As<Napi::Object>().CheckTypeTag(&kTensorTag)) {
    throwJs(env, ErrorCode::Dtype, what + " must be a Tensor");
  }
  return Unwrap(value.As<Napi::Object>())->live(env);
}

const at::Tensor& TensorHandle::live(Napi::Env env) const {
  if (!tensor_.defined()) throwJs(env, ErrorCode::Disposed, "this tensor was disposed; keep it alive until you are done with it");
  return tensor_;
}

Napi::Value TensorHandle::Shape(const Napi::CallbackInfo& info) {
  const at::Tensor& tensor = live(info.Env());
  Napi::Array shape = Napi::Array::New(info.Env(), tensor.dim());
  for (int64_t d = 0; d < tensor.dim(); ++d) shape.Set(static_cast<uint32_t>(d), Napi::Number::New(info.Env(), static_cast<double>(tensor.size(d))));
  return shape;
}

Napi::Value TensorHandle::Dtype(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), dtypeName(live(info.Env()).scalar_type()));
}

Napi::Value TensorHandle::Device(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), live(info.Env()).device().str());
}

Napi::Value TensorHandle::ByteLength(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(live(info.Env()).nbytes()));
}

Napi::Value TensorHandle::IsDisposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !tensor_.defined());
}

Napi::Value TensorHandle::Dispose(const Napi::CallbackInfo& info) {
  release();
  return info.Env().Undefined();
}

// data(): Promise<ArrayBuffer> of a private contiguous CPU copy, made on a worker thread and
// handed to JavaScript without another copy.
Napi::Value TensorHandle::Data(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    at::Tensor tensor = live(info.Env());
    return PromiseJob<at::Tensor>::start(
        info.Env(),
        [tensor](JobContext&) {
          at::Tensor copy = tensor.to(at::kCPU).contiguous();
          if (copy.data_ptr() == tensor.data_ptr()) copy = copy.clone();
          return copy;
        },
        [](Napi::Env env, at::Tensor& copy) -> Napi::Value {
          auto* owner = new at::Tensor(std::move(copy));
          if (owner->nbytes() == 0) {
            delete owner;
            return Napi::ArrayBuffer::New(env, 0);
          }
          return Napi::ArrayBuffer::New(env, owner->data_ptr(), owner->nbytes(),
                                        [](Napi::Env, void*, at::Tensor* held) { delete held; }, owner);
        });
  });
}

Napi::Value TensorHandle::To(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    at::Tensor tensor = live(info.Env());
    const torch::Device device = runtime::resolveDevice(expectString(info, 0, "device"));
    return PromiseJob<at::Tensor>::start(
        info.Env(), [tensor, device](JobContext&) { return tensor.to(device); },
        [](Napi::Env env, at::Tensor& result) -> Napi::Value { return wrap(env, result); });
  });
}

Napi::Value TensorHandle::Matmul(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    at::Tensor left = live(info.Env());
    at::Tensor right = unwrap(info[0], "matmul's argument");
    return PromiseJob<at::Tensor>::start(
        info.Env(), [left, right](JobContext&) { return at::matmul(left, right); },
        [](Napi::Env env, at::Tensor& result) -> Napi::Value { return wrap(env, result); });
  });
}

Napi::Value TensorHandle::Add(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    at::Tensor left = live(info.Env());
    at::Tensor right = unwrap(info[0], "add's argument");
    return PromiseJob<at::Tensor>::start(
        info.Env(), [left, right](JobContext&) { return at::add(left, right); },
        [](Napi::Env env, at::Tensor& result) -> Napi::Value { return wrap(env, result); });
  });
}

}  // namespace diffprompt::napi
