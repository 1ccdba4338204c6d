// CLIP's image tower with Hugging Face's names (CLIPVisionTransformer): embeddings.{patch_embedding
// (Conv2d, no bias, stride = patch), class_embedding (D), position_embedding ((g²+1)×D)},
// pre_layrnorm (sic), encoder, post_layernorm.
//
//   images B×3×S×S → [class token; g² patch tokens] + positions → pre_layrnorm → encoder
//   → post_layernorm → B×(1+g²)×D
//
// Hugging Face applies post_layernorm to the class token only (its pooled output); the norm acts
// per token, so normalising every token gives the same class token and puts the patch tokens in
// the same space.
#pragma once

#include <torch/torch.h>

#include "nn/clip/clip_config.h"
#include "nn/clip/clip_encoder.h"

namespace diffprompt {

class ClipVisionTransformerImpl : public torch::nn::Module {
 public:
  /** Embeddings as Hugging Face initialises them: class_embedding ~ N(0, D^−½), patch and
   * position embeddings ~ N(0, 0.02). */
  ClipVisionTransformerImpl(const ClipConfig& config, at::Generator& generator);
  at::Tensor forward(const at::Tensor& images);

 private:
  torch::nn::Conv2d patchEmbedding_{nullptr};
  at::Tensor classEmbedding_;  // D
  torch::nn::Embedding positionEmbedding_{nullptr};
  torch::nn::LayerNorm preLayerNorm_{nullptr}, postLayerNorm_{nullptr};
  ClipEncoder encoder_{nullptr};
};
TORCH_MODULE(ClipVisionTransformer);

}  // namespace diffprompt
