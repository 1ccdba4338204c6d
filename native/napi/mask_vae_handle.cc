// NativeMaskVae: lib/models/mask-vae.ts's engine. new NativeMaskVae(config) with config
// { inChannels, outChannels, blockChannels, layersPerBlock, latentChannels, normGroups,
//   sampleSize, seed?, device?, lr? }.
#include <napi.h>

#include "napi/model_handle.h"
#include "napi/model_lookup.h"
#include "models/mask_vae_model.h"

namespace diffprompt::napi {

class MaskVaeHandle : public ModelHandle<MaskVaeHandle, MaskVaeModel> {
 public:
  static Napi::Function define(Napi::Env env) {
    auto methods = commonMethods();
    methods.push_back(InstanceMethod("encode", &MaskVaeHandle::Encode));
    methods.push_back(InstanceMethod("decode", &MaskVaeHandle::Decode));
    methods.push_back(InstanceMethod("trainStep", &MaskVaeHandle::TrainStep));
    methods.push_back(InstanceMethod("evaluate", &MaskVaeHandle::Evaluate));
    return registerClass(env, "NativeMaskVae", methods);
  }

  explicit MaskVaeHandle(const Napi::CallbackInfo& info) : ModelHandle(info) {
    Napi::Env env = info.Env();
    guarded(env, [&] {
      const Napi::Object options = expectObject(info, 0, "the Mask-VAE config");
      MaskVaeConfig config;
      config.inChannels = requiredInteger(options, "inChannels", 1);
      config.outChannels = requiredInteger(options, "outChannels", 1);
      config.blockChannels = requiredIntegerList(options, "blockChannels", 1);
      config.layersPerBlock = requiredInteger(options, "layersPerBlock", 1);
      config.latentChannels = requiredInteger(options, "latentChannels", 1);
      config.normGroups = requiredInteger(options, "normGroups", 1);
      config.sampleSize = requiredInteger(options, "sampleSize", 1);
      const uint64_t seed = seedOption(env, options);
      const torch::Device device = deviceOption(options);
      buildLater([=] { return std::make_shared<MaskVaeModel>(config, seed, device, AdamOptions{}); });
    });
  }

 private:
  // encode(masks): Promise<{ mean, logvar, sample }>.
  Napi::Value Encode(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      at::Tensor masks = TensorHandle::unwrap(info[0], "masks");
      return job<VaeEncoding>(info.Env(), [masks](MaskVaeModel& model, JobContext&) { return model.encode(masks); },
          [](Napi::Env env, VaeEncoding& encoding) -> Napi::Value {
            Napi::Object result = Napi::Object::New(env);
            result.Set("mean", TensorHandle::wrap(env, encoding.mean));
            result.Set("logvar", TensorHandle::wrap(env, encoding.logvar));
            result.Set("sample", TensorHandle::wrap(env, encoding.sample));
            return result;
          });
    });
  }

  // decode(latents): Promise<Tensor>.
  Napi::Value Decode(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      at::Tensor latents = TensorHandle::unwrap(info[0], "latents");
      return job<at::Tensor>(info.Env(), [latents](MaskVaeModel& model, JobContext&) { return model.decode(latents); },
          [](Napi::Env env, at::Tensor& decoded) -> Napi::Value { return TensorHandle::wrap(env, decoded); });
    });
  }

  // trainStep(masks, { lr, klWeight, seeds? }): Promise<{ loss, reconstruction, kl }>; seeds (int64 B)
  // give each sample's reparameterisation noise its own stream.
  Napi::Value TrainStep(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      at::Tensor masks = TensorHandle::unwrap(info[0], "masks");
      const Napi::Object options = expectObject(info, 1, "train step options");
      const double lr = requiredNumber(options, "lr");
      const double klWeight = requiredNumber(options, "klWeight");
      const at::Tensor seeds = TensorHandle::optional(options, "seeds");
      return job<VaeLosses>(info.Env(), [masks, lr, klWeight, seeds](MaskVaeModel& model, JobContext&) { return model.trainStep(masks, lr, klWeight, seeds); },
          [](Napi::Env env, VaeLosses& losses) -> Napi::Value {
            Napi::Object result = Napi::Object::New(env);
            result.Set("loss", losses.loss);
            result.Set("reconstruction", losses.reconstruction);
            result.Set("kl", losses.kl);
            return result;
          });
    });
  }

  // evaluate(masks): Promise<{ iou: Float32Array, mse: Float32Array }>, one entry per mask.
  Napi::Value Evaluate(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      at::Tensor masks = TensorHandle::unwrap(info[0], "masks");
      return job<VaeEvaluation>(info.Env(), [masks](MaskVaeModel& model, JobContext&) { return model.evaluate(masks); },
          [](Napi::Env env, VaeEvaluation& evaluation) -> Napi::Value {
            auto toArray = [&](const at::Tensor& values) {
              const at::Tensor contiguous = values.to(at::kFloat).contiguous();
              Napi::Float32Array array = Napi::Float32Array::New(env, static_cast<size_t>(contiguous.numel()));
              std::memcpy(array.Data(), contiguous.data_ptr<float>(), sizeof(float) * static_cast<size_t>(contiguous.numel()));
              return array;
            };
            Napi::Object result = Napi::Object::New(env);
            result.Set("iou", toArray(evaluation.iou));
            result.Set("mse", toArray(evaluation.mse));
            return result;
          });
    });
  }
};

Napi::Function defineMaskVaeHandle(Napi::Env env) { return MaskVaeHandle::define(env); }

std::shared_ptr<MaskVaeModel> maskVaeModelOf(Napi::Env env, Napi::Value value, const std::string& what) {
  return MaskVaeHandle::modelOf(env, value, "NativeMaskVae", what);
}

}  // namespace diffprompt::napi
