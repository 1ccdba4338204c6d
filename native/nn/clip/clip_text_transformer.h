// CLIP's text tower with Hugging Face's names (CLIPTextTransformer): embeddings.{token_embedding,
// position_embedding (contextLength×D)}, encoder, final_layer_norm. Causal attention: token i sees
// tokens 0..i that the attention mask marks real (and always itself, so a padding row stays
// finite). With CLIP's right padding the end-of-text token never sees padding either way; the
// mask matters for tokens written after it or for left padding.
//
//   ids B×T (T ≤ contextLength), attention mask B×T → final_layer_norm(encoder(...)) B×T×D
//   pooled B×D: the row at the highest token id (the end-of-text token, 49407 in CLIP's
//   vocabulary), as OpenAI CLIP and Hugging Face take it
#pragma once

#include <torch/torch.h>

#include "nn/clip/clip_config.h"
#include "nn/clip/clip_encoder.h"

namespace diffprompt {

struct ClipTextEncoding {
  at::Tensor hidden;  // B×T×D, after final_layer_norm
  at::Tensor pooled;  // B×D
};

class ClipTextTransformerImpl : public torch::nn::Module {
 public:
  /** Token and position embeddings ~ N(0, 0.02), as Hugging Face initialises them. */
  ClipTextTransformerImpl(const ClipConfig& config, at::Generator& generator);
  /** ids int64, attentionMask 0/1 (any integer or bool dtype). */
  ClipTextEncoding forward(const at::Tensor& ids, const at::Tensor& attentionMask);

 private:
  torch::nn::Embedding tokenEmbedding_{nullptr}, positionEmbedding_{nullptr};
  ClipEncoder encoder_{nullptr};
  torch::nn::LayerNorm finalLayerNorm_{nullptr};
};
TORCH_MODULE(ClipTextTransformer);

/** The additive mask of causal attention over the real tokens: B×1×T×T, 0 where query i may
 * attend key j (j ≤ i and j real, or j = i), −∞ elsewhere. */
at::Tensor causalAttentionMask(const at::Tensor& attentionMask);

}  // namespace diffprompt
