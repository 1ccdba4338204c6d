// CLIP-Adapter on the grounding model's pyramid maps: at every location a bottleneck over the
// channels (Linear C→C/r, ReLU, Linear C/r→C, ReLU, no biases, as the original CLIP-Adapter),
// mixed back residually: f' = ratio·adapter(f) + (1 − ratio)·f, ratio 0.2 by default. The reference ran
// the bottleneck over each channel's flattened spatial map instead, with sizes fixed for 224
// input; over channels it is the original method and works at any image size.
//
//   map B×C×H×W → B×C×H×W
//
// Names: fc1, fc2.
#pragma once

#include <torch/torch.h>

namespace diffprompt {

class PyramidAdapterImpl : public torch::nn::Module {
 public:
  PyramidAdapterImpl(int64_t channels, int64_t reduction, double ratio, at::Generator& generator);
  at::Tensor forward(const at::Tensor& map);

 private:
  double ratio_;
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
};
TORCH_MODULE(PyramidAdapter);

}  // namespace diffprompt
