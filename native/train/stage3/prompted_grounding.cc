#include "train/stage3/prompted_grounding.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/tensor_checks.h"
#include "nn/init.h"

namespace diffprompt {

namespace {

DiffPromptAdapterConfig adapterConfig(const PromptedGroundingConfig& config, int64_t width, int64_t depth, int64_t maskSize) {
  DiffPromptAdapterConfig adapter;
  adapter.maskSize = maskSize;
  adapter.width = width;
  adapter.depth = depth;
  adapter.length = config.length;
  adapter.baseChannels = config.baseChannels;
  adapter.specific = config.specific;
  adapter.global = config.global;
  return adapter;
}

/** Symmetric InfoNCE across the batch: sample i's a matches sample i's b. a B×A, b B×A. */
at::Tensor symmetricInfoNce(const at::Tensor& a, const at::Tensor& b, double temperature) {
  const at::Tensor logits = at::matmul(torch::nn::functional::normalize(a, torch::nn::functional::NormalizeFuncOptions().dim(1)),
                                       torch::nn::functional::normalize(b, torch::nn::functional::NormalizeFuncOptions().dim(1)).t()) / temperature;
  const at::Tensor labels = at::arange(a.size(0), at::TensorOptions().dtype(at::kLong).device(a.device()));
  return 0.5 * (at::cross_entropy_loss(logits, labels) + at::cross_entropy_loss(logits.t(), labels));
}

}  // namespace

DiffPromptMethodImpl::DiffPromptMethodImpl(const PromptedGroundingConfig& config, const GroundingConfig& backbone, int64_t maskSize, at::Generator& generator) {
  if (config.visualDepth > 0) visual = register_module("visual_adapter", DiffPromptAdapter(adapterConfig(config, backbone.visionWidth, config.visualDepth, maskSize), generator));
  if (config.textualDepth > 0) textual = register_module("textual_adapter", DiffPromptAdapter(adapterConfig(config, backbone.textWidth, config.textualDepth, maskSize), generator));
  if (config.specific) {
    auto align = register_module("align", std::make_shared<torch::nn::Module>());
    if (visual) {
      alignVisualPrompts = align->register_module("visual_prompts", torch::nn::Linear(backbone.visionWidth, config.alignWidth));
      alignTextFeatures = align->register_module("text_features", torch::nn::Linear(backbone.textWidth, config.alignWidth));
    }
    if (textual) {
      alignTextualPrompts = align->register_module("textual_prompts", torch::nn::Linear(backbone.textWidth, config.alignWidth));
      alignImageFeatures = align->register_module("image_features", torch::nn::Linear(backbone.visionWidth, config.alignWidth));
    }
    init::moduleDefault(*align, generator);
  }
}

PromptedGrounding::PromptedGrounding(const PromptedGroundingConfig& config, std::shared_ptr<GroundingModel> backbone, std::shared_ptr<MaskVaeModel> vae,
                                     std::shared_ptr<PromptGenerator> generator, uint64_t seed, torch::Device device, AdamOptions adam)
    : Trainable(seed, device),
      config_(config),
      adam_(adam),
      backbone_(std::move(backbone)),
      vae_(std::move(vae)),
      promptGenerator_(std::move(generator)) {
  const GroundingConfig& b = backbone_->config();
  if (config.visualDepth < 0 || config.visualDepth > b.visionDepth || config.textualDepth < 0 || config.textualDepth > b.textLayers) {
    fail(ErrorCode::Config, "prompt depths must be within the backbone's layers (vision " + std::to_string(b.visionDepth) + ", text " + std::to_string(b.textLayers) + ")");
  }
  if (config.visualDepth == 0 && config.textualDepth == 0) fail(ErrorCode::Config, "Diff-Prompt needs visual prompts, textual prompts or both");
  const int64_t layers = std::max(config.visualDepth, config.textualDepth);
  const int64_t steps = static_cast<int64_t>(respacedTimesteps(config.respacing, promptGenerator_->config().diffusionSteps).size());
  if (config.stride < 1 || config.stride * (layers - 1) >= steps) {
    fail(ErrorCode::Config, "the trajectory has " + std::to_string(steps) + " steps: stride·(depth − 1) must be below that (stride " + std::to_string(config.stride) + ", depth " + std::to_string(layers) + ")");
  }
  if (!(config.temperature > 0) || config.alignWidth < 1) fail(ErrorCode::Config, "the alignment needs temperature > 0 and alignWidth ≥ 1");
  if (!(config.maxGradNorm >= 0)) fail(ErrorCode::Config, "maxGradNorm must be ≥ 0 (0: no clipping)");
  const int64_t latent = vae_->config().latentSize(), latentChannels = vae_->config().latentChannels;
  if (promptGenerator_->config().network.inputSize != latent || promptGenerator_->config().network.inChannels != latentChannels) {
    fail(ErrorCode::Config, "the generator makes latents of another shape than this Mask-VAE's: use the Mask-VAE it was trained with");
  }
  method_ = DiffPromptMethod(config, b, vae_->config().sampleSize, generator_);
  method_->to(device_);
}

void PromptedGrounding::freezeBackbone() {
  if (backboneFrozen_) return;
  backbone_->freeze();
  backboneFrozen_ = true;
}

std::vector<at::Tensor> PromptedGrounding::layerMasks(const Stage3Batch& batch) { return layerInputs(batch).masks; }

PromptedGrounding::LayerInputs PromptedGrounding::layerInputs(const Stage3Batch& batch) {
  torch::NoGradGuard noGrad;
  freezeBackbone();
  const ConditionerInputs inputs{batch.grounding.images, batch.grounding.ids, batch.grounding.attentionMask};
  const int64_t size = inputs.images.size(0);
  const auto& latent = promptGenerator_->config().network;
  at::Tensor noise;
  if (batch.seeds.defined()) {
    expectShape(batch.seeds, {size}, "seeds");
    noise = promptGenerator_->noiseFromSeeds(batch.seeds);
  } else {
    noise = at::randn({size, latent.inChannels, latent.inputSize, latent.inputSize}, generator_, at::kFloat);  // fresh per step, as the reference
  }
  SamplingOptions options;
  options.respacing = config_.respacing;
  options.eta = config_.eta;
  const GeneratorCondition features = promptGenerator_->conditionFrom(*backbone_, inputs);
  const at::Tensor trajectory = promptGenerator_->trajectory(noise, features, options);  // S×B×C×h×w
  const int64_t steps = trajectory.size(0), layers = std::max(config_.visualDepth, config_.textualDepth);
  std::vector<at::Tensor> kept;
  for (int64_t j = 0; j < layers; ++j) kept.push_back(trajectory[steps - 1 - config_.stride * j]);  // layer 0: the clean sample
  const at::Tensor decoded = vae_->decode(at::cat(kept, 0) / promptGenerator_->config().latentScale).to(device_);  // (layers·B)×1×S×S
  return {decoded.split(size, 0), features};
}

PromptedGrounding::Prompted PromptedGrounding::prompted(const Stage3Batch& batch) {
  const LayerInputs inputs = layerInputs(batch);
  const std::vector<at::Tensor>& masks = inputs.masks;
  Prompted result{batch.grounding, {}, {}, inputs.features};
  if (method_->visual) {
    result.visual = method_->visual->forward(std::vector<at::Tensor>(masks.begin(), masks.begin() + config_.visualDepth));
    result.batch.visualPrompts = result.visual.layers;
  }
  if (method_->textual) {
    result.textual = method_->textual->forward(std::vector<at::Tensor>(masks.begin(), masks.begin() + config_.textualDepth));
    result.batch.textPrompts = result.textual.layers;
  }
  return result;
}

at::Tensor PromptedGrounding::alignment(const Prompted& prompted) {
  const at::Tensor zero = at::zeros({}, at::TensorOptions().device(device_));
  if (!config_.specific || prompted.batch.images.size(0) < 2) return zero;  // nothing instance-specific, or no other sample to contrast with
  const GeneratorCondition& own = prompted.features;  // the backbone's pooled features, computed once for the trajectory
  std::vector<at::Tensor> terms;
  if (method_->visual) terms.push_back(symmetricInfoNce(method_->alignVisualPrompts(prompted.visual.pooledSpecific), method_->alignTextFeatures(own.text.to(device_)), config_.temperature));
  if (method_->textual) terms.push_back(symmetricInfoNce(method_->alignTextualPrompts(prompted.textual.pooledSpecific), method_->alignImageFeatures(own.image.to(device_)), config_.temperature));
  return at::stack(terms).mean();
}

Stage3Losses PromptedGrounding::trainStep(const Stage3Batch& batch, double lr, double alignmentWeight) {
  if (!(lr > 0) || !(alignmentWeight >= 0)) fail(ErrorCode::Config, "lr must be > 0 and the alignment weight ≥ 0");
  ensureOptimizer();
  method_->train();
  optimizer_->zeroGrad();
  const Prompted prompts = prompted(batch);
  const GroundingLossTerms grounding = backbone_->promptedLoss(prompts.batch);
  const at::Tensor aligned = alignment(prompts);
  const at::Tensor total = grounding.total + alignmentWeight * aligned;
  const double value = total.item<double>();
  if (!std::isfinite(value)) fail(ErrorCode::Nan, "the stage-3 loss became " + std::to_string(value) + ": lower the learning rate");
  total.backward();
  if (config_.maxGradNorm > 0) torch::nn::utils::clip_grad_norm_(method_->parameters(), config_.maxGradNorm);
  optimizer_->step(lr);
  return {value, grounding.total.item<double>(), grounding.token.item<double>(), grounding.box.item<double>(), grounding.centerness.item<double>(),
          aligned.item<double>(), grounding.positives};
}

std::vector<RankedBoxes> PromptedGrounding::predict(const Stage3Batch& batch, const DecodeOptions& options) {
  torch::NoGradGuard noGrad;
  method_->eval();
  return backbone_->predict(prompted(batch).batch, options);
}

}  // namespace diffprompt
