// The text encoder: BERT with Hugging Face's parameter names (embeddings.*, encoder.layer.i.*,
// pooler.dense), so bert-base-uncased weights load by name, and deep textual prompt slots:
// layer i < depth(prompts) sees prompts[i] prepended to its input (the attention mask extended
// so every token may attend to them) and drops their outputs. Prompts get no position or type
// embedding, so their order does not matter and zero of them equals none.
//
//   ids B×S (int64), mask B×S (0/1) → hidden B×S×D, pooled B×D (tanh(dense(hidden[:, 0])))
#pragma once

#include <torch/torch.h>

#include <vector>

#include "nn/grounding/grounding_config.h"

namespace diffprompt {

struct TextEncoding {
  at::Tensor hidden;  // B×S×D
  at::Tensor pooled;  // B×D
};

/** BertLayer: post-norm self-attention and feed-forward. */
class BertLayerImpl : public torch::nn::Module {
 public:
  BertLayerImpl(int64_t width, int64_t heads, int64_t intermediate);
  /** hidden B×S×D, additiveMask B×1×1×S → B×S×D. */
  at::Tensor forward(const at::Tensor& hidden, const at::Tensor& additiveMask);

 private:
  int64_t heads_;
  torch::nn::Linear query_{nullptr}, key_{nullptr}, value_{nullptr}, attentionOut_{nullptr}, intermediate_{nullptr}, output_{nullptr};
  torch::nn::LayerNorm attentionNorm_{nullptr}, outputNorm_{nullptr};
};
TORCH_MODULE(BertLayer);

class TextEncoderImpl : public torch::nn::Module {
 public:
  explicit TextEncoderImpl(const GroundingConfig& config);
  /** prompts: one B×L×D tensor per prompted layer (at most the layer count). */
  TextEncoding forward(const at::Tensor& ids, const at::Tensor& attentionMask, const std::vector<at::Tensor>& prompts);

 private:
  torch::nn::Embedding wordEmbeddings_{nullptr}, positionEmbeddings_{nullptr}, tokenTypeEmbeddings_{nullptr};
  torch::nn::LayerNorm embeddingNorm_{nullptr};
  torch::nn::ModuleList layers_{nullptr};
  torch::nn::Linear pooler_{nullptr};
};
TORCH_MODULE(TextEncoder);

}  // namespace diffprompt
