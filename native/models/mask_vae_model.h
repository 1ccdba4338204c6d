// The Mask-VAE as a trainable model: encode (mean, logvar, a sample), decode, one training step
// (encode → reparameterise → decode → MSE + weighted KL → Adam) and held-out evaluation.
#pragma once

#include <torch/torch.h>

#include "nn/mask_vae.h"
#include "train/trainable.h"

namespace diffprompt {

struct VaeEncoding {
  at::Tensor mean, logvar, sample;  // B×latent×h×w each
};

struct VaeLosses {
  double loss, reconstruction, kl;
};

struct VaeEvaluation {
  at::Tensor iou;  // B: IoU of decode(mean) > 0.5 with mask > 0.5 (1 when both are empty)
  at::Tensor mse;  // B: mean squared error of decode(mean)
};

class MaskVaeModel : public Trainable {
 public:
  MaskVaeModel(const MaskVaeConfig& config, uint64_t seed, torch::Device device, AdamOptions adam);

  torch::nn::Module& module() override { return *network_; }
  const MaskVaeConfig& config() const { return network_->config(); }

  /** masks: B×in×S×S float32 in [0, 1]. The sample draws its noise from the model's generator. */
  VaeEncoding encode(const at::Tensor& masks);
  /** latents: B×latent×S/f×S/f float32 → B×out×S×S. */
  at::Tensor decode(const at::Tensor& latents);
  /** One Adam step at `lr` on MSE(decode(z), masks) + klWeight·KL, KL summed over channels and
   * averaged over batch and space (the reference's). Non-finite loss: ERR_NAN, no update. */
  /** seeds (int64 B, optional): each sample's reparameterisation noise from its own stream (BatchDraws). */
  VaeLosses trainStep(const at::Tensor& masks, double lr, double klWeight, const at::Tensor& seeds = {});
  VaeEvaluation evaluate(const at::Tensor& masks);

 protected:
  AdamOptions adamOptions() const override { return adam_; }

 private:
  void checkMasks(const at::Tensor& masks) const;
  void checkLatents(const at::Tensor& latents) const;
  AdamOptions adam_;
  MaskVae network_;
};

}  // namespace diffprompt
