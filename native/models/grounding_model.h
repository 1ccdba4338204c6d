// The grounding model as a trainable model: one training step (forward, ATSS assignment,
// grounding loss, backward, AdamW on the trainable parameters), prediction (ranked boxes per
// expression), pooled features, and the choice of which parameters train (by name prefix:
// everything for pretraining, `prompts.` for VPT-deep, the head's predictors for a linear
// probe).
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "nn/grounding/grounding_network.h"
#include "detection/box_decoding.h"
#include "models/conditioner.h"
#include "detection/grounding_losses.h"
#include "train/trainable.h"

namespace diffprompt {

/** A batch as the native side reads it. */
struct GroundingBatch {
  at::Tensor images;          // B×3×S×S float32
  at::Tensor ids;             // B×T int32 or int64
  at::Tensor attentionMask;   // B×T uint8/bool/int
  at::Tensor positiveTokens;  // B×T uint8/bool/int
  at::Tensor boxes;           // B×4 float32, [x0, y0, x1, y1] model pixels (training only)
  std::vector<at::Tensor> visualPrompts, textPrompts;  // optional, per layer B×L×D
};

struct GroundingStepLosses {
  double loss, token, box, centerness;
  int64_t positives;
};

struct GroundingFeatures {
  at::Tensor image, text;  // B×Dv, B×Dt
};

class GroundingModel : public Trainable, public Conditioner {
 public:
  GroundingModel(const GroundingConfig& config, uint64_t seed, torch::Device device, AdamOptions adam);

  torch::nn::Module& module() override { return *network_; }
  const GroundingConfig& config() const { return network_->config(); }

  /** Parameters whose name starts with one of `prefixes` train; the rest are frozen. An empty
   * prefix means all. Drops the optimizer when the set changes (its moments belong to the old one). */
  void setTrainable(const std::vector<std::string>& prefixes);

  /** Nothing trains (stage 3 prompts a frozen backbone; setTrainable undoes it). */
  void freeze();

  GroundingStepLosses trainStep(const GroundingBatch& batch, double lr);
  /** The loss in eval mode with the graph kept (for prompts that train outside this model). */
  GroundingLossTerms promptedLoss(const GroundingBatch& batch);
  /** The loss on a batch without training (no grad). */
  GroundingStepLosses evaluateLoss(const GroundingBatch& batch);
  std::vector<RankedBoxes> predict(const GroundingBatch& batch, const DecodeOptions& options);
  /** Pooled features before fusion, computed by the encoders alone. */
  GroundingFeatures features(const GroundingBatch& batch);
  /** The model's own prompts (the baselines') for this batch, per layer B×L×D (no grad, CPU). */
  LayerPrompts ownPrompts(const GroundingBatch& batch);
  /** The encoders' outputs (image tokens, text hidden states and pooled), before fusion. */
  EncoderOutputs encode(const GroundingBatch& batch);
  /** As the generator's conditioner: features() without leaving the device, and the image tokens
   * on their patch grid (B×Dv×S/p×S/p). */
  ConditionFeatures condition(const ConditionerInputs& inputs) override;

 protected:
  AdamOptions adamOptions() const override { return adam_; }

 private:
  /** Checks shapes and dtypes; moves to the device with the dtypes the network wants. */
  GroundingInputs inputsOf(const GroundingBatch& batch, bool needBoxes) const;
  GroundingTargets targetsOf(const GroundingBatch& batch) const;
  GroundingLossTerms lossOf(const GroundingBatch& batch);

  AdamOptions adam_;
  GroundingNetwork network_;
};

}  // namespace diffprompt
