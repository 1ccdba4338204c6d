// A multi-layer perceptron: Linear → GELU → ... → Linear. The smallest real model through the
// whole path (TypeScript → N-API → libtorch → checkpoints); its layers are named "layers.i".
#pragma once

#include <torch/torch.h>

#include <vector>

namespace diffprompt {

struct MlpConfig {
  int64_t inputSize = 1;
  std::vector<int64_t> hiddenSizes;
  int64_t outputSize = 1;
};

class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(const MlpConfig& config, at::Generator& generator);
  at::Tensor forward(at::Tensor x);  // B×input → B×output

 private:
  torch::nn::ModuleList layers_;  // "layers.i": torch.nn.Sequential's names
};
TORCH_MODULE(Mlp);

}  // namespace diffprompt
