// FedTPG's prompt generator, for one prompted text layer: L learned queries attend over the
// expression's tokens (as the frozen text encoder sees them, padding masked), then a residual
// MLP (LayerNorm, Linear, ReLU, Linear) gives the layer's L textual prompt tokens. Unlike the
// reference, the keys are the expression's T tokens, not its single pooled vector (one key makes
// the softmax 1 and every query's output the same, so the L tokens were identical).
//
//   tokens B×T×Dt, attentionMask B×T 0/1 → prompts B×L×Dt
//
// Names: queries (L×Dt), attention.{q_proj,k_proj,v_proj,out_proj}, mlp.{0,1,3}.
#pragma once

#include <torch/torch.h>

#include "nn/attention.h"

namespace diffprompt {

class ExpressionPromptGeneratorImpl : public torch::nn::Module {
 public:
  ExpressionPromptGeneratorImpl(int64_t width, int64_t length, int64_t heads, at::Generator& generator);
  at::Tensor forward(const at::Tensor& tokens, const at::Tensor& attentionMask);

 private:
  at::Tensor queries_;
  CrossAttention attention_{nullptr};
  torch::nn::Sequential mlp_{nullptr};
};
TORCH_MODULE(ExpressionPromptGenerator);

}  // namespace diffprompt
