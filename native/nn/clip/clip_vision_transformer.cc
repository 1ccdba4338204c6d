#include "nn/clip/clip_vision_transformer.h"

#include <cmath>

namespace diffprompt {

ClipVisionTransformerImpl::ClipVisionTransformerImpl(const ClipConfig& config, at::Generator& generator) {
  const int64_t width = config.visionWidth, grid = config.gridSize();
  auto embeddings = register_module("embeddings", std::make_shared<torch::nn::Module>());
  classEmbedding_ = embeddings->register_parameter("class_embedding", torch::empty({width}));
  patchEmbedding_ = embeddings->register_module(
      "patch_embedding", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, width, config.patchSize).stride(config.patchSize).bias(false)));
  positionEmbedding_ = embeddings->register_module("position_embedding", torch::nn::Embedding(grid * grid + 1, width));
  preLayerNorm_ = register_module("pre_layrnorm", clipLayerNorm(width));
  encoder_ = register_module("encoder", ClipEncoder(config.visionLayers, width, config.visionHeads, config.mlpRatio, generator));
  postLayerNorm_ = register_module("post_layernorm", clipLayerNorm(width));
  torch::NoGradGuard noGrad;
  classEmbedding_.normal_(0.0, std::pow(static_cast<double>(width), -0.5), generator);
  patchEmbedding_->weight.normal_(0.0, 0.02, generator);
  positionEmbedding_->weight.normal_(0.0, 0.02, generator);
}

at::Tensor ClipVisionTransformerImpl::forward(const at::Tensor& images) {
  const at::Tensor patches = patchEmbedding_(images).flatten(2).transpose(1, 2);                     // B×g²×D
  const at::Tensor classToken = classEmbedding_.view({1, 1, -1}).expand({patches.size(0), 1, -1});  // B×1×D
  const at::Tensor tokens = at::cat({classToken, patches}, 1) + positionEmbedding_->weight.unsqueeze(0);
  return postLayerNorm_(encoder_(preLayerNorm_(tokens)));
}

}  // namespace diffprompt
