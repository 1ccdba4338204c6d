#include "models/grounding_model.h"

#include <cmath>

#include "core/error.h"
#include "core/tensor_checks.h"

namespace diffprompt {

GroundingModel::GroundingModel(const GroundingConfig& config, uint64_t seed, torch::Device device, AdamOptions adam)
    : Trainable(seed, device), adam_(adam), network_(config, generator_) {
  network_->to(device_);
}

void GroundingModel::setTrainable(const std::vector<std::string>& prefixes) {
  bool changed = false;
  for (auto& item : network_->named_parameters()) {
    bool trains = prefixes.empty();
    for (const auto& prefix : prefixes) trains = trains || item.key().rfind(prefix, 0) == 0;
    if (item.value().requires_grad() != trains) {
      item.value().set_requires_grad(trains);
      changed = true;
    }
  }
  if (changed) optimizer_.reset();
}

void GroundingModel::freeze() {
  for (auto& parameter : network_->parameters()) parameter.set_requires_grad(false);
  optimizer_.reset();
}

namespace {

at::Tensor flag(const at::Tensor& values, const std::string& what, int64_t batch, int64_t length) {
  expectShape(values, {batch, length}, what);
  if (at::isFloatingType(values.scalar_type())) fail(ErrorCode::Dtype, what + " must be 0/1 integers or booleans, not " + dtypeName(values.scalar_type()));
  return values.to(at::kLong);
}

std::vector<at::Tensor> promptsOn(const std::vector<at::Tensor>& prompts, int64_t batch, int64_t width, int64_t layers,
                                  const std::string& what, torch::Device device) {
  if (static_cast<int64_t>(prompts.size()) > layers) {
    fail(ErrorCode::Shape, what + ": " + std::to_string(prompts.size()) + " layers of prompts for " + std::to_string(layers) + " layers");
  }
  std::vector<at::Tensor> moved;
  for (size_t i = 0; i < prompts.size(); ++i) {
    expectDtype(prompts[i], at::kFloat, what + "[" + std::to_string(i) + "]");
    expectShape(prompts[i], {batch, -1, width}, what + "[" + std::to_string(i) + "]");
    moved.push_back(prompts[i].to(device));
  }
  return moved;
}

}  // namespace

GroundingInputs GroundingModel::inputsOf(const GroundingBatch& batch, bool needBoxes) const {
  const auto& c = config();
  expectDtype(batch.images, at::kFloat, "images");
  expectShape(batch.images, {-1, 3, c.imageSize, c.imageSize}, "images");
  const int64_t size = batch.images.size(0);
  if (batch.ids.dim() != 2 || batch.ids.size(0) != size) expectShape(batch.ids, {size, -1}, "token ids");
  const int64_t length = batch.ids.size(1);
  if (length > c.maxPositions) {
    fail(ErrorCode::Shape, "expressions have " + std::to_string(length) + " tokens; this model reads at most " + std::to_string(c.maxPositions) + ": tokenize with maxLength ≤ " + std::to_string(c.maxPositions));
  }
  if (batch.ids.scalar_type() != at::kInt && batch.ids.scalar_type() != at::kLong) fail(ErrorCode::Dtype, "token ids must be int32 or int64, not " + dtypeName(batch.ids.scalar_type()));
  const at::Tensor ids = batch.ids.to(at::kLong);
  if (ids.numel() > 0 && (ids.min().item<int64_t>() < 0 || ids.max().item<int64_t>() >= c.vocabSize)) {
    fail(ErrorCode::Data, "a token id is outside the vocabulary of " + std::to_string(c.vocabSize) + ": the tokenizer does not match this model");
  }
  const at::Tensor mask = flag(batch.attentionMask, "attention mask", size, length);
  flag(batch.positiveTokens, "positive tokens", size, length);
  if (needBoxes) {
    expectDtype(batch.boxes, at::kFloat, "boxes");
    expectShape(batch.boxes, {size, 4}, "boxes");
    expectFinite(batch.boxes, "boxes");
  }
  return {batch.images.to(device_), ids.to(device_), mask.to(device_),
          promptsOn(batch.visualPrompts, size, c.visionWidth, c.visionDepth, "visual prompts", device_),
          promptsOn(batch.textPrompts, size, c.textWidth, c.textLayers, "textual prompts", device_)};
}

GroundingTargets GroundingModel::targetsOf(const GroundingBatch& batch) const {
  return {batch.boxes.to(device_), batch.positiveTokens.to(at::kLong).to(device_), batch.attentionMask.to(at::kLong).to(device_)};
}

GroundingLossTerms GroundingModel::lossOf(const GroundingBatch& batch) {
  const GroundingInputs inputs = inputsOf(batch, true);
  const GroundingTargets targets = targetsOf(batch);
  const GroundingOutputs outputs = network_->forward(inputs);
  const Assignment assignment = atssAssign(network_->locations(), targets.boxes, config().anchorScale, config().atssTopK);
  return groundingLoss(outputs.head, assignment, targets, config());
}

namespace {
GroundingStepLosses valuesOf(const GroundingLossTerms& terms) {
  return {terms.total.item<double>(), terms.token.item<double>(), terms.box.item<double>(), terms.centerness.item<double>(), terms.positives};
}
}  // namespace

GroundingStepLosses GroundingModel::trainStep(const GroundingBatch& batch, double lr) {
  if (!(lr > 0)) fail(ErrorCode::Config, "lr must be > 0");
  ensureOptimizer();
  network_->train();
  optimizer_->zeroGrad();
  const GroundingLossTerms terms = lossOf(batch);
  const GroundingStepLosses values = valuesOf(terms);
  if (!std::isfinite(values.loss)) fail(ErrorCode::Nan, "the grounding loss became " + std::to_string(values.loss) + ": lower the learning rate");
  terms.total.backward();
  optimizer_->step(lr);
  return values;
}

GroundingLossTerms GroundingModel::promptedLoss(const GroundingBatch& batch) {
  network_->eval();
  return lossOf(batch);
}

GroundingStepLosses GroundingModel::evaluateLoss(const GroundingBatch& batch) {
  torch::NoGradGuard noGrad;
  network_->eval();
  return valuesOf(lossOf(batch));
}

std::vector<RankedBoxes> GroundingModel::predict(const GroundingBatch& batch, const DecodeOptions& options) {
  torch::NoGradGuard noGrad;
  network_->eval();
  const GroundingInputs inputs = inputsOf(batch, false);
  const GroundingOutputs outputs = network_->forward(inputs);
  DecodeOptions levelled = options;
  levelled.levelSizes = network_->locations().levelSizes;
  return decodeBoxes(outputs.head, batch.positiveTokens, batch.attentionMask, static_cast<double>(config().imageSize), levelled);
}

GroundingFeatures GroundingModel::features(const GroundingBatch& batch) {
  const EncoderOutputs encoded = encode(batch);
  return {encoded.imageTokens.mean(1), encoded.text.pooled};
}

LayerPrompts GroundingModel::ownPrompts(const GroundingBatch& batch) {
  torch::NoGradGuard noGrad;
  network_->eval();
  LayerPrompts prompts = network_->ownPrompts(inputsOf(batch, false));
  for (auto* layers : {&prompts.visual, &prompts.textual}) {
    for (auto& layer : *layers) layer = layer.contiguous().cpu();
  }
  return prompts;
}

EncoderOutputs GroundingModel::encode(const GroundingBatch& batch) {
  torch::NoGradGuard noGrad;
  network_->eval();
  const EncoderOutputs encoded = network_->encode(inputsOf(batch, false));
  return {encoded.imageTokens.cpu(), {encoded.text.hidden.cpu(), encoded.text.pooled.cpu()}};
}

ConditionFeatures GroundingModel::condition(const ConditionerInputs& inputs) {
  torch::NoGradGuard noGrad;
  network_->eval();
  GroundingBatch batch;
  batch.images = inputs.images;
  batch.ids = inputs.ids;
  batch.attentionMask = inputs.attentionMask;
  batch.positiveTokens = inputs.attentionMask;  // unused by the encoders; checked like the mask
  const GroundingInputs network = inputsOf(batch, false);
  at::Tensor fusedTokens;
  EncoderOutputs encoded;
  if (inputs.fusedMap) {
    std::tie(fusedTokens, encoded) = network_->fuse(network);
  } else {
    encoded = network_->encode(network);
  }
  const at::Tensor& tokens = inputs.fusedMap ? fusedTokens : encoded.imageTokens;  // B×N×Dv, N = (S/p)²
  const int64_t grid = config().imageSize / config().patchSize;
  return {encoded.imageTokens.mean(1), encoded.text.pooled, tokens.transpose(1, 2).reshape({tokens.size(0), tokens.size(2), grid, grid})};
}

}  // namespace diffprompt
