#include "napi/model_handle.h"

namespace diffprompt::napi {

Napi::Object metadataToJs(Napi::Env env, const safetensors::Metadata& metadata) {
  Napi::Object object = Napi::Object::New(env);
  for (const auto& [key, value] : metadata) object.Set(key, value);
  return object;
}

safetensors::Metadata metadataFromJs(Napi::Env env, Napi::Value value) {
  safetensors::Metadata metadata;
  if (value.IsEmpty() || value.IsUndefined() || value.IsNull()) return metadata;
  if (!value.IsObject()) throwJs(env, ErrorCode::Config, "metadata must be an object of strings");
  const Napi::Object object = value.As<Napi::Object>();
  const Napi::Array keys = object.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    const std::string key = keys.Get(i).As<Napi::String>().Utf8Value();
    const Napi::Value entry = object.Get(key);
    if (!entry.IsString()) throwJs(env, ErrorCode::Config, "metadata value \"" + key + "\" must be a string");
    metadata[key] = entry.As<Napi::String>().Utf8Value();
  }
  return metadata;
}

Napi::Object loadReportToJs(Napi::Env env, const LoadReport& report, const safetensors::Metadata& metadata) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("missing", toJsStrings(env, report.missing));
  result.Set("unexpected", toJsStrings(env, report.unexpected));
  result.Set("metadata", metadataToJs(env, metadata));
  return result;
}

}  // namespace diffprompt::napi
