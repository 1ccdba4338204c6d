// MaskDiT: the stage-2 prompt generator, DiT (Peebles & Xie 2023) conditioned on an image and a
// text feature instead of a class, with DiT's parameter names (x_embedder.proj, pos_embed,
// t_embedder.mlp.{0,2}, blocks.i.{attn.qkv,attn.proj,mlp.fc1,mlp.fc2,adaLN_modulation.1},
// final_layer.{linear,adaLN_modulation.1}), so the published mask_dit weights load by name.
//
//   x B×C×S×S (a Mask-VAE latent), t B (int64, the original timestep), image B×Di, text B×Dt
//   → B×2C×S×S: ε̂ (channels 0..C−1) and the variance interpolation v (C..2C−1)
//   condition c = concat(image' + t_emb, text' + t_emb), B×2H; image' = cond_proj_image(image)
//   when Di ≠ H (likewise text), else the features themselves.
//
// Spatial conditioning (an option beyond the reference, spatialConditionWidth > 0): the
// conditioner's image feature map B×Ds×h×w, resampled to the token grid, goes through
// cond_proj_spatial and is added to the patch embeddings, which is the same as concatenating it
// to the latent before a patch embedding: the network then sees where things are, which two
// global vectors can hardly say.
#pragma once

#include <torch/torch.h>

namespace diffprompt {

struct MaskDitConfig {
  int64_t inputSize = 28;
  int64_t patchSize = 2;
  int64_t inChannels = 4;
  int64_t hiddenSize = 512;
  int64_t depth = 12;
  int64_t numHeads = 8;
  int64_t mlpRatio = 4;
  bool learnSigma = true;
  int64_t imageConditionWidth = 512;
  int64_t textConditionWidth = 512;
  int64_t spatialConditionWidth = 0;  // 0: global conditioning only (the reference)

  int64_t outChannels() const { return learnSigma ? 2 * inChannels : inChannels; }
  int64_t gridSize() const { return inputSize / patchSize; }
  int64_t conditionWidth() const { return 2 * hiddenSize; }
};

/** Sinusoidal timestep features (cos first, as DiT): t B → B×dim, frequencies exp(−ln(10⁴)·i/(dim/2)). */
at::Tensor timestepFrequencies(const at::Tensor& t, int64_t dim = 256);

/** MAE's fixed 2-D sin-cos position embedding, grid² × width: the first width/2 dimensions
 * encode the column, the rest the row; computed in float64, returned as float32. */
at::Tensor sinCosPositionEmbedding(int64_t width, int64_t grid);

/** A feature map B×D×h×w on a grid×grid: average-pooled when larger, bilinear when smaller. */
at::Tensor resampleToGrid(const at::Tensor& map, int64_t grid);

/** DiT's TimestepEmbedder: t B → sinusoidal features B×256 → mlp.0 → SiLU → mlp.2 → B×H. */
class TimestepEmbedderImpl : public torch::nn::Module {
 public:
  explicit TimestepEmbedderImpl(int64_t hidden, int64_t frequencyWidth = 256);
  at::Tensor forward(const at::Tensor& t);
  torch::nn::Linear in{nullptr}, out{nullptr};  // mlp.0, mlp.2

 private:
  int64_t frequencyWidth_;
};
TORCH_MODULE(TimestepEmbedder);

/** adaLN-Zero block: x += gate·attn(modulate(LN(x))), then x += gate·mlp(modulate(LN(x))). */
class DitBlockImpl : public torch::nn::Module {
 public:
  DitBlockImpl(int64_t hidden, int64_t heads, int64_t mlpRatio, int64_t conditionWidth);
  /** x B×N×H, c B×2H. */
  at::Tensor forward(const at::Tensor& x, const at::Tensor& c);
  torch::nn::Linear& modulation() { return adaLN_; }

 private:
  int64_t heads_;
  torch::nn::LayerNorm norm1_{nullptr}, norm2_{nullptr};
  torch::nn::Linear qkv_{nullptr}, proj_{nullptr}, fc1_{nullptr}, fc2_{nullptr}, adaLN_{nullptr};
};
TORCH_MODULE(DitBlock);

/** DiT's FinalLayer: norm_final, modulated by adaLN_modulation.1(SiLU(c)), then linear to the
 * patch values: x B×N×H, c B×2H → B×N×(p²·outC). */
class FinalLayerImpl : public torch::nn::Module {
 public:
  FinalLayerImpl(int64_t hidden, int64_t patchValues, int64_t conditionWidth);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& c);
  torch::nn::Linear linear{nullptr}, modulation{nullptr};

 private:
  torch::nn::LayerNorm norm_{nullptr};
};
TORCH_MODULE(FinalLayer);

class MaskDitImpl : public torch::nn::Module {
 public:
  MaskDitImpl(const MaskDitConfig& config, at::Generator& generator);
  /** imageMap B×Ds×h×w is read only with spatial conditioning, and required then. */
  at::Tensor forward(const at::Tensor& x, const at::Tensor& t, const at::Tensor& image, const at::Tensor& text, const at::Tensor& imageMap = {});
  const MaskDitConfig& config() const { return config_; }

 private:
  /** B×N×(p²·outC) → B×outC×S×S. */
  at::Tensor unpatchify(const at::Tensor& tokens) const;

  MaskDitConfig config_;
  torch::nn::Conv2d xEmbedder_{nullptr};
  at::Tensor posEmbed_;  // 1×N×H, fixed (a parameter that does not train, as DiT's)
  TimestepEmbedder tEmbedder_{nullptr};
  torch::nn::Linear condProjImage_{nullptr}, condProjText_{nullptr};  // only when the widths differ
  torch::nn::Linear condProjSpatial_{nullptr};                        // only with spatial conditioning
  torch::nn::ModuleList blocks_{nullptr};
  FinalLayer finalLayer_{nullptr};
};
TORCH_MODULE(MaskDit);

}  // namespace diffprompt
