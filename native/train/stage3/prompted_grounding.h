// Stage 3: Diff-Prompt. One object holds the frozen backbone (a grounding model, which is also
// the generator's conditioner), the frozen Mask-VAE and prompt generator, and the one part that
// trains: the visual and textual prompt adapters with the alignment heads. A training step is one
// job (the backbone is frozen by the first job, never from the event loop):
//
//   no grad:  the backbone's features → DDIM trajectory (x_T fresh from this model's generator, or
//             per sample from seeds) → for layer j the latent stride·j steps before the end
//             (layer 0 the clean sample) → Mask-VAE decode → masks_j B×1×S×S; the backbone's
//             own pooled features (image B×Dv, text B×Dt)
//   grad:     adapters(masks) → visual prompts per layer B×L×Dv, textual B×L×Dt → the frozen
//             backbone with those prompts → grounding loss
//             + weight × alignment: symmetric InfoNCE across the batch between the pooled
//             instance-specific visual prompts and the backbone's text features, and between
//             the pooled textual prompts and its image features (each through a linear head
//             to a shared width, cosine similarity / temperature)
//             → backward → gradient norm clipped (the reference: 1.0) → AdamW on the adapters and
//             heads only.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <vector>

#include "nn/prompt/diff_prompt_adapter.h"
#include "train/generator/prompt_generator.h"
#include "train/grounding/grounding_model.h"
#include "train/mask_vae_model.h"
#include "train/trainable.h"

namespace diffprompt {

struct PromptedGroundingConfig {
  int64_t visualDepth = 9, textualDepth = 9;  // prompted layers per encoder (0: that modality unprompted)
  int64_t length = 8;                         // tokens per layer (L/2 specific + L/2 global)
  bool specific = true, global = true;        // the ablation flags
  int64_t baseChannels = 8;
  int64_t stride = 2;                         // trajectory steps between consecutive layers
  std::string respacing = "ddim25";
  double eta = 0.0;
  int64_t alignWidth = 64;
  double temperature = 0.07;
  double maxGradNorm = 1.0;  // 0: no clipping
};

/** The trainable part: the adapters and the alignment heads. */
class DiffPromptMethodImpl : public torch::nn::Module {
 public:
  DiffPromptMethodImpl(const PromptedGroundingConfig& config, const GroundingConfig& backbone, int64_t maskSize, at::Generator& generator);
  DiffPromptAdapter visual{nullptr}, textual{nullptr};  // null when that modality is unprompted
  torch::nn::Linear alignVisualPrompts{nullptr}, alignTextFeatures{nullptr}, alignTextualPrompts{nullptr}, alignImageFeatures{nullptr};
};
TORCH_MODULE(DiffPromptMethod);

/** A batch: the backbone's (images, tokens, boxes for training); seeds (int64 B) fix each sample's x_T. */
struct Stage3Batch {
  GroundingBatch grounding;
  at::Tensor seeds;
};

struct Stage3Losses {
  double loss, grounding, token, box, centerness, alignment;
  int64_t positives;
};

class PromptedGrounding : public Trainable {
 public:
  PromptedGrounding(const PromptedGroundingConfig& config, std::shared_ptr<GroundingModel> backbone, std::shared_ptr<MaskVaeModel> vae,
                    std::shared_ptr<PromptGenerator> generator, uint64_t seed, torch::Device device, AdamOptions adam);

  torch::nn::Module& module() override { return *method_; }
  const PromptedGroundingConfig& config() const { return config_; }

  Stage3Losses trainStep(const Stage3Batch& batch, double lr, double alignmentWeight);
  std::vector<RankedBoxes> predict(const Stage3Batch& batch, const DecodeOptions& options);
  /** The decoded trajectory masks each layer reads: max(depths) × B×1×S×S (no grad; the Mask-VAE's
   * raw output, unclamped, as the reference feeds its adapters). */
  std::vector<at::Tensor> layerMasks(const Stage3Batch& batch);

 protected:
  AdamOptions adamOptions() const override { return adam_; }

 private:
  /** The backbone batch with this batch's generated prompts, and the pooled prompts. */
  /** What the prompts are made from: the decoded masks per layer, and the backbone's features the
   * generator was conditioned on (the alignment term reads the same ones). */
  struct LayerInputs {
    std::vector<at::Tensor> masks;
    GeneratorCondition features;
  };
  LayerInputs layerInputs(const Stage3Batch& batch);
  struct Prompted {
    GroundingBatch batch;
    AdapterPrompts visual, textual;
    GeneratorCondition features;
  };
  Prompted prompted(const Stage3Batch& batch);
  /** Runs inside every job: the backbone's parameters stop requiring grad (once). */
  void freezeBackbone();
  at::Tensor alignment(const Prompted& prompted);

  PromptedGroundingConfig config_;
  AdamOptions adam_;
  std::shared_ptr<GroundingModel> backbone_;
  bool backboneFrozen_ = false;
  std::shared_ptr<MaskVaeModel> vae_;
  std::shared_ptr<PromptGenerator> promptGenerator_;
  DiffPromptMethod method_{nullptr};
};

}  // namespace diffprompt
