#include "nn/grounding/grounding_network.h"

#include <cmath>

#include "nn/init.h"

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
  auto prompts = register_module("prompts", std::make_shared<torch::nn::Module>());
  if (config.visualPromptDepth > 0 && config.visualPromptLength > 0) {
    // VPT's initialisation: U(±√(6 / (3·p² + D))) with p the patch size.
    const double bound = std::sqrt(6.0 / static_cast<double>(3 * config.patchSize * config.patchSize + config.visionWidth));
    visualPrompts_ = prompts->register_parameter("visual", torch::empty({config.visualPromptDepth, config.visualPromptLength, config.visionWidth}));
    torch::NoGradGuard noGrad;
    visualPrompts_.uniform_(-bound, bound, generator);
  }
  if (config.textPromptDepth > 0 && config.textPromptLength > 0) {
    textPrompts_ = prompts->register_parameter("textual", torch::empty({config.textPromptDepth, config.textPromptLength, config.textWidth}));
    torch::NoGradGuard noGrad;
    textPrompts_.normal_(0.0, 0.02, generator);
  }
}

std::vector<at::Tensor> GroundingNetworkImpl::learnedPrompts(const at::Tensor& prompts, int64_t batch) const {
  std::vector<at::Tensor> layers;
  if (!prompts.defined()) return layers;
  for (int64_t i = 0; i < prompts.size(0); ++i) layers.push_back(prompts[i].unsqueeze(0).expand({batch, -1, -1}));
  return layers;
}

EncoderOutputs GroundingNetworkImpl::encode(const GroundingInputs& inputs) {
  const int64_t batch = inputs.images.size(0);
  const auto& visualPrompts = inputs.visualPrompts.empty() ? learnedPrompts(visualPrompts_, batch) : inputs.visualPrompts;
  const auto& textPrompts = inputs.textPrompts.empty() ? learnedPrompts(textPrompts_, batch) : inputs.textPrompts;
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
  outputs.head = head_(outputs.pyramid, fusedText);
  outputs.imageFeature = encoded.imageTokens.mean(1);
  outputs.textFeature = encoded.text.pooled;
  return outputs;
}

}  // namespace diffprompt
