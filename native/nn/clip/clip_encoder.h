// CLIP's transformer, shared by both towers, with Hugging Face's names (CLIPEncoder):
// layers.{i}.self_attn.{q_proj,k_proj,v_proj,out_proj}, layer_norm1, mlp.{fc1,fc2}, layer_norm2.
// Pre-norm residual blocks, QuickGELU (x·σ(1.702x)) in the MLP, LayerNorm eps 1e-5.
//
//   hidden B×N×D, additive mask broadcastable to B×heads×N×N (or empty) → B×N×D
#pragma once

#include <torch/torch.h>

#include "nn/attention.h"

namespace diffprompt {

/** CLIPEncoderLayer: h + self_attn(layer_norm1(h)), then + mlp(layer_norm2(h)). */
class ClipEncoderLayerImpl : public torch::nn::Module {
 public:
  ClipEncoderLayerImpl(int64_t width, int64_t heads, int64_t mlpRatio);
  at::Tensor forward(const at::Tensor& hidden, const at::Tensor& additiveMask);

 private:
  CrossAttention selfAttn_{nullptr};  // queries and keys both the layer's tokens
  torch::nn::LayerNorm layerNorm1_{nullptr}, layerNorm2_{nullptr};
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
};
TORCH_MODULE(ClipEncoderLayer);

class ClipEncoderImpl : public torch::nn::Module {
 public:
  /** Hugging Face's initialisation (CLIPPreTrainedModel, factor 1): q, k, v ~ N(0, (D·2L)^−½),
   * out_proj ~ N(0, D^−½), fc1 ~ N(0, (2D)^−½), fc2 ~ N(0, (D·2L)^−½), biases zero, LayerNorms
   * ones and zeros; L is this encoder's layer count. */
  ClipEncoderImpl(int64_t layers, int64_t width, int64_t heads, int64_t mlpRatio, at::Generator& generator);
  at::Tensor forward(const at::Tensor& hidden, const at::Tensor& additiveMask = {});

 private:
  torch::nn::ModuleList layers_{nullptr};
};
TORCH_MODULE(ClipEncoder);

/** LayerNorm over the last dimension with CLIP's eps of 1e-5. */
torch::nn::LayerNorm clipLayerNorm(int64_t width);

}  // namespace diffprompt
