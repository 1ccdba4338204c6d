// CLIP as a model handle and as the prompt generator's conditioner (the reference conditions on
// CLIP ViT-B/32's image and text embeddings). Frozen here: no parameter requires grad, so it
// never makes an optimizer. Published Hugging Face checkpoints load by name; their
// `*.embeddings.position_ids` buffers are dropped on load (positions are counted on the fly).
//
//   condition: images B×3×S×S (CLIP-normalised), ids B×T (CLIP BPE, T ≤ contextLength),
//   attention mask B×T →
//     image     B×P    visual_projection(post_layernorm(class token)), CLIP's image embedding
//     text      B×P    text_projection(final_layer_norm(hidden) at the highest id), the text embedding
//     imageMap  B×P×g×g  the patch tokens after the last layer through the same post_layernorm
//                      and visual_projection, on their grid: per-location features in the image
//                      embedding's space, so P channels (not the tower's width D)
#pragma once

#include <torch/torch.h>

#include <string>

#include "nn/clip/clip_network.h"
#include "models/conditioner.h"
#include "train/trainable.h"

namespace diffprompt {

class ClipModel : public Trainable, public Conditioner {
 public:
  ClipModel(const ClipConfig& config, uint64_t seed, torch::Device device);

  torch::nn::Module& module() override { return *network_; }
  const ClipConfig& config() const { return network_->config(); }

  /** No grad, eval mode; the features stay on the model's device. */
  ConditionFeatures condition(const ConditionerInputs& inputs) override;
  /** condition() with the features on the CPU, for JavaScript. */
  ConditionFeatures encode(const ConditionerInputs& inputs);

  /** loadNamedState without the position_ids buffers Hugging Face files may carry. */
  LoadReport loadWeights(const safetensors::NamedTensors& tensors, bool strict, const std::string& source) override;

 protected:
  /** CLIP has no training step here; an optimizer over it would hold no parameter. */
  AdamOptions adamOptions() const override { return {}; }

 private:
  ClipNetwork network_;
};

}  // namespace diffprompt
