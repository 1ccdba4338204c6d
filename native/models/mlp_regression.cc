#include "models/mlp_regression.h"

#include "core/error.h"
#include "core/tensor_checks.h"
#include <cmath>

namespace diffprompt {

MlpRegression::MlpRegression(const MlpConfig& config, uint64_t seed, torch::Device device, double lr)
    : Trainable(seed, device), config_(config), lr_(lr), network_(config, generator_) {
  network_->to(device_);
}

void MlpRegression::checkBatch(const at::Tensor& x, const at::Tensor* y) const {
  expectDtype(x, at::kFloat, "x");
  expectShape(x, {-1, config_.inputSize}, "x");
  if (!y) return;
  expectDtype(*y, at::kFloat, "y");
  expectShape(*y, {x.size(0), config_.outputSize}, "y");
}

at::Tensor MlpRegression::predict(const at::Tensor& x) {
  checkBatch(x, nullptr);
  torch::NoGradGuard noGrad;  // not InferenceMode: results may later feed a training step
  network_->eval();
  return network_->forward(x.to(device_));
}

double MlpRegression::trainStep(const at::Tensor& x, const at::Tensor& y) {
  checkBatch(x, &y);
  ensureOptimizer();
  network_->train();
  optimizer_->zeroGrad();
  const at::Tensor loss = torch::mse_loss(network_->forward(x.to(device_)), y.to(device_));
  const double value = loss.item<double>();
  if (!std::isfinite(value)) fail(ErrorCode::Nan, "the MSE loss became " + std::to_string(value) + ": lower the learning rate or check the data");
  loss.backward();
  optimizer_->step(lr_);
  return value;
}

std::vector<double> MlpRegression::fit(const at::Tensor& x, const at::Tensor& y, int64_t steps, JobContext& job) {
  if (steps < 1) fail(ErrorCode::Config, "steps must be at least 1, got " + std::to_string(steps));
  std::vector<double> losses;
  for (int64_t step = 0; step < steps; ++step) {
    job.throwIfCancelled("training");
    losses.push_back(trainStep(x, y));
    job.progress({step + 1, steps, {{"loss", losses.back()}}});
  }
  return losses;
}

}  // namespace diffprompt
