#include "nn/grounding/vision_encoder.h"

#include "nn/attention.h"

namespace diffprompt {

VisionBlockImpl::VisionBlockImpl(int64_t width, int64_t heads, int64_t mlpRatio) : heads_(heads) {
  auto layerNorm = [&] { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}).eps(1e-6)); };
  norm1_ = register_module("norm1", layerNorm());
  auto attn = register_module("attn", std::make_shared<torch::nn::Module>());
  qkv_ = attn->register_module("qkv", torch::nn::Linear(width, 3 * width));
  proj_ = attn->register_module("proj", torch::nn::Linear(width, width));
  norm2_ = register_module("norm2", layerNorm());
  auto mlp = register_module("mlp", std::make_shared<torch::nn::Module>());
  fc1_ = mlp->register_module("fc1", torch::nn::Linear(width, mlpRatio * width));
  fc2_ = mlp->register_module("fc2", torch::nn::Linear(mlpRatio * width, width));
}

at::Tensor VisionBlockImpl::forward(const at::Tensor& x, const at::Tensor& prompts) {
  const int64_t tokens = x.size(1);
  const bool prompted = prompts.defined() && prompts.size(1) > 0;
  at::Tensor h = prompted ? at::cat({x, prompts}, 1) : x;  // B×(N+L)×D: prompts appended
  const auto qkv = qkv_(norm1_(h)).chunk(3, -1);
  h = h + proj_(multiHeadAttention(qkv[0], qkv[1], qkv[2], heads_));
  h = h + fc2_(at::gelu(fc1_(norm2_(h))));
  return prompted ? h.narrow(1, 0, tokens) : h;
}

VisionEncoderImpl::VisionEncoderImpl(const GroundingConfig& config) {
  auto patch = register_module("patch_embed", std::make_shared<torch::nn::Module>());
  patchEmbed_ = patch->register_module(
      "proj", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, config.visionWidth, config.patchSize).stride(config.patchSize)));
  const int64_t grid = config.gridSize();
  posEmbed_ = register_parameter("pos_embed", torch::zeros({1, grid * grid, config.visionWidth}));
  blocks_ = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.visionDepth; ++i) blocks_->push_back(VisionBlock(config.visionWidth, config.visionHeads, config.visionMlpRatio));
  norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({config.visionWidth}).eps(1e-6)));
}

at::Tensor VisionEncoderImpl::forward(const at::Tensor& images, const std::vector<at::Tensor>& prompts) {
  at::Tensor x = patchEmbed_(images).flatten(2).transpose(1, 2) + posEmbed_;  // B×N×D
  for (size_t i = 0; i < blocks_->size(); ++i) {
    x = blocks_[i]->as<VisionBlock>()->forward(x, i < prompts.size() ? prompts[i] : at::Tensor());
  }
  return norm_(x);
}

}  // namespace diffprompt
