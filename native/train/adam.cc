#include "train/adam.h"

#include <cmath>
#include <map>

#include "core/error.h"
#include "core/tensor_checks.h"

namespace diffprompt {

Adam::Adam(std::vector<std::pair<std::string, at::Tensor>> parameters, AdamOptions options) : options_(options) {
  for (auto& [name, param] : parameters) {
    slots_.push_back({name, param, at::zeros_like(param), at::zeros_like(param)});
  }
}

void Adam::zeroGrad() {
  for (auto& slot : slots_) {
    if (slot.param.grad().defined()) slot.param.mutable_grad().zero_();
  }
}

void Adam::step(double lr) {
  torch::NoGradGuard noGrad;
  ++steps_;
  const double biasCorrection1 = 1 - std::pow(options_.beta1, static_cast<double>(steps_));
  const double biasCorrection2Sqrt = std::sqrt(1 - std::pow(options_.beta2, static_cast<double>(steps_)));
  const double stepSize = lr / biasCorrection1;
  for (auto& slot : slots_) {
    if (!slot.param.grad().defined()) continue;
    at::Tensor grad = slot.param.grad();
    if (options_.weightDecay != 0) {
      if (options_.decoupled) slot.param.mul_(1 - lr * options_.weightDecay);
      else grad = grad.add(slot.param, options_.weightDecay);
    }
    slot.expAvg.mul_(options_.beta1).add_(grad, 1 - options_.beta1);
    slot.expAvgSq.mul_(options_.beta2).addcmul_(grad, grad, 1 - options_.beta2);
    const at::Tensor denom = (slot.expAvgSq.sqrt() / biasCorrection2Sqrt).add_(options_.eps);
    slot.param.addcdiv_(slot.expAvg, denom, -stepSize);
  }
}

safetensors::NamedTensors Adam::state() const {
  safetensors::NamedTensors state;
  for (const auto& slot : slots_) {
    state.emplace_back(slot.name + ".exp_avg", slot.expAvg);
    state.emplace_back(slot.name + ".exp_avg_sq", slot.expAvgSq);
  }
  state.emplace_back("step", at::full({}, steps_, at::kLong));
  return state;
}

void Adam::loadState(const safetensors::NamedTensors& state, const std::string& source) {
  std::map<std::string, at::Tensor> byName(state.begin(), state.end());
  auto take = [&](const std::string& name, const at::Tensor& like) {
    const auto found = byName.find(name);
    if (found == byName.end()) fail(ErrorCode::Checkpoint, source + " has no optimizer state \"" + name + "\" (saved by another model?)");
    if (!at::isfinite(found->second).all().item<bool>()) fail(ErrorCode::Checkpoint, source + ": optimizer state \"" + name + "\" is not finite");
    if (!found->second.sizes().equals(like.sizes())) {
      fail(ErrorCode::Checkpoint, source + ": optimizer state \"" + name + "\" has shape " + shapeString(found->second.sizes()) +
                                      ", expected " + shapeString(like.sizes()));
    }
    return found->second;
  };
  const auto step = byName.find("step");
  if (step == byName.end() || step->second.numel() != 1) fail(ErrorCode::Checkpoint, source + " has no optimizer step count");
  const int64_t steps = step->second.to(at::kLong).item<int64_t>();
  if (steps < 0) fail(ErrorCode::Checkpoint, source + ": optimizer step count " + std::to_string(steps) + " is negative");
  // Check everything before changing anything.
  std::vector<std::pair<at::Tensor, at::Tensor>> copies;
  for (auto& slot : slots_) {
    copies.emplace_back(slot.expAvg, take(slot.name + ".exp_avg", slot.expAvg));
    copies.emplace_back(slot.expAvgSq, take(slot.name + ".exp_avg_sq", slot.expAvgSq));
  }
  torch::NoGradGuard noGrad;
  for (auto& [destination, value] : copies) destination.copy_(value);
  steps_ = steps;
}

}  // namespace diffprompt
