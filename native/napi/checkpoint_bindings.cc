// readSafetensors / writeSafetensors / writeFileAtomically for JavaScript: every file read goes
// through the same bounds-checked reader the models use.
#include <napi.h>

#include "io/safetensors.h"
#include "napi/async_job.h"
#include "napi/error_mapping.h"
#include "napi/js_convert.h"
#include "napi/model_handle.h"
#include "napi/tensor_handle.h"

namespace diffprompt::napi {
namespace {

// readSafetensors(path): Promise<{ names: string[], tensors: Record<string, NativeTensor>, metadata }>.
Napi::Value ReadSafetensors(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    const std::string path = expectString(info, 0, "path");
    return PromiseJob<safetensors::File>::start(
        info.Env(), [path](JobContext&) { return safetensors::read(path); },
        [](Napi::Env env, safetensors::File& file) -> Napi::Value {
          Napi::Object result = Napi::Object::New(env);
          Napi::Array names = Napi::Array::New(env, file.tensors.size());
          Napi::Object tensors = Napi::Object::New(env);
          for (uint32_t i = 0; i < file.tensors.size(); ++i) {
            names.Set(i, file.tensors[i].first);
            tensors.Set(file.tensors[i].first, TensorHandle::wrap(env, file.tensors[i].second));
          }
          result.Set("names", names);
          result.Set("tensors", tensors);
          result.Set("metadata", metadataToJs(env, file.metadata));
          return result;
        });
  });
}

// writeSafetensors(path, entries: [name, NativeTensor][], metadata?): Promise<void>.
Napi::Value WriteSafetensors(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    Napi::Env env = info.Env();
    const std::string path = expectString(info, 0, "path");
    if (info.Length() < 2 || !info[1].IsArray()) throwJs(env, ErrorCode::Config, "entries must be an array of [name, tensor] pairs");
    const Napi::Array entries = info[1].As<Napi::Array>();
    safetensors::NamedTensors tensors;
    for (uint32_t i = 0; i < entries.Length(); ++i) {
      const Napi::Value entry = entries.Get(i);
      if (!entry.IsArray() || entry.As<Napi::Array>().Length() != 2 || !entry.As<Napi::Array>().Get(0u).IsString()) {
        throwJs(env, ErrorCode::Config, "entry " + std::to_string(i) + " must be a [name, tensor] pair");
      }
      const std::string name = entry.As<Napi::Array>().Get(0u).As<Napi::String>().Utf8Value();
      tensors.emplace_back(name, TensorHandle::unwrap(entry.As<Napi::Array>().Get(1u), "tensor \"" + name + "\""));
    }
    safetensors::Metadata metadata = metadataFromJs(env, info[2]);
    return PromiseJob<bool>::start(
        env, [path, tensors, metadata](JobContext&) {
          safetensors::write(path, tensors, metadata);
          return true;
        },
        [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); });
  });
}

// writeFileAtomically(path, bytes: Uint8Array): Promise<void>; temporary file, fsync, rename.
Napi::Value WriteFileAtomically(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    const std::string path = expectString(info, 0, "path");
    if (info.Length() < 2 || !info[1].IsTypedArray()) throwJs(info.Env(), ErrorCode::Config, "bytes must be a Uint8Array");
    const Napi::TypedArray view = info[1].As<Napi::TypedArray>();
    auto bytes = std::make_shared<std::string>(static_cast<const char*>(view.ArrayBuffer().Data()) + view.ByteOffset(), view.ByteLength());
    return PromiseJob<bool>::start(
        info.Env(), [path, bytes](JobContext&) {
          safetensors::writeFileAtomically(path, {*bytes});
          return true;
        },
        [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); });
  });
}

}  // namespace

void exportCheckpointFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("readSafetensors", Napi::Function::New(env, ReadSafetensors, "readSafetensors"));
  exports.Set("writeSafetensors", Napi::Function::New(env, WriteSafetensors, "writeSafetensors"));
  exports.Set("writeFileAtomically", Napi::Function::New(env, WriteFileAtomically, "writeFileAtomically"));
}

}  // namespace diffprompt::napi
