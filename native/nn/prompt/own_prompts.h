// The grounding model's own deep prompts: the baselines that are prompts of the backbone itself
// (learned, coupled from the textual ones, or generated from the expression).
// Which ones exist follows the config (GroundingConfig's prompt fields):
//
//   visual    depth×L×Dv learned visual prompts (VPT-deep, S-Prompts)
//   textual   depth×L×Dt learned textual prompts (CoOp deep, S-Prompts, MaPLe)
//   coupling  MaPLe: block j's visual prompts are coupling.j(textual prompts of layer j), a
//             Linear Dt→Dv per layer, in place of `visual`
//   generators  FedTPG: layer j's textual prompts come from generators.j reading the expression's
//             tokens, in place of `textual` (MaPLe's coupling then reads the generated ones)
//
// forward gives one B×L×D tensor per prompted layer; learned prompts are shared by the batch.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "nn/grounding/grounding_config.h"

namespace diffprompt {

struct LayerPrompts {
  std::vector<at::Tensor> visual;   // per prompted vision block: B×L×Dv
  std::vector<at::Tensor> textual;  // per prompted text layer: B×L×Dt
};

class OwnPromptsImpl : public torch::nn::Module {
 public:
  OwnPromptsImpl(const GroundingConfig& config, at::Generator& generator);
  /** Whether the textual prompts are made from the expression (forward then needs its tokens). */
  bool readsExpression() const { return !generators_.is_empty(); }
  /** expressionTokens B×T×Dt and attentionMask B×T: the unprompted text encoder's output, read
   * only by the FedTPG generators (undefined otherwise). */
  LayerPrompts forward(int64_t batch, const at::Tensor& expressionTokens, const at::Tensor& attentionMask);

 private:
  at::Tensor visual_, textual_;
  torch::nn::ModuleList coupling_{nullptr}, generators_{nullptr};
};
TORCH_MODULE(OwnPrompts);

}  // namespace diffprompt
