// NativePromptGenerator: lib/models/prompt-generator.ts's engine. new NativePromptGenerator(config)
// with MaskDitConfig's keys, schedule ('linear' | 'squaredcos_cap_v2'), diffusionSteps, emaDecay,
// latentScale, latentTarget ('sample' | 'mean'), precision ('fp32' | 'bf16'), seed, device, lr, weightDecay. A condition is { image, text, imageMap? } of tensors; a batch for
// the composite jobs is { images, ids, attentionMask, masks? } with a conditioner's and a
// Mask-VAE's handles beside it.
#include <napi.h>

#include "napi/model_handle.h"
#include "napi/model_lookup.h"
#include "models/clip_model.h"
#include "models/prompt_generator.h"
#include "models/grounding_model.h"

namespace diffprompt::napi {

namespace {

PromptGeneratorConfig promptGeneratorConfigFromJs(const Napi::Object& options) {
  PromptGeneratorConfig config;
  MaskDitConfig& c = config.network;
  c.inputSize = requiredInteger(options, "inputSize", 1);
  c.patchSize = requiredInteger(options, "patchSize", 1);
  c.inChannels = requiredInteger(options, "inChannels", 1);
  c.hiddenSize = requiredInteger(options, "hiddenSize", 1);
  c.depth = requiredInteger(options, "depth", 1);
  c.numHeads = requiredInteger(options, "numHeads", 1);
  c.mlpRatio = requiredInteger(options, "mlpRatio", 1);
  c.learnSigma = true;  // the diffusion learns its variance (the reference's learn_sigma)
  c.imageConditionWidth = requiredInteger(options, "imageConditionWidth", 1);
  c.textConditionWidth = requiredInteger(options, "textConditionWidth", 1);
  c.spatialConditionWidth = requiredInteger(options, "spatialConditionWidth", 0);
  config.schedule = betaScheduleFromName(requiredString(options, "schedule"));
  config.diffusionSteps = requiredInteger(options, "diffusionSteps", 1);
  config.emaDecay = requiredNumber(options, "emaDecay");
  config.latentScale = requiredNumber(options, "latentScale");
  config.posteriorMean = requiredString(options, "latentTarget") == "mean";
  config.fusedMap = requiredString(options, "spatialMap") == "fused";
  config.precision = precisionNamed(requiredString(options, "precision"));
  return config;
}

GeneratorCondition conditionFromJs(const Napi::CallbackInfo& info, size_t index) {
  const Napi::Object given = expectObject(info, index, "the condition { image, text, imageMap? }");
  GeneratorCondition condition;
  condition.image = TensorHandle::unwrap(given.Get("image"), "condition.image");
  condition.text = TensorHandle::unwrap(given.Get("text"), "condition.text");
  if (given.Has("imageMap") && !given.Get("imageMap").IsUndefined()) condition.imageMap = TensorHandle::unwrap(given.Get("imageMap"), "condition.imageMap");
  return condition;
}

ConditionerInputs conditionerInputsFromJs(const Napi::Object& batch) {
  return {TensorHandle::unwrap(batch.Get("images"), "batch.images"), TensorHandle::unwrap(batch.Get("ids"), "batch.ids"),
          TensorHandle::unwrap(batch.Get("attentionMask"), "batch.attentionMask")};
}

SamplingOptions samplingOptionsFromJs(Napi::Env env, const Napi::Object& given) {
  SamplingOptions options;
  options.respacing = stringOption(given, "respacing", options.respacing);
  options.eta = numberOption(given, "eta", options.eta);
  options.ddpm = boolOption(given, "ddpm", options.ddpm);
  options.useEma = boolOption(given, "useEma", options.useEma);
  if (!(options.eta >= 0)) throwJs(env, ErrorCode::Config, "eta must be ≥ 0");
  return options;
}

Napi::Object stepLossesToJs(Napi::Env env, GeneratorStepLosses& losses) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("loss", losses.loss);
  result.Set("mse", losses.mse);
  result.Set("vb", losses.vb);
  return result;
}

Napi::Object diffusionLossesToJs(Napi::Env env, DiffusionLosses& losses) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("mse", TensorHandle::wrap(env, losses.mse));
  result.Set("vb", TensorHandle::wrap(env, losses.vb));
  result.Set("loss", TensorHandle::wrap(env, losses.loss));
  return result;
}

}  // namespace

class PromptGeneratorHandle : public ModelHandle<PromptGeneratorHandle, PromptGenerator> {
 public:
  static Napi::Function define(Napi::Env env) {
    auto methods = commonMethods();
    methods.push_back(InstanceMethod("forward", &PromptGeneratorHandle::Forward));
    methods.push_back(InstanceMethod("losses", &PromptGeneratorHandle::Losses));
    methods.push_back(InstanceMethod("trainStep", &PromptGeneratorHandle::TrainStep));
    methods.push_back(InstanceMethod("trajectory", &PromptGeneratorHandle::Trajectory));
    methods.push_back(InstanceMethod("trainOnBatch", &PromptGeneratorHandle::TrainOnBatch));
    methods.push_back(InstanceMethod("generate", &PromptGeneratorHandle::Generate));
    methods.push_back(InstanceMethod("saveEma", &PromptGeneratorHandle::SaveEma));
    methods.push_back(InstanceMethod("loadEma", &PromptGeneratorHandle::LoadEma));
    methods.push_back(InstanceMethod("resetEma", &PromptGeneratorHandle::ResetEma));
    return registerClass(env, "NativePromptGenerator", methods);
  }

  explicit PromptGeneratorHandle(const Napi::CallbackInfo& info) : ModelHandle(info) {
    Napi::Env env = info.Env();
    guarded(env, [&] {
      const Napi::Object options = expectObject(info, 0, "the prompt generator config");
      const PromptGeneratorConfig config = promptGeneratorConfigFromJs(options);
      const uint64_t seed = seedOption(env, options);
      const torch::Device device = deviceOption(options);
      AdamOptions adam;
      adam.weightDecay = numberOption(options, "weightDecay", 0.0);
      adam.decoupled = true;  // AdamW, as DiT
      buildLater([=] { return std::make_shared<PromptGenerator>(config, seed, device, adam); });
    });
  }

 private:
  // forward(x, t, condition, { useEma }): Promise<Tensor B×2C×S×S>.
  Napi::Value Forward(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      const at::Tensor x = TensorHandle::unwrap(info[0], "x"), t = TensorHandle::unwrap(info[1], "t");
      const GeneratorCondition condition = conditionFromJs(info, 2);
      const bool useEma = !(info.Length() > 3 && info[3].IsObject()) || boolOption(info[3].As<Napi::Object>(), "useEma", true);
      return job<at::Tensor>(info.Env(), [=](PromptGenerator& model, JobContext&) { return model.forward(x, t, condition, useEma); },
          [](Napi::Env env, at::Tensor& output) -> Napi::Value { return TensorHandle::wrap(env, output); });
    });
  }

  // losses(x0, t, noise, condition): Promise<{ mse, vb, loss }> (tensors, one value per sample).
  Napi::Value Losses(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      const at::Tensor x0 = TensorHandle::unwrap(info[0], "x0"), t = TensorHandle::unwrap(info[1], "t"), noise = TensorHandle::unwrap(info[2], "noise");
      const GeneratorCondition condition = conditionFromJs(info, 3);
      return job<DiffusionLosses>(info.Env(), [=](PromptGenerator& model, JobContext&) { return model.losses(x0, t, noise, condition); },
          diffusionLossesToJs);
    });
  }

  // trainStep(x0, condition, { lr, seeds? }): Promise<{ loss, mse, vb }>; seeds (int64 B) give each
  // sample's timestep and noise their own stream.
  Napi::Value TrainStep(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      const at::Tensor x0 = TensorHandle::unwrap(info[0], "latents");
      const GeneratorCondition condition = conditionFromJs(info, 1);
      const Napi::Object options = expectObject(info, 2, "train step options");
      const double lr = requiredNumber(options, "lr");
      const at::Tensor seeds = TensorHandle::optional(options, "seeds");
      return job<GeneratorStepLosses>(info.Env(), [=](PromptGenerator& model, JobContext&) { return model.trainStep(x0, condition, lr, seeds); }, stepLossesToJs);
    });
  }

  // trajectory(noise, condition, { respacing, eta, ddpm, useEma, stepNoise }): Promise<Tensor steps×B×C×S×S>.
  Napi::Value Trajectory(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      const at::Tensor noise = TensorHandle::unwrap(info[0], "noise");
      const GeneratorCondition condition = conditionFromJs(info, 1);
      const Napi::Object given = expectObject(info, 2, "sampling options");
      const SamplingOptions options = samplingOptionsFromJs(info.Env(), given);
      at::Tensor stepNoise;
      if (given.Has("stepNoise") && !given.Get("stepNoise").IsUndefined()) stepNoise = TensorHandle::unwrap(given.Get("stepNoise"), "stepNoise");
      return job<at::Tensor>(info.Env(), [=](PromptGenerator& model, JobContext& context) {
            SamplingOptions cancellable = options;
            cancellable.context = &context;
            return model.trajectory(noise, condition, cancellable, stepNoise);
          },
          [](Napi::Env env, at::Tensor& output) -> Napi::Value { return TensorHandle::wrap(env, output); }, cancelFlagIn(given));
    });
  }

  // trainOnBatch(conditioner, vae, { images, ids, attentionMask, masks }, { lr, seeds? }): Promise<{ loss, mse, vb }>;
  // seeds (int64 B): each sample's posterior draw, timestep and noise from its own stream.
  Napi::Value TrainOnBatch(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      Napi::Env env = info.Env();
      const std::shared_ptr<Conditioner> conditioner = conditionerOf(env, info[0], "the conditioner");
      const std::shared_ptr<MaskVaeModel> vae = maskVaeModelOf(env, info[1], "the Mask-VAE");
      const Napi::Object batch = expectObject(info, 2, "the batch");
      const ConditionerInputs inputs = conditionerInputsFromJs(batch);
      const at::Tensor masks = TensorHandle::unwrap(batch.Get("masks"), "batch.masks");
      const Napi::Object options = expectObject(info, 3, "train step options");
      const double lr = requiredNumber(options, "lr");
      const at::Tensor seeds = TensorHandle::optional(options, "seeds");
      return job<GeneratorStepLosses>(env, [=](PromptGenerator& model, JobContext&) { return model.trainOnBatch(*conditioner, *vae, inputs, masks, lr, seeds); },
          stepLossesToJs);
    });
  }

  // generate(conditioner, vae, { images, ids, attentionMask }, { noise | seeds, respacing, eta, ddpm, useEma,
  // decodeTrajectory }): Promise<{ trajectory, masks, decoded? }>. x_T is `noise` (B×C×S×S), or drawn
  // per sample from `seeds` (int64 B), so a sample's result does not depend on its batch.
  Napi::Value Generate(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      Napi::Env env = info.Env();
      const std::shared_ptr<Conditioner> conditioner = conditionerOf(env, info[0], "the conditioner");
      const std::shared_ptr<MaskVaeModel> vae = maskVaeModelOf(env, info[1], "the Mask-VAE");
      const ConditionerInputs inputs = conditionerInputsFromJs(expectObject(info, 2, "the batch"));
      const Napi::Object given = expectObject(info, 3, "sampling options");
      const SamplingOptions options = samplingOptionsFromJs(env, given);
      const bool decodeTrajectory = boolOption(given, "decodeTrajectory", false);
      const bool hasNoise = given.Has("noise") && !given.Get("noise").IsUndefined();
      const bool hasSeeds = given.Has("seeds") && !given.Get("seeds").IsUndefined();
      if (hasNoise == hasSeeds) throwJs(env, ErrorCode::Config, "generate needs exactly one of noise (B×C×S×S) and seeds (int64, one per sample)");
      const at::Tensor noise = hasNoise ? TensorHandle::unwrap(given.Get("noise"), "noise") : at::Tensor();
      const at::Tensor seeds = hasSeeds ? TensorHandle::unwrap(given.Get("seeds"), "seeds") : at::Tensor();
      return job<GeneratedMasks>(env, [=](PromptGenerator& model, JobContext& context) {
            SamplingOptions cancellable = options;
            cancellable.context = &context;
            return model.generate(*conditioner, *vae, inputs, noise.defined() ? noise : model.noiseFromSeeds(seeds), cancellable, decodeTrajectory);
          },
          [](Napi::Env env, GeneratedMasks& generated) -> Napi::Value {
            Napi::Object result = Napi::Object::New(env);
            result.Set("trajectory", TensorHandle::wrap(env, generated.trajectory));
            result.Set("masks", TensorHandle::wrap(env, generated.masks));
            if (generated.decoded.defined()) result.Set("decoded", TensorHandle::wrap(env, generated.decoded));
            return result;
          },
          cancelFlagIn(given));
    });
  }

  // saveEma(path, metadata): Promise<void>.
  Napi::Value SaveEma(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      const std::string path = expectString(info, 0, "path");
      safetensors::Metadata metadata = metadataFromJs(info.Env(), info[1]);
      return job<bool>(info.Env(), [path, metadata](PromptGenerator& model, JobContext&) {
            const auto state = namedState(model.ema());
            expectFiniteState(state);
            safetensors::write(path, state, metadata);
            return true;
          },
          [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); });
    });
  }

  // loadEma(path): Promise<void>; every name must match.
  Napi::Value LoadEma(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      const std::string path = expectString(info, 0, "path");
      return job<bool>(info.Env(), [path](PromptGenerator& model, JobContext&) {
            loadNamedState(model.ema(), safetensors::read(path).tensors, /*strict=*/true, path);
            return true;
          },
          [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); });
    });
  }

  // resetEma(): Promise<void>; the EMA weights become a copy of the network's.
  Napi::Value ResetEma(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      return job<bool>(info.Env(), [](PromptGenerator& model, JobContext&) {
            model.resetEma();
            return true;
          },
          [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); });
    });
  }
};

Napi::Function definePromptGeneratorHandle(Napi::Env env) { return PromptGeneratorHandle::define(env); }

std::shared_ptr<PromptGenerator> promptGeneratorOf(Napi::Env env, Napi::Value value, const std::string& what) {
  return PromptGeneratorHandle::modelOf(env, value, "NativePromptGenerator", what);
}

std::shared_ptr<Conditioner> conditionerOf(Napi::Env env, Napi::Value value, const std::string& what) {
  if (isGroundingHandle(env, value)) return groundingModelOf(env, value, what);
  if (isClipHandle(env, value)) return clipModelOf(env, value, what);
  throwJs(env, ErrorCode::Config, what + " must be a grounding model's or a CLIP model's handle");
}

}  // namespace diffprompt::napi
