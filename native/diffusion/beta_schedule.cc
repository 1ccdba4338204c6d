#include "diffusion/beta_schedule.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace diffprompt {

BetaSchedule betaScheduleFromName(const std::string& name) {
  if (name == "linear") return BetaSchedule::Linear;
  if (name == "squaredcos_cap_v2") return BetaSchedule::SquaredCosCapV2;
  fail(ErrorCode::Config, "unknown noise schedule '" + name + "': use linear or squaredcos_cap_v2");
}

const char* betaScheduleName(BetaSchedule schedule) { return schedule == BetaSchedule::Linear ? "linear" : "squaredcos_cap_v2"; }

at::Tensor betasFor(BetaSchedule schedule, int64_t steps) {
  if (steps < 1) fail(ErrorCode::Config, "a diffusion needs at least one step");
  if (schedule == BetaSchedule::Linear) {
    // β runs to 20/T: below 20 steps it would pass 1 (improved-diffusion asserts 0 < β ≤ 1).
    if (steps < 20) fail(ErrorCode::Config, "the linear schedule needs at least 20 diffusion steps (its last β is 20/T)");
    const double scale = 1000.0 / static_cast<double>(steps);
    return at::linspace(scale * 0.0001, scale * 0.02, steps, at::kDouble);
  }
  auto alphaBar = [](double t) { return std::pow(std::cos((t + 0.008) / 1.008 * M_PI / 2), 2); };
  at::Tensor betas = at::empty({steps}, at::kDouble);
  auto* values = betas.data_ptr<double>();
  for (int64_t i = 0; i < steps; ++i) {
    const double t1 = static_cast<double>(i) / static_cast<double>(steps), t2 = static_cast<double>(i + 1) / static_cast<double>(steps);
    values[i] = std::min(1.0 - alphaBar(t2) / alphaBar(t1), 0.999);
  }
  return betas;
}

namespace {

/** A whole positive decimal number, or ERR_CONFIG naming the respacing. */
int64_t stepCount(const std::string& digits, const std::string& respacing) {
  const bool valid = !digits.empty() && digits.size() <= 9 && digits.find_first_not_of("0123456789") == std::string::npos;
  if (!valid || std::stoll(digits) < 1) fail(ErrorCode::Config, "respacing '" + respacing + "' must be ddimN, N or empty");
  return std::stoll(digits);
}

}  // namespace

std::vector<int64_t> respacedTimesteps(const std::string& respacing, int64_t steps) {
  std::vector<int64_t> kept;
  const bool ddim = respacing.rfind("ddim", 0) == 0;
  const int64_t wanted = respacing.empty() ? steps : stepCount(ddim ? respacing.substr(4) : respacing, respacing);
  if (!ddim) {
    if (wanted != steps) fail(ErrorCode::Config, "respacing '" + respacing + "': only ddimN or all " + std::to_string(steps) + " steps are supported");
    for (int64_t t = 0; t < steps; ++t) kept.push_back(t);
    return kept;
  }
  // improved-diffusion: the first stride i in 1..T with len(range(0, T, i)) == N.
  for (int64_t stride = 1; stride <= steps; ++stride) {
    if ((steps + stride - 1) / stride == wanted) {
      for (int64_t t = 0; t < steps; t += stride) kept.push_back(t);
      return kept;
    }
  }
  fail(ErrorCode::Config, "cannot make " + respacing + " from " + std::to_string(steps) + " steps with an even stride");
}

}  // namespace diffprompt
