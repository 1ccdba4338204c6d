// The grounding model's loss and box pieces as functions of their own (for tests and for users
// who assemble their own heads): sigmoidFocalLoss, boxOverlap, nonMaximumSuppression,
// atssAssign, decodeBoxes. Each runs as an async job, off the event loop.
#include <napi.h>

#include "napi/async_job.h"
#include "napi/error_mapping.h"
#include "napi/js_convert.h"
#include "napi/tensor_handle.h"
#include "core/tensor_checks.h"
#include "detection/atss_assignment.h"
#include "detection/box_decoding.h"
#include "detection/box_geometry.h"
#include "detection/grounding_losses.h"

namespace diffprompt::napi {
namespace {

Napi::Value wrapTensor(Napi::Env env, at::Tensor& tensor) { return TensorHandle::wrap(env, tensor); }

at::Tensor boxesOf(const Napi::Value& value, const std::string& what) {
  at::Tensor boxes = TensorHandle::unwrap(value, what);
  expectDtype(boxes, at::kFloat, what);
  if (boxes.dim() < 1 || boxes.size(-1) != 4) fail(ErrorCode::Shape, what + " must be …×4 [x0, y0, x1, y1], got " + shapeString(boxes.sizes()));
  return boxes;
}

// sigmoidFocalLoss(logits, targets, alpha, gamma): Promise<Tensor>, elementwise.
Napi::Value SigmoidFocalLoss(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    const at::Tensor logits = TensorHandle::unwrap(info[0], "logits"), targets = TensorHandle::unwrap(info[1], "targets");
    expectDtype(logits, at::kFloat, "logits");
    expectDtype(targets, at::kFloat, "targets");
    expectShape(targets, std::vector<int64_t>(logits.sizes().begin(), logits.sizes().end()), "targets");
    const double alpha = info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : 0.25;
    const double gamma = info[3].IsNumber() ? info[3].As<Napi::Number>().DoubleValue() : 2.0;
    return PromiseJob<at::Tensor>::start(info.Env(), [=](JobContext&) { return sigmoidFocalLoss(logits, targets, alpha, gamma); }, wrapTensor);
  });
}

// boxOverlap(a, b, criterion 'iou' | 'giou'): Promise<Tensor>, row by row.
Napi::Value BoxOverlap(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    const at::Tensor a = boxesOf(info[0], "a"), b = boxesOf(info[1], "b");
    expectShape(b, std::vector<int64_t>(a.sizes().begin(), a.sizes().end()), "b");
    const std::string criterion = info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "iou";
    if (criterion != "iou" && criterion != "giou") throwJs(info.Env(), ErrorCode::Config, "criterion must be 'iou' or 'giou'");
    return PromiseJob<at::Tensor>::start(info.Env(),
        [=](JobContext&) { return criterion == "iou" ? pairedIou(a, b) : pairedGiou(a, b); }, wrapTensor);
  });
}

// nonMaximumSuppression(boxes N×4 sorted best first, iou): Promise<Tensor> of kept indices (int64).
Napi::Value NonMaximumSuppression(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    const at::Tensor boxes = boxesOf(info[0], "boxes");
    expectShape(boxes, {-1, 4}, "boxes");
    const double iou = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : 0.6;
    return PromiseJob<at::Tensor>::start(info.Env(), [=](JobContext&) { return nonMaximumSuppression(boxes.contiguous(), iou); }, wrapTensor);
  });
}

// atssAssign({ imageSize, pyramidStrides, anchorScale, atssTopK }, boxes B×4):
// Promise<{ positive: Tensor B×A bool, centernessTarget: Tensor B×A, centers: Tensor A×2 }>.
Napi::Value AtssAssign(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    const Napi::Object options = expectObject(info, 0, "the anchor options");
    GroundingConfig config;
    config.imageSize = integerOption(options, "imageSize", config.imageSize, 1);
    const auto strides = integerListOption(options, "pyramidStrides", 1);
    if (!strides.empty()) config.pyramidStrides = strides;
    for (const int64_t stride : config.pyramidStrides) {
      if (config.imageSize % stride != 0) throwJs(info.Env(), ErrorCode::Config, "every stride must divide imageSize");
    }
    config.anchorScale = numberOption(options, "anchorScale", config.anchorScale);
    config.atssTopK = integerOption(options, "atssTopK", config.atssTopK, 1);
    const at::Tensor boxes = boxesOf(info[1], "boxes");
    expectShape(boxes, {-1, 4}, "boxes");
    using Result = std::pair<Assignment, at::Tensor>;
    return PromiseJob<Result>::start(info.Env(),
        [=](JobContext&) {
          const LocationGrid grid = locationGrid(config);
          return Result{atssAssign(grid, boxes, config.anchorScale, config.atssTopK), grid.centers};
        },
        [](Napi::Env env, Result& result) -> Napi::Value {
          Napi::Object object = Napi::Object::New(env);
          object.Set("positive", TensorHandle::wrap(env, result.first.positive));
          object.Set("centernessTarget", TensorHandle::wrap(env, result.first.centernessTarget));
          object.Set("centers", TensorHandle::wrap(env, result.second));
          return object;
        });
  });
}

// decodeBoxes({ boxes B×A×4, centerness B×A, tokenLogits B×A×T }, positiveTokens B×T,
// attentionMask B×T, { imageSize, topK, scoreThreshold, nmsIou, levelSizes }):
// Promise<[{ boxes: Tensor K×4, scores: Tensor K }]>, per sample.
Napi::Value DecodeBoxes(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    const Napi::Object head = expectObject(info, 0, "the head outputs");
    HeadOutput output{boxesOf(head.Get("boxes"), "boxes"), TensorHandle::unwrap(head.Get("centerness"), "centerness"),
                      TensorHandle::unwrap(head.Get("tokenLogits"), "tokenLogits")};
    expectShape(output.boxes, {-1, -1, 4}, "boxes");
    const int64_t batch = output.boxes.size(0), locations = output.boxes.size(1);
    expectDtype(output.centerness, at::kFloat, "centerness");
    expectShape(output.centerness, {batch, locations}, "centerness");
    expectDtype(output.tokenLogits, at::kFloat, "tokenLogits");
    expectShape(output.tokenLogits, {batch, locations, -1}, "tokenLogits");
    const int64_t tokens = output.tokenLogits.size(2);
    const at::Tensor positive = TensorHandle::unwrap(info[1], "positiveTokens"), mask = TensorHandle::unwrap(info[2], "attentionMask");
    expectShape(positive, {batch, tokens}, "positiveTokens");
    expectShape(mask, {batch, tokens}, "attentionMask");
    const Napi::Object given = expectObject(info, 3, "the decode options");
    const double imageSize = numberOption(given, "imageSize", 64);
    DecodeOptions options;
    options.topK = integerOption(given, "topK", options.topK, 1);
    options.scoreThreshold = numberOption(given, "scoreThreshold", options.scoreThreshold);
    options.nmsIou = numberOption(given, "nmsIou", options.nmsIou);
    options.levelSizes = integerListOption(given, "levelSizes", 1);
    int64_t covered = 0;
    for (const int64_t size : options.levelSizes) covered += size;
    if (!options.levelSizes.empty() && covered != locations) throwJs(info.Env(), ErrorCode::Shape, "levelSizes must add up to the locations of the head outputs");
    using Ranked = std::vector<RankedBoxes>;
    return PromiseJob<Ranked>::start(info.Env(),
        [=](JobContext&) { return decodeBoxes(output, positive, mask, imageSize, options); },
        [](Napi::Env env, Ranked& ranked) -> Napi::Value {
          Napi::Array list = Napi::Array::New(env, ranked.size());
          for (size_t i = 0; i < ranked.size(); ++i) {
            Napi::Object entry = Napi::Object::New(env);
            entry.Set("boxes", TensorHandle::wrap(env, ranked[i].boxes));
            entry.Set("scores", TensorHandle::wrap(env, ranked[i].scores));
            list.Set(static_cast<uint32_t>(i), entry);
          }
          return list;
        });
  });
}

}  // namespace

void exportGroundingOps(Napi::Env env, Napi::Object exports) {
  exports.Set("sigmoidFocalLoss", Napi::Function::New(env, SigmoidFocalLoss, "sigmoidFocalLoss"));
  exports.Set("boxOverlap", Napi::Function::New(env, BoxOverlap, "boxOverlap"));
  exports.Set("nonMaximumSuppression", Napi::Function::New(env, NonMaximumSuppression, "nonMaximumSuppression"));
  exports.Set("atssAssign", Napi::Function::New(env, AtssAssign, "atssAssign"));
  exports.Set("decodeBoxes", Napi::Function::New(env, DecodeBoxes, "decodeBoxes"));
}

}  // namespace diffprompt::napi
