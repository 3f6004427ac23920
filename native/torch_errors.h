// LibTorch's exception (c10::Error) turned into NativeFailure, so the glue reports it with a code and
// without torch headers. Every torch-side file goes through these (torch-side files only).
#pragma once

#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>

#include "bridge.h"

namespace sda {

// fn(); a c10::Error it throws becomes NativeFailure(code, its message without the C++ backtrace).
// Other exceptions, NativeFailure included, pass through unchanged.
template <typename Fn>
auto translateTorchErrors(Fn&& fn, const char* code = kErrNative) -> decltype(fn()) {
  try {
    return fn();
  } catch (const c10::Error& e) {
    throw NativeFailure(code, e.what_without_backtrace());
  }
}

// translateTorchErrors, with fn run under c10::InferenceMode: every computation on the models and spectrograms.
template <typename Fn>
auto inferenceCall(Fn&& fn) -> decltype(fn()) {
  return translateTorchErrors([&]() -> decltype(fn()) {
    c10::InferenceMode guard;
    return fn();
  });
}

// fn(), or `fallback` when it throws a c10::Error: for probes where a failure means "not there".
template <typename T, typename Fn>
T torchOr(T fallback, Fn&& fn) {
  try {
    return fn();
  } catch (const c10::Error&) {
    return fallback;
  }
}

}  // namespace sda
