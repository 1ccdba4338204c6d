#include "nn/init.h"

#include <cmath>

namespace diffprompt::init {

void linearDefault(torch::nn::Linear& linear, at::Generator& generator) {
  torch::NoGradGuard noGrad;
  const double bound = 1.0 / std::sqrt(static_cast<double>(linear->weight.size(1)));
  linear->weight.uniform_(-bound, bound, generator);
  if (linear->bias.defined()) linear->bias.uniform_(-bound, bound, generator);
}

void linearXavier(torch::nn::Linear& linear, at::Generator& generator) {
  torch::NoGradGuard noGrad;
  const double fanOut = static_cast<double>(linear->weight.size(0));
  const double fanIn = static_cast<double>(linear->weight.size(1));
  const double bound = std::sqrt(6.0 / (fanIn + fanOut));
  linear->weight.uniform_(-bound, bound, generator);
  if (linear->bias.defined()) linear->bias.zero_();
}

}  // namespace diffprompt::init
