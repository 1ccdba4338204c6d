#include "nn/prompt/expression_prompt_generator.h"

#include "nn/init.h"

namespace diffprompt {

ExpressionPromptGeneratorImpl::ExpressionPromptGeneratorImpl(int64_t width, int64_t length, int64_t heads, at::Generator& generator) {
  queries_ = register_parameter("queries", at::empty({length, width}));
  attention_ = register_module("attention", CrossAttention(width, width, width, heads));
  mlp_ = register_module("mlp", torch::nn::Sequential(torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})), torch::nn::Linear(width, width),
                                                      torch::nn::ReLU(), torch::nn::Linear(width, width)));
  init::moduleDefault(*this, generator);
  torch::NoGradGuard noGrad;
  queries_.normal_(0.0, 0.02, generator);
}

at::Tensor ExpressionPromptGeneratorImpl::forward(const at::Tensor& tokens, const at::Tensor& attentionMask) {
  const auto queries = queries_.unsqueeze(0).expand({tokens.size(0), -1, -1});
  const auto attended = queries + attention_(queries, tokens, additiveAttentionMask(attentionMask));
  return attended + mlp_->forward(attended);
}

}  // namespace diffprompt
