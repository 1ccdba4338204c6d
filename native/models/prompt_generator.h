// The stage-2 prompt generator as a trainable model: MaskDiT, an EMA copy of it, and the Gaussian
// diffusion it was trained with (its schedule is part of the config, so sampling uses the same
// one; the reference trains linear and samples cosine, which this does not copy).
//
//   trainStep: latents x0 B×C×S×S (Mask-VAE latents of the referred masks), condition features
//   image B×Di, text B×Dt (and the image map B×Ds×h×w with spatial conditioning) →
//   t ~ U{0..T−1}, ε ~ N(0, I) from the model's generator → MSE + VB → AdamW → EMA update.
//   Sampling: DDIM (respaced, η) or DDPM, returning the whole trajectory.
//
//   trainOnBatch and generate are the composite jobs: the frozen conditioner's features and the
//   frozen Mask-VAE's latents (x0 = s·(μ + σ·ε), ε from this model's generator, so a resumed run
//   repeats its draws; or x0 = s·μ) or decoded masks (of x/s), around the generator, in one call.
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>

#include "core/batch_draws.h"
#include "core/job_context.h"
#include "core/precision.h"
#include "diffusion/gaussian_diffusion.h"
#include "nn/dit/mask_dit.h"
#include "models/conditioner.h"
#include "models/mask_vae_model.h"
#include "train/trainable.h"

namespace diffprompt {

struct PromptGeneratorConfig {
  MaskDitConfig network;
  BetaSchedule schedule = BetaSchedule::Linear;
  int64_t diffusionSteps = 100;
  double emaDecay = 0.9999;
  /** x0 = latentScale·z (z the Mask-VAE latent; the reference: 1, unscaled); samples are divided by it before decoding. */
  double latentScale = 1.0;
  /** z = the posterior mean instead of a draw μ + σ·ε (the reference draws). */
  bool posteriorMean = false;
  /** With spatial conditioning: the conditioner's map after its cross-modal fusion (text-aware)
   * instead of the image encoder's. */
  bool fusedMap = false;
  /** bf16: the network's forward passes (training and sampling) run under autocast. */
  Precision precision = Precision::Float32;
};

struct GeneratorStepLosses {
  double loss, mse, vb;
};

/** What the network is conditioned on: B×Di, B×Dt, and B×Ds×h×w with spatial conditioning. */
struct GeneratorCondition {
  at::Tensor image, text, imageMap;
};

struct SamplingOptions {
  std::string respacing = "ddim25";  // "ddimN", or "" for every step
  double eta = 0.0;
  bool ddpm = false;   // ancestral sampling with the learned variance instead of DDIM
  bool useEma = true;
  const JobContext* context = nullptr;  // when set, a cancelled job stops before the next denoising step
};

struct GeneratedMasks {
  at::Tensor trajectory;  // steps×B×C×S×S latents, the last the sample
  at::Tensor masks;       // B×1×H×W: the sample decoded by the Mask-VAE, in [0, 1]
  at::Tensor decoded;     // steps×B×1×H×W: every step decoded (only when asked for)
};

class PromptGenerator : public Trainable {
 public:
  PromptGenerator(const PromptGeneratorConfig& config, uint64_t seed, torch::Device device, AdamOptions adam);

  torch::nn::Module& module() override { return *network_; }
  /** The EMA weights, by the same names (saved as ema.safetensors). */
  torch::nn::Module& ema() { return *ema_; }
  const PromptGeneratorConfig& config() const { return config_; }
  const GaussianDiffusion& diffusion() const { return diffusion_; }

  /** The network's output, B×2C×S×S (no grad). */
  at::Tensor forward(const at::Tensor& x, const at::Tensor& t, const GeneratorCondition& condition, bool useEma);
  /** The losses at given (t, ε), no grad: for tests against other implementations. */
  DiffusionLosses losses(const at::Tensor& x0, const at::Tensor& t, const at::Tensor& noise, const GeneratorCondition& condition);
  /** The EMA becomes a copy of the network's weights (after loading published weights). */
  void resetEma();
  /** seeds (int64 B, optional): each sample's timestep and noise from its own stream (BatchDraws). */
  GeneratorStepLosses trainStep(const at::Tensor& x0, const GeneratorCondition& condition, double lr, const at::Tensor& seeds = {});
  /** From x_T = noise: steps×B×C×S×S, the last the sample. stepNoise (optional) replaces the generator's draws. */
  at::Tensor trajectory(const at::Tensor& noise, const GeneratorCondition& condition, const SamplingOptions& options, const at::Tensor& stepNoise = {});

  /** One training step from images, tokens and the referred objects' masks (B×1×H×W). */
  GeneratorStepLosses trainOnBatch(Conditioner& conditioner, MaskVaeModel& vae, const ConditionerInputs& inputs, const at::Tensor& masks, double lr,
                                   const at::Tensor& seeds = {});
  /** The conditioner's features for images and tokens, as this network reads them (checked
   * against its widths; the fused map when it was configured so): what trajectory() takes. */
  GeneratorCondition conditionFrom(Conditioner& conditioner, const ConditionerInputs& inputs) const;
  /** x_T for B samples, each drawn from a generator seeded with its own seed (int64 B): B×C×S×S. */
  at::Tensor noiseFromSeeds(const at::Tensor& seeds) const;
  /** Samples from x_T = noise for images and tokens, and decodes the result (and, with
   * decodeTrajectory, every step) with the Mask-VAE. */
  GeneratedMasks generate(Conditioner& conditioner, MaskVaeModel& vae, const ConditionerInputs& inputs, const at::Tensor& noise,
                          const SamplingOptions& options, bool decodeTrajectory);

 protected:
  AdamOptions adamOptions() const override { return adam_; }

 private:
  /** One training step with the step's draws (shared by trainStep and trainOnBatch). */
  GeneratorStepLosses step(const at::Tensor& x0, const GeneratorCondition& condition, double lr, BatchDraws& draws);
  void checkInputs(const at::Tensor& x, const GeneratorCondition& condition) const;
  void updateEma();
  /** The respaced diffusion for `respacing`, built once (its tables are float64 work). */
  const GaussianDiffusion& sampler(const std::string& respacing);

  PromptGeneratorConfig config_;
  AdamOptions adam_;
  MaskDit network_, ema_;
  GaussianDiffusion diffusion_;
  // By respacing. Jobs that touch it hold this model (its own jobs, or composite jobs that take its
  // queue in TypeScript: NativeModel.together), so one thread at a time.
  std::map<std::string, GaussianDiffusion> samplers_;
};

}  // namespace diffprompt
