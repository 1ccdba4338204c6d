#include "napi/grounding_batch_js.h"

#include <algorithm>
#include <string>

#include "napi/error_mapping.h"
#include "napi/js_convert.h"
#include "napi/tensor_handle.h"

namespace diffprompt::napi {

namespace {

std::vector<at::Tensor> tensorList(const Napi::Object& batch, const char* key) {
  std::vector<at::Tensor> tensors;
  if (!batch.Has(key) || batch.Get(key).IsUndefined() || batch.Get(key).IsNull()) return tensors;
  if (!batch.Get(key).IsArray()) fail(ErrorCode::Config, std::string("batch.") + key + " must be an array of tensors, one per layer");
  const Napi::Array list = batch.Get(key).As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); ++i) tensors.push_back(TensorHandle::unwrap(list.Get(i), std::string(key) + "[" + std::to_string(i) + "]"));
  return tensors;
}

}  // namespace

GroundingBatch batchFromJs(const Napi::CallbackInfo& info, size_t index, bool needBoxes) {
  return groundingBatchFromJs(expectObject(info, index, "the batch"), needBoxes);
}

GroundingBatch groundingBatchFromJs(const Napi::Object& batch, bool needBoxes) {
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

DecodeOptions decodeOptionsFromJs(Napi::Value given) {
  DecodeOptions options;
  if (!given.IsObject()) return options;
  const Napi::Object object = given.As<Napi::Object>();
  options.topK = integerOption(object, "topK", options.topK, 1);
  options.scoreThreshold = numberOption(object, "scoreThreshold", options.scoreThreshold);
  options.nmsIou = numberOption(object, "nmsIou", options.nmsIou);
  return options;
}

RankedFloats rankedFloats(const std::vector<RankedBoxes>& ranked) {
  RankedFloats result;
  for (const RankedBoxes& item : ranked) {
    const at::Tensor boxes = item.boxes.to(at::kFloat).contiguous(), scores = item.scores.to(at::kFloat).contiguous();
    result.emplace_back(std::vector<float>(boxes.data_ptr<float>(), boxes.data_ptr<float>() + boxes.numel()),
                        std::vector<float>(scores.data_ptr<float>(), scores.data_ptr<float>() + scores.numel()));
  }
  return result;
}

Napi::Value rankedToJs(Napi::Env env, RankedFloats& ranked) {
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
}

}  // namespace diffprompt::napi
