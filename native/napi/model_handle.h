// What every model handle offers JavaScript, whatever the model: building it off the event loop,
// dispose, parameter names and counts, weights and optimizer state in and out of safetensors, its
// random generator's state, and jobs on the model. A handle's constructor only reads its options;
// `built()` then makes the model (and draws its initial weights) on the compute thread. A model handle derives from ModelHandle<Self, Model>,
// where Model derives from diffprompt::Trainable.
#pragma once

#include <napi.h>
#include <torch/torch.h>

#include <memory>

#include "core/runtime.h"
#include "core/tensor_checks.h"
#include "io/module_state.h"
#include "io/safetensors.h"
#include "napi/addon_state.h"
#include "napi/async_job.h"
#include "napi/error_mapping.h"
#include "napi/js_convert.h"
#include "napi/tensor_handle.h"

namespace diffprompt::napi {

Napi::Object metadataToJs(Napi::Env env, const safetensors::Metadata& metadata);
safetensors::Metadata metadataFromJs(Napi::Env env, Napi::Value value);
Napi::Object loadReportToJs(Napi::Env env, const LoadReport& report, const safetensors::Metadata& metadata);

template <typename Self, typename Model>
class ModelHandle : public Napi::ObjectWrap<Self> {
 public:
  explicit ModelHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Self>(info) {}
  ~ModelHandle() override { forget(); }

  /** Defines the class and remembers its constructor, so modelOf can recognise its handles. */
  static Napi::Function registerClass(Napi::Env env, const char* className, const std::vector<typename Napi::ObjectWrap<Self>::PropertyDescriptor>& methods) {
    Napi::Function constructor = Napi::ObjectWrap<Self>::DefineClass(env, className, methods);
    addonState(env).handleClasses[className] = Napi::Persistent(constructor);
    return constructor;
  }

  /** The model behind `value` when it is a live handle of this class; ERR_CONFIG or ERR_DISPOSED otherwise. */
  static std::shared_ptr<Model> modelOf(Napi::Env env, Napi::Value value, const char* className, const std::string& what) {
    if (!isHandle(env, value, className)) throwJs(env, ErrorCode::Config, what + " must be a " + className + " handle");
    return Self::Unwrap(value.As<Napi::Object>())->live(env);
  }

  static bool isHandle(Napi::Env env, Napi::Value value, const char* className) {
    const auto& classes = addonState(env).handleClasses;
    const auto found = classes.find(className);
    return value.IsObject() && found != classes.end() && value.As<Napi::Object>().InstanceOf(found->second.Value());
  }

 protected:
  using Base = Napi::ObjectWrap<Self>;
  using Method = Napi::Value (Self::*)(const Napi::CallbackInfo&);

  static std::vector<typename Base::PropertyDescriptor> commonMethods() {
    return {
        Base::InstanceMethod("built", static_cast<Method>(&ModelHandle::Built)),
        Base::InstanceMethod("dispose", static_cast<Method>(&ModelHandle::Dispose)),
        Base::InstanceMethod("isDisposed", static_cast<Method>(&ModelHandle::IsDisposed)),
        Base::InstanceMethod("parameterCount", static_cast<Method>(&ModelHandle::ParameterCount)),
        Base::InstanceMethod("parameters", static_cast<Method>(&ModelHandle::Parameters)),
        Base::InstanceMethod("weightsDigest", static_cast<Method>(&ModelHandle::WeightsDigest)),
        Base::InstanceMethod("saveWeights", static_cast<Method>(&ModelHandle::SaveWeights)),
        Base::InstanceMethod("loadWeights", static_cast<Method>(&ModelHandle::LoadWeights)),
        Base::InstanceMethod("saveOptimizer", static_cast<Method>(&ModelHandle::SaveOptimizer)),
        Base::InstanceMethod("loadOptimizer", static_cast<Method>(&ModelHandle::LoadOptimizer)),
        Base::InstanceMethod("rngState", static_cast<Method>(&ModelHandle::RngState)),
        Base::InstanceMethod("setRngState", static_cast<Method>(&ModelHandle::SetRngState)),
    };
  }

  /** options.seed, or manualSeed(n)'s default: every model draws from its own seeded generator. */
  static uint64_t seedOption(Napi::Env env, const Napi::Object& options) {
    return static_cast<uint64_t>(integerOption(options, "seed", static_cast<int64_t>(addonState(env).defaultSeed), 0));
  }

  /** options.device ('cpu' default, 'cuda', 'cuda:N', 'auto'), or a typed error. */
  static torch::Device deviceOption(const Napi::Object& options) { return runtime::resolveDevice(stringOption(options, "device", "cpu")); }

  /** What built() runs on the compute thread: the constructor's options, read on the JavaScript
   * thread, captured by value. */
  void buildLater(std::function<std::shared_ptr<Model>()> build) { pendingBuild_ = std::move(build); }

  /** Takes ownership; the parameter bytes count as V8 external memory while held. */
  void adopt(Napi::Env env, std::shared_ptr<Model> model) {
    model_ = std::move(model);
    env_ = env;
    for (const auto& [name, tensor] : namedState(model_->module())) reportedBytes_ += tensor.device().is_cpu() ? static_cast<int64_t>(tensor.nbytes()) : 0;
    if (reportedBytes_) Napi::MemoryManagement::AdjustExternalMemory(env, reportedBytes_);
  }

  /** The model, or ERR_DISPOSED. */
  std::shared_ptr<Model> live(Napi::Env env) const {
    if (!model_ && (pendingBuild_ || building_)) throwJs(env, ErrorCode::Internal, "this model is not built yet: await its built() first (create and load do)");
    if (!model_) throwJs(env, ErrorCode::Disposed, "this model was disposed; create or load it again");
    return model_;
  }

  /** Runs `work(model, job)` on the compute thread. A job keeps the model alive even if
   * the handle is disposed meanwhile. */
  template <typename Result>
  Napi::Promise job(Napi::Env env, std::function<Result(Model&, JobContext&)> work,
                    typename PromiseJob<Result>::ToJs toJs, Napi::Value cancelFlag = Napi::Value(),
                    Napi::Value onProgress = Napi::Value()) {
    std::shared_ptr<Model> model = live(env);
    return PromiseJob<Result>::start(
        env, [model, work = std::move(work)](JobContext& context) { return work(*model, context); },
        std::move(toJs), cancelFlag, onProgress);
  }

 private:
  void forget() {
    if (reportedBytes_ && env_) Napi::MemoryManagement::AdjustExternalMemory(Napi::Env(env_), -reportedBytes_);
    reportedBytes_ = 0;
    model_.reset();
  }

  // built(): Promise<void>, once: the model made on the compute thread (a config the model
  // refuses rejects here).
  Napi::Value Built(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      Napi::Env env = info.Env();
      if (!pendingBuild_) throwJs(env, ErrorCode::Internal, "built() runs once, right after the handle is made");
      std::function<std::shared_ptr<Model>()> build = std::move(pendingBuild_);
      pendingBuild_ = nullptr;
      building_ = true;
      // The handle stays reachable until the model is handed to it, on the JavaScript thread.
      auto self = std::make_shared<Napi::ObjectReference>(Napi::Persistent(info.This().As<Napi::Object>()));
      return PromiseJob<std::shared_ptr<Model>>::start(
          env, [build = std::move(build)](JobContext&) { return build(); },
          [self](Napi::Env env, std::shared_ptr<Model>& model) -> Napi::Value {
            ModelHandle* handle = Self::Unwrap(self->Value());
            if (!handle->building_) return env.Undefined();  // disposed while it was built: the model goes with this job
            handle->building_ = false;
            handle->adopt(env, std::move(model));
            return env.Undefined();
          });
    });
  }

  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    building_ = false;
    forget();
    return info.Env().Undefined();
  }

  Napi::Value IsDisposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !model_); }

  // parameterCount({ trainableOnly }): elements of the parameters (buffers excluded).
  Napi::Value ParameterCount(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      const bool trainableOnly = info.Length() > 0 && info[0].IsObject() && boolOption(info[0].As<Napi::Object>(), "trainableOnly", false);
      int64_t count = 0;
      for (const auto& parameter : live(info.Env())->module().parameters()) {
        if (!trainableOnly || parameter.requires_grad()) count += parameter.numel();
      }
      return Napi::Number::New(info.Env(), static_cast<double>(count));
    });
  }

  // parameters(): [{ name, shape, dtype, trainable }] for every parameter, in registration order.
  Napi::Value Parameters(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      Napi::Env env = info.Env();
      const auto named = live(env)->module().named_parameters();
      Napi::Array list = Napi::Array::New(env, named.size());
      uint32_t i = 0;
      for (const auto& item : named) {
        Napi::Object entry = Napi::Object::New(env);
        entry.Set("name", item.key());
        Napi::Array shape = Napi::Array::New(env, item.value().dim());
        for (int64_t d = 0; d < item.value().dim(); ++d) shape.Set(static_cast<uint32_t>(d), Napi::Number::New(env, static_cast<double>(item.value().size(d))));
        entry.Set("shape", shape);
        entry.Set("dtype", dtypeName(item.value().scalar_type()));
        entry.Set("trainable", item.value().requires_grad());
        list.Set(i++, entry);
      }
      return list;
    });
  }

  // weightsDigest(): Promise<string>, sha256 (hex) of the weights as saveWeights would write them,
  // over the tensors alone (safetensors::tensorsDigest), computed in memory.
  Napi::Value WeightsDigest(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      return job<std::string>(info.Env(), [](Model& model, JobContext&) { return safetensors::tensorsDigest(namedState(model.module())); },
          [](Napi::Env env, std::string& digest) -> Napi::Value { return Napi::String::New(env, digest); });
    });
  }

  // saveWeights(path, metadata): Promise<void>; every parameter and buffer by name.
  Napi::Value SaveWeights(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      const std::string path = expectString(info, 0, "path");
      safetensors::Metadata metadata = metadataFromJs(info.Env(), info[1]);
      return job<bool>(info.Env(), [path, metadata](Model& model, JobContext&) {
            const auto state = namedState(model.module());
            expectFiniteState(state);  // a diverged model is never checkpointed
            safetensors::write(path, state, metadata);
            return true;
          },
          [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); });
    });
  }

  // loadWeights(path, strict): Promise<{ missing, unexpected, metadata }>.
  Napi::Value LoadWeights(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      const std::string path = expectString(info, 0, "path");
      const bool strict = info.Length() < 2 || !info[1].IsBoolean() || info[1].As<Napi::Boolean>().Value();
      using Loaded = std::pair<LoadReport, safetensors::Metadata>;
      return job<Loaded>(info.Env(), [path, strict](Model& model, JobContext&) {
            safetensors::File file = safetensors::read(path);
            return Loaded{model.loadWeights(file.tensors, strict, path), file.metadata};
          },
          [](Napi::Env env, Loaded& loaded) -> Napi::Value { return loadReportToJs(env, loaded.first, loaded.second); });
    });
  }

  // saveOptimizer(path): Promise<boolean>, false when the model has not trained yet.
  Napi::Value SaveOptimizer(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      const std::string path = expectString(info, 0, "path");
      return job<bool>(info.Env(), [path](Model& model, JobContext&) {
            if (!model.optimizer()) return false;
            safetensors::write(path, model.optimizer()->state(), {{"format", "diff-prompt-optimizer"}});
            return true;
          },
          [](Napi::Env env, bool& saved) -> Napi::Value { return Napi::Boolean::New(env, saved); });
    });
  }

  // loadOptimizer(path): Promise<void>; a bad file leaves the current optimizer as it was.
  Napi::Value LoadOptimizer(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      const std::string path = expectString(info, 0, "path");
      return job<bool>(info.Env(), [path](Model& model, JobContext&) {
            model.loadOptimizerState(safetensors::read(path).tensors, path);
            return true;
          },
          [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); });
    });
  }

  // rngState(): Promise<Uint8Array>, the model's generator state (for resumable runs).
  Napi::Value RngState(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      return job<at::Tensor>(info.Env(), [](Model& model, JobContext&) { return model.generator().get_state().clone(); },
          [](Napi::Env env, at::Tensor& state) -> Napi::Value {
            Napi::Uint8Array bytes = Napi::Uint8Array::New(env, static_cast<size_t>(state.numel()));
            std::memcpy(bytes.Data(), state.data_ptr(), static_cast<size_t>(state.numel()));
            return bytes;
          });
    });
  }

  // setRngState(bytes: Uint8Array): Promise<void>; ERR_CHECKPOINT when the bytes are not a state.
  Napi::Value SetRngState(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
        throwJs(info.Env(), ErrorCode::Config, "setRngState needs a Uint8Array");
      }
      const Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
      at::Tensor state = at::empty({static_cast<int64_t>(bytes.ElementLength())}, at::kByte);
      std::memcpy(state.data_ptr(), bytes.Data(), bytes.ElementLength());
      return job<bool>(info.Env(), [state](Model& model, JobContext&) {
            try {
              model.generator().set_state(state);
            } catch (const c10::Error&) {
              fail(ErrorCode::Checkpoint, "the saved random generator state is invalid (" + std::to_string(state.numel()) + " bytes)");
            }
            return true;
          },
          [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); });
    });
  }

  std::shared_ptr<Model> model_;
  std::function<std::shared_ptr<Model>()> pendingBuild_;
  bool building_ = false;
  int64_t reportedBytes_ = 0;
  napi_env env_ = nullptr;
};

}  // namespace diffprompt::napi
