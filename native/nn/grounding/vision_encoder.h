// The vision encoder: a patch transformer with timm ViT's names (patch_embed.proj, pos_embed,
// blocks.i.{norm1,attn.qkv,attn.proj,norm2,mlp.fc1,mlp.fc2}, norm) and deep visual prompt
// slots (VPT-deep): block i < depth(prompts) appends prompts[i] to its input tokens, every
// token attends to them, and their outputs are dropped. Prompts carry no position embedding,
// so their order does not matter and zero of them equals none.
//
//   image B×3×S×S → patches B×N×D (N = (S/p)²) → blocks → norm → B×N×D
#pragma once

#include <torch/torch.h>

#include <vector>

#include "nn/grounding/grounding_config.h"

namespace diffprompt {

/** Pre-norm transformer block: x + attn(norm1(x)), then + mlp(norm2(x)). */
class VisionBlockImpl : public torch::nn::Module {
 public:
  VisionBlockImpl(int64_t width, int64_t heads, int64_t mlpRatio);
  /** x B×N×D, prompts B×L×D or empty → B×N×D (prompt outputs dropped). */
  at::Tensor forward(const at::Tensor& x, const at::Tensor& prompts = {});

 private:
  int64_t heads_;
  torch::nn::LayerNorm norm1_{nullptr}, norm2_{nullptr};
  torch::nn::Linear qkv_{nullptr}, proj_{nullptr}, fc1_{nullptr}, fc2_{nullptr};
};
TORCH_MODULE(VisionBlock);

class VisionEncoderImpl : public torch::nn::Module {
 public:
  explicit VisionEncoderImpl(const GroundingConfig& config);
  /** images B×3×S×S; prompts: one B×L×D tensor per prompted block (at most depth of them). */
  at::Tensor forward(const at::Tensor& images, const std::vector<at::Tensor>& prompts);

 private:
  torch::nn::Conv2d patchEmbed_{nullptr};
  at::Tensor posEmbed_;  // 1×N×D
  torch::nn::ModuleList blocks_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};
};
TORCH_MODULE(VisionEncoder);

}  // namespace diffprompt
