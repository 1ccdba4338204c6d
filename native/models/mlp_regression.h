// Regression with an MLP: the first model trained end to end from TypeScript (one native call
// per step, or many steps in one cancellable job with progress).
#pragma once

#include <torch/torch.h>

#include <vector>

#include "core/job_context.h"
#include "nn/mlp.h"
#include "train/trainable.h"

namespace diffprompt {

class MlpRegression : public Trainable {
 public:
  MlpRegression(const MlpConfig& config, uint64_t seed, torch::Device device, double lr);

  torch::nn::Module& module() override { return *network_; }
  const MlpConfig& config() const { return config_; }

  /** x: B×input float32 → B×output, without autograd. */
  at::Tensor predict(const at::Tensor& x);
  /** One Adam step on MSE(net(x), y); returns the loss before the step. ERR_NAN stops it. */
  double trainStep(const at::Tensor& x, const at::Tensor& y);
  /** `steps` train steps on the same batch; progress every step; cancellable between steps. */
  std::vector<double> fit(const at::Tensor& x, const at::Tensor& y, int64_t steps, JobContext& job);

 protected:
  AdamOptions adamOptions() const override { return {}; }

 private:
  void checkBatch(const at::Tensor& x, const at::Tensor* y) const;
  MlpConfig config_;
  double lr_;
  Mlp network_;
};

}  // namespace diffprompt
