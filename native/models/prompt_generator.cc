#include "models/prompt_generator.h"

#include <cmath>
#include <optional>

#include "core/batch_draws.h"
#include "core/error.h"
#include "core/tensor_checks.h"

namespace diffprompt {

namespace {

/** The EMA copy is overwritten with the network's weights at once: its own initial draws come from
 * a throwaway generator, so that building it does not move the model's. */
at::Generator& scratchGenerator() {
  thread_local at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(0);
  return generator;
}

void expectTimesteps(const at::Tensor& t, int64_t batch, int64_t steps) {
  expectShape(t, {batch}, "timesteps");
  if (t.scalar_type() != at::kLong && t.scalar_type() != at::kInt) fail(ErrorCode::Dtype, "timesteps must be int64 or int32, not " + dtypeName(t.scalar_type()));
  if (t.numel() > 0 && (t.min().item<int64_t>() < 0 || t.max().item<int64_t>() >= steps)) {
    fail(ErrorCode::Data, "a timestep is outside 0.." + std::to_string(steps - 1));
  }
}

}  // namespace

PromptGenerator::PromptGenerator(const PromptGeneratorConfig& config, uint64_t seed, torch::Device device, AdamOptions adam)
    : Trainable(seed, device),
      config_(config),
      adam_(adam),
      network_(config.network, generator_),
      ema_(config.network, scratchGenerator()),
      diffusion_(config.schedule, config.diffusionSteps) {
  for (auto& parameter : ema_->parameters()) parameter.set_requires_grad(false);
  resetEma();  // the EMA starts as a copy of the network, as DiT's update_ema(ema, model, decay=0)
  network_->to(device_);
  ema_->to(device_);
  ema_->eval();
}

void PromptGenerator::checkInputs(const at::Tensor& x, const GeneratorCondition& condition) const {
  const auto& c = config_.network;
  expectDtype(x, at::kFloat, "latents");
  expectShape(x, {-1, c.inChannels, c.inputSize, c.inputSize}, "latents");
  expectDtype(condition.image, at::kFloat, "image features");
  expectShape(condition.image, {x.size(0), c.imageConditionWidth}, "image features");
  expectDtype(condition.text, at::kFloat, "text features");
  expectShape(condition.text, {x.size(0), c.textConditionWidth}, "text features");
  if (c.spatialConditionWidth > 0) {
    if (!condition.imageMap.defined()) fail(ErrorCode::Shape, "this generator conditions on the image's feature map too: pass imageMap (B×" + std::to_string(c.spatialConditionWidth) + "×h×w)");
    expectDtype(condition.imageMap, at::kFloat, "image feature map");
    expectShape(condition.imageMap, {x.size(0), c.spatialConditionWidth, -1, -1}, "image feature map");
  }
}

namespace {

/** While it lives, every parameter of `net` reads as requiring grad. Autocast caches a weight's
 * bf16 copy only for such leaves, so frozen (EMA) weights would otherwise be cast again at every
 * step of a trajectory; under InferenceMode the flag builds no graph. */
class CastCacheable {
 public:
  explicit CastCacheable(torch::nn::Module& net) {
    for (auto& parameter : net.parameters()) {
      if (!parameter.requires_grad()) {
        parameter.set_requires_grad(true);
        frozen_.push_back(parameter);
      }
    }
  }
  ~CastCacheable() {
    for (auto& parameter : frozen_) parameter.set_requires_grad(false);
  }
  CastCacheable(const CastCacheable&) = delete;
  CastCacheable& operator=(const CastCacheable&) = delete;

 private:
  std::vector<at::Tensor> frozen_;
};

/** The condition on `device`; the map only where the network reads one. */
GeneratorCondition conditionOn(const GeneratorCondition& condition, torch::Device device, bool spatial) {
  return {condition.image.to(device), condition.text.to(device), spatial ? condition.imageMap.to(device) : at::Tensor()};
}

}  // namespace

GeneratorCondition PromptGenerator::conditionFrom(Conditioner& conditioner, const ConditionerInputs& inputs) const {
  ConditionerInputs asked = inputs;
  asked.fusedMap = config_.network.spatialConditionWidth > 0 && config_.fusedMap;
  const ConditionFeatures features = conditioner.condition(asked);
  const auto& c = config_.network;
  if (features.image.size(1) != c.imageConditionWidth || features.text.size(1) != c.textConditionWidth ||
      (c.spatialConditionWidth > 0 && features.imageMap.size(1) != c.spatialConditionWidth)) {
    fail(ErrorCode::Config, "the conditioner gives image features of " + std::to_string(features.image.size(1)) + ", text features of " +
                                std::to_string(features.text.size(1)) + " and a map of " + std::to_string(features.imageMap.size(1)) +
                                " channels; this generator was built for " + std::to_string(c.imageConditionWidth) + ", " +
                                std::to_string(c.textConditionWidth) + " and " + std::to_string(c.spatialConditionWidth) +
                                " (0: none): use the conditioner it was configured with");
  }
  return {features.image, features.text, features.imageMap};
}

at::Tensor PromptGenerator::forward(const at::Tensor& x, const at::Tensor& t, const GeneratorCondition& condition, bool useEma) {
  checkInputs(x, condition);
  expectTimesteps(t, x.size(0), config_.diffusionSteps);
  torch::NoGradGuard noGrad;
  MaskDit& net = useEma ? ema_ : network_;
  net->eval();
  const GeneratorCondition on = conditionOn(condition, device_, config_.network.spatialConditionWidth > 0);
  const PrecisionScope precision(config_.precision, device_);
  return net->forward(x.to(device_), t.to(at::kLong).to(device_), on.image, on.text, on.imageMap).to(at::kFloat).cpu();
}

DiffusionLosses PromptGenerator::losses(const at::Tensor& x0, const at::Tensor& t, const at::Tensor& noise, const GeneratorCondition& condition) {
  checkInputs(x0, condition);
  expectTimesteps(t, x0.size(0), config_.diffusionSteps);
  expectDtype(noise, at::kFloat, "noise");
  expectShape(noise, std::vector<int64_t>(x0.sizes().begin(), x0.sizes().end()), "noise");
  torch::NoGradGuard noGrad;
  network_->eval();
  const at::Tensor steps = t.to(at::kLong);
  const at::Tensor xt = diffusion_.qSample(x0, steps, noise);
  const GeneratorCondition on = conditionOn(condition, device_, config_.network.spatialConditionWidth > 0);
  at::Tensor output;
  {
    const PrecisionScope precision(config_.precision, device_);
    output = network_->forward(xt.to(device_), steps.to(device_), on.image, on.text, on.imageMap).to(at::kFloat);
  }
  const DiffusionLosses result = diffusion_.trainingLosses(output, x0.to(device_), xt.to(device_), steps, noise.to(device_));
  return {result.mse.cpu(), result.vb.cpu(), result.loss.cpu()};
}

void PromptGenerator::resetEma() {
  torch::NoGradGuard noGrad;
  auto target = ema_->named_parameters();
  for (const auto& item : network_->named_parameters()) target[item.key()].copy_(item.value());
}

void PromptGenerator::updateEma() {
  torch::NoGradGuard noGrad;
  auto target = ema_->named_parameters();
  for (const auto& item : network_->named_parameters()) target[item.key()].mul_(config_.emaDecay).add_(item.value(), 1.0 - config_.emaDecay);
}

GeneratorStepLosses PromptGenerator::trainStep(const at::Tensor& x0, const GeneratorCondition& condition, double lr, const at::Tensor& seeds) {
  BatchDraws draws(seeds, generator_, x0.size(0));
  return step(x0, condition, lr, draws);
}

GeneratorStepLosses PromptGenerator::step(const at::Tensor& x0, const GeneratorCondition& condition, double lr, BatchDraws& draws) {
  checkInputs(x0, condition);
  if (!(lr > 0)) fail(ErrorCode::Config, "lr must be > 0");
  ensureOptimizer();
  network_->train();
  optimizer_->zeroGrad();
  const at::Tensor t = draws.integers(diffusion_.steps());  // uniform per sample
  const at::Tensor noise = draws.normal(x0.sizes().slice(1));
  const at::Tensor input = x0.to(device_), epsilon = noise.to(device_);
  const at::Tensor xt = diffusion_.qSample(input, t, epsilon);
  const GeneratorCondition on = conditionOn(condition, device_, config_.network.spatialConditionWidth > 0);
  at::Tensor output;
  {
    const PrecisionScope precision(config_.precision, device_);
    output = network_->forward(xt, t.to(device_), on.image, on.text, on.imageMap).to(at::kFloat);
  }
  const DiffusionLosses terms = diffusion_.trainingLosses(output, input, xt, t, epsilon);
  const at::Tensor loss = terms.loss.mean();
  const double value = loss.item<double>();
  if (!std::isfinite(value)) fail(ErrorCode::Nan, "the diffusion loss became " + std::to_string(value) + ": lower the learning rate");
  loss.backward();
  optimizer_->step(lr);
  updateEma();
  return {value, terms.mse.mean().item<double>(), terms.vb.mean().item<double>()};
}

const GaussianDiffusion& PromptGenerator::sampler(const std::string& respacing) {
  auto found = samplers_.find(respacing);
  if (found == samplers_.end()) {
    found = samplers_.emplace(respacing, GaussianDiffusion(config_.schedule, config_.diffusionSteps, respacedTimesteps(respacing, config_.diffusionSteps))).first;
  }
  return found->second;
}

at::Tensor PromptGenerator::trajectory(const at::Tensor& noise, const GeneratorCondition& condition, const SamplingOptions& options,
                                       const at::Tensor& stepNoise) {
  checkInputs(noise, condition);
  MaskDit& net = options.useEma ? ema_ : network_;
  net->eval();
  const GaussianDiffusion& diffusion = sampler(options.respacing);
  if (stepNoise.defined()) {
    expectDtype(stepNoise, at::kFloat, "step noise");
    expectShape(stepNoise, {diffusion.steps(), noise.size(0), noise.size(1), noise.size(2), noise.size(3)}, "step noise");
  }
  at::Tensor result;
  {
    std::optional<CastCacheable> cacheable;  // bf16: each weight cast once per trajectory, not once per step
    if (config_.precision == Precision::BFloat16) cacheable.emplace(*net);
    c10::InferenceMode inference;  // no autograd bookkeeping at all while sampling
    const GeneratorCondition on = conditionOn(condition, device_, config_.network.spatialConditionWidth > 0);
    const PrecisionScope precision(config_.precision, device_);  // around the whole loop, so the cast weights serve every step; the sampler's own arithmetic is elementwise, which autocast leaves in float32
    const DenoiseFunction model = [&](const at::Tensor& x, const at::Tensor& t) {
      if (options.context) options.context->throwIfCancelled("sampling");
      return net->forward(x, t, on.image, on.text, on.imageMap).to(at::kFloat);
    };
    const at::Tensor start = noise.to(device_);
    result = options.ddpm ? diffusion.ddpmTrajectory(model, start, generator_, stepNoise)
                          : diffusion.ddimTrajectory(model, start, options.eta, generator_, stepNoise);
  }
  // Copied outside InferenceMode into a normal tensor: stage 3 feeds it to layers that train.
  return result.cpu().clone();
}

GeneratorStepLosses PromptGenerator::trainOnBatch(Conditioner& conditioner, MaskVaeModel& vae, const ConditionerInputs& inputs, const at::Tensor& masks,
                                                  double lr, const at::Tensor& seeds) {
  if (masks.dim() != 4 || masks.size(0) != inputs.images.size(0)) fail(ErrorCode::Shape, "masks must be B×1×H×W, one per image");
  const GeneratorCondition condition = conditionFrom(conditioner, inputs);
  const int64_t vaeSize = vae.config().sampleSize;
  // Masks come in the conditioner's frame; the Mask-VAE reads its own size.
  const at::Tensor vaeMasks = masks.size(2) == vaeSize && masks.size(3) == vaeSize ? masks : at::upsample_bilinear2d(masks, {vaeSize, vaeSize}, false);
  const VaeEncoding posterior = vae.encode(vaeMasks);
  BatchDraws draws(seeds, generator_, masks.size(0));  // each sample's stream: its posterior draw, then its timestep and noise
  at::Tensor latents;
  {
    torch::NoGradGuard noGrad;
    if (config_.posteriorMean) {
      latents = posterior.mean;
    } else {
      const at::Tensor epsilon = draws.normal(posterior.mean.sizes().slice(1)).to(posterior.mean.device());
      latents = posterior.mean + torch::exp(0.5 * posterior.logvar) * epsilon;  // the reference's latent_dist.sample()
    }
  }
  return step(latents * config_.latentScale, condition, lr, draws);
}

at::Tensor PromptGenerator::noiseFromSeeds(const at::Tensor& seeds) const {
  if (seeds.dim() != 1 || seeds.scalar_type() != at::kLong) fail(ErrorCode::Shape, "seeds must be a 1-D int64 tensor, one seed per sample");
  const auto& c = config_.network;
  at::Tensor noise = at::empty({seeds.size(0), c.inChannels, c.inputSize, c.inputSize}, at::kFloat);
  const at::Tensor values = seeds.contiguous();
  for (int64_t i = 0; i < seeds.size(0); ++i) {
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(values.data_ptr<int64_t>()[i]));
    noise[i].copy_(at::randn({c.inChannels, c.inputSize, c.inputSize}, generator, at::kFloat));
  }
  return noise;
}

GeneratedMasks PromptGenerator::generate(Conditioner& conditioner, MaskVaeModel& vae, const ConditionerInputs& inputs, const at::Tensor& noise,
                                         const SamplingOptions& options, bool decodeTrajectory) {
  GeneratedMasks result;
  result.trajectory = trajectory(noise, conditionFrom(conditioner, inputs), options);
  const int64_t steps = result.trajectory.size(0), batch = result.trajectory.size(1);
  if (decodeTrajectory) {
    const at::Tensor decoded = vae.decode(result.trajectory.flatten(0, 1) / config_.latentScale).clamp(0, 1).cpu();  // (steps·B)×1×H×W
    result.decoded = decoded.reshape({steps, batch, decoded.size(1), decoded.size(2), decoded.size(3)});
    result.masks = result.decoded[steps - 1].clone();
  } else {
    result.masks = vae.decode(result.trajectory[steps - 1] / config_.latentScale).clamp(0, 1).cpu();
  }
  return result;
}

}  // namespace diffprompt
