// From the head's outputs to ranked boxes per expression, as GLIP's ATSS post-processing: p̄ is
// the mean of a location's token probabilities over the referent's phrase (over every real token
// when no phrase is marked); locations with p̄ ≤ the threshold are dropped; per pyramid level the
// preNmsTopK best by p̄·sigmoid(centerness) stay; their score is √(p̄·sigmoid(centerness)); then
// greedy NMS at nmsIou over all levels, at most topK kept, boxes clipped to the frame.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "nn/grounding/grounding_head.h"

namespace diffprompt {

struct DecodeOptions {
  int64_t topK = 100;
  double scoreThreshold = 0.05;
  double nmsIou = 0.6;
  int64_t preNmsTopK = 1000;
  /** Locations per pyramid level, in the head's order; empty = one level. */
  std::vector<int64_t> levelSizes;
};

struct RankedBoxes {
  at::Tensor boxes;   // K×4 [x0, y0, x1, y1] model pixels, best first (K may be 0)
  at::Tensor scores;  // K
};

/** Greedy non-maximum suppression: boxes N×4 sorted by descending score → kept indices (int64), in order. */
at::Tensor nonMaximumSuppression(const at::Tensor& boxes, double iouThreshold);

/** positiveTokens, attentionMask: B×T. */
std::vector<RankedBoxes> decodeBoxes(const HeadOutput& head, const at::Tensor& positiveTokens, const at::Tensor& attentionMask,
                                     double imageSize, const DecodeOptions& options);

}  // namespace diffprompt
