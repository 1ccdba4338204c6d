// Cross-modal fusion: layers of bidirectional cross-attention between image and text tokens
// (the role of GLIP's deep fusion; GLIP-T(A) has none, so 0 layers is allowed). Layer i:
//   image += image_from_text(image_norm(image), text_norm(text), text mask)
//   text  += text_from_image(text_norm(text), image_norm(image))     (the updated image tokens)
//   image += image_mlp(image);  text += text_mlp(text)
#pragma once

#include <torch/torch.h>

#include "nn/attention.h"
#include "nn/grounding/grounding_config.h"

namespace diffprompt {

/** LayerNorm → Linear → GELU → Linear (fc1, fc2), no residual: the caller adds it. */
class FeedForwardImpl : public torch::nn::Module {
 public:
  FeedForwardImpl(int64_t width, int64_t hidden);
  at::Tensor forward(const at::Tensor& x);

 private:
  torch::nn::LayerNorm norm_{nullptr};
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
};
TORCH_MODULE(FeedForward);

class FusionLayerImpl : public torch::nn::Module {
 public:
  FusionLayerImpl(int64_t imageWidth, int64_t textWidth, int64_t heads);
  /** image B×N×Dv, text B×S×Dt, textMask B×1×1×S (additive) → both updated. */
  std::pair<at::Tensor, at::Tensor> forward(at::Tensor image, at::Tensor text, const at::Tensor& textMask);

 private:
  torch::nn::LayerNorm imageNorm_{nullptr}, textNorm_{nullptr};
  CrossAttention imageFromText_{nullptr}, textFromImage_{nullptr};
  FeedForward imageMlp_{nullptr}, textMlp_{nullptr};
};
TORCH_MODULE(FusionLayer);

class CrossModalFusionImpl : public torch::nn::Module {
 public:
  explicit CrossModalFusionImpl(const GroundingConfig& config);
  std::pair<at::Tensor, at::Tensor> forward(at::Tensor image, at::Tensor text, const at::Tensor& textMask);

 private:
  torch::nn::ModuleList layers_{nullptr};
};
TORCH_MODULE(CrossModalFusion);

}  // namespace diffprompt
