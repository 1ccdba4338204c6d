// Boxes as [x0, y0, x1, y1] (corners): areas, IoU and generalised IoU, elementwise over
// matching rows or as all pairs.
#pragma once

#include <torch/torch.h>

namespace diffprompt {

/** a, b: …×4 of the same shape → … (IoU of each row pair; 0 when the union is empty). */
at::Tensor pairedIou(const at::Tensor& a, const at::Tensor& b);
/** GIoU = IoU − (hull − union) / hull, in [−1, 1]. a, b: …×4 → …. */
at::Tensor pairedGiou(const at::Tensor& a, const at::Tensor& b);
/** a N×4, b M×4 → N×M IoU. */
at::Tensor pairwiseIou(const at::Tensor& a, const at::Tensor& b);

}  // namespace diffprompt
