// Multi-head scaled dot-product attention and what the transformers share around it (the
// grounding encoders and fusion, the DiT blocks, CLIP's towers): cross-attention with its own
// projections and BERT's additive attention mask.
#pragma once

#include <torch/torch.h>

namespace diffprompt {

/** softmax(q·kᵀ/√d + mask)·v per head. q: B×Nq×D, k and v: B×Nk×D, D = heads·d;
 * additiveMask: empty, or broadcastable to B×heads×Nq×Nk (0 keep, large negative drop).
 * → B×Nq×D. */
at::Tensor multiHeadAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads,
                              const at::Tensor& additiveMask = {});

/** Attention from one token set to another, with its own projections: q_proj, k_proj,
 * v_proj (query width → width, key width → width) and out_proj (width → query width). */
class CrossAttentionImpl : public torch::nn::Module {
 public:
  CrossAttentionImpl(int64_t queryWidth, int64_t keyWidth, int64_t width, int64_t heads);
  /** queries B×Nq×Dq, keys B×Nk×Dk, additiveMask broadcastable to B×heads×Nq×Nk (B×1×1×Nk for
   * padding, B×1×Nq×Nk for causal attention) or empty → B×Nq×Dq. */
  at::Tensor forward(const at::Tensor& queries, const at::Tensor& keys, const at::Tensor& additiveMask);

 private:
  int64_t heads_;
  torch::nn::Linear qProj_{nullptr}, kProj_{nullptr}, vProj_{nullptr}, outProj_{nullptr};
};
TORCH_MODULE(CrossAttention);

/** The additive mask of a B×S 0/1 attention mask: B×1×1×S, 0 where 1, −10000 where 0 (BERT's). */
at::Tensor additiveAttentionMask(const at::Tensor& attentionMask);

}  // namespace diffprompt
