#include "nn/clip/clip_encoder.h"

#include <cmath>

namespace diffprompt {

torch::nn::LayerNorm clipLayerNorm(int64_t width) { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}).eps(1e-5)); }

ClipEncoderLayerImpl::ClipEncoderLayerImpl(int64_t width, int64_t heads, int64_t mlpRatio) {
  selfAttn_ = register_module("self_attn", CrossAttention(width, width, width, heads));
  layerNorm1_ = register_module("layer_norm1", clipLayerNorm(width));
  auto mlp = register_module("mlp", std::make_shared<torch::nn::Module>());
  fc1_ = mlp->register_module("fc1", torch::nn::Linear(width, mlpRatio * width));
  fc2_ = mlp->register_module("fc2", torch::nn::Linear(mlpRatio * width, width));
  layerNorm2_ = register_module("layer_norm2", clipLayerNorm(width));
}

at::Tensor ClipEncoderLayerImpl::forward(const at::Tensor& hidden, const at::Tensor& additiveMask) {
  const at::Tensor normed = layerNorm1_(hidden);
  const at::Tensor h = hidden + selfAttn_(normed, normed, additiveMask);
  const at::Tensor expanded = fc1_(layerNorm2_(h));
  return h + fc2_(expanded * at::sigmoid(1.702 * expanded));  // QuickGELU
}

ClipEncoderImpl::ClipEncoderImpl(int64_t layers, int64_t width, int64_t heads, int64_t mlpRatio, at::Generator& generator) {
  layers_ = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < layers; ++i) layers_->push_back(ClipEncoderLayer(width, heads, mlpRatio));
  const double d = static_cast<double>(width);
  const double inProjStd = std::pow(d, -0.5) * std::pow(2.0 * static_cast<double>(layers), -0.5);
  const double outProjStd = std::pow(d, -0.5), fcStd = std::pow(2.0 * d, -0.5);
  torch::NoGradGuard noGrad;
  for (const auto& item : named_parameters()) {
    // "<i>.self_attn.q_proj.weight", "<i>.mlp.fc1.bias", "<i>.layer_norm1.weight", ...
    const std::string& name = item.key();
    at::Tensor value = item.value();
    const auto has = [&](const char* part) { return name.find(part) != std::string::npos; };
    if (has("layer_norm")) {
      has(".weight") ? value.fill_(1.0) : value.zero_();
    } else if (has(".bias")) {
      value.zero_();
    } else if (has("out_proj")) {
      value.normal_(0.0, outProjStd, generator);
    } else if (has("fc1")) {
      value.normal_(0.0, fcStd, generator);
    } else {
      value.normal_(0.0, inProjStd, generator);  // q_proj, k_proj, v_proj, fc2
    }
  }
}

at::Tensor ClipEncoderImpl::forward(const at::Tensor& hidden, const at::Tensor& additiveMask) {
  at::Tensor h = hidden;
  for (const auto& layer : *layers_) h = layer->as<ClipEncoderLayer>()->forward(h, additiveMask);
  return h;
}

}  // namespace diffprompt
