#include "nn/grounding/grounding_network.h"

#include "nn/init.h"
#include "nn/prompt/pyramid_adapter.h"

namespace diffprompt {

namespace {

/** BERT's and timm ViT's initialisation: every Linear and Embedding weight ~ N(0, 0.02), biases
 * zero; LayerNorm ones and zeros (its default). Convolutions keep PyTorch's default. */
void transformerInit(torch::nn::Module& module, at::Generator& generator) {
  torch::NoGradGuard noGrad;
  for (auto& child : module.modules(/*include_self=*/false)) {
    if (auto* linear = child->as<torch::nn::Linear>()) {
      linear->weight.normal_(0.0, 0.02, generator);
      if (linear->bias.defined()) linear->bias.zero_();
    } else if (auto* embedding = child->as<torch::nn::Embedding>()) {
      embedding->weight.normal_(0.0, 0.02, generator);
    }
  }
}

}  // namespace

GroundingNetworkImpl::GroundingNetworkImpl(const GroundingConfig& config, at::Generator& generator) : config_(config) {
  vision_ = register_module("vision", VisionEncoder(config));
  text_ = register_module("text", TextEncoder(config));
  fusion_ = register_module("fusion", CrossModalFusion(config));
  pyramid_ = register_module("pyramid", FeaturePyramid(config));
  init::moduleDefault(*this, generator);  // convolutions (patch embedding, pyramid)
  transformerInit(*vision_, generator);
  transformerInit(*text_, generator);
  transformerInit(*fusion_, generator);
  {
    torch::NoGradGuard noGrad;
    vision_->named_parameters()["pos_embed"].normal_(0.0, 0.02, generator);
  }
  head_ = register_module("head", GroundingHead(config, generator));
  prompts_ = register_module("prompts", OwnPrompts(config, generator));
  pyramidAdapters_ = register_module("adapter", torch::nn::ModuleList());
  if (config.pyramidAdapterReduction > 0) {
    for (size_t level = 0; level < config.pyramidStrides.size(); ++level) {
      pyramidAdapters_->push_back(PyramidAdapter(config.headChannels, config.pyramidAdapterReduction, config.pyramidAdapterRatio, generator));
    }
  }
}

LayerPrompts GroundingNetworkImpl::ownPrompts(const GroundingInputs& inputs) {
  at::Tensor expression;  // B×T×Dt: the expression as the unprompted text encoder reads it (FedTPG's keys)
  if (prompts_->readsExpression()) {
    torch::NoGradGuard noGrad;
    expression = text_->forward(inputs.ids, inputs.attentionMask, std::vector<at::Tensor>{}).hidden;
  }
  return prompts_(inputs.images.size(0), expression, inputs.attentionMask);
}

EncoderOutputs GroundingNetworkImpl::encode(const GroundingInputs& inputs) {
  const bool callerPrompts = !inputs.visualPrompts.empty() && !inputs.textPrompts.empty();
  const LayerPrompts own = callerPrompts ? LayerPrompts{} : ownPrompts(inputs);
  const auto& visualPrompts = inputs.visualPrompts.empty() ? own.visual : inputs.visualPrompts;
  const auto& textPrompts = inputs.textPrompts.empty() ? own.textual : inputs.textPrompts;
  return {vision_(inputs.images, visualPrompts), text_(inputs.ids, inputs.attentionMask, textPrompts)};
}

std::pair<at::Tensor, EncoderOutputs> GroundingNetworkImpl::fuse(const GroundingInputs& inputs) {
  EncoderOutputs encoded = encode(inputs);
  const auto fused = fusion_(encoded.imageTokens, encoded.text.hidden, additiveAttentionMask(inputs.attentionMask));
  return {fused.first, encoded};
}

GroundingOutputs GroundingNetworkImpl::forward(const GroundingInputs& inputs) {
  const EncoderOutputs encoded = encode(inputs);
  const auto [fusedImage, fusedText] = fusion_(encoded.imageTokens, encoded.text.hidden, additiveAttentionMask(inputs.attentionMask));
  GroundingOutputs outputs;
  outputs.pyramid = pyramid_(fusedImage);
  for (size_t level = 0; level < pyramidAdapters_->size(); ++level) {
    outputs.pyramid[level] = pyramidAdapters_[level]->as<PyramidAdapter>()->forward(outputs.pyramid[level]);
  }
  outputs.head = head_(outputs.pyramid, fusedText);
  outputs.imageFeature = encoded.imageTokens.mean(1);
  outputs.textFeature = encoded.text.pooled;
  return outputs;
}

}  // namespace diffprompt
