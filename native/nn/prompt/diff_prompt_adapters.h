// What Diff-Prompt trains: one DiffPromptAdapter per prompted modality (decoded masks → prompt
// tokens per layer) and, when the prompts have an instance-specific part, the alignment term's
// linear heads to a shared width (the pooled specific prompts of one modality against the
// backbone's features of the other). Parameter names: visual_adapter.*, textual_adapter.*,
// align.{visual_prompts, text_features, textual_prompts, image_features}.*
#pragma once

#include <torch/torch.h>

#include "nn/prompt/diff_prompt_adapter.h"

namespace diffprompt {

struct DiffPromptAdaptersConfig {
  int64_t visualWidth = 0, textWidth = 0;   // the backbone's token widths Dv, Dt
  int64_t visualDepth = 0, textualDepth = 0;  // prompted layers per encoder (0: that modality unprompted)
  int64_t length = 8;                          // tokens per layer (L/2 specific + L/2 global)
  int64_t baseChannels = 8;
  bool specific = true, global = true;
  int64_t alignWidth = 64;
  int64_t maskSize = 0;                        // S of the decoded masks S×S
};

class DiffPromptAdaptersImpl : public torch::nn::Module {
 public:
  DiffPromptAdaptersImpl(const DiffPromptAdaptersConfig& config, at::Generator& generator);
  DiffPromptAdapter visual{nullptr}, textual{nullptr};  // null when that modality is unprompted
  torch::nn::Linear alignVisualPrompts{nullptr}, alignTextFeatures{nullptr}, alignTextualPrompts{nullptr}, alignImageFeatures{nullptr};
};
TORCH_MODULE(DiffPromptAdapters);

}  // namespace diffprompt
