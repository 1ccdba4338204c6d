#include "nn/clip/clip_network.h"

#include <cmath>

namespace diffprompt {

ClipNetworkImpl::ClipNetworkImpl(const ClipConfig& config, at::Generator& generator) : config_(config) {
  textModel_ = register_module("text_model", ClipTextTransformer(config, generator));
  visionModel_ = register_module("vision_model", ClipVisionTransformer(config, generator));
  visualProjection_ = register_module("visual_projection", torch::nn::Linear(torch::nn::LinearOptions(config.visionWidth, config.projectionDim).bias(false)));
  textProjection_ = register_module("text_projection", torch::nn::Linear(torch::nn::LinearOptions(config.textWidth, config.projectionDim).bias(false)));
  logitScale_ = register_parameter("logit_scale", torch::scalar_tensor(2.6592, torch::kFloat));
  torch::NoGradGuard noGrad;
  visualProjection_->weight.normal_(0.0, std::pow(static_cast<double>(config.visionWidth), -0.5), generator);
  textProjection_->weight.normal_(0.0, std::pow(static_cast<double>(config.textWidth), -0.5), generator);
}

ClipEmbeddings ClipNetworkImpl::forward(const at::Tensor& images, const at::Tensor& ids, const at::Tensor& attentionMask) {
  const at::Tensor tokens = visualProjection_(visionModel_(images));  // B×(1+g²)×P
  return {tokens.select(1, 0), textProjection_(textModel_(ids, attentionMask).pooled), tokens.narrow(1, 1, tokens.size(1) - 1)};
}

}  // namespace diffprompt
