#include "nn/init.h"

#include <cmath>

namespace diffprompt::init {

void linearDefault(torch::nn::Linear& linear, at::Generator& generator) {
  torch::NoGradGuard noGrad;
  const double bound = 1.0 / std::sqrt(static_cast<double>(linear->weight.size(1)));
  linear->weight.uniform_(-bound, bound, generator);
  if (linear->bias.defined()) linear->bias.uniform_(-bound, bound, generator);
}

void convDefault(torch::nn::Conv2d& conv, at::Generator& generator) {
  torch::NoGradGuard noGrad;
  const auto& weight = conv->weight;  // out × in/groups × kh × kw
  const double fanIn = static_cast<double>(weight.size(1) * weight.size(2) * weight.size(3));
  const double bound = 1.0 / std::sqrt(fanIn);
  conv->weight.uniform_(-bound, bound, generator);
  if (conv->bias.defined()) conv->bias.uniform_(-bound, bound, generator);
}

void moduleDefault(torch::nn::Module& module, at::Generator& generator) {
  // Children only: a module under construction is not yet held by a shared_ptr.
  for (auto& child : module.modules(/*include_self=*/false)) {
    if (auto linear = std::dynamic_pointer_cast<torch::nn::LinearImpl>(child)) {
      torch::nn::Linear holder(linear);
      linearDefault(holder, generator);
    } else if (auto conv = std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(child)) {
      torch::nn::Conv2d holder(conv);
      convDefault(holder, generator);
    } else if (auto transposed = std::dynamic_pointer_cast<torch::nn::ConvTranspose2dImpl>(child)) {
      torch::NoGradGuard noGrad;
      // in × out × kh × kw: PyTorch takes fan_in from dimension 1 here.
      const auto& weight = transposed->weight;
      const double bound = 1.0 / std::sqrt(static_cast<double>(weight.size(1) * weight.size(2) * weight.size(3)));
      weight.uniform_(-bound, bound, generator);
      if (transposed->bias.defined()) transposed->bias.uniform_(-bound, bound, generator);
    }
  }
}

}  // namespace diffprompt::init
