#include "detection/grounding_losses.h"

#include <algorithm>

#include "detection/box_geometry.h"

namespace diffprompt {

at::Tensor sigmoidFocalLoss(const at::Tensor& logits, const at::Tensor& targets, double alpha, double gamma) {
  const at::Tensor probability = at::sigmoid(logits);
  const at::Tensor crossEntropy = at::binary_cross_entropy_with_logits(logits, targets, {}, {}, at::Reduction::None);
  const at::Tensor pT = probability * targets + (1 - probability) * (1 - targets);
  const at::Tensor alphaT = alpha * targets + (1 - alpha) * (1 - targets);
  return alphaT * crossEntropy * (1 - pT).pow(gamma);
}

GroundingLossTerms groundingLoss(const HeadOutput& head, const Assignment& assignment, const GroundingTargets& targets,
                                 const GroundingConfig& config) {
  const at::Tensor positive = assignment.positive;                                       // B×A
  const int64_t positives = positive.sum().item<int64_t>();
  const double normaliser = static_cast<double>(std::max<int64_t>(positives, 1));

  // Token alignment: B×A×T targets, only real tokens count.
  const at::Tensor tokenTargets = positive.unsqueeze(2).to(at::kFloat) * targets.positiveTokens.unsqueeze(1).to(at::kFloat);
  const at::Tensor realTokens = targets.attentionMask.unsqueeze(1).to(at::kFloat).expand_as(tokenTargets);
  const at::Tensor token = (sigmoidFocalLoss(head.tokenLogits, tokenTargets, config.focalAlpha, config.focalGamma) * realTokens).sum() / normaliser;

  // Boxes and centerness at the positive locations only.
  const at::Tensor index = positive.nonzero();                                             // P×2 (sample, location)
  const at::Tensor sample = index.select(1, 0), location = index.select(1, 1);
  const at::Tensor predicted = head.boxes.index({sample, location});                        // P×4
  const at::Tensor truth = targets.boxes.index_select(0, sample);                           // P×4
  const at::Tensor weight = assignment.centernessTarget.index({sample, location});          // P
  const at::Tensor box = positives == 0
      ? head.boxes.sum() * 0.0
      : config.regressionWeight * ((1 - pairedGiou(predicted, truth)) * weight).sum() / weight.sum().clamp_min(1e-6);
  const at::Tensor centerness = positives == 0
      ? head.centerness.sum() * 0.0
      : at::binary_cross_entropy_with_logits(head.centerness.index({sample, location}), weight, {}, {}, at::Reduction::Sum) / normaliser;
  return {token + box + centerness, token, box, centerness, positives};
}

}  // namespace diffprompt
