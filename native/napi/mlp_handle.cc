// NativeMlp: lib/models/mlp.ts's engine. new NativeMlp(config) with config
// { inputSize, hiddenSizes, outputSize, seed?, device?, lr? }.
#include <napi.h>

#include "napi/model_handle.h"
#include "models/mlp_regression.h"

namespace diffprompt::napi {
namespace {

Napi::Float64Array toFloat64Array(Napi::Env env, const std::vector<double>& values) {
  Napi::Float64Array array = Napi::Float64Array::New(env, values.size());
  for (size_t i = 0; i < values.size(); ++i) array[i] = values[i];
  return array;
}

}  // namespace

class MlpHandle : public ModelHandle<MlpHandle, MlpRegression> {
 public:
  static Napi::Function define(Napi::Env env) {
    auto methods = commonMethods();
    methods.push_back(InstanceMethod("predict", &MlpHandle::Predict));
    methods.push_back(InstanceMethod("trainStep", &MlpHandle::TrainStep));
    methods.push_back(InstanceMethod("fit", &MlpHandle::Fit));
    return registerClass(env, "NativeMlp", methods);
  }

  explicit MlpHandle(const Napi::CallbackInfo& info) : ModelHandle(info) {
    Napi::Env env = info.Env();
    guarded(env, [&] {
      const Napi::Object options = expectObject(info, 0, "the MLP config");
      MlpConfig config;
      config.inputSize = integerOption(options, "inputSize", 0, 1);
      config.outputSize = integerOption(options, "outputSize", 0, 1);
      config.hiddenSizes = integerListOption(options, "hiddenSizes", 1);
      if (config.inputSize < 1 || config.outputSize < 1) throwJs(env, ErrorCode::Config, "inputSize and outputSize are required");
      const uint64_t seed = seedOption(env, options);
      const torch::Device device = deviceOption(options);
      const double lr = numberOption(options, "lr", 1e-3);
      buildLater([=] { return std::make_shared<MlpRegression>(config, seed, device, lr); });
    });
  }

 private:
  // predict(x): Promise<Tensor> B×output.
  Napi::Value Predict(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      at::Tensor x = TensorHandle::unwrap(info[0], "x");
      return job<at::Tensor>(info.Env(), [x](MlpRegression& model, JobContext&) { return model.predict(x); },
          [](Napi::Env env, at::Tensor& y) -> Napi::Value { return TensorHandle::wrap(env, y); });
    });
  }

  // trainStep(x, y): Promise<number>, the loss before the step.
  Napi::Value TrainStep(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      at::Tensor x = TensorHandle::unwrap(info[0], "x");
      at::Tensor y = TensorHandle::unwrap(info[1], "y");
      return job<double>(info.Env(), [x, y](MlpRegression& model, JobContext&) { return model.trainStep(x, y); },
          [](Napi::Env env, double& loss) -> Napi::Value { return Napi::Number::New(env, loss); });
    });
  }

  // fit(x, y, steps, cancelFlag?, onProgress?): Promise<Float64Array> of the losses.
  Napi::Value Fit(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      at::Tensor x = TensorHandle::unwrap(info[0], "x");
      at::Tensor y = TensorHandle::unwrap(info[1], "y");
      Napi::Object holder = Napi::Object::New(info.Env());
      holder.Set("steps", info[2]);
      const int64_t steps = integerOption(holder, "steps", 0, 1);
      return job<std::vector<double>>(
          info.Env(), [x, y, steps](MlpRegression& model, JobContext& context) { return model.fit(x, y, steps, context); },
          [](Napi::Env env, std::vector<double>& losses) -> Napi::Value { return toFloat64Array(env, losses); }, info[3], info[4]);
    });
  }
};

Napi::Function defineMlpHandle(Napi::Env env) { return MlpHandle::define(env); }

}  // namespace diffprompt::napi
