// Mixed precision by autocast. Inside a PrecisionScope set to bf16, matrix products and
// convolutions run in bfloat16 (oneDNN's kernels on CPUs with AVX512-BF16 or AMX; tensor cores on
// CUDA) while the weights, the optimizer state and the ops autocast keeps in float32 stay float32.
// A scope covers a network's forward pass (or a sampler's whole loop, whose own arithmetic is
// elementwise and stays float32); what reads the network's output gets it cast back to float32.
// Autocast caches the bf16 copy of a weight only while it requires grad, so a sampler that runs a
// frozen network many times marks its weights for the length of the loop (prompt_generator.cc).
#pragma once

#include <torch/torch.h>

#include <string>

namespace diffprompt {

enum class Precision { Float32, BFloat16 };

/** "fp32" or "bf16"; anything else is ERR_CONFIG. */
Precision precisionNamed(const std::string& name);

class PrecisionScope {
 public:
  PrecisionScope(Precision precision, torch::Device device);
  ~PrecisionScope();
  PrecisionScope(const PrecisionScope&) = delete;
  PrecisionScope& operator=(const PrecisionScope&) = delete;

 private:
  bool active_ = false, cuda_ = false, wasEnabled_ = false;
  at::ScalarType previousDtype_ = at::kFloat;
};

}  // namespace diffprompt
