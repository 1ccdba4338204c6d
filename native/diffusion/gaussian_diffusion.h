// Gaussian diffusion with ε-prediction and a learned-range variance (Nichol & Dhariwal 2021),
// numerically as OpenAI's improved-diffusion (which DiT vendors): the tables are float64 and
// each value is taken as float32 where it meets a tensor. A respaced diffusion (DDIM-25) is
// the same object built over the kept timesteps; the model always sees the original timestep.
//
//   x0, x_t, ε: B×C×H×W float32; t: B int64, indices into this diffusion's own steps
//   model output: B×2C×H×W = ε̂ ‖ v, v ∈ [−1, 1] interpolating log β_t and log β̃_t
#pragma once

#include <torch/torch.h>

#include <functional>
#include <vector>

#include "diffusion/beta_schedule.h"

namespace diffprompt {

struct DiffusionLosses {
  at::Tensor mse;   // B: mean over C,H,W of (ε − ε̂)²
  at::Tensor vb;    // B: KL(q(x_{t−1}|x_t,x0) ‖ p(x_{t−1}|x_t)) in bits (decoder NLL at t = 0), ε̂ detached
  at::Tensor loss;  // B: mse + vb
};

/** The model as the samplers call it: (x_t, original timesteps B) → B×2C×H×W. */
using DenoiseFunction = std::function<at::Tensor(const at::Tensor& x, const at::Tensor& timesteps)>;

class GaussianDiffusion {
 public:
  /** The full diffusion over `steps` (kept = all), or respaced over `kept` original timesteps. */
  GaussianDiffusion(BetaSchedule schedule, int64_t steps, std::vector<int64_t> kept = {});

  int64_t steps() const { return static_cast<int64_t>(timestepMap_.size()); }
  /** Original timestep of each of this diffusion's steps. */
  const std::vector<int64_t>& timestepMap() const { return timestepMap_; }
  const at::Tensor& alphasCumprod() const { return alphasCumprod_; }  // float64
  const at::Tensor& betas() const { return betas_; }                  // float64

  /** √ᾱ_t·x0 + √(1−ᾱ_t)·ε. */
  at::Tensor qSample(const at::Tensor& x0, const at::Tensor& t, const at::Tensor& noise) const;
  /** The training losses for a model output at (x_t = qSample(x0, t, noise), t). */
  DiffusionLosses trainingLosses(const at::Tensor& modelOutput, const at::Tensor& x0, const at::Tensor& xt,
                                 const at::Tensor& t, const at::Tensor& noise) const;

  /** DDIM from x_T = noise down to x_0; returns every step's result (steps()×B×C×H×W, the last is
   * the sample). With eta > 0 each step but the last adds σ·z: z is stepNoise[n] for the n-th step
   * taken (stepNoise steps()×B×C×H×W; its last slice is not used), else drawn from `generator`. */
  at::Tensor ddimTrajectory(const DenoiseFunction& model, const at::Tensor& noise, double eta, at::Generator& generator,
                            const at::Tensor& stepNoise = {}) const;
  /** Ancestral (DDPM) sampling with the learned variance; the same layout as ddimTrajectory. */
  at::Tensor ddpmTrajectory(const DenoiseFunction& model, const at::Tensor& noise, at::Generator& generator,
                            const at::Tensor& stepNoise = {}) const;

 private:
  struct MeanVariance {
    at::Tensor mean, logVariance, predictedX0;
  };
  /** The model's p(x_{t−1}|x_t): mean from ε̂ through x̂0, log variance from v. */
  MeanVariance pMeanVariance(const at::Tensor& modelOutput, const at::Tensor& xt, const at::Tensor& t) const;
  /** Table values at t as float32, shaped B×1×1×1 to broadcast over x. */
  at::Tensor valueAt(const at::Tensor& table, const at::Tensor& t, const at::Tensor& like) const;
  at::Tensor timestepsOf(int64_t k, int64_t batch, torch::Device device) const;

  std::vector<int64_t> timestepMap_;
  at::Tensor betas_, alphasCumprod_, alphasCumprodPrev_;
  at::Tensor sqrtAlphasCumprod_, sqrtOneMinusAlphasCumprod_, sqrtRecipAlphasCumprod_, sqrtRecipm1AlphasCumprod_;
  at::Tensor posteriorVariance_, posteriorLogVarianceClipped_, posteriorMeanCoef1_, posteriorMeanCoef2_;
};

}  // namespace diffprompt
