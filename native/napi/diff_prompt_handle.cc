// NativeDiffPrompt: lib/models/diff-prompt.ts's engine (stage 3).
//   new NativeDiffPrompt(backbone, vae, generator, config) with the handles of a grounding
//   model (also the generator's conditioner), a Mask-VAE and a prompt generator, and
//   DiffPromptConfig's keys plus seed, device, lr, weightDecay.
// A batch is the grounding batch ({ images, ids, attentionMask, positiveTokens, boxes? }) with
// optional seeds (int64 B: each sample's x_T; absent: fresh noise from this model's generator).
#include <napi.h>

#include "napi/grounding_batch_js.h"
#include "napi/model_handle.h"
#include "napi/model_lookup.h"
#include "models/diff_prompt_model.h"

namespace diffprompt::napi {

namespace {

DiffPromptConfig diffPromptConfigFromJs(const Napi::Object& options) {
  DiffPromptConfig c;
  c.visualDepth = requiredInteger(options, "visualDepth", 0);
  c.textualDepth = requiredInteger(options, "textualDepth", 0);
  c.length = requiredInteger(options, "length", 2);
  c.specific = requiredBool(options, "specific");
  c.global = requiredBool(options, "global");
  c.baseChannels = requiredInteger(options, "baseChannels", 1);
  c.stride = requiredInteger(options, "stride", 1);
  c.respacing = requiredString(options, "respacing");
  c.eta = requiredNumber(options, "eta");
  c.alignWidth = requiredInteger(options, "alignWidth", 1);
  c.temperature = requiredNumber(options, "temperature");
  c.maxGradNorm = requiredNumber(options, "maxGradNorm");
  return c;
}

DiffPromptBatch diffPromptBatchFromJs(const Napi::CallbackInfo& info, size_t index, bool needBoxes) {
  const Napi::Object given = expectObject(info, index, "the batch");
  DiffPromptBatch batch;
  batch.grounding = groundingBatchFromJs(given, needBoxes);
  if (given.Has("seeds") && !given.Get("seeds").IsUndefined()) batch.seeds = TensorHandle::unwrap(given.Get("seeds"), "batch.seeds");
  return batch;
}

}  // namespace

class DiffPromptHandle : public ModelHandle<DiffPromptHandle, DiffPromptModel> {
 public:
  static Napi::Function define(Napi::Env env) {
    auto methods = commonMethods();
    methods.push_back(InstanceMethod("trainStep", &DiffPromptHandle::TrainStep));
    methods.push_back(InstanceMethod("predict", &DiffPromptHandle::Predict));
    methods.push_back(InstanceMethod("layerMasks", &DiffPromptHandle::LayerMasks));
    return registerClass(env, "NativeDiffPrompt", methods);
  }

  explicit DiffPromptHandle(const Napi::CallbackInfo& info) : ModelHandle(info) {
    Napi::Env env = info.Env();
    guarded(env, [&] {
      std::shared_ptr<GroundingModel> backbone = groundingModelOf(env, info[0], "the backbone");
      std::shared_ptr<MaskVaeModel> vae = maskVaeModelOf(env, info[1], "the Mask-VAE");
      std::shared_ptr<PromptGenerator> generator = promptGeneratorOf(env, info[2], "the prompt generator");
      const Napi::Object options = expectObject(info, 3, "the Diff-Prompt config");
      const uint64_t seed = seedOption(env, options);
      const torch::Device device = deviceOption(options);
      AdamOptions adam;
      adam.weightDecay = numberOption(options, "weightDecay", 0.0);
      adam.decoupled = true;
      const DiffPromptConfig config = diffPromptConfigFromJs(options);
      buildLater([=] { return std::make_shared<DiffPromptModel>(config, backbone, vae, generator, seed, device, adam); });
    });
  }

 private:
  // trainStep(batch, { lr, alignmentWeight }): Promise<{ loss, grounding, token, box, centerness, alignment, positives }>.
  Napi::Value TrainStep(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      const DiffPromptBatch batch = diffPromptBatchFromJs(info, 0, true);
      const Napi::Object options = expectObject(info, 1, "train step options");
      const double lr = requiredNumber(options, "lr"), weight = requiredNumber(options, "alignmentWeight");
      return job<DiffPromptLosses>(info.Env(), [=](DiffPromptModel& model, JobContext&) { return model.trainStep(batch, lr, weight); },
          [](Napi::Env env, DiffPromptLosses& losses) -> Napi::Value {
            Napi::Object result = Napi::Object::New(env);
            result.Set("loss", losses.loss);
            result.Set("grounding", losses.grounding);
            result.Set("token", losses.token);
            result.Set("box", losses.box);
            result.Set("centerness", losses.centerness);
            result.Set("alignment", losses.alignment);
            result.Set("positives", static_cast<double>(losses.positives));
            return result;
          });
    });
  }

  // predict(batch, { topK, scoreThreshold, nmsIou, cancel }): Promise<[{ boxes, scores }]>; a
  // cancelled flag stops the job between denoising steps.
  Napi::Value Predict(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      const DiffPromptBatch batch = diffPromptBatchFromJs(info, 0, false);
      const Napi::Value given = info.Length() > 1 ? info[1] : info.Env().Undefined();
      const DecodeOptions options = decodeOptionsFromJs(given);
      return job<RankedFloats>(info.Env(), [=](DiffPromptModel& model, JobContext& context) { return rankedFloats(model.predict(batch, options, &context)); }, rankedToJs,
                               cancelFlagIn(given));
    });
  }

  // layerMasks(batch, { cancel }?): Promise<Tensor layers×B×1×S×S>, the decoded masks each prompted layer reads.
  Napi::Value LayerMasks(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      const DiffPromptBatch batch = diffPromptBatchFromJs(info, 0, false);
      return job<at::Tensor>(info.Env(), [=](DiffPromptModel& model, JobContext& context) { return at::stack(model.layerMasks(batch, &context), 0).cpu(); },
          [](Napi::Env env, at::Tensor& masks) -> Napi::Value { return TensorHandle::wrap(env, masks); }, cancelFlagIn(info.Length() > 1 ? info[1] : info.Env().Undefined()));
    });
  }
};

Napi::Function defineDiffPromptHandle(Napi::Env env) { return DiffPromptHandle::define(env); }

}  // namespace diffprompt::napi
