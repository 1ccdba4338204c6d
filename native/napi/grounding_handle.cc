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
  c.imageSize = integerOption(options, "imageSize", c.imageSize, 8);
  c.patchSize = integerOption(options, "patchSize", c.patchSize, 1);
  c.visionWidth = integerOption(options, "visionWidth", c.visionWidth, 1);
  c.visionDepth = integerOption(options, "visionDepth", c.visionDepth, 1);
  c.visionHeads = integerOption(options, "visionHeads", c.visionHeads, 1);
  c.visionMlpRatio = integerOption(options, "visionMlpRatio", c.visionMlpRatio, 1);
  const auto strides = integerListOption(options, "pyramidStrides", 1);
  if (!strides.empty()) c.pyramidStrides = strides;
  c.vocabSize = integerOption(options, "vocabSize", c.vocabSize, 1);
  c.textWidth = integerOption(options, "textWidth", c.textWidth, 1);
  c.textLayers = integerOption(options, "textLayers", c.textLayers, 1);
  c.textHeads = integerOption(options, "textHeads", c.textHeads, 1);
  c.textIntermediate = integerOption(options, "textIntermediate", c.textIntermediate, 1);
  c.maxPositions = integerOption(options, "maxPositions", c.maxPositions, 2);
  c.typeVocabSize = integerOption(options, "typeVocabSize", c.typeVocabSize, 1);
  c.fusionLayers = integerOption(options, "fusionLayers", c.fusionLayers, 0);
  c.fusionHeads = integerOption(options, "fusionHeads", c.fusionHeads, 1);
  c.headChannels = integerOption(options, "headChannels", c.headChannels, 1);
  c.headConvs = integerOption(options, "headConvs", c.headConvs, 0);
  c.normGroups = integerOption(options, "normGroups", c.normGroups, 1);
  c.anchorScale = numberOption(options, "anchorScale", c.anchorScale);
  c.atssTopK = integerOption(options, "atssTopK", c.atssTopK, 1);
  c.visualPromptDepth = integerOption(options, "visualPromptDepth", c.visualPromptDepth, 0);
  c.visualPromptLength = integerOption(options, "visualPromptLength", c.visualPromptLength, 0);
  c.textPromptDepth = integerOption(options, "textPromptDepth", c.textPromptDepth, 0);
  c.textPromptLength = integerOption(options, "textPromptLength", c.textPromptLength, 0);
  c.coupledVisualPrompts = boolOption(options, "coupledVisualPrompts", c.coupledVisualPrompts);
  c.expressionTextPrompts = boolOption(options, "expressionTextPrompts", c.expressionTextPrompts);
  c.expressionPromptHeads = integerOption(options, "expressionPromptHeads", c.expressionPromptHeads, 1);
  c.pyramidAdapterReduction = integerOption(options, "pyramidAdapterReduction", c.pyramidAdapterReduction, 0);
  c.pyramidAdapterRatio = numberOption(options, "pyramidAdapterRatio", c.pyramidAdapterRatio);
  c.focalAlpha = numberOption(options, "focalAlpha", c.focalAlpha);
  c.focalGamma = numberOption(options, "focalGamma", c.focalGamma);
  c.regressionWeight = numberOption(options, "regressionWeight", c.regressionWeight);
  // The TypeScript schema checks the rest; these would break shapes deep inside libtorch.
  if (c.imageSize % c.patchSize != 0) fail(ErrorCode::Config, "imageSize must divide by patchSize");
  if (c.visionWidth % c.visionHeads != 0 || c.textWidth % c.textHeads != 0 || c.visionWidth % c.fusionHeads != 0) {
    fail(ErrorCode::Config, "visionWidth and textWidth must divide by their head counts");
  }
  if (c.headChannels % c.normGroups != 0) fail(ErrorCode::Config, "headChannels must divide by normGroups");
  if (c.coupledVisualPrompts && (c.visualPromptDepth > c.textPromptDepth || c.visualPromptLength != c.textPromptLength)) {
    fail(ErrorCode::Config, "coupled visual prompts are maps of the textual ones: visualPromptDepth ≤ textPromptDepth and equal lengths");
  }
  if (!(c.pyramidAdapterRatio >= 0 && c.pyramidAdapterRatio <= 1)) fail(ErrorCode::Config, "pyramidAdapterRatio must be within [0, 1]");
  if (c.expressionTextPrompts && c.textWidth % c.expressionPromptHeads != 0) fail(ErrorCode::Config, "expressionPromptHeads must divide textWidth");
  for (const int64_t stride : c.pyramidStrides) {
    // stride = patchSize·2^k exactly, k from −2 to 2; finer levels halve the width per doubling.
    bool reachable = false;
    for (int64_t k = -2; k <= 2; ++k) {
      const int64_t factor = int64_t(1) << (k < 0 ? -k : k);
      reachable = reachable || (k >= 0 ? c.patchSize * factor == stride : stride * factor == c.patchSize && c.visionWidth % factor == 0);
    }
    if (!reachable || c.imageSize % stride != 0) {
      fail(ErrorCode::Config, "every pyramid stride must be patchSize·2^k (k from −2 to 2, visionWidth divisible by 2^−k) and divide imageSize");
    }
  }
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
      const double lr = numberOption(expectObject(info, 1, "train step options"), "lr", 1e-3);
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
