// Per-instance state of the addon (one per Node environment: the main thread and each worker
// thread load their own). No statics: the addon is context-aware.
#pragma once

#include <napi.h>

#include <cstdint>

namespace diffprompt::napi {

struct AddonState {
  Napi::FunctionReference tensorClass;
  Napi::FunctionReference errorClass;  // DiffPromptError, handed over by lib/native.ts
  uint64_t defaultSeed = 0;            // manualSeed(n); models without a seed use it
};

inline AddonState& addonState(Napi::Env env) { return *env.GetInstanceData<AddonState>(); }

}  // namespace diffprompt::napi
