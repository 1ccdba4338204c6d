#include "nn/grounding/feature_pyramid.h"

namespace diffprompt {

PyramidLevelImpl::PyramidLevelImpl(int64_t width, int64_t channels, int64_t groups, int64_t scaleLog2) : scaleLog2_(scaleLog2) {
  upsample_ = register_module("upsample", torch::nn::ModuleList());
  int64_t inner = width;
  for (int64_t i = 0; i < scaleLog2; ++i) {
    upsample_->push_back(torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(inner, inner / 2, 2).stride(2)));
    inner /= 2;
  }
  lateral_ = register_module("lateral", torch::nn::Conv2d(torch::nn::Conv2dOptions(inner, channels, 1)));
  lateralNorm_ = register_module("lateral_norm", torch::nn::GroupNorm(groups, channels));
  output_ = register_module("output", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, channels, 3).padding(1)));
  outputNorm_ = register_module("output_norm", torch::nn::GroupNorm(groups, channels));
}

at::Tensor PyramidLevelImpl::forward(const at::Tensor& map) {
  at::Tensor x = map;
  for (size_t i = 0; i < upsample_->size(); ++i) {
    if (i > 0) x = at::gelu(x);
    x = upsample_[i]->as<torch::nn::ConvTranspose2d>()->forward(x);
  }
  for (int64_t i = 0; i < -scaleLog2_; ++i) x = at::max_pool2d(x, 2, 2);
  return outputNorm_(output_(lateralNorm_(lateral_(x))));
}

FeaturePyramidImpl::FeaturePyramidImpl(const GroundingConfig& config) : grid_(config.gridSize()) {
  levels_ = register_module("levels", torch::nn::ModuleList());
  for (const int64_t stride : config.pyramidStrides) {
    int64_t scaleLog2 = 0;  // log2(patchSize / stride)
    for (int64_t finer = config.patchSize; finer > stride; finer /= 2) ++scaleLog2;
    for (int64_t coarser = config.patchSize; coarser < stride; coarser *= 2) --scaleLog2;
    levels_->push_back(PyramidLevel(config.visionWidth, config.headChannels, config.normGroups, scaleLog2));
  }
}

std::vector<at::Tensor> FeaturePyramidImpl::forward(const at::Tensor& tokens) {
  const at::Tensor map = tokens.transpose(1, 2).reshape({tokens.size(0), tokens.size(2), grid_, grid_});  // B×Dv×g×g
  std::vector<at::Tensor> levels;
  for (const auto& level : *levels_) levels.push_back(level->as<PyramidLevel>()->forward(map));
  return levels;
}

}  // namespace diffprompt
