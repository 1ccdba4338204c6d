// NativeClipModel: lib/models/clip-model.ts's engine. new NativeClipModel(config) with the keys of
// ClipConfig (nn/clip/clip_config.h) plus seed and device. encode(images, ids, attentionMask)
// gives the image and text embeddings and the image map; the handle also serves as the prompt
// generator's conditioner (clipModelOf).
#include <napi.h>

#include "napi/model_handle.h"
#include "napi/model_lookup.h"
#include "models/clip_model.h"

namespace diffprompt::napi {

namespace {

ClipConfig clipConfigFromJs(const Napi::Object& options) {
  ClipConfig c;
  c.imageSize = requiredInteger(options, "imageSize", 1);
  c.patchSize = requiredInteger(options, "patchSize", 1);
  c.visionWidth = requiredInteger(options, "visionWidth", 1);
  c.visionLayers = requiredInteger(options, "visionLayers", 1);
  c.visionHeads = requiredInteger(options, "visionHeads", 1);
  c.vocabSize = requiredInteger(options, "vocabSize", 1);
  c.contextLength = requiredInteger(options, "contextLength", 1);
  c.textWidth = requiredInteger(options, "textWidth", 1);
  c.textLayers = requiredInteger(options, "textLayers", 1);
  c.textHeads = requiredInteger(options, "textHeads", 1);
  c.projectionDim = requiredInteger(options, "projectionDim", 1);
  c.mlpRatio = requiredInteger(options, "mlpRatio", 1);
  return c;
}

}  // namespace

class ClipHandle : public ModelHandle<ClipHandle, ClipModel> {
 public:
  static Napi::Function define(Napi::Env env) {
    auto methods = commonMethods();
    methods.push_back(InstanceMethod("encode", &ClipHandle::Encode));
    return registerClass(env, "NativeClipModel", methods);
  }

  explicit ClipHandle(const Napi::CallbackInfo& info) : ModelHandle(info) {
    Napi::Env env = info.Env();
    guarded(env, [&] {
      const Napi::Object options = expectObject(info, 0, "the CLIP config");
      const ClipConfig config = clipConfigFromJs(options);
      const uint64_t seed = seedOption(env, options);
      const torch::Device device = deviceOption(options);
      buildLater([config, seed, device] { return std::make_shared<ClipModel>(config, seed, device); });
    });
  }

 private:
  // encode(images, ids, attentionMask): Promise<{ image: B×P, text: B×P, imageMap: B×P×g×g }>, on the CPU.
  Napi::Value Encode(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      const ConditionerInputs inputs{TensorHandle::unwrap(info[0], "images"), TensorHandle::unwrap(info[1], "ids"),
                                     TensorHandle::unwrap(info[2], "attentionMask")};
      return job<ConditionFeatures>(info.Env(), [inputs](ClipModel& model, JobContext&) { return model.encode(inputs); },
          [](Napi::Env env, ConditionFeatures& features) -> Napi::Value {
            Napi::Object result = Napi::Object::New(env);
            result.Set("image", TensorHandle::wrap(env, features.image));
            result.Set("text", TensorHandle::wrap(env, features.text));
            result.Set("imageMap", TensorHandle::wrap(env, features.imageMap));
            return result;
          });
    });
  }
};

Napi::Function defineClipHandle(Napi::Env env) { return ClipHandle::define(env); }

std::shared_ptr<ClipModel> clipModelOf(Napi::Env env, Napi::Value value, const std::string& what) {
  return ClipHandle::modelOf(env, value, "NativeClipModel", what);
}

bool isClipHandle(Napi::Env env, Napi::Value value) { return ClipHandle::isHandle(env, value, "NativeClipModel"); }

}  // namespace diffprompt::napi
