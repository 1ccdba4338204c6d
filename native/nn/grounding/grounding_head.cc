#include "nn/grounding/grounding_head.h"

#include <cmath>

#include "nn/init.h"

namespace diffprompt {

LocationGrid locationGrid(const GroundingConfig& config) {
  std::vector<at::Tensor> centers, strides;
  LocationGrid grid;
  for (const int64_t stride : config.pyramidStrides) {
    const int64_t side = config.imageSize / stride;
    const at::Tensor steps = (at::arange(side, at::kFloat) + 0.5) * static_cast<double>(stride);
    const auto mesh = at::meshgrid({steps, steps}, "ij");  // y, x
    centers.push_back(at::stack({mesh[1].flatten(), mesh[0].flatten()}, 1));
    strides.push_back(at::full({side * side}, static_cast<double>(stride), at::kFloat));
    grid.levelSizes.push_back(side * side);
  }
  grid.centers = at::cat(centers);
  grid.strides = at::cat(strides);
  return grid;
}

GroundingHeadImpl::GroundingHeadImpl(const GroundingConfig& config, at::Generator& generator)
    : config_(config), grid_(locationGrid(config)) {
  const int64_t channels = config.headChannels;
  tower_ = register_module("tower", torch::nn::Sequential());
  for (int64_t i = 0; i < config.headConvs; ++i) {
    auto conv = torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, channels, 3).padding(1));
    torch::NoGradGuard noGrad;
    conv->weight.normal_(0.0, 0.01, generator);
    conv->bias.zero_();
    tower_->push_back(conv);
    tower_->push_back(torch::nn::GroupNorm(config.normGroups, channels));
    tower_->push_back(torch::nn::ReLU());
  }
  bboxPred_ = register_module("bbox_pred", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, 4, 3).padding(1)));
  centerness_ = register_module("centerness", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, 1, 3).padding(1)));
  {
    torch::NoGradGuard noGrad;
    for (auto* conv : {&bboxPred_, &centerness_}) {
      (*conv)->weight.normal_(0.0, 0.01, generator);
      (*conv)->bias.zero_();
    }
  }
  scales_ = register_parameter("scales", torch::ones({static_cast<int64_t>(config.pyramidStrides.size())}));
  projectionText_ = register_module("dot_product_projection_text", torch::nn::Linear(config.textWidth, channels));
  init::linearDefault(projectionText_, generator);
  logScale_ = register_parameter("log_scale", torch::zeros({1}));
  biasLang_ = register_parameter("bias_lang", torch::zeros({config.textWidth}));
  // Prior 0.01 for every token at start (focal loss's initialisation).
  bias0_ = register_parameter("bias0", torch::full({1}, -std::log((1.0 - 0.01) / 0.01)));
}

HeadOutput GroundingHeadImpl::forward(const std::vector<at::Tensor>& levels, const at::Tensor& text) {
  std::vector<at::Tensor> distances, centerness, features;
  for (size_t l = 0; l < levels.size(); ++l) {
    const at::Tensor tower = tower_->forward(levels[l]);                          // B×C×H×W
    const double stride = static_cast<double>(config_.pyramidStrides[l]);
    // Side distances in pixels: exp keeps them positive; clamped so exp cannot overflow.
    const at::Tensor logits = (bboxPred_(tower) * scales_[static_cast<int64_t>(l)]).clamp_max(8.0);
    distances.push_back(at::exp(logits).flatten(2).transpose(1, 2) * stride);    // B×HW×4 (l, t, r, b)
    centerness.push_back(centerness_(tower).flatten(1));                          // B×HW
    features.push_back(tower.flatten(2).transpose(1, 2));                         // B×HW×C
  }
  const at::Tensor sides = at::cat(distances, 1);
  const at::Tensor centers = grid_.centers.to(sides.device()).unsqueeze(0);      // 1×A×2
  const at::Tensor boxes = at::cat({centers - sides.narrow(2, 0, 2), centers + sides.narrow(2, 2, 2)}, 2);

  const at::Tensor embedded = torch::nn::functional::normalize(text, torch::nn::functional::NormalizeFuncOptions().p(2).dim(-1));
  const at::Tensor tokens = projectionText_(embedded / 2.0);                      // B×S×C
  const at::Tensor tokenBias = at::matmul(embedded, biasLang_) + bias0_;         // B×S
  const at::Tensor queries = at::cat(features, 1);                               // B×A×C
  const at::Tensor logits = at::matmul(queries, tokens.transpose(1, 2)) / logScale_.exp() + tokenBias.unsqueeze(1);
  return {boxes, at::cat(centerness, 1), logits.clamp(-50000.0, 50000.0)};
}

}  // namespace diffprompt
