// The Mask-VAE (stage 1): diffusers' AutoencoderKL with its module layout and parameter names,
// so a published `diffusion_pytorch_model.safetensors` of the same config loads by name.
//
//   mask B×in×H×W → encoder → quant_conv → mean, logvar (B×latent×H/f×W/f, f = 2^(blocks-1))
//   latent → post_quant_conv → decoder → B×out×H×W (no output activation, as the reference)
#pragma once

#include <torch/torch.h>

#include <vector>

namespace diffprompt {

struct MaskVaeConfig {
  int64_t inChannels = 1;
  int64_t outChannels = 1;
  std::vector<int64_t> blockChannels{4, 8, 16, 16};
  int64_t layersPerBlock = 2;
  int64_t latentChannels = 4;
  int64_t normGroups = 2;
  int64_t sampleSize = 224;

  /** Spatial downsampling factor: one halving per block but the last. */
  int64_t downFactor() const { return int64_t(1) << (blockChannels.size() - 1); }
  int64_t latentSize() const { return sampleSize / downFactor(); }
};

/** diffusers ResnetBlock2D without a time embedding: GN→SiLU→conv→GN→SiLU→conv, + shortcut. */
class ResnetBlockImpl : public torch::nn::Module {
 public:
  ResnetBlockImpl(int64_t in, int64_t out, int64_t groups);
  at::Tensor forward(const at::Tensor& x);

 private:
  torch::nn::GroupNorm norm1_{nullptr}, norm2_{nullptr};
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, convShortcut_{nullptr};
};
TORCH_MODULE(ResnetBlock);

/** diffusers Attention as the VAE mid block uses it: one head over all channels, GN in front,
 * residual. x: B×C×H×W → B×C×H×W. */
class MidAttentionImpl : public torch::nn::Module {
 public:
  MidAttentionImpl(int64_t channels, int64_t groups);
  at::Tensor forward(const at::Tensor& x);

 private:
  torch::nn::GroupNorm groupNorm_{nullptr};
  torch::nn::Linear toQ_{nullptr}, toK_{nullptr}, toV_{nullptr};
  torch::nn::ModuleList toOut_{nullptr};  // "to_out.0": Linear (index 1 is dropout in diffusers)
};
TORCH_MODULE(MidAttention);

/** UNetMidBlock2D: resnet → attention → resnet. */
class MidBlockImpl : public torch::nn::Module {
 public:
  MidBlockImpl(int64_t channels, int64_t groups);
  at::Tensor forward(at::Tensor x);

 private:
  torch::nn::ModuleList resnets_{nullptr}, attentions_{nullptr};
};
TORCH_MODULE(MidBlock);

/** DownEncoderBlock2D / UpDecoderBlock2D: resnets, then an optional down- or upsampler. */
class SamplingBlockImpl : public torch::nn::Module {
 public:
  enum class Kind { Down, Up };
  SamplingBlockImpl(Kind kind, int64_t in, int64_t out, int64_t layers, int64_t groups, bool resample);
  at::Tensor forward(at::Tensor x);

 private:
  Kind kind_;
  torch::nn::ModuleList resnets_{nullptr}, samplers_{nullptr};
};
TORCH_MODULE(SamplingBlock);

class VaeEncoderImpl : public torch::nn::Module {
 public:
  explicit VaeEncoderImpl(const MaskVaeConfig& config);
  at::Tensor forward(at::Tensor x);  // B×in×H×W → B×2·latent×H/f×W/f

 private:
  torch::nn::Conv2d convIn_{nullptr}, convOut_{nullptr};
  torch::nn::ModuleList downBlocks_{nullptr};
  MidBlock midBlock_{nullptr};
  torch::nn::GroupNorm convNormOut_{nullptr};
};
TORCH_MODULE(VaeEncoder);

class VaeDecoderImpl : public torch::nn::Module {
 public:
  explicit VaeDecoderImpl(const MaskVaeConfig& config);
  at::Tensor forward(at::Tensor z);  // B×latent×h×w → B×out×H×W

 private:
  torch::nn::Conv2d convIn_{nullptr}, convOut_{nullptr};
  torch::nn::ModuleList upBlocks_{nullptr};
  MidBlock midBlock_{nullptr};
  torch::nn::GroupNorm convNormOut_{nullptr};
};
TORCH_MODULE(VaeDecoder);

struct Posterior {
  at::Tensor mean, logvar;  // B×latent×h×w; logvar clamped to [−30, 20]
};

class MaskVaeImpl : public torch::nn::Module {
 public:
  MaskVaeImpl(const MaskVaeConfig& config, at::Generator& generator);
  Posterior encode(const at::Tensor& masks);
  at::Tensor decode(const at::Tensor& latents);
  const MaskVaeConfig& config() const { return config_; }

 private:
  MaskVaeConfig config_;
  VaeEncoder encoder_{nullptr};
  VaeDecoder decoder_{nullptr};
  torch::nn::Conv2d quantConv_{nullptr}, postQuantConv_{nullptr};
};
TORCH_MODULE(MaskVae);

}  // namespace diffprompt
