// The grounding model's sizes: a GLIP-style detector of referred objects. One struct, filled
// from the TypeScript config (lib/config/grounding-config.ts), which holds the presets.
#pragma once

#include <cstdint>
#include <vector>

namespace diffprompt {

struct GroundingConfig {
  int64_t imageSize = 64;  // square model frame, pixels

  // Vision encoder: a patch transformer (timm ViT names), no class token.
  int64_t patchSize = 8;
  int64_t visionWidth = 64;
  int64_t visionDepth = 4;
  int64_t visionHeads = 4;
  int64_t visionMlpRatio = 4;
  /** Strides of the simple feature pyramid, each patchSize·2^k (k from -2 to 2). */
  std::vector<int64_t> pyramidStrides{4, 8, 16};

  // Text encoder: BERT (HF names).
  int64_t vocabSize = 64;
  int64_t textWidth = 64;
  int64_t textLayers = 2;
  int64_t textHeads = 4;
  int64_t textIntermediate = 256;
  int64_t maxPositions = 32;
  int64_t typeVocabSize = 2;

  /** Bidirectional cross-attention layers between image and text tokens (0 = GLIP-T(A)). */
  int64_t fusionLayers = 2;
  int64_t fusionHeads = 4;

  // Dense head, shared by every pyramid level.
  int64_t headChannels = 64;
  int64_t headConvs = 2;
  int64_t normGroups = 16;
  /** ATSS: a location's anchor is a square of anchorScale·stride; topK candidates per level. */
  double anchorScale = 4.0;
  int64_t atssTopK = 9;

  // Deep prompts owned by the model (nn/prompt/own_prompts.h); 0 = none.
  int64_t visualPromptDepth = 0;
  int64_t visualPromptLength = 0;
  int64_t textPromptDepth = 0;
  int64_t textPromptLength = 0;
  /** MaPLe: the visual prompts are linear maps of the textual ones (same length, depth ≤ text's). */
  bool coupledVisualPrompts = false;
  /** FedTPG: the textual prompts are generated from the expression's tokens by cross-attention. */
  bool expressionTextPrompts = false;
  int64_t expressionPromptHeads = 4;
  /** CLIP-Adapter on every pyramid map: channel reduction of its bottleneck (0 = none) and the
   * residual ratio. */
  int64_t pyramidAdapterReduction = 0;
  double pyramidAdapterRatio = 0.2;

  // Loss weights (GLIP's).
  double focalAlpha = 0.25;
  double focalGamma = 2.0;
  double regressionWeight = 2.0;

  int64_t gridSize() const { return imageSize / patchSize; }
};

}  // namespace diffprompt
