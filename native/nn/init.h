// Seeded initialisation: every model draws its initial weights from its own generator, so the
// same seed gives the same model even when several models are built at once on other threads.
#pragma once

#include <torch/torch.h>

namespace diffprompt::init {

/** torch.nn.Linear's default: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
void linearDefault(torch::nn::Linear& linear, at::Generator& generator);

/** torch.nn.Conv2d's default: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
void convDefault(torch::nn::Conv2d& conv, at::Generator& generator);

/** Every Linear, Conv2d and ConvTranspose2d below `module` (not itself) gets its PyTorch default, drawn in
 * registration order. */
void moduleDefault(torch::nn::Module& module, at::Generator& generator);

}  // namespace diffprompt::init
