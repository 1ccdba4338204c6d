// The grounding model's network (GLIP-style): vision encoder → (fusion with the text) → simple
// feature pyramid → dense head, with the text encoder beside it. What the stages and baselines
// read comes back from one forward: the head's outputs, the pyramid maps (CLIP-Adapter), and
// the pooled features before fusion (the generator's conditioner: image = mean of the vision
// tokens, text = BERT's pooled output).
//
// Deep prompts come from the caller (stage 3's adapters) or from the model's own prompts
// (`prompts.*`, the baselines of nn/prompt/own_prompts.h, when configured), per modality: a
// modality the caller gives prompts for uses those, one it leaves empty uses the model's own. A
// configured CLIP-Adapter (`adapter.{level}`) adapts every pyramid map before the head.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "nn/grounding/cross_modal_fusion.h"
#include "nn/grounding/feature_pyramid.h"
#include "nn/grounding/grounding_config.h"
#include "nn/grounding/grounding_head.h"
#include "nn/grounding/text_encoder.h"
#include "nn/grounding/vision_encoder.h"
#include "nn/prompt/own_prompts.h"

namespace diffprompt {

struct GroundingInputs {
  at::Tensor images;         // B×3×S×S float32
  at::Tensor ids;            // B×T int64
  at::Tensor attentionMask;  // B×T 0/1
  std::vector<at::Tensor> visualPrompts;  // per prompted block: B×L×Dv (may be empty)
  std::vector<at::Tensor> textPrompts;    // per prompted layer: B×L×Dt (may be empty)
};

/** The two encoders' outputs, before fusion. */
struct EncoderOutputs {
  at::Tensor imageTokens;  // B×N×Dv
  TextEncoding text;       // hidden B×T×Dt, pooled B×Dt
};

struct GroundingOutputs {
  HeadOutput head;
  std::vector<at::Tensor> pyramid;  // per level B×C×H×W
  at::Tensor imageFeature;          // B×Dv, before fusion
  at::Tensor textFeature;           // B×Dt, before fusion
};

class GroundingNetworkImpl : public torch::nn::Module {
 public:
  GroundingNetworkImpl(const GroundingConfig& config, at::Generator& generator);
  GroundingOutputs forward(const GroundingInputs& inputs);
  /** The model's own prompts for these inputs, one B×L×D per prompted layer (none when not configured). */
  LayerPrompts ownPrompts(const GroundingInputs& inputs);
  /** The encoders alone (with their prompts), no fusion or head. */
  EncoderOutputs encode(const GroundingInputs& inputs);
  /** The encoders then the cross-modal fusion: the image tokens after fusion, B×N×Dv, and the
   * encoders' outputs. */
  std::pair<at::Tensor, EncoderOutputs> fuse(const GroundingInputs& inputs);
  const GroundingConfig& config() const { return config_; }
  const LocationGrid& locations() const { return head_->locations(); }

 private:
  GroundingConfig config_;
  VisionEncoder vision_{nullptr};
  TextEncoder text_{nullptr};
  CrossModalFusion fusion_{nullptr};
  FeaturePyramid pyramid_{nullptr};
  GroundingHead head_{nullptr};
  OwnPrompts prompts_{nullptr};
  torch::nn::ModuleList pyramidAdapters_{nullptr};  // one per pyramid level, or empty
};
TORCH_MODULE(GroundingNetwork);

}  // namespace diffprompt
