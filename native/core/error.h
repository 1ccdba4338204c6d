// Typed errors thrown by the native code. native/napi/error_mapping.cc turns each into a
// JavaScript DiffPromptError with the same code; nothing here knows about N-API.
#pragma once

#include <stdexcept>
#include <string>

namespace diffprompt {

enum class ErrorCode {
  Shape,            // ERR_SHAPE
  Dtype,            // ERR_DTYPE
  Disposed,         // ERR_DISPOSED
  Checkpoint,       // ERR_CHECKPOINT
  Config,           // ERR_CONFIG
  Data,             // ERR_DATA
  Nan,              // ERR_NAN
  Aborted,          // ERR_ABORTED
  CudaUnavailable,  // ERR_CUDA_UNAVAILABLE
  NativeLoad,       // ERR_NATIVE_LOAD
  Internal,         // ERR_INTERNAL
};

/** "ERR_SHAPE", ... : the code as JavaScript sees it. */
const char* errorCodeName(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

[[noreturn]] inline void fail(ErrorCode code, const std::string& message) { throw Error(code, message); }

}  // namespace diffprompt
