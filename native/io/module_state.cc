#include "io/module_state.h"

#include <map>

#include "core/error.h"
#include "core/tensor_checks.h"

namespace diffprompt {

safetensors::NamedTensors namedState(const torch::nn::Module& module) {
  safetensors::NamedTensors state;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) state.emplace_back(item.key(), item.value());
  for (const auto& item : module.named_buffers(/*recurse=*/true)) state.emplace_back(item.key(), item.value());
  return state;
}

void expectFiniteState(const safetensors::NamedTensors& state) {
  for (const auto& [name, tensor] : state) {
    if (tensor.is_floating_point() && !at::isfinite(tensor).all().item<bool>()) {
      fail(ErrorCode::Nan, "refusing to save: \"" + name + "\" is not finite (training diverged; lower the learning rate). The last good checkpoint is kept");
    }
  }
}

LoadReport loadNamedState(torch::nn::Module& module, const safetensors::NamedTensors& tensors, bool strict,
                          const std::string& source) {
  std::map<std::string, at::Tensor> wanted;
  for (auto& [name, tensor] : namedState(module)) wanted.emplace(name, tensor);
  LoadReport report;
  std::vector<std::pair<at::Tensor, at::Tensor>> copies;  // (destination, source)
  for (const auto& [name, tensor] : tensors) {
    const auto found = wanted.find(name);
    if (found == wanted.end()) {
      report.unexpected.push_back(name);
      continue;
    }
    if (!found->second.sizes().equals(tensor.sizes())) {
      fail(ErrorCode::Checkpoint, source + ": tensor \"" + name + "\" has shape " + shapeString(tensor.sizes()) +
                                      " but the model expects " + shapeString(found->second.sizes()) +
                                      " (a checkpoint of another config?)");
    }
    copies.emplace_back(found->second, tensor);
    wanted.erase(found);
  }
  for (const auto& [name, tensor] : wanted) report.missing.push_back(name);
  if (strict && (!report.missing.empty() || !report.unexpected.empty())) {
    std::string message = source + " does not match the model:";
    if (!report.missing.empty()) message += " missing " + std::to_string(report.missing.size()) + " (first \"" + report.missing.front() + "\")";
    if (!report.unexpected.empty()) message += " unexpected " + std::to_string(report.unexpected.size()) + " (first \"" + report.unexpected.front() + "\")";
    fail(ErrorCode::Checkpoint, message + "; load it with strict: false to see the lists");
  }
  // Copy only after every check passed: a bad file never leaves the model half loaded.
  torch::NoGradGuard noGrad;
  for (auto& [destination, source] : copies) destination.copy_(source);
  return report;
}

}  // namespace diffprompt
