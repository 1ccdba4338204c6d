#include "nn/grounding/cross_modal_fusion.h"

namespace diffprompt {

FeedForwardImpl::FeedForwardImpl(int64_t width, int64_t hidden) {
  norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}).eps(1e-6)));
  fc1_ = register_module("fc1", torch::nn::Linear(width, hidden));
  fc2_ = register_module("fc2", torch::nn::Linear(hidden, width));
}

at::Tensor FeedForwardImpl::forward(const at::Tensor& x) { return fc2_(at::gelu(fc1_(norm_(x)))); }

FusionLayerImpl::FusionLayerImpl(int64_t imageWidth, int64_t textWidth, int64_t heads) {
  imageNorm_ = register_module("image_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({imageWidth}).eps(1e-6)));
  textNorm_ = register_module("text_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({textWidth}).eps(1e-6)));
  imageFromText_ = register_module("image_from_text", CrossAttention(imageWidth, textWidth, imageWidth, heads));
  textFromImage_ = register_module("text_from_image", CrossAttention(textWidth, imageWidth, imageWidth, heads));
  imageMlp_ = register_module("image_mlp", FeedForward(imageWidth, 4 * imageWidth));
  textMlp_ = register_module("text_mlp", FeedForward(textWidth, 4 * textWidth));
}

std::pair<at::Tensor, at::Tensor> FusionLayerImpl::forward(at::Tensor image, at::Tensor text, const at::Tensor& textMask) {
  const at::Tensor normedText = textNorm_(text);
  image = image + imageFromText_(imageNorm_(image), normedText, textMask);
  text = text + textFromImage_(normedText, imageNorm_(image), at::Tensor());
  return {image + imageMlp_(image), text + textMlp_(text)};
}

CrossModalFusionImpl::CrossModalFusionImpl(const GroundingConfig& config) {
  layers_ = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.fusionLayers; ++i) layers_->push_back(FusionLayer(config.visionWidth, config.textWidth, config.fusionHeads));
}

std::pair<at::Tensor, at::Tensor> CrossModalFusionImpl::forward(at::Tensor image, at::Tensor text, const at::Tensor& textMask) {
  for (const auto& layer : *layers_) std::tie(image, text) = layer->as<FusionLayer>()->forward(image, text, textMask);
  return {image, text};
}

}  // namespace diffprompt
