// Reading options objects from JavaScript, with typed errors that name the bad key.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace diffprompt::napi {

Napi::Object expectObject(const Napi::CallbackInfo& info, size_t index, const char* what);
std::string expectString(const Napi::CallbackInfo& info, size_t index, const char* what);

/** An integer option ≥ `minimum`; `fallback` when absent. */
int64_t integerOption(const Napi::Object& options, const char* key, int64_t fallback, int64_t minimum);
double numberOption(const Napi::Object& options, const char* key, double fallback);
std::string stringOption(const Napi::Object& options, const char* key, const std::string& fallback);
bool boolOption(const Napi::Object& options, const char* key, bool fallback);
std::vector<int64_t> integerListOption(const Napi::Object& options, const char* key, int64_t minimum);

// A model config's keys: required, with no fallback. lib/config's zod schemas resolve every
// default and cross-field rule, so a config reaches the addon complete and the native side only
// reads it; a missing key is ERR_CONFIG naming it.
int64_t requiredInteger(const Napi::Object& config, const char* key, int64_t minimum);
double requiredNumber(const Napi::Object& config, const char* key);
std::string requiredString(const Napi::Object& config, const char* key);
bool requiredBool(const Napi::Object& config, const char* key);
std::vector<int64_t> requiredIntegerList(const Napi::Object& config, const char* key, int64_t minimum);

Napi::Array toJsStrings(Napi::Env env, const std::vector<std::string>& strings);

}  // namespace diffprompt::napi
