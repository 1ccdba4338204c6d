#include "models/clip_model.h"

#include "core/error.h"
#include "core/tensor_checks.h"

namespace diffprompt {

namespace {

/** Hugging Face's non-persistent buffers, saved by older transformers versions. */
const char* const kPositionIdBuffers[] = {"vision_model.embeddings.position_ids", "text_model.embeddings.position_ids"};

bool isPositionIdBuffer(const std::string& name) {
  for (const char* buffer : kPositionIdBuffers) {
    if (name == buffer) return true;
  }
  return false;
}

}  // namespace

ClipModel::ClipModel(const ClipConfig& config, uint64_t seed, torch::Device device)
    : Trainable(seed, device), network_(config, generator_) {
  for (auto& parameter : network_->parameters()) parameter.set_requires_grad(false);
  network_->to(device_);
}

LoadReport ClipModel::loadWeights(const safetensors::NamedTensors& tensors, bool strict, const std::string& source) {
  safetensors::NamedTensors kept;
  for (const auto& item : tensors) {
    if (!isPositionIdBuffer(item.first)) kept.push_back(item);
  }
  return loadNamedState(*network_, kept, strict, source);
}

ConditionFeatures ClipModel::condition(const ConditionerInputs& inputs) {
  if (inputs.fusedMap) fail(ErrorCode::Config, "CLIP has no cross-modal fusion: a generator conditioned on a fused map needs a grounding model as its conditioner");
  const ClipConfig& c = config();
  expectDtype(inputs.images, at::kFloat, "images");
  expectShape(inputs.images, {-1, 3, c.imageSize, c.imageSize}, "images");
  const int64_t batch = inputs.images.size(0);
  expectShape(inputs.ids, {batch, -1}, "token ids");
  const int64_t length = inputs.ids.size(1);
  if (length < 1 || length > c.contextLength) {
    fail(ErrorCode::Shape, "expressions have " + std::to_string(length) + " tokens; CLIP reads 1 to " + std::to_string(c.contextLength) +
                               ": tokenize with maxLength " + std::to_string(c.contextLength));
  }
  if (inputs.ids.scalar_type() != at::kInt && inputs.ids.scalar_type() != at::kLong) {
    fail(ErrorCode::Dtype, "token ids must be int32 or int64, not " + dtypeName(inputs.ids.scalar_type()));
  }
  const at::Tensor ids = inputs.ids.to(at::kLong);
  if (ids.numel() > 0 && (ids.min().item<int64_t>() < 0 || ids.max().item<int64_t>() >= c.vocabSize)) {
    fail(ErrorCode::Data, "a token id is outside CLIP's vocabulary of " + std::to_string(c.vocabSize) + ": tokenize with ClipBpeTokenizer");
  }
  expectShape(inputs.attentionMask, {batch, length}, "attention mask");
  if (at::isFloatingType(inputs.attentionMask.scalar_type())) {
    fail(ErrorCode::Dtype, "attention mask must be 0/1 integers or booleans, not " + dtypeName(inputs.attentionMask.scalar_type()));
  }

  torch::NoGradGuard noGrad;
  network_->eval();
  const ClipEmbeddings embedded = network_->forward(inputs.images.to(device_), ids.to(device_), inputs.attentionMask.to(device_));
  const int64_t grid = c.gridSize();
  const at::Tensor map = embedded.patches.transpose(1, 2).reshape({batch, c.projectionDim, grid, grid});  // B×P×g×g
  return {embedded.image, embedded.text, map};
}

ConditionFeatures ClipModel::encode(const ConditionerInputs& inputs) {
  const ConditionFeatures features = condition(inputs);
  return {features.image.cpu(), features.text.cpu(), features.imageMap.cpu()};
}

}  // namespace diffprompt
