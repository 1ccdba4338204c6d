#include "detection/box_geometry.h"

namespace diffprompt {

namespace {

at::Tensor area(const at::Tensor& boxes) {
  return (boxes.select(-1, 2) - boxes.select(-1, 0)).clamp_min(0) * (boxes.select(-1, 3) - boxes.select(-1, 1)).clamp_min(0);
}

struct Overlap {
  at::Tensor intersection, unionArea;
};

Overlap overlap(const at::Tensor& a, const at::Tensor& b) {
  const at::Tensor topLeft = at::max(a.narrow(-1, 0, 2), b.narrow(-1, 0, 2));
  const at::Tensor bottomRight = at::min(a.narrow(-1, 2, 2), b.narrow(-1, 2, 2));
  const at::Tensor size = (bottomRight - topLeft).clamp_min(0);
  const at::Tensor intersection = size.select(-1, 0) * size.select(-1, 1);
  return {intersection, area(a) + area(b) - intersection};
}

at::Tensor safeRatio(const at::Tensor& numerator, const at::Tensor& denominator) {
  return at::where(denominator > 0, numerator / denominator.clamp_min(1e-12), at::zeros_like(numerator));
}

}  // namespace

at::Tensor pairedIou(const at::Tensor& a, const at::Tensor& b) {
  const Overlap o = overlap(a, b);
  return safeRatio(o.intersection, o.unionArea);
}

at::Tensor pairedGiou(const at::Tensor& a, const at::Tensor& b) {
  const Overlap o = overlap(a, b);
  const at::Tensor hullSize = (at::max(a.narrow(-1, 2, 2), b.narrow(-1, 2, 2)) - at::min(a.narrow(-1, 0, 2), b.narrow(-1, 0, 2))).clamp_min(0);
  const at::Tensor hull = hullSize.select(-1, 0) * hullSize.select(-1, 1);
  return safeRatio(o.intersection, o.unionArea) - safeRatio(hull - o.unionArea, hull);
}

at::Tensor pairwiseIou(const at::Tensor& a, const at::Tensor& b) {
  return pairedIou(a.unsqueeze(1).expand({a.size(0), b.size(0), 4}), b.unsqueeze(0).expand({a.size(0), b.size(0), 4}));
}

}  // namespace diffprompt
