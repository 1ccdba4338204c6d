#include "detection/box_decoding.h"

#include <algorithm>

#include "detection/box_geometry.h"

namespace diffprompt {

at::Tensor nonMaximumSuppression(const at::Tensor& boxes, double iouThreshold) {
  const int64_t count = boxes.size(0);
  const at::Tensor overlaps = pairwiseIou(boxes, boxes).cpu().contiguous();  // N×N, read on the host
  const float* iou = overlaps.data_ptr<float>();
  std::vector<char> suppressed(static_cast<size_t>(count), 0);
  std::vector<int64_t> kept;
  for (int64_t i = 0; i < count; ++i) {
    if (suppressed[static_cast<size_t>(i)]) continue;
    kept.push_back(i);
    for (int64_t j = i + 1; j < count; ++j) {
      if (iou[i * count + j] > iouThreshold) suppressed[static_cast<size_t>(j)] = 1;
    }
  }
  return at::tensor(kept, at::kLong);
}

std::vector<RankedBoxes> decodeBoxes(const HeadOutput& head, const at::Tensor& positiveTokens, const at::Tensor& attentionMask,
                                     double imageSize, const DecodeOptions& options) {
  const at::Tensor probabilities = at::sigmoid(head.tokenLogits).cpu();        // B×A×T
  const at::Tensor real = attentionMask.cpu().to(at::kFloat);
  const at::Tensor phrase = positiveTokens.cpu().to(at::kFloat) * real;
  // Where no phrase is marked, every real token stands for it.
  const at::Tensor weights = at::where(phrase.sum(1, true) > 0, phrase, real);  // B×T
  const at::Tensor tokenScore = at::matmul(probabilities, weights.unsqueeze(2)).squeeze(2) / weights.sum(1, true).clamp_min(1);  // B×A
  const at::Tensor combined = tokenScore * at::sigmoid(head.centerness.cpu());
  const at::Tensor boxes = head.boxes.cpu().clamp(0.0, imageSize);
  const std::vector<int64_t> levels = options.levelSizes.empty() ? std::vector<int64_t>{tokenScore.size(1)} : options.levelSizes;
  std::vector<RankedBoxes> ranked;
  for (int64_t b = 0; b < tokenScore.size(0); ++b) {
    std::vector<at::Tensor> keptIndices;
    int64_t offset = 0;
    for (const int64_t size : levels) {
      const at::Tensor candidates = (tokenScore[b].narrow(0, offset, size) > options.scoreThreshold).nonzero().flatten() + offset;
      const at::Tensor candidateScores = combined[b].index_select(0, candidates);
      const int64_t keep = std::min<int64_t>(options.preNmsTopK, candidates.size(0));
      const at::Tensor best = std::get<1>(candidateScores.sort(/*stable=*/true, 0, /*descending=*/true)).narrow(0, 0, keep);
      keptIndices.push_back(candidates.index_select(0, best));
      offset += size;
    }
    const at::Tensor indices = at::cat(keptIndices);
    const at::Tensor order = std::get<1>(combined[b].index_select(0, indices).sort(/*stable=*/true, 0, /*descending=*/true));
    const at::Tensor sorted = indices.index_select(0, order);
    const at::Tensor candidateBoxes = boxes[b].index_select(0, sorted);
    at::Tensor kept = nonMaximumSuppression(candidateBoxes, options.nmsIou);
    kept = kept.narrow(0, 0, std::min<int64_t>(options.topK, kept.size(0)));
    ranked.push_back({candidateBoxes.index_select(0, kept), at::sqrt(combined[b].index_select(0, sorted.index_select(0, kept)))});
  }
  return ranked;
}

}  // namespace diffprompt
