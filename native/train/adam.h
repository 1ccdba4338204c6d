// Adam and AdamW over named parameters, numerically as torch.optim.Adam/AdamW (single-tensor
// path), with state kept by parameter name so it saves to and loads from safetensors and a
// resumed run continues bit-identically.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "io/safetensors.h"

namespace diffprompt {

/** Everything but the learning rate, which each step takes (the loops in lib/ own the schedule). */
struct AdamOptions {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weightDecay = 0.0;
  bool decoupled = false;  // AdamW: decay the weights, not the gradient
};

class Adam {
 public:
  Adam(std::vector<std::pair<std::string, at::Tensor>> parameters, AdamOptions options);

  /** One update of every parameter that has a gradient, at learning rate `lr`. */
  void step(double lr);
  void zeroGrad();

  int64_t steps() const { return steps_; }
  const AdamOptions& options() const { return options_; }

  /** "<param>.exp_avg", "<param>.exp_avg_sq" and "step". */
  safetensors::NamedTensors state() const;
  /** Throws ERR_CHECKPOINT when a moment is missing or has the wrong shape. */
  void loadState(const safetensors::NamedTensors& state, const std::string& source);

 private:
  struct Slot {
    std::string name;
    at::Tensor param, expAvg, expAvgSq;
  };
  std::vector<Slot> slots_;
  AdamOptions options_;
  int64_t steps_ = 0;
};

}  // namespace diffprompt
