// CLIP (Hugging Face CLIPModel's names, so openai/clip-vit-base-patch32 loads by name):
// text_model, vision_model, visual_projection and text_projection (no bias), logit_scale
// (loaded with the rest; the embeddings do not use it). No position_ids buffers: positions are
// counted on the fly.
//
//   image = visual_projection(post_layernorm(class token))             B×P
//   text  = text_projection(final_layer_norm(hidden)[end-of-text])     B×P
//   patches = visual_projection(post_layernorm(patch tokens))          B×g²×P
// All unnormalised, as get_image_features / get_text_features (and OpenAI's encode_image /
// encode_text) return them.
#pragma once

#include <torch/torch.h>

#include "nn/clip/clip_config.h"
#include "nn/clip/clip_text_transformer.h"
#include "nn/clip/clip_vision_transformer.h"

namespace diffprompt {

struct ClipEmbeddings {
  at::Tensor image;    // B×P
  at::Tensor text;     // B×P
  at::Tensor patches;  // B×g²×P, row-major over the patch grid
};

class ClipNetworkImpl : public torch::nn::Module {
 public:
  /** Hugging Face's initialisation: projections ~ N(0, D^−½) of their input width, logit_scale
   * log(1/0.07) = 2.6592. */
  ClipNetworkImpl(const ClipConfig& config, at::Generator& generator);
  /** images B×3×S×S float32, ids B×T int64, attentionMask B×T 0/1. */
  ClipEmbeddings forward(const at::Tensor& images, const at::Tensor& ids, const at::Tensor& attentionMask);
  const ClipConfig& config() const { return config_; }

 private:
  ClipConfig config_;
  ClipTextTransformer textModel_{nullptr};
  ClipVisionTransformer visionModel_{nullptr};
  torch::nn::Linear visualProjection_{nullptr}, textProjection_{nullptr};
  at::Tensor logitScale_;  // scalar
};
TORCH_MODULE(ClipNetwork);

}  // namespace diffprompt
