// What every model handle owns: its network, its device, its own random generator and, once it
// trains, its optimizer. The N-API model handles are written against this.
#pragma once

#include <torch/torch.h>

#include <memory>

#include "io/module_state.h"
#include "train/adam.h"

namespace diffprompt {

class Trainable {
 public:
  Trainable(uint64_t seed, torch::Device device)
      : generator_(at::make_generator<at::CPUGeneratorImpl>(seed)), device_(device) {}
  virtual ~Trainable() = default;

  virtual torch::nn::Module& module() = 0;
  /** Null until the model has trained or its training state was loaded. */
  Adam* optimizer() { return optimizer_.get(); }
  /** Creates the optimizer over the parameters that require grad, once. */
  void ensureOptimizer() {
    if (!optimizer_) optimizer_ = makeOptimizer();
  }
  /** Replaces the optimizer state only once all of `state` checked out: a bad file changes nothing. */
  void loadOptimizerState(const safetensors::NamedTensors& state, const std::string& source) {
    std::unique_ptr<Adam> loaded = makeOptimizer();
    loaded->loadState(state, source);
    optimizer_ = std::move(loaded);
  }
  /** Copies weights by name into module() (loadNamedState). A model whose published files carry
   * names it does not keep drops those first. */
  virtual LoadReport loadWeights(const safetensors::NamedTensors& tensors, bool strict, const std::string& source) {
    return loadNamedState(module(), tensors, strict, source);
  }
  at::Generator& generator() { return generator_; }
  torch::Device device() const { return device_; }

 protected:
  virtual AdamOptions adamOptions() const = 0;

  std::unique_ptr<Adam> makeOptimizer() {
    std::vector<std::pair<std::string, at::Tensor>> parameters;
    for (const auto& item : module().named_parameters()) {
      if (item.value().requires_grad()) parameters.emplace_back(item.key(), item.value());
    }
    return std::make_unique<Adam>(std::move(parameters), adamOptions());
  }

  at::Generator generator_;  // CPU: initial weights, data noise; same seed → same numbers
  torch::Device device_;
  std::unique_ptr<Adam> optimizer_;
};

}  // namespace diffprompt
