#include "models/mask_vae_model.h"

#include <cmath>

#include "core/batch_draws.h"
#include "core/error.h"
#include "core/tensor_checks.h"

namespace diffprompt {

MaskVaeModel::MaskVaeModel(const MaskVaeConfig& config, uint64_t seed, torch::Device device, AdamOptions adam)
    : Trainable(seed, device), adam_(adam), network_(config, generator_) {
  network_->to(device_);
}

void MaskVaeModel::checkMasks(const at::Tensor& masks) const {
  expectDtype(masks, at::kFloat, "masks");
  const auto& c = config();
  expectShape(masks, {-1, c.inChannels, c.sampleSize, c.sampleSize}, "masks");
}

void MaskVaeModel::checkLatents(const at::Tensor& latents) const {
  expectDtype(latents, at::kFloat, "latents");
  const auto& c = config();
  expectShape(latents, {-1, c.latentChannels, c.latentSize(), c.latentSize()}, "latents");
}

VaeEncoding MaskVaeModel::encode(const at::Tensor& masks) {
  checkMasks(masks);
  torch::NoGradGuard noGrad;  // not InferenceMode: results may later feed a training step
  network_->eval();
  const Posterior posterior = network_->encode(masks.to(device_));
  const at::Tensor noise = at::randn(posterior.mean.sizes(), generator_, at::kFloat).to(device_);
  return {posterior.mean, posterior.logvar, posterior.mean + torch::exp(0.5 * posterior.logvar) * noise};
}

at::Tensor MaskVaeModel::decode(const at::Tensor& latents) {
  checkLatents(latents);
  torch::NoGradGuard noGrad;  // not InferenceMode: results may later feed a training step
  network_->eval();
  return network_->decode(latents.to(device_));
}

VaeLosses MaskVaeModel::trainStep(const at::Tensor& masks, double lr, double klWeight, const at::Tensor& seeds) {
  checkMasks(masks);
  if (!(lr > 0) || !(klWeight >= 0)) fail(ErrorCode::Config, "lr must be > 0 and klWeight ≥ 0");
  ensureOptimizer();
  network_->train();
  optimizer_->zeroGrad();
  const at::Tensor input = masks.to(device_);
  const Posterior posterior = network_->encode(input);
  BatchDraws draws(seeds, generator_, input.size(0));
  const at::Tensor noise = draws.normal(posterior.mean.sizes().slice(1)).to(device_);
  const at::Tensor z = posterior.mean + torch::exp(0.5 * posterior.logvar) * noise;
  const at::Tensor reconstruction = torch::mse_loss(network_->decode(z), input);
  // −½ Σ_c (1 + logvar − mean² − e^logvar), averaged over batch and space.
  const at::Tensor kl = (-0.5 * (1 + posterior.logvar - posterior.mean.pow(2) - posterior.logvar.exp()).sum(1)).mean();
  const at::Tensor loss = reconstruction + klWeight * kl;
  const double value = loss.item<double>();
  if (!std::isfinite(value)) fail(ErrorCode::Nan, "the Mask-VAE loss became " + std::to_string(value) + ": lower the learning rate");
  loss.backward();
  optimizer_->step(lr);
  return {value, reconstruction.item<double>(), kl.item<double>()};
}

VaeEvaluation MaskVaeModel::evaluate(const at::Tensor& masks) {
  checkMasks(masks);
  torch::NoGradGuard noGrad;  // not InferenceMode: results may later feed a training step
  network_->eval();
  const at::Tensor input = masks.to(device_);
  const at::Tensor decoded = network_->decode(network_->encode(input).mean);
  const at::Tensor predicted = (decoded > 0.5).flatten(1);
  const at::Tensor truth = (input > 0.5).flatten(1);
  const at::Tensor intersection = (predicted & truth).sum(1).to(at::kFloat);
  const at::Tensor unionCount = (predicted | truth).sum(1).to(at::kFloat);
  const at::Tensor iou = torch::where(unionCount > 0, intersection / unionCount.clamp_min(1), torch::ones_like(unionCount));
  const at::Tensor mse = (decoded - input).pow(2).flatten(1).mean(1);
  return {iou.cpu(), mse.cpu()};
}

}  // namespace diffprompt
