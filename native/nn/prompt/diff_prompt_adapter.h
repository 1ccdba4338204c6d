// DiffPromptAdapter (the reference's DiT_Prompt, §3.4): decoded masks of the denoising
// trajectory → deep prompts for one modality. One convolutional trunk shared by every prompted
// layer (3×3 stride-2 convolutions with SiLU, channels 8, 16, 32, …, until the map is 7×7 or
// smaller: five for 224×224 masks, four for 64×64) and a linear head give each layer L/2
// instance-specific tokens; each layer also has L/2 learned global tokens (kaiming normal,
// fan-out, as the reference). Layer j's prompts are concat(specific_j, global_j): B×L×D.
//
// Names: trunk.{i} (conv i), head, global_prompts.{j}. Ablation flags drop either part (then
// each layer gets L/2 tokens of the other part only, as the reference).
#pragma once

#include <torch/torch.h>

#include <vector>

namespace diffprompt {

struct DiffPromptAdapterConfig {
  int64_t maskSize = 224;      // decoded masks are B×1×maskSize×maskSize
  int64_t width = 96;          // D: the prompted encoder's token width
  int64_t depth = 9;           // prompted layers
  int64_t length = 8;          // L: tokens per layer (L/2 specific + L/2 global)
  int64_t baseChannels = 8;
  bool specific = true;
  bool global = true;

  int64_t half() const { return length / 2; }
  /** Tokens each layer receives. */
  int64_t tokensPerLayer() const { return (specific ? half() : 0) + (global ? half() : 0); }
};

struct AdapterPrompts {
  std::vector<at::Tensor> layers;  // per prompted layer, B×tokens×D
  at::Tensor pooledSpecific;       // B×D: the instance-specific tokens averaged over tokens and layers (undefined without them)
};

class DiffPromptAdapterImpl : public torch::nn::Module {
 public:
  DiffPromptAdapterImpl(const DiffPromptAdapterConfig& config, at::Generator& generator);
  /** masks: one B×1×S×S per prompted layer (layer 0 first) → one B×tokens×D per layer, and the
   * pooled instance-specific tokens the alignment loss reads. */
  AdapterPrompts forward(const std::vector<at::Tensor>& masks);
  const DiffPromptAdapterConfig& config() const { return config_; }

 private:
  DiffPromptAdapterConfig config_;
  torch::nn::ModuleList trunk_{nullptr};
  torch::nn::Linear head_{nullptr};
  std::vector<at::Tensor> globalPrompts_;  // depth × (L/2)×D
};
TORCH_MODULE(DiffPromptAdapter);

}  // namespace diffprompt
