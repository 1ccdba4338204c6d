// CLIP's sizes (Hugging Face CLIPConfig's, under this package's names): a ViT image tower with a
// class token and a causal text transformer, each projected to a shared embedding width. One
// struct, filled from the TypeScript config (lib/config/clip-config.ts), which holds the presets.
#pragma once

#include <cstdint>

namespace diffprompt {

struct ClipConfig {
  // Vision tower (CLIPVisionConfig): image_size, patch_size, hidden_size, num_hidden_layers, num_attention_heads.
  int64_t imageSize = 64;
  int64_t patchSize = 8;
  int64_t visionWidth = 64;
  int64_t visionLayers = 2;
  int64_t visionHeads = 4;

  // Text tower (CLIPTextConfig): vocab_size, max_position_embeddings, hidden_size, num_hidden_layers, num_attention_heads.
  int64_t vocabSize = 49408;
  int64_t contextLength = 77;
  int64_t textWidth = 64;
  int64_t textLayers = 2;
  int64_t textHeads = 4;

  /** projection_dim: the width of both embeddings. */
  int64_t projectionDim = 64;
  /** intermediate_size = mlpRatio · hidden_size in both towers. */
  int64_t mlpRatio = 4;

  int64_t gridSize() const { return imageSize / patchSize; }
};

}  // namespace diffprompt
