// NativeGroundingModel: lib/models/grounding-model.ts's engine. new NativeGroundingModel(config)
// with the keys of GroundingConfig (grounding_config.h) plus seed, device, lr, weightDecay.
// A batch is { images, ids, attentionMask, positiveTokens, boxes?, visualPrompts?, textPrompts? }
// of tensors (prompts: arrays of tensors, one per layer).
#include <napi.h>

#include "napi/model_handle.h"
#include "napi/grounding_batch_js.h"
#include "napi/model_lookup.h"
#include "models/grounding_model.h"

namespace diffprompt::napi {

namespace {

GroundingConfig groundingConfigFromJs(const Napi::Object& options) {
  GroundingConfig c;
  c.imageSize = requiredInteger(options, "imageSize", 8);
  c.patchSize = requiredInteger(options, "patchSize", 1);
  c.visionWidth = requiredInteger(options, "visionWidth", 1);
  c.visionDepth = requiredInteger(options, "visionDepth", 1);
  c.visionHeads = requiredInteger(options, "visionHeads", 1);
  c.visionMlpRatio = requiredInteger(options, "visionMlpRatio", 1);
  c.pyramidStrides = requiredIntegerList(options, "pyramidStrides", 1);
  c.vocabSize = requiredInteger(options, "vocabSize", 1);
  c.textWidth = requiredInteger(options, "textWidth", 1);
  c.textLayers = requiredInteger(options, "textLayers", 1);
  c.textHeads = requiredInteger(options, "textHeads", 1);
  c.textIntermediate = requiredInteger(options, "textIntermediate", 1);
  c.maxPositions = requiredInteger(options, "maxPositions", 2);
  c.typeVocabSize = requiredInteger(options, "typeVocabSize", 1);
  c.fusionLayers = requiredInteger(options, "fusionLayers", 0);
  c.fusionHeads = requiredInteger(options, "fusionHeads", 1);
  c.headChannels = requiredInteger(options, "headChannels", 1);
  c.headConvs = requiredInteger(options, "headConvs", 0);
  c.normGroups = requiredInteger(options, "normGroups", 1);
  c.anchorScale = requiredNumber(options, "anchorScale");
  c.atssTopK = requiredInteger(options, "atssTopK", 1);
  c.visualPromptDepth = requiredInteger(options, "visualPromptDepth", 0);
  c.visualPromptLength = requiredInteger(options, "visualPromptLength", 0);
  c.textPromptDepth = requiredInteger(options, "textPromptDepth", 0);
  c.textPromptLength = requiredInteger(options, "textPromptLength", 0);
  c.coupledVisualPrompts = requiredBool(options, "coupledVisualPrompts");
  c.expressionTextPrompts = requiredBool(options, "expressionTextPrompts");
  c.expressionPromptHeads = requiredInteger(options, "expressionPromptHeads", 1);
  c.pyramidAdapterReduction = requiredInteger(options, "pyramidAdapterReduction", 0);
  c.pyramidAdapterRatio = requiredNumber(options, "pyramidAdapterRatio");
  c.focalAlpha = requiredNumber(options, "focalAlpha");
  c.focalGamma = requiredNumber(options, "focalGamma");
  c.regressionWeight = requiredNumber(options, "regressionWeight");
  return c;
}

Napi::Object lossesToJs(Napi::Env env, const GroundingStepLosses& losses) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("loss", losses.loss);
  result.Set("token", losses.token);
  result.Set("box", losses.box);
  result.Set("centerness", losses.centerness);
  result.Set("positives", static_cast<double>(losses.positives));
  return result;
}

}  // namespace

class GroundingHandle : public ModelHandle<GroundingHandle, GroundingModel> {
 public:
  static Napi::Function define(Napi::Env env) {
    auto methods = commonMethods();
    methods.push_back(InstanceMethod("setTrainable", &GroundingHandle::SetTrainable));
    methods.push_back(InstanceMethod("trainStep", &GroundingHandle::TrainStep));
    methods.push_back(InstanceMethod("evaluateLoss", &GroundingHandle::EvaluateLoss));
    methods.push_back(InstanceMethod("predict", &GroundingHandle::Predict));
    methods.push_back(InstanceMethod("features", &GroundingHandle::Features));
    methods.push_back(InstanceMethod("encode", &GroundingHandle::Encode));
    methods.push_back(InstanceMethod("ownPrompts", &GroundingHandle::OwnPrompts));
    return registerClass(env, "NativeGroundingModel", methods);
  }

  explicit GroundingHandle(const Napi::CallbackInfo& info) : ModelHandle(info) {
    Napi::Env env = info.Env();
    guarded(env, [&] {
      const Napi::Object options = expectObject(info, 0, "the grounding model config");
      const GroundingConfig config = groundingConfigFromJs(options);
      const uint64_t seed = seedOption(env, options);
      const torch::Device device = deviceOption(options);
      AdamOptions adam;
      adam.weightDecay = numberOption(options, "weightDecay", 0.01);
      adam.decoupled = true;
      buildLater([=] { return std::make_shared<GroundingModel>(config, seed, device, adam); });
    });
  }

 private:
  // setTrainable(prefixes: string[]): parameters named with one of the prefixes train; [] = all.
  Napi::Value SetTrainable(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      if (info.Length() < 1 || !info[0].IsArray()) throwJs(info.Env(), ErrorCode::Config, "setTrainable needs an array of parameter-name prefixes");
      std::vector<std::string> prefixes;
      const Napi::Array list = info[0].As<Napi::Array>();
      for (uint32_t i = 0; i < list.Length(); ++i) {
        if (!list.Get(i).IsString()) throwJs(info.Env(), ErrorCode::Config, "setTrainable: every prefix must be a string");
        prefixes.push_back(list.Get(i).As<Napi::String>().Utf8Value());
      }
      return job<bool>(info.Env(), [prefixes](GroundingModel& model, JobContext&) {
            model.setTrainable(prefixes);
            return true;
          },
          [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); });
    });
  }

  // trainStep(batch, { lr }): Promise<{ loss, token, box, centerness, positives }>.
  Napi::Value TrainStep(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      GroundingBatch batch = batchFromJs(info, 0, true);
      const double lr = requiredNumber(expectObject(info, 1, "train step options"), "lr");
      return job<GroundingStepLosses>(info.Env(), [batch, lr](GroundingModel& model, JobContext&) { return model.trainStep(batch, lr); },
          [](Napi::Env env, GroundingStepLosses& losses) -> Napi::Value { return lossesToJs(env, losses); });
    });
  }

  // evaluateLoss(batch): Promise<{ loss, token, box, centerness, positives }>, no update.
  Napi::Value EvaluateLoss(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      GroundingBatch batch = batchFromJs(info, 0, true);
      return job<GroundingStepLosses>(info.Env(), [batch](GroundingModel& model, JobContext&) { return model.evaluateLoss(batch); },
          [](Napi::Env env, GroundingStepLosses& losses) -> Napi::Value { return lossesToJs(env, losses); });
    });
  }

  // predict(batch, { topK, scoreThreshold, nmsIou, cancel }): Promise<[{ boxes: Float32Array (K×4), scores: Float32Array (K) }]>;
  // a flag cancelled before the job starts rejects it unrun.
  Napi::Value Predict(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      GroundingBatch batch = batchFromJs(info, 0, false);
      const Napi::Value given = info.Length() > 1 ? info[1] : info.Env().Undefined();
      const DecodeOptions options = decodeOptionsFromJs(given);
      // Plain floats leave the job: the completion on the event loop touches no tensor.
      return job<RankedFloats>(info.Env(), [batch, options](GroundingModel& model, JobContext&) { return rankedFloats(model.predict(batch, options)); },
          rankedToJs, cancelFlagIn(given));
    });
  }

  // features(batch): Promise<{ image: B×Dv, text: B×Dt }>, the pooled features before fusion.
  Napi::Value Features(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      GroundingBatch batch = batchFromJs(info, 0, false);
      return job<GroundingFeatures>(info.Env(), [batch](GroundingModel& model, JobContext&) { return model.features(batch); },
          [](Napi::Env env, GroundingFeatures& features) -> Napi::Value {
            Napi::Object result = Napi::Object::New(env);
            result.Set("image", TensorHandle::wrap(env, features.image));
            result.Set("text", TensorHandle::wrap(env, features.text));
            return result;
          });
    });
  }

  // encode(batch): Promise<{ imageTokens: B×N×Dv, textHidden: B×T×Dt, textPooled: B×Dt }>.
  Napi::Value Encode(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      GroundingBatch batch = batchFromJs(info, 0, false);
      return job<EncoderOutputs>(info.Env(), [batch](GroundingModel& model, JobContext&) { return model.encode(batch); },
          [](Napi::Env env, EncoderOutputs& encoded) -> Napi::Value {
            Napi::Object result = Napi::Object::New(env);
            result.Set("imageTokens", TensorHandle::wrap(env, encoded.imageTokens));
            result.Set("textHidden", TensorHandle::wrap(env, encoded.text.hidden));
            result.Set("textPooled", TensorHandle::wrap(env, encoded.text.pooled));
            return result;
          });
    });
  }

  // ownPrompts(batch): Promise<{ visual: (B×L×Dv)[], textual: (B×L×Dt)[] }>, the model's own prompts.
  Napi::Value OwnPrompts(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      GroundingBatch batch = batchFromJs(info, 0, false);
      return job<LayerPrompts>(info.Env(), [batch](GroundingModel& model, JobContext&) { return model.ownPrompts(batch); },
          [](Napi::Env env, LayerPrompts& prompts) -> Napi::Value {
            const auto wrapAll = [env](const std::vector<at::Tensor>& layers) {
              Napi::Array array = Napi::Array::New(env, layers.size());
              for (size_t j = 0; j < layers.size(); ++j) array.Set(j, TensorHandle::wrap(env, layers[j]));
              return array;
            };
            Napi::Object result = Napi::Object::New(env);
            result.Set("visual", wrapAll(prompts.visual));
            result.Set("textual", wrapAll(prompts.textual));
            return result;
          });
    });
  }
};

Napi::Function defineGroundingHandle(Napi::Env env) { return GroundingHandle::define(env); }

std::shared_ptr<GroundingModel> groundingModelOf(Napi::Env env, Napi::Value value, const std::string& what) {
  return GroundingHandle::modelOf(env, value, "NativeGroundingModel", what);
}

bool isGroundingHandle(Napi::Env env, Napi::Value value) { return GroundingHandle::isHandle(env, value, "NativeGroundingModel"); }

}  // namespace diffprompt::napi
