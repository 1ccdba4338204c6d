// Every C++ exception becomes a JavaScript DiffPromptError with a code; nothing thrown below
// reaches the process as an abort.
#pragma once

#include <napi.h>

#include <string>

#include "core/error.h"

namespace diffprompt::napi {

struct CapturedError {
  std::string code;  // "ERR_SHAPE", ...
  std::string message;
};

/** Call inside `catch (...)`: what the current exception means to a user. */
CapturedError captureCurrentException();

Napi::Error toJsError(Napi::Env env, const CapturedError& error);

[[noreturn]] void throwJs(Napi::Env env, ErrorCode code, const std::string& message);

/** Runs `body` on the main thread; a C++ exception leaves as a DiffPromptError. */
template <typename Body>
auto guarded(Napi::Env env, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    throw toJsError(env, captureCurrentException());
  }
}

}  // namespace diffprompt::napi
