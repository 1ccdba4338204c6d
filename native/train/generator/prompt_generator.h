// The stage-2 prompt generator as a trainable model: MaskDiT, an EMA copy of it, and the Gaussian
// diffusion it was trained with (its schedule is part of the config, so sampling uses the same
// one; the reference trains linear and samples cosine, which this does not copy).
//
//   trainStep: latents x0 B×C×S×S (Mask-VAE latents of the referred masks), condition features
//   image B×Di, text B×Dt → t ~ U{0..T−1}, ε ~ N(0, I) from the model's generator → MSE + VB →
//   AdamW → EMA update. Sampling: DDIM (respaced, η) or DDPM, returning the whole trajectory.
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>

#include "diffusion/gaussian_diffusion.h"
#include "nn/dit/mask_dit.h"
#include "train/trainable.h"

namespace diffprompt {

struct PromptGeneratorConfig {
  MaskDitConfig network;
  BetaSchedule schedule = BetaSchedule::Linear;
  int64_t diffusionSteps = 100;
  double emaDecay = 0.9999;
};

struct GeneratorStepLosses {
  double loss, mse, vb;
};

struct SamplingOptions {
  std::string respacing = "ddim25";  // "ddimN", or "" for every step
  double eta = 0.0;
  bool ddpm = false;   // ancestral sampling with the learned variance instead of DDIM
  bool useEma = true;
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
  at::Tensor forward(const at::Tensor& x, const at::Tensor& t, const at::Tensor& image, const at::Tensor& text, bool useEma);
  /** The losses at given (t, ε), no grad: for tests against other implementations. */
  DiffusionLosses losses(const at::Tensor& x0, const at::Tensor& t, const at::Tensor& noise, const at::Tensor& image, const at::Tensor& text);
  /** The EMA becomes a copy of the network's weights (after loading published weights). */
  void resetEma();
  GeneratorStepLosses trainStep(const at::Tensor& x0, const at::Tensor& image, const at::Tensor& text, double lr);
  /** From x_T = noise: steps×B×C×S×S, the last the sample. stepNoise (optional) replaces the generator's draws. */
  at::Tensor trajectory(const at::Tensor& noise, const at::Tensor& image, const at::Tensor& text, const SamplingOptions& options,
                        const at::Tensor& stepNoise = {});

 protected:
  AdamOptions adamOptions() const override { return adam_; }

 private:
  void checkInputs(const at::Tensor& x, const at::Tensor& image, const at::Tensor& text) const;
  void updateEma();
  /** The respaced diffusion for `respacing`, built once (its tables are float64 work). */
  const GaussianDiffusion& sampler(const std::string& respacing);

  PromptGeneratorConfig config_;
  AdamOptions adam_;
  MaskDit network_, ema_;
  GaussianDiffusion diffusion_;
  std::map<std::string, GaussianDiffusion> samplers_;  // by respacing; only this model's job thread touches it
};

}  // namespace diffprompt
