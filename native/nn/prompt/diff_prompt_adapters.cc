#include "nn/prompt/diff_prompt_adapters.h"

#include "nn/init.h"

namespace diffprompt {

namespace {

DiffPromptAdapterConfig adapterConfig(const DiffPromptAdaptersConfig& config, int64_t width, int64_t depth) {
  DiffPromptAdapterConfig adapter;
  adapter.maskSize = config.maskSize;
  adapter.width = width;
  adapter.depth = depth;
  adapter.length = config.length;
  adapter.baseChannels = config.baseChannels;
  adapter.specific = config.specific;
  adapter.global = config.global;
  return adapter;
}

}  // namespace

DiffPromptAdaptersImpl::DiffPromptAdaptersImpl(const DiffPromptAdaptersConfig& config, at::Generator& generator) {
  if (config.visualDepth > 0) visual = register_module("visual_adapter", DiffPromptAdapter(adapterConfig(config, config.visualWidth, config.visualDepth), generator));
  if (config.textualDepth > 0) textual = register_module("textual_adapter", DiffPromptAdapter(adapterConfig(config, config.textWidth, config.textualDepth), generator));
  if (!config.specific) return;  // the alignment term reads the instance-specific prompts only
  auto align = register_module("align", std::make_shared<torch::nn::Module>());
  if (visual) {
    alignVisualPrompts = align->register_module("visual_prompts", torch::nn::Linear(config.visualWidth, config.alignWidth));
    alignTextFeatures = align->register_module("text_features", torch::nn::Linear(config.textWidth, config.alignWidth));
  }
  if (textual) {
    alignTextualPrompts = align->register_module("textual_prompts", torch::nn::Linear(config.textWidth, config.alignWidth));
    alignImageFeatures = align->register_module("image_features", torch::nn::Linear(config.visualWidth, config.alignWidth));
  }
  init::moduleDefault(*align, generator);
}

}  // namespace diffprompt
