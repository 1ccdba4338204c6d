// The dense head (GLIP's, without DyHead's deformable convolutions): one tower shared by every
// pyramid level, then per location a box (distances to its four sides), a centerness logit and
// token-alignment logits. GLIP's dot-product scoring:
//   ê = L2-normalised text tokens; logits[a, k] = q_a · proj(ê_k / 2) / exp(log_scale) + ê_k · bias_lang + bias0
// with q_a the tower's feature at location a. Names: tower.{0,1,3,4,...} (convolution, GroupNorm,
// ReLU per layer), bbox_pred, centerness, scales (one per level), dot_product_projection_text,
// log_scale, bias_lang, bias0.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "nn/grounding/grounding_config.h"

namespace diffprompt {

struct HeadOutput {
  at::Tensor boxes;        // B×A×4, [x0, y0, x1, y1] in model-frame pixels (A = locations of every level)
  at::Tensor centerness;   // B×A, logits
  at::Tensor tokenLogits;  // B×A×S
};

/** Every location of every level, in the order of the head's outputs. */
struct LocationGrid {
  at::Tensor centers;  // A×2, (x, y) pixels: ((i + ½)·stride)
  at::Tensor strides;  // A
  std::vector<int64_t> levelSizes;  // locations per level
};

LocationGrid locationGrid(const GroundingConfig& config);

class GroundingHeadImpl : public torch::nn::Module {
 public:
  GroundingHeadImpl(const GroundingConfig& config, at::Generator& generator);
  /** levels[l] B×C×H_l×W_l; text B×S×Dt (after fusion). */
  HeadOutput forward(const std::vector<at::Tensor>& levels, const at::Tensor& text);
  /** The locations its outputs are laid out on (the loss assigns and the decoder ranks on them). */
  const LocationGrid& locations() const { return grid_; }

 private:
  GroundingConfig config_;
  LocationGrid grid_;
  torch::nn::Sequential tower_{nullptr};
  torch::nn::Conv2d bboxPred_{nullptr}, centerness_{nullptr};
  at::Tensor scales_;  // levels: per-level multiplier of the box logits
  torch::nn::Linear projectionText_{nullptr};
  at::Tensor logScale_, biasLang_, bias0_;
};
TORCH_MODULE(GroundingHead);

}  // namespace diffprompt
