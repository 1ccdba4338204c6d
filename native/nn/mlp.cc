#include "nn/mlp.h"

#include "nn/init.h"

namespace diffprompt {

MlpImpl::MlpImpl(const MlpConfig& config, at::Generator& generator)
    : layers_(register_module("layers", torch::nn::ModuleList())) {
  std::vector<int64_t> widths{config.inputSize};
  widths.insert(widths.end(), config.hiddenSizes.begin(), config.hiddenSizes.end());
  widths.push_back(config.outputSize);
  for (size_t i = 0; i + 1 < widths.size(); ++i) {
    torch::nn::Linear layer(widths[i], widths[i + 1]);
    init::linearDefault(layer, generator);
    layers_->push_back(layer);
  }
}

at::Tensor MlpImpl::forward(at::Tensor x) {
  for (size_t i = 0; i < layers_->size(); ++i) {
    x = layers_[i]->as<torch::nn::Linear>()->forward(x);
    if (i + 1 < layers_->size()) x = torch::gelu(x);
  }
  return x;
}

}  // namespace diffprompt
