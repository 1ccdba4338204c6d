// A simple feature pyramid (ViTDet): every level is made from the encoder's last map alone.
// Finer strides by 2×2 transposed convolutions (GELU between two), the patch stride as is,
// coarser strides by 2×2 max pooling; then lateral 1×1 and output 3×3 convolutions, each with
// GroupNorm, to the head's width.
//
//   tokens B×N×Dv (N = g²) → levels[l]: B×C×(S/stride_l)×(S/stride_l)
#pragma once

#include <torch/torch.h>

#include <vector>

#include "nn/grounding/grounding_config.h"

namespace diffprompt {

class PyramidLevelImpl : public torch::nn::Module {
 public:
  /** scaleLog2: log2(patchSize / stride): 2, 1 upsample; 0 keep; −1, −2 pool. */
  PyramidLevelImpl(int64_t width, int64_t channels, int64_t groups, int64_t scaleLog2);
  at::Tensor forward(const at::Tensor& map);

 private:
  int64_t scaleLog2_;
  torch::nn::ModuleList upsample_{nullptr};
  torch::nn::Conv2d lateral_{nullptr}, output_{nullptr};
  torch::nn::GroupNorm lateralNorm_{nullptr}, outputNorm_{nullptr};
};
TORCH_MODULE(PyramidLevel);

class FeaturePyramidImpl : public torch::nn::Module {
 public:
  explicit FeaturePyramidImpl(const GroundingConfig& config);
  std::vector<at::Tensor> forward(const at::Tensor& tokens);

 private:
  int64_t grid_;
  torch::nn::ModuleList levels_{nullptr};
};
TORCH_MODULE(FeaturePyramid);

}  // namespace diffprompt
