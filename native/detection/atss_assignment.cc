#include "detection/atss_assignment.h"

#include <algorithm>

#include "detection/box_geometry.h"

namespace diffprompt {

at::Tensor centernessOf(const at::Tensor& centers, const at::Tensor& boxes) {
  const at::Tensor x = centers.select(1, 0).unsqueeze(0), y = centers.select(1, 1).unsqueeze(0);  // 1×A
  const at::Tensor left = x - boxes.select(1, 0).unsqueeze(1), right = boxes.select(1, 2).unsqueeze(1) - x;
  const at::Tensor top = y - boxes.select(1, 1).unsqueeze(1), bottom = boxes.select(1, 3).unsqueeze(1) - y;
  const at::Tensor inside = at::min(at::min(left, right), at::min(top, bottom)) > 0.01;
  const at::Tensor horizontal = at::min(left, right) / at::max(left, right).clamp_min(1e-6);
  const at::Tensor vertical = at::min(top, bottom) / at::max(top, bottom).clamp_min(1e-6);
  return at::where(inside, at::sqrt((horizontal * vertical).clamp_min(0)), at::zeros_like(horizontal));
}

Assignment atssAssign(const LocationGrid& grid, const at::Tensor& boxes, double anchorScale, int64_t topK) {
  const at::Tensor centers = grid.centers.to(boxes.device());
  const at::Tensor half = (grid.strides.to(boxes.device()) * (anchorScale / 2)).unsqueeze(1);
  const at::Tensor anchors = at::cat({centers - half, centers + half}, 1);                           // A×4
  const at::Tensor boxCenters = (boxes.narrow(1, 0, 2) + boxes.narrow(1, 2, 2)) / 2;                 // B×2
  const at::Tensor distance = (centers.unsqueeze(0) - boxCenters.unsqueeze(1)).pow(2).sum(-1);      // B×A

  std::vector<at::Tensor> candidates;  // per level B×k, indices into A
  int64_t offset = 0;
  for (const int64_t size : grid.levelSizes) {
    const int64_t k = std::min(topK, size);
    candidates.push_back(std::get<1>(distance.narrow(1, offset, size).topk(k, 1, /*largest=*/false)) + offset);
    offset += size;
  }
  const at::Tensor candidate = at::cat(candidates, 1);                                               // B×K
  const int64_t batch = boxes.size(0), count = candidate.size(1);
  const at::Tensor candidateIou = pairedIou(anchors.index_select(0, candidate.flatten()).view({batch, count, 4}),
                                            boxes.unsqueeze(1).expand({batch, count, 4}));           // B×K
  const at::Tensor threshold = candidateIou.mean(1, true) + candidateIou.std(1, /*unbiased=*/true, true);
  const at::Tensor centerness = centernessOf(centers, boxes);                                        // B×A
  const at::Tensor inside = centerness.gather(1, candidate) > 0;
  at::Tensor chosen = (candidateIou >= threshold) & inside;                                          // B×K
  // A box no candidate reached: its inside candidate of highest IoU.
  const at::Tensor none = ~chosen.any(1, true);
  const at::Tensor fallback = at::zeros_like(chosen).scatter_(1, at::where(inside, candidateIou, at::full_like(candidateIou, -1)).argmax(1, true), true) & inside;
  chosen = chosen | (fallback & none);

  at::Tensor positive = at::zeros({batch, centers.size(0)}, boxes.options().dtype(at::kBool));
  positive.scatter_(1, candidate, chosen);
  // Duplicate candidate indices cannot occur (levels are disjoint), so scatter is exact.
  return {positive, at::where(positive, centerness, at::zeros_like(centerness))};
}

}  // namespace diffprompt
