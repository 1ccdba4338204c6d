// A module's weights by name, in and out: the names are the module's registered names (chosen
// to match the published models), so a published safetensors file loads by name.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "io/safetensors.h"

namespace diffprompt {

struct LoadReport {
  std::vector<std::string> missing;     // in the module, not in the file
  std::vector<std::string> unexpected;  // in the file, not in the module
};

/** Parameters then buffers, by their dotted names. */
safetensors::NamedTensors namedState(const torch::nn::Module& module);

/** Throws ERR_NAN naming the first floating-point tensor holding a NaN or infinity. */
void expectFiniteState(const safetensors::NamedTensors& state);

/** Copies every tensor of `tensors` whose name the module has into it (converting dtype,
 * keeping the module's device). A shape mismatch throws ERR_CHECKPOINT naming the tensor;
 * with `strict`, so does any missing or unexpected name. */
LoadReport loadNamedState(torch::nn::Module& module, const safetensors::NamedTensors& tensors, bool strict,
                          const std::string& source);

}  // namespace diffprompt
