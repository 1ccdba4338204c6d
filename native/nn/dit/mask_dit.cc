#include "nn/dit/mask_dit.h"

#include <cmath>

#include "nn/attention.h"

namespace diffprompt {

namespace {

torch::nn::LayerNorm plainLayerNorm(int64_t width) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}).elementwise_affine(false).eps(1e-6));
}

/** x·(1 + scale) + shift, with shift and scale B×H broadcast over the tokens of x B×N×H. */
at::Tensor modulate(const at::Tensor& x, const at::Tensor& shift, const at::Tensor& scale) {
  return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1);
}

void xavierUniform(const at::Tensor& weight, int64_t fanOut, int64_t fanIn, at::Generator& generator) {
  const double bound = std::sqrt(6.0 / static_cast<double>(fanIn + fanOut));
  weight.uniform_(-bound, bound, generator);
}

}  // namespace

at::Tensor timestepFrequencies(const at::Tensor& t, int64_t dim) {
  const int64_t half = dim / 2;
  const at::Tensor freqs = at::exp(-std::log(10000.0) * at::arange(half, t.options().dtype(at::kFloat)) / static_cast<double>(half));
  const at::Tensor args = t.to(at::kFloat).unsqueeze(1) * freqs.unsqueeze(0);  // B×half
  return at::cat({at::cos(args), at::sin(args)}, -1);
}

at::Tensor sinCosPositionEmbedding(int64_t width, int64_t grid) {
  const int64_t quarter = width / 4;
  const at::Tensor omega = 1.0 / at::pow(10000.0, at::arange(quarter, at::kDouble) / static_cast<double>(quarter));  // width/4
  auto axis = [&](const at::Tensor& positions) {  // positions N → N×width/2: [sin(p·ω), cos(p·ω)]
    const at::Tensor angles = positions.to(at::kDouble).unsqueeze(1) * omega.unsqueeze(0);
    return at::cat({at::sin(angles), at::cos(angles)}, 1);
  };
  const at::Tensor index = at::arange(grid * grid, at::kLong);
  return at::cat({axis(index.remainder(grid)), axis(index.div(grid, "floor"))}, 1).to(at::kFloat);  // column, then row
}

TimestepEmbedderImpl::TimestepEmbedderImpl(int64_t hidden, int64_t frequencyWidth) : frequencyWidth_(frequencyWidth) {
  in = torch::nn::Linear(frequencyWidth, hidden);
  out = torch::nn::Linear(hidden, hidden);
  register_module("mlp", torch::nn::Sequential(in, torch::nn::SiLU(), out));  // mlp.0, mlp.2
}

at::Tensor TimestepEmbedderImpl::forward(const at::Tensor& t) { return out(at::silu(in(timestepFrequencies(t, frequencyWidth_)))); }

DitBlockImpl::DitBlockImpl(int64_t hidden, int64_t heads, int64_t mlpRatio, int64_t conditionWidth) : heads_(heads) {
  norm1_ = register_module("norm1", plainLayerNorm(hidden));
  auto attn = register_module("attn", std::make_shared<torch::nn::Module>());
  qkv_ = attn->register_module("qkv", torch::nn::Linear(hidden, 3 * hidden));
  proj_ = attn->register_module("proj", torch::nn::Linear(hidden, hidden));
  norm2_ = register_module("norm2", plainLayerNorm(hidden));
  auto mlp = register_module("mlp", std::make_shared<torch::nn::Module>());
  fc1_ = mlp->register_module("fc1", torch::nn::Linear(hidden, mlpRatio * hidden));
  fc2_ = mlp->register_module("fc2", torch::nn::Linear(mlpRatio * hidden, hidden));
  auto modulation = register_module("adaLN_modulation", torch::nn::Sequential(torch::nn::SiLU()));
  adaLN_ = torch::nn::Linear(conditionWidth, 6 * hidden);
  modulation->push_back(adaLN_);  // "adaLN_modulation.1"
}

at::Tensor DitBlockImpl::forward(const at::Tensor& x, const at::Tensor& c) {
  const auto m = adaLN_(at::silu(c)).chunk(6, 1);  // shift, scale, gate (attention); shift, scale, gate (MLP)
  const auto qkv = qkv_(modulate(norm1_(x), m[0], m[1])).chunk(3, -1);
  at::Tensor h = x + m[2].unsqueeze(1) * proj_(multiHeadAttention(qkv[0], qkv[1], qkv[2], heads_));
  return h + m[5].unsqueeze(1) * fc2_(at::gelu(fc1_(modulate(norm2_(h), m[3], m[4])), "tanh"));
}

FinalLayerImpl::FinalLayerImpl(int64_t hidden, int64_t patchValues, int64_t conditionWidth) {
  norm_ = register_module("norm_final", plainLayerNorm(hidden));
  linear = register_module("linear", torch::nn::Linear(hidden, patchValues));
  modulation = torch::nn::Linear(conditionWidth, 2 * hidden);
  register_module("adaLN_modulation", torch::nn::Sequential(torch::nn::SiLU(), modulation));  // adaLN_modulation.1
}

at::Tensor FinalLayerImpl::forward(const at::Tensor& x, const at::Tensor& c) {
  const auto shiftScale = modulation(at::silu(c)).chunk(2, 1);
  return linear(modulate(norm_(x), shiftScale[0], shiftScale[1]));
}

at::Tensor resampleToGrid(const at::Tensor& map, int64_t grid) {
  if (map.size(2) == grid && map.size(3) == grid) return map;
  if (map.size(2) >= grid && map.size(3) >= grid) return at::adaptive_avg_pool2d(map, {grid, grid});
  return at::upsample_bilinear2d(map, {grid, grid}, /*align_corners=*/false);
}

MaskDitImpl::MaskDitImpl(const MaskDitConfig& config, at::Generator& generator) : config_(config) {
  const int64_t hidden = config.hiddenSize, grid = config.gridSize();
  auto xEmbedder = register_module("x_embedder", std::make_shared<torch::nn::Module>());
  xEmbedder_ = xEmbedder->register_module(
      "proj", torch::nn::Conv2d(torch::nn::Conv2dOptions(config.inChannels, hidden, config.patchSize).stride(config.patchSize)));
  posEmbed_ = register_parameter("pos_embed", sinCosPositionEmbedding(hidden, grid).unsqueeze(0), /*requires_grad=*/false);
  tEmbedder_ = register_module("t_embedder", TimestepEmbedder(hidden));
  if (config.imageConditionWidth != hidden) condProjImage_ = register_module("cond_proj_image", torch::nn::Linear(config.imageConditionWidth, hidden));
  if (config.textConditionWidth != hidden) condProjText_ = register_module("cond_proj_text", torch::nn::Linear(config.textConditionWidth, hidden));
  if (config.spatialConditionWidth > 0) condProjSpatial_ = register_module("cond_proj_spatial", torch::nn::Linear(config.spatialConditionWidth, hidden));
  blocks_ = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.depth; ++i) blocks_->push_back(DitBlock(hidden, config.numHeads, config.mlpRatio, config.conditionWidth()));
  finalLayer_ = register_module("final_layer", FinalLayer(hidden, config.patchSize * config.patchSize * config.outChannels(), config.conditionWidth()));

  // DiT's initialisation: every Linear Xavier-uniform with zero bias; the patch embedding
  // likewise on its out × (in·p²) view; timestep MLP weights N(0, 0.02); adaLN and the final
  // linear layer zero, so every block starts as the identity.
  torch::NoGradGuard noGrad;
  for (auto& child : modules(/*include_self=*/false)) {
    if (auto* linear = child->as<torch::nn::Linear>()) {
      xavierUniform(linear->weight, linear->weight.size(0), linear->weight.size(1), generator);
      linear->bias.zero_();
    }
  }
  xavierUniform(xEmbedder_->weight, hidden, xEmbedder_->weight[0].numel(), generator);
  xEmbedder_->bias.zero_();
  tEmbedder_->in->weight.normal_(0.0, 0.02, generator);
  tEmbedder_->out->weight.normal_(0.0, 0.02, generator);
  for (auto& block : *blocks_) {
    auto& modulation = block->as<DitBlock>()->modulation();
    modulation->weight.zero_();
    modulation->bias.zero_();
  }
  for (auto* linear : {&finalLayer_->modulation, &finalLayer_->linear}) {
    (*linear)->weight.zero_();
    (*linear)->bias.zero_();
  }
}

at::Tensor MaskDitImpl::unpatchify(const at::Tensor& tokens) const {
  const int64_t batch = tokens.size(0), grid = config_.gridSize(), patch = config_.patchSize, channels = config_.outChannels();
  return tokens.reshape({batch, grid, grid, patch, patch, channels})
      .permute({0, 5, 1, 3, 2, 4})  // n h w p q c → n c h p w q
      .reshape({batch, channels, grid * patch, grid * patch});
}

at::Tensor MaskDitImpl::forward(const at::Tensor& x, const at::Tensor& t, const at::Tensor& image, const at::Tensor& text, const at::Tensor& imageMap) {
  at::Tensor tokens = xEmbedder_(x).flatten(2).transpose(1, 2) + posEmbed_;                    // B×N×H
  if (condProjSpatial_) tokens = tokens + condProjSpatial_(resampleToGrid(imageMap, config_.gridSize()).flatten(2).transpose(1, 2));
  const at::Tensor timeEmbedding = tEmbedder_(t);                                              // B×H
  const at::Tensor imageCondition = condProjImage_ ? condProjImage_(image) : image;
  const at::Tensor textCondition = condProjText_ ? condProjText_(text) : text;
  const at::Tensor c = at::cat({imageCondition + timeEmbedding, textCondition + timeEmbedding}, 1);  // B×2H
  for (auto& block : *blocks_) tokens = block->as<DitBlock>()->forward(tokens, c);
  return unpatchify(finalLayer_(tokens, c));
}

}  // namespace diffprompt
