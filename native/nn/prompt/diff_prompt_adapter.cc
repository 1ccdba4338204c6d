#include "nn/prompt/diff_prompt_adapter.h"

#include <cmath>

#include "core/error.h"
#include "nn/init.h"

namespace diffprompt {

DiffPromptAdapterImpl::DiffPromptAdapterImpl(const DiffPromptAdapterConfig& config, at::Generator& generator) : config_(config) {
  if (config.length < 2 || config.length % 2 != 0) fail(ErrorCode::Config, "prompt length must be even and ≥ 2 (L/2 instance-specific + L/2 global tokens)");
  if (!config.specific && !config.global) fail(ErrorCode::Config, "a prompt adapter needs its instance-specific part, its global part, or both");
  if (config.depth < 1 || config.maskSize < 8) fail(ErrorCode::Config, "prompt depth must be ≥ 1 and masks at least 8×8");
  if (config.specific) {
    trunk_ = register_module("trunk", torch::nn::ModuleList());
    int64_t side = config.maskSize, channels = 1, out = config.baseChannels;
    while (side > 7) {
      trunk_->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, out, 3).stride(2).padding(1)));
      side = (side + 1) / 2;  // ⌊(side + 2·1 − 3) / 2⌋ + 1
      channels = out;
      out *= 2;
    }
    head_ = register_module("head", torch::nn::Linear(channels * side * side, config.half() * config.width));
    init::moduleDefault(*this, generator);
  }
  if (config.global) {
    auto prompts = register_module("global_prompts", std::make_shared<torch::nn::Module>());
    // kaiming_normal_(a=0, mode='fan_out') on (L/2)×D: fan_out = L/2, std = √(2 / (L/2)).
    const double std = std::sqrt(2.0 / static_cast<double>(config.half()));
    for (int64_t j = 0; j < config.depth; ++j) {
      globalPrompts_.push_back(prompts->register_parameter(std::to_string(j), at::empty({config.half(), config.width}).normal_(0.0, std, generator)));
    }
  }
}

AdapterPrompts DiffPromptAdapterImpl::forward(const std::vector<at::Tensor>& masks) {
  if (static_cast<int64_t>(masks.size()) != config_.depth) fail(ErrorCode::Shape, "the adapter takes one mask per prompted layer (" + std::to_string(config_.depth) + ")");
  std::vector<at::Tensor> prompts;
  std::vector<at::Tensor> specifics;
  for (int64_t j = 0; j < config_.depth; ++j) {
    const at::Tensor& mask = masks[j];  // B×1×S×S
    std::vector<at::Tensor> parts;
    if (config_.specific) {
      at::Tensor x = mask;
      for (auto& conv : *trunk_) x = at::silu(conv->as<torch::nn::Conv2d>()->forward(x));
      const at::Tensor specific = head_(x.flatten(1)).view({mask.size(0), config_.half(), config_.width});  // B×(L/2)×D
      specifics.push_back(specific);
      parts.push_back(specific);
    }
    if (config_.global) parts.push_back(globalPrompts_[j].unsqueeze(0).expand({mask.size(0), config_.half(), config_.width}));
    prompts.push_back(parts.size() == 1 ? parts[0] : at::cat(parts, 1));
  }
  return {prompts, specifics.empty() ? at::Tensor() : at::stack(specifics, 0).mean(at::IntArrayRef{0, 2})};
}

}  // namespace diffprompt
