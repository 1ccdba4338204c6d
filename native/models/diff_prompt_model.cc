#include "models/diff_prompt_model.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/tensor_checks.h"

namespace diffprompt {

namespace {

/** Symmetric InfoNCE across the batch: sample i's a matches sample i's b. a B×A, b B×A. */
at::Tensor symmetricInfoNce(const at::Tensor& a, const at::Tensor& b, double temperature) {
  const at::Tensor logits = at::matmul(torch::nn::functional::normalize(a, torch::nn::functional::NormalizeFuncOptions().dim(1)),
                                       torch::nn::functional::normalize(b, torch::nn::functional::NormalizeFuncOptions().dim(1)).t()) / temperature;
  const at::Tensor labels = at::arange(a.size(0), at::TensorOptions().dtype(at::kLong).device(a.device()));
  return 0.5 * (at::cross_entropy_loss(logits, labels) + at::cross_entropy_loss(logits.t(), labels));
}

}  // namespace

DiffPromptModel::DiffPromptModel(const DiffPromptConfig& config, std::shared_ptr<GroundingModel> backbone, std::shared_ptr<MaskVaeModel> vae,
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
  DiffPromptAdaptersConfig adapters;
  adapters.visualWidth = b.visionWidth;
  adapters.textWidth = b.textWidth;
  adapters.visualDepth = config.visualDepth;
  adapters.textualDepth = config.textualDepth;
  adapters.length = config.length;
  adapters.baseChannels = config.baseChannels;
  adapters.specific = config.specific;
  adapters.global = config.global;
  adapters.alignWidth = config.alignWidth;
  adapters.maskSize = vae_->config().sampleSize;
  adapters_ = DiffPromptAdapters(adapters, generator_);
  adapters_->to(device_);
}

void DiffPromptModel::freezeBackbone() {
  if (backboneFrozen_) return;
  backbone_->freeze();
  backboneFrozen_ = true;
}

std::vector<at::Tensor> DiffPromptModel::layerMasks(const DiffPromptBatch& batch, const JobContext* context) { return layerInputs(batch, context).masks; }

DiffPromptModel::LayerInputs DiffPromptModel::layerInputs(const DiffPromptBatch& batch, const JobContext* context) {
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
  options.context = context;
  const GeneratorCondition features = promptGenerator_->conditionFrom(*backbone_, inputs);
  const at::Tensor trajectory = promptGenerator_->trajectory(noise, features, options);  // S×B×C×h×w
  const int64_t steps = trajectory.size(0), layers = std::max(config_.visualDepth, config_.textualDepth);
  std::vector<at::Tensor> kept;
  for (int64_t j = 0; j < layers; ++j) kept.push_back(trajectory[steps - 1 - config_.stride * j]);  // layer 0: the clean sample
  const at::Tensor decoded = vae_->decode(at::cat(kept, 0) / promptGenerator_->config().latentScale).to(device_);  // (layers·B)×1×S×S
  return {decoded.split(size, 0), features};
}

DiffPromptModel::Prompted DiffPromptModel::prompted(const DiffPromptBatch& batch, const JobContext* context) {
  const LayerInputs inputs = layerInputs(batch, context);
  const std::vector<at::Tensor>& masks = inputs.masks;
  Prompted result{batch.grounding, {}, {}, inputs.features};
  if (adapters_->visual) {
    result.visual = adapters_->visual->forward(std::vector<at::Tensor>(masks.begin(), masks.begin() + config_.visualDepth));
    result.batch.visualPrompts = result.visual.layers;
  }
  if (adapters_->textual) {
    result.textual = adapters_->textual->forward(std::vector<at::Tensor>(masks.begin(), masks.begin() + config_.textualDepth));
    result.batch.textPrompts = result.textual.layers;
  }
  return result;
}

at::Tensor DiffPromptModel::alignment(const Prompted& prompted) {
  const at::Tensor zero = at::zeros({}, at::TensorOptions().device(device_));
  if (!config_.specific || prompted.batch.images.size(0) < 2) return zero;  // nothing instance-specific, or no other sample to contrast with
  const GeneratorCondition& own = prompted.features;  // the backbone's pooled features, computed once for the trajectory
  std::vector<at::Tensor> terms;
  if (adapters_->visual) terms.push_back(symmetricInfoNce(adapters_->alignVisualPrompts(prompted.visual.pooledSpecific), adapters_->alignTextFeatures(own.text.to(device_)), config_.temperature));
  if (adapters_->textual) terms.push_back(symmetricInfoNce(adapters_->alignTextualPrompts(prompted.textual.pooledSpecific), adapters_->alignImageFeatures(own.image.to(device_)), config_.temperature));
  return at::stack(terms).mean();
}

DiffPromptLosses DiffPromptModel::trainStep(const DiffPromptBatch& batch, double lr, double alignmentWeight) {
  if (!(lr > 0) || !(alignmentWeight >= 0)) fail(ErrorCode::Config, "lr must be > 0 and the alignment weight ≥ 0");
  ensureOptimizer();
  adapters_->train();
  optimizer_->zeroGrad();
  const Prompted prompts = prompted(batch);
  const GroundingLossTerms grounding = backbone_->promptedLoss(prompts.batch);
  const at::Tensor aligned = alignment(prompts);
  const at::Tensor total = grounding.total + alignmentWeight * aligned;
  const double value = total.item<double>();
  if (!std::isfinite(value)) fail(ErrorCode::Nan, "the Diff-Prompt loss became " + std::to_string(value) + ": lower the learning rate");
  total.backward();
  if (config_.maxGradNorm > 0) torch::nn::utils::clip_grad_norm_(adapters_->parameters(), config_.maxGradNorm);
  optimizer_->step(lr);
  return {value, grounding.total.item<double>(), grounding.token.item<double>(), grounding.box.item<double>(), grounding.centerness.item<double>(),
          aligned.item<double>(), grounding.positives};
}

std::vector<RankedBoxes> DiffPromptModel::predict(const DiffPromptBatch& batch, const DecodeOptions& options, const JobContext* context) {
  torch::NoGradGuard noGrad;
  adapters_->eval();
  return backbone_->predict(prompted(batch, context).batch, options);
}

}  // namespace diffprompt
