#include "nn/prompt/own_prompts.h"

#include <cmath>

#include "nn/init.h"
#include "nn/prompt/expression_prompt_generator.h"

namespace diffprompt {

namespace {

/** One B×L×D view per layer of a depth×L×D parameter. */
std::vector<at::Tensor> broadcastLayers(const at::Tensor& prompts, int64_t batch) {
  std::vector<at::Tensor> layers;
  for (int64_t i = 0; i < prompts.size(0); ++i) layers.push_back(prompts[i].unsqueeze(0).expand({batch, -1, -1}));
  return layers;
}

}  // namespace

OwnPromptsImpl::OwnPromptsImpl(const GroundingConfig& c, at::Generator& generator) {
  const bool visual = c.visualPromptDepth > 0 && c.visualPromptLength > 0;
  const bool textual = c.textPromptDepth > 0 && c.textPromptLength > 0;
  coupling_ = register_module("coupling", torch::nn::ModuleList());
  generators_ = register_module("generators", torch::nn::ModuleList());
  torch::NoGradGuard noGrad;
  if (visual && !c.coupledVisualPrompts) {
    // VPT's initialisation: U(±√(6 / (3·p² + D))) with p the patch size.
    const double bound = std::sqrt(6.0 / static_cast<double>(3 * c.patchSize * c.patchSize + c.visionWidth));
    visual_ = register_parameter("visual", at::empty({c.visualPromptDepth, c.visualPromptLength, c.visionWidth}).uniform_(-bound, bound, generator));
  }
  if (textual && !c.expressionTextPrompts) {
    textual_ = register_parameter("textual", at::empty({c.textPromptDepth, c.textPromptLength, c.textWidth}).normal_(0.0, 0.02, generator));
  }
  if (textual && c.expressionTextPrompts) {
    for (int64_t j = 0; j < c.textPromptDepth; ++j) {
      generators_->push_back(ExpressionPromptGenerator(c.textWidth, c.textPromptLength, c.expressionPromptHeads, generator));
    }
  }
  if (visual && c.coupledVisualPrompts) {
    for (int64_t j = 0; j < c.visualPromptDepth; ++j) {
      torch::nn::Linear linear(c.textWidth, c.visionWidth);
      init::linearDefault(linear, generator);
      coupling_->push_back(linear);
    }
  }
}

LayerPrompts OwnPromptsImpl::forward(int64_t batch, const at::Tensor& expressionTokens, const at::Tensor& attentionMask) {
  LayerPrompts prompts;
  if (textual_.defined()) prompts.textual = broadcastLayers(textual_, batch);
  for (const auto& generator : *generators_) prompts.textual.push_back(generator->as<ExpressionPromptGenerator>()->forward(expressionTokens, attentionMask));
  if (visual_.defined()) prompts.visual = broadcastLayers(visual_, batch);
  for (size_t j = 0; j < coupling_->size(); ++j) prompts.visual.push_back(coupling_[j]->as<torch::nn::Linear>()->forward(prompts.textual[j]));
  return prompts;
}

}  // namespace diffprompt
