#include "napi/error_mapping.h"

#include <torch/torch.h>

#include <new>

#include "napi/addon_state.h"

namespace diffprompt::napi {
namespace {

bool contains(const std::string& text, const char* needle) { return text.find(needle) != std::string::npos; }

/** libtorch reports everything as c10::Error; its message tells shape from dtype problems. */
std::string classifyTorchMessage(const std::string& message) {
  if (contains(message, "out of memory") || contains(message, "can't allocate memory")) return errorCodeName(ErrorCode::Internal);
  if (contains(message, "same device") || contains(message, "Input type") || contains(message, "device type")) {
    return errorCodeName(ErrorCode::Config);
  }
  if (contains(message, "CUDA") && (contains(message, "not available") || contains(message, "no CUDA") || contains(message, "compiled without"))) {
    return errorCodeName(ErrorCode::CudaUnavailable);
  }
  if (contains(message, "scalar type") || contains(message, "dtype") || contains(message, "ScalarType")) {
    return errorCodeName(ErrorCode::Dtype);
  }
  if (contains(message, "shape") || contains(message, "size mismatch") || contains(message, "must match the size") ||
      contains(message, "dimension") || contains(message, "mat1 and mat2") || contains(message, "sizes")) {
    return errorCodeName(ErrorCode::Shape);
  }
  return errorCodeName(ErrorCode::Internal);
}

}  // namespace

CapturedError captureCurrentException() {
  try {
    throw;
  } catch (const Error& error) {
    return {errorCodeName(error.code()), error.what()};
  } catch (const c10::Error& error) {
    const std::string message = error.what_without_backtrace();
    if (contains(message, "out of memory") || contains(message, "can't allocate memory")) {
      return {errorCodeName(ErrorCode::Internal), "out of memory: use a smaller batch or model (libtorch: " + message + ")"};
    }
    return {classifyTorchMessage(message), "libtorch: " + message};
  } catch (const std::bad_alloc&) {
    return {errorCodeName(ErrorCode::Internal), "out of memory: use a smaller batch or model"};
  } catch (const std::exception& error) {
    return {errorCodeName(ErrorCode::Internal), error.what()};
  } catch (...) {
    return {errorCodeName(ErrorCode::Internal), "unknown native error"};
  }
}

Napi::Error toJsError(Napi::Env env, const CapturedError& error) {
  AddonState& state = addonState(env);
  if (!state.errorClass.IsEmpty()) {
    Napi::Object instance = state.errorClass.New({Napi::String::New(env, error.code), Napi::String::New(env, error.message)});
    return Napi::Error(env, instance);
  }
  Napi::Error plain = Napi::Error::New(env, error.message);
  plain.Set("code", Napi::String::New(env, error.code));
  return plain;
}

void throwJs(Napi::Env env, ErrorCode code, const std::string& message) {
  throw toJsError(env, {errorCodeName(code), message});
}

}  // namespace diffprompt::napi
