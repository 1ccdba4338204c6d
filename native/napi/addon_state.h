// Per-instance state of the addon (one per Node environment: the main thread and each worker
// thread load their own). No statics: the addon is context-aware.
#pragma once

#include <napi.h>

#include <cstdint>
#include <map>
#include <string>

namespace diffprompt::napi {

struct AddonState {
  Napi::FunctionReference tensorClass;
  Napi::FunctionReference errorClass;  // DiffPromptError, handed over by lib/native.ts
  uint64_t defaultSeed = 0;            // manualSeed(n); models without a seed use it
  std::map<std::string, Napi::FunctionReference> handleClasses;  // model handle constructors by class name
};

inline AddonState& addonState(Napi::Env env) { return *env.GetInstanceData<AddonState>(); }

}  // namespace diffprompt::napi
