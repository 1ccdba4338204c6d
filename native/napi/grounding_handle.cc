// NativeGroundingModel: lib/models/grounding-model.ts's engine. new NativeGroundingModel(config)
// with the keys of GroundingConfig (grounding_config.h) plus seed, device, lr, weightDecay.
// A batch is { images, ids, attentionMask, positiveTokens, boxes?, visualPrompts?, textPrompts? }
// of tensors (prompts: arrays of tensors, one per layer).
#include <napi.h>

#include "core/runtime.h"
#include "napi/addon_state.h"
#include "napi/model_handle.h"
#include "napi/model_lookup.h"
#include "train/grounding/grounding_model.h"

namespace diffprompt::napi {

namespace {

GroundingConfig configFromJs(const Napi::Object& options) {
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
  c.focalAlpha = numberOption(options, "focalAlpha", c.focalAlpha);
  c.focalGamma = numberOption(options, "focalGamma", c.focalGamma);
  c.regressionWeight = numberOption(options, "regressionWeight", c.regressionWeight);
  // The TypeScript schema checks the rest; these would break shapes deep inside libtorch.
  if (c.imageSize % c.patchSize != 0) fail(ErrorCode::Config, "imageSize must divide by patchSize");
  if (c.visionWidth % c.visionHeads != 0 || c.textWidth % c.textHeads != 0 || c.visionWidth % c.fusionHeads != 0) {
    fail(ErrorCode::Config, "visionWidth and textWidth must divide by their head counts");
  }
  if (c.headChannels % c.normGroups != 0) fail(ErrorCode::Config, "headChannels must divide by normGroups");
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

std::vector<at::Tensor> tensorList(const Napi::Object& batch, const char* key) {
  std::vector<at::Tensor> tensors;
  if (!batch.Has(key) || batch.Get(key).IsUndefined() || batch.Get(key).IsNull()) return tensors;
  if (!batch.Get(key).IsArray()) fail(ErrorCode::Config, std::string("batch.") + key + " must be an array of tensors, one per layer");
  const Napi::Array list = batch.Get(key).As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); ++i) tensors.push_back(TensorHandle::unwrap(list.Get(i), std::string(key) + "[" + std::to_string(i) + "]"));
  return tensors;
}

GroundingBatch batchFromJs(const Napi::CallbackInfo& info, size_t index, bool needBoxes) {
  const Napi::Object batch = expectObject(info, index, "the batch");
  GroundingBatch result;
  result.images = TensorHandle::unwrap(batch.Get("images"), "batch.images");
  result.ids = TensorHandle::unwrap(batch.Get("ids"), "batch.ids");
  result.attentionMask = TensorHandle::unwrap(batch.Get("attentionMask"), "batch.attentionMask");
  result.positiveTokens = TensorHandle::unwrap(batch.Get("positiveTokens"), "batch.positiveTokens");
  if (needBoxes) result.boxes = TensorHandle::unwrap(batch.Get("boxes"), "batch.boxes");
  result.visualPrompts = tensorList(batch, "visualPrompts");
  result.textPrompts = tensorList(batch, "textPrompts");
  return result;
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
    return registerClass(env, "NativeGroundingModel", methods);
  }

  explicit GroundingHandle(const Napi::CallbackInfo& info) : ModelHandle(info) {
    Napi::Env env = info.Env();
    guarded(env, [&] {
      const Napi::Object options = expectObject(info, 0, "the grounding model config");
      const GroundingConfig config = configFromJs(options);
      const uint64_t seed = static_cast<uint64_t>(integerOption(options, "seed", static_cast<int64_t>(addonState(env).defaultSeed), 0));
      const torch::Device device = runtime::resolveDevice(stringOption(options, "device", "cpu"));
      AdamOptions adam;
      adam.lr = numberOption(options, "lr", 1e-3);
      adam.weightDecay = numberOption(options, "weightDecay", 0.01);
      adam.decoupled = true;
      adopt(env, std::make_shared<GroundingModel>(config, seed, device, adam));
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

  // predict(batch, { topK, scoreThreshold, nmsIou }): Promise<[{ boxes: Float32Array (K×4), scores: Float32Array (K) }]>.
  Napi::Value Predict(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      GroundingBatch batch = batchFromJs(info, 0, false);
      DecodeOptions options;
      if (info.Length() > 1 && info[1].IsObject()) {
        const Napi::Object given = info[1].As<Napi::Object>();
        options.topK = integerOption(given, "topK", options.topK, 1);
        options.scoreThreshold = numberOption(given, "scoreThreshold", options.scoreThreshold);
        options.nmsIou = numberOption(given, "nmsIou", options.nmsIou);
      }
      // Plain floats leave the job: the completion on the event loop touches no tensor.
      using Ranked = std::vector<std::pair<std::vector<float>, std::vector<float>>>;
      return job<Ranked>(info.Env(), [batch, options](GroundingModel& model, JobContext&) {
            Ranked ranked;
            for (const RankedBoxes& item : model.predict(batch, options)) {
              const at::Tensor boxes = item.boxes.to(at::kFloat).contiguous(), scores = item.scores.to(at::kFloat).contiguous();
              ranked.emplace_back(std::vector<float>(boxes.data_ptr<float>(), boxes.data_ptr<float>() + boxes.numel()),
                                  std::vector<float>(scores.data_ptr<float>(), scores.data_ptr<float>() + scores.numel()));
            }
            return ranked;
          },
          [](Napi::Env env, Ranked& ranked) -> Napi::Value {
            Napi::Array list = Napi::Array::New(env, ranked.size());
            for (size_t i = 0; i < ranked.size(); ++i) {
              Napi::Float32Array boxArray = Napi::Float32Array::New(env, ranked[i].first.size());
              Napi::Float32Array scoreArray = Napi::Float32Array::New(env, ranked[i].second.size());
              std::copy(ranked[i].first.begin(), ranked[i].first.end(), boxArray.Data());
              std::copy(ranked[i].second.begin(), ranked[i].second.end(), scoreArray.Data());
              Napi::Object entry = Napi::Object::New(env);
              entry.Set("boxes", boxArray);
              entry.Set("scores", scoreArray);
              list.Set(static_cast<uint32_t>(i), entry);
            }
            return list;
          });
    });
  }

  // features(batch): Promise<{ image: Tensor B×Dv, text: Tensor B×Dt }>, pooled before fusion.
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
};

Napi::Function defineGroundingHandle(Napi::Env env) { return GroundingHandle::define(env); }

std::shared_ptr<GroundingModel> groundingModelOf(Napi::Env env, Napi::Value value, const std::string& what) {
  return GroundingHandle::modelOf(env, value, "NativeGroundingModel", what);
}

bool isGroundingHandle(Napi::Env env, Napi::Value value) { return GroundingHandle::isHandle(env, value, "NativeGroundingModel"); }

}  // namespace diffprompt::napi
