#include "nn/prompt/pyramid_adapter.h"

#include <algorithm>

#include "nn/init.h"

namespace diffprompt {

PyramidAdapterImpl::PyramidAdapterImpl(int64_t channels, int64_t reduction, double ratio, at::Generator& generator) : ratio_(ratio) {
  const int64_t hidden = std::max<int64_t>(1, channels / reduction);
  fc1_ = register_module("fc1", torch::nn::Linear(torch::nn::LinearOptions(channels, hidden).bias(false)));
  fc2_ = register_module("fc2", torch::nn::Linear(torch::nn::LinearOptions(hidden, channels).bias(false)));
  init::moduleDefault(*this, generator);
}

at::Tensor PyramidAdapterImpl::forward(const at::Tensor& map) {
  const auto channelsLast = map.permute({0, 2, 3, 1});  // B×H×W×C: the linears act on channels
  const auto adapted = torch::relu(fc2_(torch::relu(fc1_(channelsLast)))).permute({0, 3, 1, 2});
  return ratio_ * adapted + (1.0 - ratio_) * map;
}

}  // namespace diffprompt
