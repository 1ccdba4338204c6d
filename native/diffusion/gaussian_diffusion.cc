#include "diffusion/gaussian_diffusion.h"

#include <cmath>

#include "core/error.h"

namespace diffprompt {

GaussianDiffusion::GaussianDiffusion(BetaSchedule schedule, int64_t steps, std::vector<int64_t> kept) {
  const at::Tensor baseBetas = betasFor(schedule, steps);
  const at::Tensor baseCumprod = at::cumprod(1.0 - baseBetas, 0);
  if (kept.empty()) {
    for (int64_t t = 0; t < steps; ++t) kept.push_back(t);
  }
  // Respacing (improved-diffusion's SpacedDiffusion): β'_k = 1 − ᾱ_{S_k}/ᾱ_{S_{k−1}}, ᾱ_{S_{−1}} = 1.
  std::vector<double> betas;
  double previous = 1.0;
  for (const int64_t t : kept) {
    if (t < 0 || t >= steps) fail(ErrorCode::Config, "a kept timestep is outside 0.." + std::to_string(steps - 1));
    const double cumprod = baseCumprod[t].item<double>();
    betas.push_back(1.0 - cumprod / previous);
    previous = cumprod;
  }
  timestepMap_ = std::move(kept);
  betas_ = at::tensor(betas, at::kDouble);
  const at::Tensor alphas = 1.0 - betas_;
  alphasCumprod_ = at::cumprod(alphas, 0);
  alphasCumprodPrev_ = at::cat({at::ones({1}, at::kDouble), alphasCumprod_.narrow(0, 0, alphasCumprod_.size(0) - 1)});
  sqrtAlphasCumprod_ = at::sqrt(alphasCumprod_);
  sqrtOneMinusAlphasCumprod_ = at::sqrt(1.0 - alphasCumprod_);
  sqrtRecipAlphasCumprod_ = at::sqrt(1.0 / alphasCumprod_);
  sqrtRecipm1AlphasCumprod_ = at::sqrt(1.0 / alphasCumprod_ - 1.0);
  posteriorVariance_ = betas_ * (1.0 - alphasCumprodPrev_) / (1.0 - alphasCumprod_);
  // log β̃ with β̃_0 (= 0) replaced by β̃_1, as improved-diffusion clips it.
  const int64_t count = posteriorVariance_.size(0);
  posteriorLogVarianceClipped_ = count > 1 ? at::log(at::cat({posteriorVariance_.narrow(0, 1, 1), posteriorVariance_.narrow(0, 1, count - 1)}))
                                           : at::log(posteriorVariance_.clamp_min(1e-20));
  posteriorMeanCoef1_ = betas_ * at::sqrt(alphasCumprodPrev_) / (1.0 - alphasCumprod_);
  posteriorMeanCoef2_ = (1.0 - alphasCumprodPrev_) * at::sqrt(alphas) / (1.0 - alphasCumprod_);
}

at::Tensor GaussianDiffusion::valueAt(const at::Tensor& table, const at::Tensor& t, const at::Tensor& like) const {
  return table.index_select(0, t.to(at::kLong).cpu()).to(at::kFloat).to(like.device()).view({-1, 1, 1, 1});
}

at::Tensor GaussianDiffusion::timestepsOf(int64_t k, int64_t batch, torch::Device device) const {
  return at::full({batch}, k, at::TensorOptions().dtype(at::kLong).device(device));
}

at::Tensor GaussianDiffusion::qSample(const at::Tensor& x0, const at::Tensor& t, const at::Tensor& noise) const {
  return valueAt(sqrtAlphasCumprod_, t, x0) * x0 + valueAt(sqrtOneMinusAlphasCumprod_, t, x0) * noise;
}

GaussianDiffusion::MeanVariance GaussianDiffusion::pMeanVariance(const at::Tensor& modelOutput, const at::Tensor& xt, const at::Tensor& t) const {
  const int64_t channels = xt.size(1);
  const at::Tensor epsilon = modelOutput.narrow(1, 0, channels), v = modelOutput.narrow(1, channels, channels);
  const at::Tensor minLog = valueAt(posteriorLogVarianceClipped_, t, xt);
  const at::Tensor maxLog = valueAt(at::log(betas_), t, xt);
  const at::Tensor fraction = (v + 1) / 2;
  const at::Tensor logVariance = fraction * maxLog + (1 - fraction) * minLog;
  const at::Tensor predictedX0 = valueAt(sqrtRecipAlphasCumprod_, t, xt) * xt - valueAt(sqrtRecipm1AlphasCumprod_, t, xt) * epsilon;
  const at::Tensor mean = valueAt(posteriorMeanCoef1_, t, xt) * predictedX0 + valueAt(posteriorMeanCoef2_, t, xt) * xt;
  return {mean, logVariance, predictedX0};
}

namespace {

/** KL(N(m1, e^lv1) ‖ N(m2, e^lv2)), elementwise. */
at::Tensor normalKl(const at::Tensor& mean1, const at::Tensor& logVar1, const at::Tensor& mean2, const at::Tensor& logVar2) {
  return 0.5 * (-1.0 + logVar2 - logVar1 + at::exp(logVar1 - logVar2) + (mean1 - mean2).pow(2) * at::exp(-logVar2));
}

at::Tensor approxStandardNormalCdf(const at::Tensor& x) {
  return 0.5 * (1.0 + at::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x.pow(3))));
}

/** log-likelihood of x ∈ [−1, 1] under a Gaussian discretised to 8-bit bins (ADM's decoder), elementwise. */
at::Tensor discretizedGaussianLogLikelihood(const at::Tensor& x, const at::Tensor& mean, const at::Tensor& logScale) {
  const at::Tensor centered = x - mean;
  const at::Tensor inverseStd = at::exp(-logScale);
  const at::Tensor cdfPlus = approxStandardNormalCdf(inverseStd * (centered + 1.0 / 255.0));
  const at::Tensor cdfMin = approxStandardNormalCdf(inverseStd * (centered - 1.0 / 255.0));
  const at::Tensor logCdfPlus = at::log(cdfPlus.clamp_min(1e-12));
  const at::Tensor logOneMinusCdfMin = at::log((1.0 - cdfMin).clamp_min(1e-12));
  const at::Tensor logCdfDelta = at::log((cdfPlus - cdfMin).clamp_min(1e-12));
  return at::where(x < -0.999, logCdfPlus, at::where(x > 0.999, logOneMinusCdfMin, logCdfDelta));
}

at::Tensor meanFlat(const at::Tensor& x) { return x.flatten(1).mean(1); }

/** The noise a sampler adds at its n-th step: stepNoise[n] when given, else a fresh draw. */
at::Tensor noiseForStep(int64_t n, const at::Tensor& like, at::Generator& generator, const at::Tensor& stepNoise) {
  const at::Tensor z = stepNoise.defined() ? stepNoise[n] : at::randn(like.sizes(), generator, at::kFloat);
  return z.to(like.device());
}

}  // namespace

DiffusionLosses GaussianDiffusion::trainingLosses(const at::Tensor& modelOutput, const at::Tensor& x0, const at::Tensor& xt,
                                                  const at::Tensor& t, const at::Tensor& noise) const {
  const int64_t channels = x0.size(1);
  const at::Tensor epsilon = modelOutput.narrow(1, 0, channels);
  // The VB term learns only the variance: the mean it sees is built from a detached ε̂.
  const at::Tensor frozen = at::cat({epsilon.detach(), modelOutput.narrow(1, channels, channels)}, 1);
  const MeanVariance model = pMeanVariance(frozen, xt, t);
  const at::Tensor trueMean = valueAt(posteriorMeanCoef1_, t, xt) * x0 + valueAt(posteriorMeanCoef2_, t, xt) * xt;
  const at::Tensor trueLogVariance = valueAt(posteriorLogVarianceClipped_, t, xt);
  const at::Tensor kl = meanFlat(normalKl(trueMean, trueLogVariance, model.mean, model.logVariance)) / std::log(2.0);
  const at::Tensor decoderNll = meanFlat(-discretizedGaussianLogLikelihood(x0, model.mean, 0.5 * model.logVariance)) / std::log(2.0);
  const at::Tensor vb = at::where(t.to(xt.device()) == 0, decoderNll, kl);
  const at::Tensor mse = meanFlat((noise - epsilon).pow(2));
  return {mse, vb, mse + vb};
}

at::Tensor GaussianDiffusion::ddimTrajectory(const DenoiseFunction& model, const at::Tensor& noise, double eta, at::Generator& generator,
                                             const at::Tensor& stepNoise) const {
  at::Tensor x = noise;
  const int64_t batch = x.size(0);
  std::vector<at::Tensor> trajectory;
  for (int64_t k = steps() - 1; k >= 0; --k) {
    const at::Tensor t = timestepsOf(k, batch, x.device());
    const at::Tensor output = model(x, timestepsOf(timestepMap_[static_cast<size_t>(k)], batch, x.device()));
    const MeanVariance p = pMeanVariance(output, x, t);
    const at::Tensor epsilon = (valueAt(sqrtRecipAlphasCumprod_, t, x) * x - p.predictedX0) / valueAt(sqrtRecipm1AlphasCumprod_, t, x);
    const at::Tensor alphaBar = valueAt(alphasCumprod_, t, x), alphaBarPrev = valueAt(alphasCumprodPrev_, t, x);
    const at::Tensor sigma = eta * at::sqrt((1 - alphaBarPrev) / (1 - alphaBar)) * at::sqrt(1 - alphaBar / alphaBarPrev);
    x = p.predictedX0 * at::sqrt(alphaBarPrev) + at::sqrt(1 - alphaBarPrev - sigma.pow(2)) * epsilon;
    if (eta > 0 && k > 0) {
      x = x + sigma * noiseForStep(steps() - 1 - k, x, generator, stepNoise);
    }
    trajectory.push_back(x);
  }
  return at::stack(trajectory);
}

at::Tensor GaussianDiffusion::ddpmTrajectory(const DenoiseFunction& model, const at::Tensor& noise, at::Generator& generator,
                                             const at::Tensor& stepNoise) const {
  at::Tensor x = noise;
  const int64_t batch = x.size(0);
  std::vector<at::Tensor> trajectory;
  for (int64_t k = steps() - 1; k >= 0; --k) {
    const at::Tensor t = timestepsOf(k, batch, x.device());
    const MeanVariance p = pMeanVariance(model(x, timestepsOf(timestepMap_[static_cast<size_t>(k)], batch, x.device())), x, t);
    x = p.mean;
    if (k > 0) {
      x = x + at::exp(0.5 * p.logVariance) * noiseForStep(steps() - 1 - k, x, generator, stepNoise);
    }
    trajectory.push_back(x);
  }
  return at::stack(trajectory);
}

}  // namespace diffprompt
