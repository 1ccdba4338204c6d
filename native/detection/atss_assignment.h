// Which locations learn to find the referred box: ATSS (Zhang et al. 2020), as GLIP trains.
// Per sample (one box per expression) and per level, the topK locations whose anchors' centres
// are nearest the box centre are candidates; a candidate is positive when its anchor's IoU with
// the box is at least the mean + standard deviation of the candidates' IoUs and its centre lies
// inside the box. A box with no such candidate gets the inside candidate of highest IoU.
#pragma once

#include <torch/torch.h>

#include "nn/grounding/grounding_config.h"
#include "nn/grounding/grounding_head.h"

namespace diffprompt {

struct Assignment {
  at::Tensor positive;          // B×A bool
  at::Tensor centernessTarget;  // B×A, √(min(l,r)/max(l,r) · min(t,b)/max(t,b)) at positives, 0 elsewhere
};

/** boxes: B×4 [x0, y0, x1, y1] in model pixels. */
Assignment atssAssign(const LocationGrid& grid, const at::Tensor& boxes, double anchorScale, int64_t topK);

/** The centerness of each location for its sample's box (0 outside). centers A×2, boxes B×4 → B×A. */
at::Tensor centernessOf(const at::Tensor& centers, const at::Tensor& boxes);

}  // namespace diffprompt
