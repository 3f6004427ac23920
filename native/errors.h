// Turning C++ failures into JS errors that carry a stable `code` (see lib/errors.ts).
#pragma once

#include <napi.h>

#include <string>

namespace sda {

Napi::Error makeError(Napi::Env env, const std::string& code, const std::string& message);

// Runs fn; converts NativeFailure / std::exception into a thrown JS error with a code.
template <typename Fn>
Napi::Value guarded(Napi::Env env, Fn&& fn);

}  // namespace sda

#include "errors_inl.h"
