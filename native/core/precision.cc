#include "core/precision.h"

#include <ATen/autocast_mode.h>

#include "core/error.h"

namespace diffprompt {

Precision precisionNamed(const std::string& name) {
  if (name == "fp32") return Precision::Float32;
  if (name == "bf16") return Precision::BFloat16;
  fail(ErrorCode::Config, "precision must be 'fp32' or 'bf16', not '" + name + "'");
}

PrecisionScope::PrecisionScope(Precision precision, torch::Device device) : active_(precision == Precision::BFloat16), cuda_(device.is_cuda()) {
  if (!active_) return;
  if (cuda_) {
    wasEnabled_ = at::autocast::is_enabled();
    previousDtype_ = at::autocast::get_autocast_gpu_dtype();
    at::autocast::set_enabled(true);
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
  } else {
    wasEnabled_ = at::autocast::is_cpu_enabled();
    previousDtype_ = at::autocast::get_autocast_cpu_dtype();
    at::autocast::set_cpu_enabled(true);
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  }
  at::autocast::increment_nesting();
}

PrecisionScope::~PrecisionScope() {
  if (!active_) return;
  // The outermost scope drops the bf16 copies of the weights it cached.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  if (cuda_) {
    at::autocast::set_enabled(wasEnabled_);
    at::autocast::set_autocast_gpu_dtype(previousDtype_);
  } else {
    at::autocast::set_cpu_enabled(wasEnabled_);
    at::autocast::set_autocast_cpu_dtype(previousDtype_);
  }
}

}  // namespace diffprompt
