// Diff-Prompt (stage 3). One object holds the frozen backbone (a grounding model, which is also
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

#include "nn/prompt/diff_prompt_adapters.h"
#include "models/prompt_generator.h"
#include "models/grounding_model.h"
#include "models/mask_vae_model.h"
#include "train/trainable.h"

namespace diffprompt {

struct DiffPromptConfig {
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


/** A batch: the backbone's (images, tokens, boxes for training); seeds (int64 B) fix each sample's x_T. */
struct DiffPromptBatch {
  GroundingBatch grounding;
  at::Tensor seeds;
};

struct DiffPromptLosses {
  double loss, grounding, token, box, centerness, alignment;
  int64_t positives;
};

class DiffPromptModel : public Trainable {
 public:
  DiffPromptModel(const DiffPromptConfig& config, std::shared_ptr<GroundingModel> backbone, std::shared_ptr<MaskVaeModel> vae,
                    std::shared_ptr<PromptGenerator> generator, uint64_t seed, torch::Device device, AdamOptions adam);

  torch::nn::Module& module() override { return *adapters_; }
  const DiffPromptConfig& config() const { return config_; }

  DiffPromptLosses trainStep(const DiffPromptBatch& batch, double lr, double alignmentWeight);
  /** `context`, when given, stops a cancelled job between denoising steps. */
  std::vector<RankedBoxes> predict(const DiffPromptBatch& batch, const DecodeOptions& options, const JobContext* context = nullptr);
  /** The decoded trajectory masks each layer reads: max(depths) × B×1×S×S (no grad; the Mask-VAE's
   * raw output, unclamped, as the reference feeds its adapters). */
  std::vector<at::Tensor> layerMasks(const DiffPromptBatch& batch, const JobContext* context = nullptr);

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
  LayerInputs layerInputs(const DiffPromptBatch& batch, const JobContext* context);
  struct Prompted {
    GroundingBatch batch;
    AdapterPrompts visual, textual;
    GeneratorCondition features;
  };
  Prompted prompted(const DiffPromptBatch& batch, const JobContext* context = nullptr);
  /** Runs inside every job: the backbone's parameters stop requiring grad (once). */
  void freezeBackbone();
  at::Tensor alignment(const Prompted& prompted);

  DiffPromptConfig config_;
  AdamOptions adam_;
  std::shared_ptr<GroundingModel> backbone_;
  bool backboneFrozen_ = false;
  std::shared_ptr<MaskVaeModel> vae_;
  std::shared_ptr<PromptGenerator> promptGenerator_;
  DiffPromptAdapters adapters_{nullptr};
};

}  // namespace diffprompt
