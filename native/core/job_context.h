// What a long native job may ask of whoever started it: has the user cancelled, and here is
// progress. The N-API layer implements it (AbortSignal, onProgress); C++ callers may too.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace diffprompt {

struct Progress {
  int64_t step = 0;
  int64_t total = 0;
  std::vector<std::pair<std::string, double>> values;  // e.g. {"loss", 0.12}
};

class JobContext {
 public:
  virtual ~JobContext() = default;
  virtual bool cancelled() const = 0;
  virtual void progress(const Progress& progress) = 0;

  /** Between steps: throws ERR_ABORTED when the user cancelled. */
  void throwIfCancelled(const std::string& what) const {
    if (cancelled()) fail(ErrorCode::Aborted, what + " was cancelled");
  }
};

}  // namespace diffprompt
