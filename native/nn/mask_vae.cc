#include "nn/mask_vae.h"

#include <cmath>

#include "core/error.h"
#include "nn/init.h"

namespace diffprompt {
namespace {

constexpr double kNormEps = 1e-6;  // every GroupNorm of AutoencoderKL

torch::nn::GroupNorm groupNorm(int64_t groups, int64_t channels) {
  return torch::nn::GroupNorm(torch::nn::GroupNormOptions(groups, channels).eps(kNormEps));
}

torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1, int64_t padding = -1) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding < 0 ? kernel / 2 : padding));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Blocks
// ---------------------------------------------------------------------------------------------

ResnetBlockImpl::ResnetBlockImpl(int64_t in, int64_t out, int64_t groups) {
  norm1_ = register_module("norm1", groupNorm(groups, in));
  conv1_ = register_module("conv1", conv(in, out, 3));
  norm2_ = register_module("norm2", groupNorm(groups, out));
  conv2_ = register_module("conv2", conv(out, out, 3));
  if (in != out) convShortcut_ = register_module("conv_shortcut", conv(in, out, 1));
}

at::Tensor ResnetBlockImpl::forward(const at::Tensor& x) {
  at::Tensor h = conv1_->forward(torch::silu(norm1_->forward(x)));
  h = conv2_->forward(torch::silu(norm2_->forward(h)));
  return (convShortcut_ ? convShortcut_->forward(x) : x) + h;
}

MidAttentionImpl::MidAttentionImpl(int64_t channels, int64_t groups) {
  groupNorm_ = register_module("group_norm", groupNorm(groups, channels));
  toQ_ = register_module("to_q", torch::nn::Linear(channels, channels));
  toK_ = register_module("to_k", torch::nn::Linear(channels, channels));
  toV_ = register_module("to_v", torch::nn::Linear(channels, channels));
  toOut_ = register_module("to_out", torch::nn::ModuleList(torch::nn::Linear(channels, channels)));
}

at::Tensor MidAttentionImpl::forward(const at::Tensor& x) {
  const int64_t batch = x.size(0), channels = x.size(1), height = x.size(2), width = x.size(3);
  at::Tensor h = groupNorm_->forward(x).view({batch, channels, height * width}).transpose(1, 2);  // B×HW×C
  const at::Tensor q = toQ_->forward(h), k = toK_->forward(h), v = toV_->forward(h);
  const at::Tensor weights = torch::softmax(torch::baddbmm(at::empty({batch, height * width, height * width}, q.options()), q,
                                                           k.transpose(1, 2), /*beta=*/0.0, /*alpha=*/1.0 / std::sqrt(static_cast<double>(channels))),
                                            -1);
  h = toOut_[0]->as<torch::nn::Linear>()->forward(torch::bmm(weights, v));  // B×HW×C
  return h.transpose(1, 2).reshape({batch, channels, height, width}) + x;
}

MidBlockImpl::MidBlockImpl(int64_t channels, int64_t groups) {
  resnets_ = register_module("resnets", torch::nn::ModuleList(ResnetBlock(channels, channels, groups), ResnetBlock(channels, channels, groups)));
  attentions_ = register_module("attentions", torch::nn::ModuleList(MidAttention(channels, groups)));
}

at::Tensor MidBlockImpl::forward(at::Tensor x) {
  x = resnets_[0]->as<ResnetBlock>()->forward(x);
  x = attentions_[0]->as<MidAttention>()->forward(x);
  return resnets_[1]->as<ResnetBlock>()->forward(x);
}

/** Downsample2D (pad right and bottom by one, 3×3 stride 2) or Upsample2D (nearest ×2, 3×3). */
class ResamplerImpl : public torch::nn::Module {
 public:
  ResamplerImpl(SamplingBlockImpl::Kind kind, int64_t channels) : kind_(kind) {
    conv_ = register_module("conv", kind == SamplingBlockImpl::Kind::Down ? conv(channels, channels, 3, 2, 0) : conv(channels, channels, 3));
  }
  at::Tensor forward(const at::Tensor& x) {
    if (kind_ == SamplingBlockImpl::Kind::Down) return conv_->forward(torch::constant_pad_nd(x, {0, 1, 0, 1}, 0));
    return conv_->forward(torch::upsample_nearest2d(x, {x.size(2) * 2, x.size(3) * 2}));
  }

 private:
  SamplingBlockImpl::Kind kind_;
  torch::nn::Conv2d conv_{nullptr};
};
TORCH_MODULE(Resampler);

SamplingBlockImpl::SamplingBlockImpl(Kind kind, int64_t in, int64_t out, int64_t layers, int64_t groups, bool resample)
    : kind_(kind) {
  resnets_ = register_module("resnets", torch::nn::ModuleList());
  for (int64_t j = 0; j < layers; ++j) resnets_->push_back(ResnetBlock(j == 0 ? in : out, out, groups));
  if (resample) {
    samplers_ = register_module(kind == Kind::Down ? "downsamplers" : "upsamplers", torch::nn::ModuleList(Resampler(kind, out)));
  }
}

at::Tensor SamplingBlockImpl::forward(at::Tensor x) {
  for (const auto& resnet : *resnets_) x = resnet->as<ResnetBlock>()->forward(x);
  if (samplers_) x = samplers_[0]->as<Resampler>()->forward(x);
  return x;
}

// ---------------------------------------------------------------------------------------------
// Encoder and decoder
// ---------------------------------------------------------------------------------------------

VaeEncoderImpl::VaeEncoderImpl(const MaskVaeConfig& config) {
  const auto& channels = config.blockChannels;
  convIn_ = register_module("conv_in", conv(config.inChannels, channels.front(), 3));
  downBlocks_ = register_module("down_blocks", torch::nn::ModuleList());
  int64_t width = channels.front();
  for (size_t i = 0; i < channels.size(); ++i) {
    const bool last = i + 1 == channels.size();
    downBlocks_->push_back(SamplingBlock(SamplingBlockImpl::Kind::Down, width, channels[i], config.layersPerBlock, config.normGroups, !last));
    width = channels[i];
  }
  midBlock_ = register_module("mid_block", MidBlock(width, config.normGroups));
  convNormOut_ = register_module("conv_norm_out", groupNorm(config.normGroups, width));
  convOut_ = register_module("conv_out", conv(width, 2 * config.latentChannels, 3));
}

at::Tensor VaeEncoderImpl::forward(at::Tensor x) {
  x = convIn_->forward(x);
  for (const auto& block : *downBlocks_) x = block->as<SamplingBlock>()->forward(x);
  x = midBlock_->forward(x);
  return convOut_->forward(torch::silu(convNormOut_->forward(x)));
}

VaeDecoderImpl::VaeDecoderImpl(const MaskVaeConfig& config) {
  const std::vector<int64_t> reversed(config.blockChannels.rbegin(), config.blockChannels.rend());
  convIn_ = register_module("conv_in", conv(config.latentChannels, reversed.front(), 3));
  midBlock_ = register_module("mid_block", MidBlock(reversed.front(), config.normGroups));
  upBlocks_ = register_module("up_blocks", torch::nn::ModuleList());
  int64_t width = reversed.front();
  for (size_t i = 0; i < reversed.size(); ++i) {
    const bool last = i + 1 == reversed.size();
    upBlocks_->push_back(SamplingBlock(SamplingBlockImpl::Kind::Up, width, reversed[i], config.layersPerBlock + 1, config.normGroups, !last));
    width = reversed[i];
  }
  convNormOut_ = register_module("conv_norm_out", groupNorm(config.normGroups, width));
  convOut_ = register_module("conv_out", conv(width, config.outChannels, 3));
}

at::Tensor VaeDecoderImpl::forward(at::Tensor z) {
  z = midBlock_->forward(convIn_->forward(z));
  for (const auto& block : *upBlocks_) z = block->as<SamplingBlock>()->forward(z);
  return convOut_->forward(torch::silu(convNormOut_->forward(z)));
}

// ---------------------------------------------------------------------------------------------
// AutoencoderKL
// ---------------------------------------------------------------------------------------------

MaskVaeImpl::MaskVaeImpl(const MaskVaeConfig& config, at::Generator& generator) : config_(config) {
  if (config.blockChannels.empty()) fail(ErrorCode::Config, "blockChannels needs at least one entry");
  for (const int64_t channels : config.blockChannels) {
    if (channels % config.normGroups != 0) {
      fail(ErrorCode::Config, "every block channel count must divide by normGroups (" + std::to_string(config.normGroups) + "), got " + std::to_string(channels));
    }
  }
  if (config.sampleSize % config.downFactor() != 0) {
    fail(ErrorCode::Config, "sampleSize " + std::to_string(config.sampleSize) + " must divide by the downsampling factor " + std::to_string(config.downFactor()));
  }
  encoder_ = register_module("encoder", VaeEncoder(config));
  decoder_ = register_module("decoder", VaeDecoder(config));
  quantConv_ = register_module("quant_conv", conv(2 * config.latentChannels, 2 * config.latentChannels, 1));
  postQuantConv_ = register_module("post_quant_conv", conv(config.latentChannels, config.latentChannels, 1));
  init::moduleDefault(*this, generator);
}

Posterior MaskVaeImpl::encode(const at::Tensor& masks) {
  const auto moments = quantConv_->forward(encoder_->forward(masks)).chunk(2, 1);
  return {moments[0], torch::clamp(moments[1], -30.0, 20.0)};
}

at::Tensor MaskVaeImpl::decode(const at::Tensor& latents) { return decoder_->forward(postQuantConv_->forward(latents)); }

}  // namespace diffprompt
