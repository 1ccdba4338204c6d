// Grounding batches and ranked boxes across the bridge, for every handle that grounds
// expressions (the grounding model, Diff-Prompt): a batch is { images, ids, attentionMask,
// positiveTokens, boxes?, visualPrompts?, textPrompts? } of tensors (prompts: one per layer);
// ranked boxes come back as [{ boxes: Float32Array K×4, scores: Float32Array K }].
#pragma once

#include <napi.h>

#include <utility>
#include <vector>

#include "detection/box_decoding.h"
#include "models/grounding_model.h"

namespace diffprompt::napi {

GroundingBatch batchFromJs(const Napi::CallbackInfo& info, size_t index, bool needBoxes);
GroundingBatch groundingBatchFromJs(const Napi::Object& batch, bool needBoxes);
/** { topK, scoreThreshold, nmsIou }, any of them absent. */
DecodeOptions decodeOptionsFromJs(Napi::Value options);

/** Per expression, boxes and scores as plain floats: made inside the job, so the completion on
 * the event loop touches no tensor. */
using RankedFloats = std::vector<std::pair<std::vector<float>, std::vector<float>>>;
RankedFloats rankedFloats(const std::vector<RankedBoxes>& ranked);
Napi::Value rankedToJs(Napi::Env env, RankedFloats& ranked);

}  // namespace diffprompt::napi
