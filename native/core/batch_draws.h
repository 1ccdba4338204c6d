// The random draws of one training step. Given per-sample seeds (int64 B, from each sample's id
// and the step: lib/data/sample-seed.ts), sample i's draws come from a generator of its own, in a
// fixed order, so a step's numbers do not depend on which batch a sample lands in nor on how many
// processes share the batch. Without seeds every draw comes from the model's own generator (one
// stream for the batch), as a direct call that names no samples expects.
#pragma once

#include <torch/torch.h>

#include <optional>
#include <vector>

namespace diffprompt {

class BatchDraws {
 public:
  /** seeds: int64 B, or undefined to draw from `shared`. */
  BatchDraws(const at::Tensor& seeds, at::Generator shared, int64_t batch);

  /** B×shape standard normals (float32, CPU): sample i's from its stream. */
  at::Tensor normal(at::IntArrayRef shape);
  /** B integers uniform in [0, high) (int64, CPU). */
  at::Tensor integers(int64_t high);

 private:
  int64_t batch_;
  at::Generator shared_;
  std::vector<at::Generator> perSample_;  // empty: draw from shared_
};

}  // namespace diffprompt
