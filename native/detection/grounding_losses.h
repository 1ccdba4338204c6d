// GLIP's grounding loss for one box per expression:
//   token   = Σ sigmoid focal loss (α, γ) over locations × real tokens / positives;
//             the target is 1 where the location is positive and the token is in the referent's phrase
//   box     = weight · Σ_pos c·(1 − GIoU) / Σ_pos c, c = the centerness target
//   center  = Σ_pos BCE(centerness logit, c) / positives
//   total   = token + box + center
#pragma once

#include <torch/torch.h>

#include "nn/grounding/grounding_config.h"
#include "nn/grounding/grounding_head.h"
#include "detection/atss_assignment.h"

namespace diffprompt {

struct GroundingTargets {
  at::Tensor boxes;           // B×4, [x0, y0, x1, y1] model pixels
  at::Tensor positiveTokens;  // B×T, 1 for the tokens of the referent's phrase
  at::Tensor attentionMask;   // B×T, 1 for real tokens
};

struct GroundingLossTerms {
  at::Tensor total, token, box, centerness;  // scalars (total carries the graph)
  int64_t positives = 0;
};

/** Sigmoid focal loss, elementwise: logits and targets of one shape. */
at::Tensor sigmoidFocalLoss(const at::Tensor& logits, const at::Tensor& targets, double alpha, double gamma);

GroundingLossTerms groundingLoss(const HeadOutput& head, const Assignment& assignment, const GroundingTargets& targets,
                                 const GroundingConfig& config);

}  // namespace diffprompt
