#include "napi/js_convert.h"

#include <cmath>

#include "napi/error_mapping.h"

namespace diffprompt::napi {
namespace {

constexpr uint32_t kMaxListLength = 1024;  // shapes and layer lists are short

bool present(const Napi::Object& options, const char* key) {
  return options.Has(key) && !options.Get(key).IsUndefined() && !options.Get(key).IsNull();
}

[[noreturn]] void badOption(Napi::Env env, const char* key, const std::string& expected) {
  throwJs(env, ErrorCode::Config, std::string("option \"") + key + "\" must be " + expected);
}

}  // namespace

Napi::Object expectObject(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsObject()) throwJs(info.Env(), ErrorCode::Config, std::string(what) + " must be an object");
  return info[index].As<Napi::Object>();
}

std::string expectString(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsString()) throwJs(info.Env(), ErrorCode::Config, std::string(what) + " must be a string");
  return info[index].As<Napi::String>().Utf8Value();
}

int64_t integerOption(const Napi::Object& options, const char* key, int64_t fallback, int64_t minimum) {
  if (!present(options, key)) return fallback;
  const Napi::Value value = options.Get(key);
  bool lossless = true;
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue()
                        : value.IsBigInt() ? static_cast<double>(value.As<Napi::BigInt>().Int64Value(&lossless))
                                           : NAN;
  if (!lossless) badOption(options.Env(), key, "an integer that fits 64 bits");
  if (!std::isfinite(number) || number != std::floor(number) || number < static_cast<double>(minimum) || number > 9007199254740991.0) {
    badOption(options.Env(), key, "an integer ≥ " + std::to_string(minimum));
  }
  return static_cast<int64_t>(number);
}

double numberOption(const Napi::Object& options, const char* key, double fallback) {
  if (!present(options, key)) return fallback;
  const Napi::Value value = options.Get(key);
  if (!value.IsNumber() || !std::isfinite(value.As<Napi::Number>().DoubleValue())) badOption(options.Env(), key, "a finite number");
  return value.As<Napi::Number>().DoubleValue();
}

std::string stringOption(const Napi::Object& options, const char* key, const std::string& fallback) {
  if (!present(options, key)) return fallback;
  const Napi::Value value = options.Get(key);
  if (!value.IsString()) badOption(options.Env(), key, "a string");
  return value.As<Napi::String>().Utf8Value();
}

bool boolOption(const Napi::Object& options, const char* key, bool fallback) {
  if (!present(options, key)) return fallback;
  const Napi::Value value = options.Get(key);
  if (!value.IsBoolean()) badOption(options.Env(), key, "a boolean");
  return value.As<Napi::Boolean>().Value();
}

std::vector<int64_t> integerListOption(const Napi::Object& options, const char* key, int64_t minimum) {
  std::vector<int64_t> list;
  if (!present(options, key)) return list;
  if (!options.Get(key).IsArray()) badOption(options.Env(), key, "an array of integers");
  const Napi::Array array = options.Get(key).As<Napi::Array>();
  if (array.Length() > kMaxListLength) badOption(options.Env(), key, "an array of at most " + std::to_string(kMaxListLength) + " integers");
  Napi::Object wrapper = Napi::Object::New(options.Env());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    const Napi::Value item = array.Get(i);
    if (item.IsUndefined() || item.IsNull()) badOption(options.Env(), key, "an array of integers without holes");
    wrapper.Set(key, item);
    list.push_back(integerOption(wrapper, key, 0, minimum));
  }
  return list;
}

namespace {

void requireKey(const Napi::Object& config, const char* key) {
  if (!present(config, key)) {
    throwJs(config.Env(), ErrorCode::Config, std::string("config key \"") + key + "\" is missing: build configs with lib/config's schemas (presets and parseConfig fill every default)");
  }
}

}  // namespace

int64_t requiredInteger(const Napi::Object& config, const char* key, int64_t minimum) {
  requireKey(config, key);
  return integerOption(config, key, 0, minimum);
}

double requiredNumber(const Napi::Object& config, const char* key) {
  requireKey(config, key);
  return numberOption(config, key, 0.0);
}

std::string requiredString(const Napi::Object& config, const char* key) {
  requireKey(config, key);
  return stringOption(config, key, "");
}

bool requiredBool(const Napi::Object& config, const char* key) {
  requireKey(config, key);
  return boolOption(config, key, false);
}

std::vector<int64_t> requiredIntegerList(const Napi::Object& config, const char* key, int64_t minimum) {
  requireKey(config, key);
  return integerListOption(config, key, minimum);
}

Napi::Array toJsStrings(Napi::Env env, const std::vector<std::string>& strings) {
  Napi::Array array = Napi::Array::New(env, strings.size());
  for (uint32_t i = 0; i < strings.size(); ++i) array.Set(i, Napi::String::New(env, strings[i]));
  return array;
}

}  // namespace diffprompt::napi
