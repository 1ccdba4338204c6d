#include "core/error.h"

namespace diffprompt {

const char* errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::Shape: return "ERR_SHAPE";
    case ErrorCode::Dtype: return "ERR_DTYPE";
    case ErrorCode::Disposed: return "ERR_DISPOSED";
    case ErrorCode::Checkpoint: return "ERR_CHECKPOINT";
    case ErrorCode::Config: return "ERR_CONFIG";
    case ErrorCode::Data: return "ERR_DATA";
    case ErrorCode::Nan: return "ERR_NAN";
    case ErrorCode::Aborted: return "ERR_ABORTED";
    case ErrorCode::CudaUnavailable: return "ERR_CUDA_UNAVAILABLE";
    case ErrorCode::NativeLoad: return "ERR_NATIVE_LOAD";
    case ErrorCode::Internal: return "ERR_INTERNAL";
  }
  return "ERR_INTERNAL";
}

}  // namespace diffprompt
