#include "nn/clip/clip_text_transformer.h"

#include <limits>

namespace diffprompt {

at::Tensor causalAttentionMask(const at::Tensor& attentionMask) {
  const int64_t batch = attentionMask.size(0), length = attentionMask.size(1);
  const auto flags = attentionMask.options().dtype(at::kBool);
  const at::Tensor causal = at::ones({length, length}, flags).tril();  // T×T: key j ≤ query i
  const at::Tensor real = attentionMask.ne(0).view({batch, 1, 1, length});
  const at::Tensor allowed = at::logical_or(at::logical_and(causal, real), at::eye(length, flags));  // B×1×T×T
  return at::zeros(allowed.sizes(), attentionMask.options().dtype(at::kFloat))
      .masked_fill(allowed.logical_not(), -std::numeric_limits<float>::infinity());
}

ClipTextTransformerImpl::ClipTextTransformerImpl(const ClipConfig& config, at::Generator& generator) {
  auto embeddings = register_module("embeddings", std::make_shared<torch::nn::Module>());
  tokenEmbedding_ = embeddings->register_module("token_embedding", torch::nn::Embedding(config.vocabSize, config.textWidth));
  positionEmbedding_ = embeddings->register_module("position_embedding", torch::nn::Embedding(config.contextLength, config.textWidth));
  encoder_ = register_module("encoder", ClipEncoder(config.textLayers, config.textWidth, config.textHeads, config.mlpRatio, generator));
  finalLayerNorm_ = register_module("final_layer_norm", clipLayerNorm(config.textWidth));
  torch::NoGradGuard noGrad;
  tokenEmbedding_->weight.normal_(0.0, 0.02, generator);
  positionEmbedding_->weight.normal_(0.0, 0.02, generator);
}

ClipTextEncoding ClipTextTransformerImpl::forward(const at::Tensor& ids, const at::Tensor& attentionMask) {
  const int64_t length = ids.size(1);
  const at::Tensor tokens = tokenEmbedding_(ids) + positionEmbedding_->weight.narrow(0, 0, length).unsqueeze(0);  // B×T×D
  const at::Tensor hidden = finalLayerNorm_(encoder_(tokens, causalAttentionMask(attentionMask)));
  const at::Tensor rows = at::arange(ids.size(0), ids.options());
  return {hidden, hidden.index({rows, ids.argmax(-1)})};
}

}  // namespace diffprompt
