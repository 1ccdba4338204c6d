// runtimeInfo, setThreads, manualSeed, resolveDevice, externalMemory, releaseCpuBufferCache and
// setErrorClass for JavaScript.
#include <napi.h>

#include "core/runtime.h"
#include "napi/addon_state.h"
#include "napi/error_mapping.h"
#include "napi/js_convert.h"

namespace diffprompt::napi {
namespace {

Napi::Value RuntimeInfo(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    Napi::Env env = info.Env();
    const runtime::RuntimeInfo runtime = runtime::runtimeInfo();
    Napi::Object result = Napi::Object::New(env);
    result.Set("torchVersion", runtime.torchVersion);
    result.Set("torchOrigin", runtime.torchOrigin);
    result.Set("sourceHash", runtime.sourceHash);
    Napi::Object cuda = Napi::Object::New(env);
    cuda.Set("built", runtime.cudaBuilt);
    cuda.Set("available", runtime.cudaAvailable);
    cuda.Set("devices", runtime.cudaDevices);
    cuda.Set("reason", runtime.cudaReason);
    result.Set("cuda", cuda);
    result.Set("threads", runtime.threads);
    result.Set("threadsOrigin", runtime.threadsOrigin);
    Napi::Object blas = Napi::Object::New(env);
    blas.Set("kind", runtime.blas.kind);
    blas.Set("path", runtime.blas.path);
    blas.Set("detail", runtime.blas.detail);
    result.Set("blas", blas);
    Napi::Object bf16 = Napi::Object::New(env);
    bf16.Set("supported", runtime.bf16Supported);
    bf16.Set("native", runtime.bf16Native);
    result.Set("bf16", bf16);
    result.Set("mallocTuned", runtime.mallocTuned);
    Napi::Object cache = Napi::Object::New(env);
    cache.Set("installed", runtime.cpuBufferCache.installed);
    cache.Set("limitBytes", static_cast<double>(runtime.cpuBufferCache.limitBytes));
    cache.Set("limitOrigin", runtime.cpuBufferCache.limitOrigin);
    cache.Set("cachedBytes", static_cast<double>(runtime.cpuBufferCache.cachedBytes));
    cache.Set("reuses", static_cast<double>(runtime.cpuBufferCache.reuses));
    cache.Set("liveBuffers", static_cast<double>(runtime.cpuBufferCache.liveBuffers));
    result.Set("cpuBufferCache", cache);
    return result;
  });
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    Napi::Object holder = Napi::Object::New(info.Env());
    holder.Set("threads", info[0]);
    runtime::setThreads(integerOption(holder, "threads", 0, 1));
    return info.Env().Undefined();
  });
}

// manualSeed(n): the seed of every model created later without one of its own.
Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    Napi::Object holder = Napi::Object::New(info.Env());
    holder.Set("seed", info[0]);
    addonState(info.Env()).defaultSeed = static_cast<uint64_t>(integerOption(holder, "seed", 0, 0));
    return info.Env().Undefined();
  });
}

// resolveDevice('cpu' | 'cuda' | 'cuda:N' | 'auto'): the device a model would use, or a typed error.
Napi::Value ResolveDevice(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    return Napi::String::New(info.Env(), runtime::resolveDevice(expectString(info, 0, "device")).str());
  });
}

// externalMemory(): the bytes this isolate counts as external (native tensors and weights
// report theirs), as V8's garbage collector sees them.
Napi::Value ExternalMemory(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(Napi::MemoryManagement::AdjustExternalMemory(info.Env(), 0)));
}

// releaseCpuBufferCache(): the freed tensor buffers kept for reuse go back to the system.
Napi::Value ReleaseCpuBufferCache(const Napi::CallbackInfo& info) {
  runtime::releaseCpuBufferCache();
  return info.Env().Undefined();
}

Napi::Value SetErrorClass(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsFunction()) throw Napi::TypeError::New(info.Env(), "setErrorClass needs a constructor");
  addonState(info.Env()).errorClass = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

}  // namespace

void exportRuntimeFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("runtimeInfo", Napi::Function::New(env, RuntimeInfo, "runtimeInfo"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("manualSeed", Napi::Function::New(env, ManualSeed, "manualSeed"));
  exports.Set("resolveDevice", Napi::Function::New(env, ResolveDevice, "resolveDevice"));
  exports.Set("externalMemory", Napi::Function::New(env, ExternalMemory, "externalMemory"));
  exports.Set("releaseCpuBufferCache", Napi::Function::New(env, ReleaseCpuBufferCache, "releaseCpuBufferCache"));
  exports.Set("setErrorClass", Napi::Function::New(env, SetErrorClass, "setErrorClass"));
}

}  // namespace diffprompt::napi
