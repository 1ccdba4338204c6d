// The addon's entry point: per-environment state, the process set-up (threads, malloc), and
// every class and function lib/native.ts sees.
#include <napi.h>

#include "core/runtime.h"
#include "napi/addon_state.h"
#include "napi/async_job.h"
#include "napi/tensor_handle.h"
#include "source_hash.h"

namespace diffprompt::napi {

Napi::Function defineMlpHandle(Napi::Env env);
Napi::Function defineMaskVaeHandle(Napi::Env env);
Napi::Function defineGroundingHandle(Napi::Env env);
Napi::Function defineClipHandle(Napi::Env env);
Napi::Function definePromptGeneratorHandle(Napi::Env env);
Napi::Function defineDiffPromptHandle(Napi::Env env);
void exportCheckpointFunctions(Napi::Env env, Napi::Object exports);
void exportRuntimeFunctions(Napi::Env env, Napi::Object exports);
void exportGroundingOps(Napi::Env env, Napi::Object exports);
void exportDiffusionFunctions(Napi::Env env, Napi::Object exports);

namespace {

// The source hash with a marker, kept in the binary as one string: a prebuild is checked
// against the sources by scanning its bytes, without loading it.
constexpr char kSourceHashMarker[] = "diff-prompt-source-hash=" DIFF_PROMPT_SOURCE_HASH;
constexpr size_t kMarkerPrefix = sizeof("diff-prompt-source-hash=") - 1;

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  runtime::configureProcess();
  runtime::keepCallingThreadSerial();
  auto* state = new AddonState();
  env.SetInstanceData(state);

  Napi::Function tensorClass = TensorHandle::define(env);
  state->tensorClass = Napi::Persistent(tensorClass);

  exports.Set("NativeTensor", tensorClass);
  exports.Set("CancelFlag", CancelFlag::define(env));
  exports.Set("NativeMlp", defineMlpHandle(env));
  exports.Set("NativeMaskVae", defineMaskVaeHandle(env));
  exports.Set("NativeGroundingModel", defineGroundingHandle(env));
  exports.Set("NativeClipModel", defineClipHandle(env));
  exports.Set("NativePromptGenerator", definePromptGeneratorHandle(env));
  exports.Set("NativeDiffPrompt", defineDiffPromptHandle(env));
  exportCheckpointFunctions(env, exports);
  exportRuntimeFunctions(env, exports);
  exportGroundingOps(env, exports);
  exportDiffusionFunctions(env, exports);
  exports.Set("sourceHash", Napi::String::New(env, kSourceHashMarker + kMarkerPrefix));
  return exports;
}

}  // namespace
}  // namespace diffprompt::napi

// NODE_API_MODULE pastes the name into an identifier: it must be unqualified.
static Napi::Object InitDiffPrompt(Napi::Env env, Napi::Object exports) { return diffprompt::napi::Init(env, exports); }
NODE_API_MODULE(diff_prompt, InitDiffPrompt)
