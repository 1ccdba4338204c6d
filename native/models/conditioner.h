// What the prompt generator is conditioned on. A conditioner turns images and tokenized
// expressions into one image feature and one text feature per sample (global vectors, as the
// reference's CLIP embeddings) and the image's feature map (for the spatial conditioning
// option). The frozen grounding model (pooled features before fusion, DESIGN.md) and CLIP
// implement it; the generator's composite jobs call it without grad, in eval mode.
#pragma once

#include <torch/torch.h>

namespace diffprompt {

struct ConditionerInputs {
  at::Tensor images;         // B×3×S×S float32, preprocessed for this conditioner
  at::Tensor ids;            // B×T int32 or int64, this conditioner's tokenizer
  at::Tensor attentionMask;  // B×T, nonzero where a token is real
  /** The map after the conditioner's cross-modal fusion (text-aware), where it has one. */
  bool fusedMap = false;
};

struct ConditionFeatures {
  at::Tensor image;     // B×Di
  at::Tensor text;      // B×Dt
  at::Tensor imageMap;  // B×Di×h×w: the image tokens on their grid (after fusion with the text when asked)
};

class Conditioner {
 public:
  virtual ~Conditioner() = default;
  /** No grad, eval mode; the results stay on the conditioner's device. */
  virtual ConditionFeatures condition(const ConditionerInputs& inputs) = 0;
};

}  // namespace diffprompt
